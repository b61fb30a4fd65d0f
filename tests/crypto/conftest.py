"""Shared fixtures for the crypto core tests: a fast hypothesis profile and a key pair."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from voting.crypto.elgamal import KeyPair, generate_keypair
from voting.crypto.group import DeterministicNonces

settings.register_profile(
    "crypto",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.load_profile("crypto")


@pytest.fixture(scope="session")
def keypair() -> KeyPair:
    return generate_keypair(DeterministicNonces(b"tests/keypair"))


def tamper(data: bytes, index: int, delta: int) -> bytes:
    """``data`` with byte ``index`` (mod length) XORed with a non-zero ``delta``."""
    index %= len(data)
    return data[:index] + bytes([data[index] ^ (delta or 1)]) + data[index + 1 :]
