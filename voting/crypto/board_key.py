"""Ed25519 signatures for bulletin-board heads (docs/elections.md §5).

The board key only attests "the server showed this head": it protects no secret, so a plain
Ed25519 key (RFC 8032, deterministic signatures) through ``cryptography`` suffices. Keys are the
32-byte seed (private) and the 32-byte public key; signatures are 64 bytes.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidSignature as _CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from voting.crypto.errors import InvalidKey, InvalidSignature


def generate_seed() -> bytes:
    """A fresh 32-byte Ed25519 private seed from the OS CSPRNG."""
    return secrets.token_bytes(32)


def public_key(seed: bytes) -> bytes:
    if len(seed) != 32:
        raise InvalidKey("an Ed25519 seed is 32 bytes")
    return (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


@lru_cache(maxsize=64)
def _signing_key(seed: bytes) -> Ed25519PrivateKey:
    # A server signs a head for every ballot with the same few keys: build each key object once.
    return Ed25519PrivateKey.from_private_bytes(seed)


def sign(seed: bytes, message: bytes) -> bytes:
    if not isinstance(seed, bytes) or len(seed) != 32:
        raise InvalidKey("an Ed25519 seed is 32 bytes")
    return _signing_key(seed).sign(message)


def verify(public: bytes, message: bytes, signature: bytes) -> None:
    """Raise ``InvalidSignature`` unless ``signature`` is valid for ``message``."""
    if len(public) != 32 or len(signature) != 64:
        raise InvalidSignature("malformed Ed25519 key or signature")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (_CryptographyInvalidSignature, ValueError):
        raise InvalidSignature("board head signature does not verify") from None
