"""The passphrase-protected trustee key file (docs/elections.md §6.1).

A trustee's secrets (polynomial coefficients and communication key, protocol §6, and, for an
issuer — trustees 1..k, protocol §7 — its blind-signing RSA issuer key as PKCS#8 DER,
docs/elections.md §3, and in an election with cohort dimensions one more RSA key per stated
value, protocol §12.2) exist only in
the trustee's hands: the browser or this CLI writes them once into a key file sealed with
AES-256-GCM under a key derived from the trustee's passphrase by PBKDF2-HMAC-SHA256. PBKDF2 and
AES-GCM are what WebCrypto offers natively, so the browser needs no extra code to read or write
the same file. Everything outside the ciphertext is authenticated as associated data, so a file
cannot be relabelled for another trustee or election without the passphrase. The cohort keys
are an optional member of the sealed content, present only when there are some: a key file of
an election without dimensions is exactly as before, and files written before cohorts existed
still open. Likewise the issuer key is absent from the file of a trustee beyond ``k``, who is no
issuer; a file of such a trustee written when every trustee made one still opens, with its key.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from voting.crypto.blind_rsa import BlindRsaPrivateKey
from voting.crypto.errors import CryptoError
from voting.crypto.serialization import canonical_json, from_json, parse_json, to_json
from voting.crypto.threshold import TrusteeSecrets

FORMAT = "mashwara/v1/trustee-key"
KDF = "PBKDF2-HMAC-SHA256"
CIPHER = "AES-256-GCM"
ITERATIONS = 600_000
# A file may ask for more work than we would choose, within reason: a hostile file must not
# make the client spin for hours.
MIN_ITERATIONS = 100_000
MAX_ITERATIONS = 10_000_000
SALT_BYTES = 16
NONCE_BYTES = 12
MIN_PASSPHRASE = 12
MAX_COHORT_KEYS = 24  # 3 dimensions × 8 stated values (docs/protocol.md §12.1)
HEADER_KEYS = {"format", "election", "trustee", "threshold", "ceremony_context", "kdf", "cipher"}


class KeyFileError(Exception):
    """A key file that cannot be read: wrong format, tampered with, or a wrong passphrase."""


@dataclass(frozen=True)
class TrusteeKey:
    """What a key file holds once opened."""

    election: str
    ceremony_context: bytes
    threshold: int
    secrets: TrusteeSecrets
    # The issuer's blind-signing key: trustees 1..k only (protocol §7), ``None`` beyond k (a
    # file written when every trustee made one still holds it).
    issuer_key: BlindRsaPrivateKey | None
    # One blind-signing key per stated cohort value (dimension, value), for an issuer of an
    # election with cohort dimensions (docs/protocol.md §12.2); empty otherwise.
    cohort_keys: dict[tuple[int, int], BlindRsaPrivateKey] = field(default_factory=dict)

    @property
    def index(self) -> int:
        return self.secrets.index


def _derive(passphrase: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(passphrase.encode("utf-8"))


def seal(key: TrusteeKey, passphrase: str, *, iterations: int = ITERATIONS) -> dict[str, Any]:
    """The key file as JSON data; the caller writes ``dumps_keyfile`` of it to disk."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeyFileError(f"choose a passphrase of at least {MIN_PASSPHRASE} characters")
    if len(key.secrets.coefficients) != key.threshold:
        raise KeyFileError("the secrets do not match the threshold")
    salt = secrets.token_bytes(SALT_BYTES)
    nonce = secrets.token_bytes(NONCE_BYTES)
    header = {
        "format": FORMAT,
        "election": key.election,
        "trustee": key.index,
        "threshold": key.threshold,
        "ceremony_context": key.ceremony_context.hex(),
        "kdf": {"name": KDF, "iterations": iterations, "salt": salt.hex()},
        "cipher": {"name": CIPHER, "nonce": nonce.hex()},
    }
    content = to_json(key.secrets)
    if key.issuer_key is not None:
        content["issuer_key"] = key.issuer_key.to_der().hex()
    elif key.index <= key.threshold:
        raise KeyFileError("the issuer key is missing: trustees 1..k are the issuers")
    if key.cohort_keys:
        content["cohort_keys"] = [
            {"dimension": d, "value": v, "key": key.cohort_keys[(d, v)].to_der().hex()}
            for d, v in sorted(key.cohort_keys)
        ]
    plaintext = canonical_json(content)
    ciphertext = AESGCM(_derive(passphrase, salt, iterations)).encrypt(
        nonce, plaintext, canonical_json(header)
    )
    return {**header, "ciphertext": ciphertext.hex()}


def _hex(value: Any, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, str) or value != value.lower():
        raise KeyFileError(f"{what} must be lowercase hex")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise KeyFileError(f"{what} must be lowercase hex") from None
    if length is not None and len(data) != length:
        raise KeyFileError(f"{what} must be {length} bytes")
    return data


