"""Election private keys at rest: sealed with AES-256-GCM under a key derived from SECRET_KEY.

The board's Ed25519 seed (which signs heads) is stored in the database only sealed. (The server
holds no credential issuer key: the issuers are the trustees, docs/elections.md §3; an issuer key
sealed here under SECRET_KEY let whoever held the database and SECRET_KEY mint credentials.) The
sealing key is
``HKDF-SHA256(SECRET_KEY, info="mashwara/v1/election-key-seal")``, and each sealed value is bound
to its election and purpose as associated data, so a copy of the database (or a backup) alone
yields neither key, and a sealed key cannot be moved to another election or role. Rotating
``SECRET_KEY`` during an election makes its keys unreadable: rotate between elections.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_NONCE = 12


class SealedKeyUnreadable(RuntimeError):
    """The sealed key does not open: SECRET_KEY changed, or the stored value was altered."""


def _sealing_key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"mashwara/v1/election-key-seal"
    ).derive(settings.SECRET_KEY.encode("utf-8"))


def _aad(election_uuid: str, purpose: str) -> bytes:
    return f"mashwara/v1/{purpose}/{election_uuid}".encode()


def seal(plaintext: bytes, *, election_uuid: str, purpose: str) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(_sealing_key()).encrypt(nonce, plaintext, _aad(election_uuid, purpose))


def unseal(sealed: bytes, *, election_uuid: str, purpose: str) -> bytes:
    sealed = bytes(sealed)
    try:
        return AESGCM(_sealing_key()).decrypt(
            sealed[:_NONCE], sealed[_NONCE:], _aad(election_uuid, purpose)
        )
    except InvalidTag:
        raise SealedKeyUnreadable(f"the {purpose} key of election {election_uuid}") from None
