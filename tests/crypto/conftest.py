"""Shared fixtures for the crypto core tests: hypothesis settings, a key pair, a tamper helper."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from voting.crypto.elgamal import KeyPair, generate_keypair
from voting.crypto.group import DeterministicNonces

# Applied per test (not as a global profile, which would change other packages' tests).
CRYPTO_SETTINGS = settings(
    max_examples=int(os.environ.get("CRYPTO_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="session")
def keypair() -> KeyPair:
    return generate_keypair(DeterministicNonces(b"tests/keypair"))


def tamper(data: bytes, index: int, delta: int) -> bytes:
    """``data`` with byte ``index`` (mod length) XORed with a non-zero ``delta``."""
    index %= len(data)
    return data[:index] + bytes([data[index] ^ (delta or 1)]) + data[index + 1 :]
