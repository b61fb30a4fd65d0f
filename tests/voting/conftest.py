"""Fixtures of the election tests: a cached issuer key (RSA-3072 generation takes seconds)."""

from __future__ import annotations

import pytest

from voting.crypto import blind_rsa


@pytest.fixture(scope="session")
def issuer_key():
    return blind_rsa.generate_private_key(3072)


@pytest.fixture(autouse=True)
def _cached_issuer_key(monkeypatch, issuer_key):
    monkeypatch.setattr("voting.services.lifecycle.generate_issuer_key", lambda: issuer_key)


@pytest.fixture
def world(db):
    from tests.voting.world import World

    return World()
