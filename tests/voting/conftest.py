"""Fixtures of the election tests: cached issuer keys, one per trustee index (RSA-3072
generation takes about a second)."""

from __future__ import annotations

import pytest

from voting.crypto import blind_rsa

_KEYS: dict[int, blind_rsa.BlindRsaPrivateKey] = {}


def cached_issuer_key(index: int) -> blind_rsa.BlindRsaPrivateKey:
    if index not in _KEYS:
        _KEYS[index] = blind_rsa.generate_private_key(3072)
    return _KEYS[index]


@pytest.fixture
def issuer_key():
    """Trustee 1's issuer key."""
    return cached_issuer_key(1)


_COHORT_KEYS: dict[tuple[int, int, int], blind_rsa.BlindRsaPrivateKey] = {}


def cached_cohort_key(index: int, d: int, v: int) -> blind_rsa.BlindRsaPrivateKey:
    if (index, d, v) not in _COHORT_KEYS:
        _COHORT_KEYS[(index, d, v)] = blind_rsa.generate_private_key(3072)
    return _COHORT_KEYS[(index, d, v)]


@pytest.fixture(autouse=True)
def _cached_issuer_keys(monkeypatch):
    monkeypatch.setattr("voting.clients.new_issuer_key", cached_issuer_key)
    monkeypatch.setattr("voting.clients.new_cohort_key", cached_cohort_key)


@pytest.fixture
def world(db):
    from tests.voting.world import World

    return World()