def _int(value: Any, what: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise KeyFileError(f"{what} must be an integer from {low} to {high}")
    return value


def open_keyfile(data: Any, passphrase: str) -> TrusteeKey:
    """Check the file's shape, derive the key and decrypt; ``KeyFileError`` otherwise."""
    if not isinstance(data, dict) or set(data) != HEADER_KEYS | {"ciphertext"}:
        raise KeyFileError("this is not a Mashwara trustee key file")
    if data["format"] != FORMAT:
        raise KeyFileError(f"unknown key file format {data['format']!r}")
    kdf, cipher = data["kdf"], data["cipher"]
    if (
        not isinstance(kdf, dict)
        or set(kdf) != {"name", "iterations", "salt"}
        or kdf["name"] != KDF
    ):
        raise KeyFileError(f"the key file must use {KDF}")
    if not isinstance(cipher, dict) or set(cipher) != {"name", "nonce"} or cipher["name"] != CIPHER:
        raise KeyFileError(f"the key file must use {CIPHER}")
    iterations = _int(kdf["iterations"], "kdf.iterations", MIN_ITERATIONS, MAX_ITERATIONS)
    salt = _hex(kdf["salt"], "kdf.salt", SALT_BYTES)
    nonce = _hex(cipher["nonce"], "cipher.nonce", NONCE_BYTES)
    election = data["election"]
    if not isinstance(election, str) or len(_hex(election, "election", 16)) != 16:
        raise KeyFileError("election must be the election's 32-hex identifier")
    index = _int(data["trustee"], "trustee", 1, 2**32 - 1)
    threshold = _int(data["threshold"], "threshold", 1, 1024)
    context = _hex(data["ceremony_context"], "ceremony_context", 32)
    header = {k: data[k] for k in HEADER_KEYS}
    try:
        plaintext = AESGCM(_derive(passphrase, salt, iterations)).decrypt(
            nonce, _hex(data["ciphertext"], "ciphertext"), canonical_json(header)
        )
    except InvalidTag:
        raise KeyFileError("wrong passphrase, or the key file was altered") from None
    try:
        content = parse_json(plaintext)
        if not isinstance(content, dict):
            raise CryptoError("the secrets must be an object")
        issuer_key = _issuer_key(content, index, threshold)
        cohort_keys = _cohort_keys(content.pop("cohort_keys", None))
        trustee_secrets = from_json(TrusteeSecrets, content)
    except CryptoError as exc:
        raise KeyFileError(f"the key file's contents are malformed: {exc}") from None
    if trustee_secrets.index != index or len(trustee_secrets.coefficients) != threshold:
        raise KeyFileError("the key file's contents do not match its header")
    return TrusteeKey(election, context, threshold, trustee_secrets, issuer_key, cohort_keys)


def _issuer_key(content: dict[str, Any], index: int, threshold: int) -> BlindRsaPrivateKey | None:
    """Takes the ``issuer_key`` (hex PKCS#8 DER) out of the secrets: required of an issuer,
    trustees 1..k; absent beyond ``k``, or present in a file written when every trustee made
    one."""
    if "issuer_key" not in content:
        if index <= threshold:
            raise CryptoError("the issuer key is missing: trustees 1..k are the issuers")
        return None
    return BlindRsaPrivateKey.from_der(_hex(content.pop("issuer_key"), "issuer_key"))


def _cohort_keys(value: Any) -> dict[tuple[int, int], BlindRsaPrivateKey]:
    """The optional ``cohort_keys``: ``[{"dimension", "value", "key": hex PKCS#8 DER}]``, sorted
    by (dimension, value), each once, at least one (absent when there are none)."""
    if value is None:
        return {}
    if not isinstance(value, list) or not value or len(value) > MAX_COHORT_KEYS:
        raise CryptoError(f"cohort_keys must list 1 to {MAX_COHORT_KEYS} keys")
    keys: dict[tuple[int, int], BlindRsaPrivateKey] = {}
    for item in value:
        if not isinstance(item, dict) or set(item) != {"dimension", "value", "key"}:
            raise CryptoError('a cohort key is {"dimension", "value", "key"}')
        d = _int(item["dimension"], "a cohort key's dimension", 1, 3)
        v = _int(item["value"], "a cohort key's value", 1, 8)
        if keys and (d, v) <= max(keys):
            raise CryptoError("cohort keys must be sorted by dimension and value, each once")
        keys[(d, v)] = BlindRsaPrivateKey.from_der(_hex(item["key"], "a cohort key"))
    return keys


def dumps_keyfile(data: dict[str, Any]) -> str:
    """Readable JSON (one key per line) for the file on disk; any JSON layout is accepted."""
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def loads_keyfile(text: str | bytes) -> Any:
    try:
        return parse_json(text)
    except CryptoError as exc:
        raise KeyFileError(f"the key file is not valid JSON: {exc}") from None
