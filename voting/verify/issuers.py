"""The credential issuers: the election's trustees, each with its own blind-signing RSA key
(docs/elections.md §1, §3, §8).

A credential carries ``threshold`` RFC 9474 signatures by distinct issuers of the manifest, each
over its own prefix and the credential message. Each issuer keeps a ledger of the roll entries
it signed for and publishes it, signed with its RSA key, once the credential window has closed;
the verifier bounds the counted credentials carrying issuer ``i``'s signature by the length of
ledger ``i``. Pure functions: no Django, no I/O; the server, the clients and the verifier share
them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from voting.crypto import blind_rsa
from voting.crypto.errors import CryptoError
from voting.crypto.serialization import canonical_json
from voting.verify.canonical import frame
from voting.verify.cohorts import Cohorts, InvalidCohorts, parse_cohorts
from voting.verify.election import InvalidManifest, credential_message

LEDGER_FORMAT = "mashwara/v1/issuer-ledger"
MAX_ISSUERS = 64
HEX64 = frozenset("0123456789abcdef")


class InvalidLedger(ValueError):
    """A published issuer ledger that is malformed or not signed by its issuer."""


@dataclass(frozen=True)
class Issuers:
    """The manifest's ``issuers``: how many signatures a credential needs, and each issuer's
    public key by trustee index."""

    threshold: int
    keys: dict[int, blind_rsa.BlindRsaPublicKey]
    # The cohort definition and keys (docs/protocol.md §12), if the election has dimensions.
    cohorts: Cohorts | None = None

    def key(self, index: int) -> blind_rsa.BlindRsaPublicKey:
        return self.keys[index]


def parse_issuers(manifest: dict[str, Any]) -> Issuers:
    """``{"threshold": k, "keys": [{"trustee": i, "pem": …} for i = 1..k]}``: the trustees'
    threshold ``k`` and one key for each of trustees 1..k, in order, each ≥ 3072 bits with
    e = 65537, all different. A credential carries the signatures of all k issuers: with fewer
    signatures than issuers, voters who blind different keys to different issuers would get
    more credentials than roll entries, and the set of issuers on a credential could single a
    voter out (docs/protocol.md §7)."""
    value = manifest.get("issuers") if isinstance(manifest, dict) else None
    if not isinstance(value, dict) or set(value) != {"threshold", "keys"}:
        raise InvalidManifest('issuers must be {"threshold", "keys"}')
    names = manifest.get("trustees", {}).get("names", [])
    threshold, items = value["threshold"], value["keys"]
    if threshold != manifest["trustees"]["threshold"] or type(threshold) is not int:
        raise InvalidManifest("the issuers' threshold must be the trustees' threshold")
    if not isinstance(items, list) or len(items) != threshold or len(items) > len(names):
        raise InvalidManifest(
            "the manifest needs one issuer key for each of the first threshold trustees"
        )
    if len(items) > MAX_ISSUERS:
        raise InvalidManifest(f"at most {MAX_ISSUERS} issuers")
    keys: dict[int, blind_rsa.BlindRsaPublicKey] = {}
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) != {"trustee", "pem"} or item["trustee"] != i:
            raise InvalidManifest(f"issuer key {i} must be {{'trustee': {i}, 'pem': …}}")
        try:
            keys[i] = blind_rsa.BlindRsaPublicKey.from_pem(item["pem"])
        except (CryptoError, TypeError, ValueError) as exc:
            raise InvalidManifest(f"issuer key {i}: {exc}") from None
    if len({k.n for k in keys.values()}) != len(keys):
        raise InvalidManifest("two issuers have the same key")
    if not 1 <= threshold <= len(keys):
        raise InvalidManifest("the issuers' threshold must be between 1 and the number of keys")
    if "cohorts" not in manifest and "cohort_keys" not in manifest:
        return Issuers(threshold, keys)
    try:
        cohorts = parse_cohorts(manifest, len(keys), (k.n for k in keys.values()))
    except InvalidCohorts as exc:
        raise InvalidManifest(str(exc)) from None
    return Issuers(threshold, keys, cohorts)


def issuers_json(threshold: int, pems: Iterable[tuple[int, str]]) -> dict[str, Any]:
    return {
        "threshold": threshold,
        "keys": [{"trustee": i, "pem": pem} for i, pem in sorted(pems)],
    }


def issuer_key_message(ceremony_context: bytes, trustee: int) -> bytes:
    """What a trustee signs with its new issuer key to show it holds it (proof of possession):
    ``frame("mashwara/v1/issuer-key") ‖ frame(cc) ‖ frame(int(i))``."""
    return (
        frame(b"mashwara/v1/issuer-key")
        + frame(ceremony_context)
        + frame(trustee.to_bytes(8, "big"))
    )


def check_issuer_key(ceremony_context: bytes, trustee: int, value: Any) -> str:
    """An announced issuer key ``{"pem", "proof"}``: returns its PEM as the manifest holds it.
    Raises ``CryptoError`` naming what is wrong."""
    if not isinstance(value, dict) or set(value) != {"pem", "proof"}:
        raise CryptoError('issuer_key must be {"pem", "proof"}')
    if not isinstance(value["pem"], str) or len(value["pem"]) > 4000:
        raise CryptoError("issuer_key.pem must be a SubjectPublicKeyInfo PEM")
    key = blind_rsa.BlindRsaPublicKey.from_pem(value["pem"])
    proof = value["proof"]
    if not isinstance(proof, str) or len(proof) != 2 * key.modulus_length or proof != proof.lower():
        raise CryptoError("issuer_key.proof must be a lowercase hex RSA signature")
    try:
        signature = bytes.fromhex(proof)
    except ValueError:
        raise CryptoError("issuer_key.proof must be a lowercase hex RSA signature") from None
    blind_rsa.verify(key, issuer_key_message(ceremony_context, trustee), signature)
    return key.to_pem()


def verify_credential_signatures(
    issuers: Issuers,
    fingerprint: bytes,
    key_encoding: bytes,
    signatures: tuple[tuple[int, bytes, bytes], ...],
) -> None:
    """``threshold`` valid signatures ``(issuer, prefix, signature)`` by distinct issuers of the
    manifest, in ascending order; ``CryptoError`` otherwise."""
    if len(signatures) != issuers.threshold:
        raise CryptoError(f"a credential needs exactly {issuers.threshold} issuer signatures")
    message = credential_message(fingerprint, key_encoding)
    previous = 0
    for index, prefix, signature in signatures:
        if index <= previous:
            raise CryptoError("the issuers must be distinct, in ascending order")
        previous = index
        if index not in issuers.keys:
            raise CryptoError(f"issuer {index} is not an issuer of this election")
        blind_rsa.verify(issuers.keys[index], prefix + message, signature)


# -- ledgers -------------------------------------------------------------------------------------


def ledger_document(fingerprint: bytes, issuer: int, roll_ids: Iterable[str]) -> dict[str, Any]:
    """The ledger an issuer signs: every roll id it signed a request for (twice for a re-issue),
    sorted, so the order says nothing about when."""
    return {
        "format": LEDGER_FORMAT,
        "election": fingerprint.hex(),
        "issuer": issuer,
        "entries": sorted(roll_ids),
    }


def sign_ledger(
    private_key: blind_rsa.BlindRsaPrivateKey, document: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ledger": document,
        "signature": blind_rsa.sign(private_key, canonical_json(document)).hex(),
    }


def check_ledger(issuers: Issuers, fingerprint: bytes, issuer: int, signed: Any) -> list[str]:
    """A signed ledger ``{"ledger", "signature"}`` of ``issuer``: its roll ids. Raises
    ``InvalidLedger``."""
    if not isinstance(signed, dict) or set(signed) != {"ledger", "signature"}:
        raise InvalidLedger('a signed ledger is {"ledger", "signature"}')
    document = signed["ledger"]
    if not isinstance(document, dict) or set(document) != {
        "format",
        "election",
        "issuer",
        "entries",
    }:
        raise InvalidLedger("the ledger must have exactly format, election, issuer, entries")
    if document["format"] != LEDGER_FORMAT:
        raise InvalidLedger(f"the ledger's format is not {LEDGER_FORMAT}")
    if document["election"] != fingerprint.hex():
        raise InvalidLedger("the ledger is for another election")
    if document["issuer"] != issuer or issuer not in issuers.keys:
        raise InvalidLedger(f"the ledger does not name issuer {issuer}")
    entries = document["entries"]
    if not isinstance(entries, list) or any(
        not isinstance(e, str) or len(e) != 64 or not set(e) <= HEX64 for e in entries
    ):
        raise InvalidLedger("the ledger's entries must be roll ids (64 lowercase hex)")
    if entries != sorted(entries):
        raise InvalidLedger("the ledger's entries must be sorted")
    signature = signed["signature"]
    try:
        if not isinstance(signature, str) or signature != signature.lower():
            raise ValueError
        blind_rsa.verify(issuers.keys[issuer], canonical_json(document), bytes.fromhex(signature))
    except (CryptoError, ValueError):
        raise InvalidLedger(f"the ledger is not signed by issuer {issuer}'s key") from None
    return entries
