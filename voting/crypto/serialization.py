"""Canonical JSON and strict to/from-JSON for every protocol object.

``canonical_json`` is the one byte form used wherever JSON is hashed, signed or compared: keys
sorted, no whitespace, UTF-8, integers only. ``to_json(obj)`` turns any protocol value into plain
JSON data; ``from_json(Kind, data)`` is its strict inverse: exact key sets, exact types (an
integer is never a bool or a float), lowercase hex of the exact length, points and scalars fully
validated (identity only where protocol §1 allows it). Every rejection raises ``InvalidEncoding``
or one of its subclasses with the path of the offending field. ``dumps``/``loads`` add the
byte-level step, refusing duplicate keys, floats and non-finite numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from voting.crypto.blind_rsa import BlindRsaPublicKey
from voting.crypto.elgamal import Ciphertext, KeyPair
from voting.crypto.errors import CryptoError, InvalidEncoding
from voting.crypto.group import Point, Scalar, decode_hex
from voting.crypto.proofs import (
    MAX_RANGE_WIDTH,
    CredentialSignature,
    DecryptionProof,
    RangeProof,
    SchnorrProof,
)
from voting.crypto.question import EncryptedQuestion
from voting.crypto.ranking import (
    MAX_RANKED_OPTIONS,
    MIN_RANKED_OPTIONS,
    EncryptedRanking,
    QuestionOpening,
    RankingOpening,
)
from voting.crypto.threshold import (
    Complaint,
    DecryptionShare,
    EncryptedShare,
    ShareReveal,
    TrusteeAnnouncement,
    TrusteeSecrets,
)

T = TypeVar("T")
MAX_TRUSTEE = 1 << 32
MAX_OPTIONS = 1024


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise InvalidEncoding(f"{name} is not allowed in protocol JSON")


def _reject_float(text: str) -> Any:
    raise InvalidEncoding(f"non-integer number {text} is not allowed in protocol JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidEncoding(f"duplicate key {key!r}")
        result[key] = value
    return result


def parse_json(text: bytes | str) -> Any:
    """Parse JSON strictly (no duplicate keys, no floats, no NaN)."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, InvalidEncoding):
            raise
        raise InvalidEncoding(f"not valid JSON: {exc}") from None


# -- field readers ------------------------------------------------------------------------------


def _object(data: Any, keys: set[str], path: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidEncoding(f"{path}: expected a JSON object")
    if set(data) != keys:
        raise InvalidEncoding(
            f"{path}: expected exactly the keys {sorted(keys)}, got {sorted(data)}"
        )
    return data


def _list(data: Any, path: str, minimum: int = 0, maximum: int = 1 << 20) -> list[Any]:
    if not isinstance(data, list):
        raise InvalidEncoding(f"{path}: expected a JSON array")
    if not minimum <= len(data) <= maximum:
        raise InvalidEncoding(f"{path}: expected {minimum}..{maximum} items, got {len(data)}")
    return data


def _int(data: Any, path: str, minimum: int, maximum: int) -> int:
    if type(data) is not int or not minimum <= data <= maximum:
        raise InvalidEncoding(f"{path}: expected an integer in {minimum}..{maximum}")
    return data


def _point(data: Any, path: str, *, allow_identity: bool = False) -> Point:
    try:
        return Point.from_hex(data, allow_identity=allow_identity)
    except CryptoError as exc:
        raise type(exc)(f"{path}: {exc}") from None


def _scalar(data: Any, path: str) -> Scalar:
    try:
        return Scalar.from_hex(data)
    except CryptoError as exc:
        raise type(exc)(f"{path}: {exc}") from None


def _bytes32(data: Any, path: str) -> bytes:
    return decode_hex(data, 32, InvalidEncoding, path)


# -- encoders and decoders ----------------------------------------------------------------------


def _cs(proof: SchnorrProof | CredentialSignature | DecryptionProof) -> dict[str, str]:
    return {"c": proof.c.hex(), "s": proof.s.hex()}


def _cs_from(kind: type[T]) -> Callable[[Any, str], T]:
    def decode(data: Any, path: str) -> T:
        obj = _object(data, {"c", "s"}, path)
        return kind(_scalar(obj["c"], f"{path}.c"), _scalar(obj["s"], f"{path}.s"))

    return decode


def _ciphertext_from(data: Any, path: str) -> Ciphertext:
    obj = _object(data, {"a", "b"}, path)
    return Ciphertext(
        _point(obj["a"], f"{path}.a", allow_identity=True),
        _point(obj["b"], f"{path}.b", allow_identity=True),
    )


def _range_to(proof: RangeProof) -> dict[str, list[str]]:
    return {"c": [c.hex() for c in proof.challenges], "s": [s.hex() for s in proof.responses]}


def _range_from(data: Any, path: str) -> RangeProof:
    obj = _object(data, {"c", "s"}, path)
    cs = _list(obj["c"], f"{path}.c", 1, MAX_RANGE_WIDTH)
    ss = _list(obj["s"], f"{path}.s", 1, MAX_RANGE_WIDTH)
    if len(cs) != len(ss):
        raise InvalidEncoding(f"{path}: as many responses as challenges are required")
    return RangeProof(
        tuple(_scalar(c, f"{path}.c[{i}]") for i, c in enumerate(cs)),
        tuple(_scalar(s, f"{path}.s[{i}]") for i, s in enumerate(ss)),
    )


def _question_to(question: EncryptedQuestion) -> dict[str, Any]:
    return {
        "ciphertexts": [to_json(ct) for ct in question.ciphertexts],
        "proofs": [_range_to(p) for p in question.proofs],
        "sum_proof": None if question.sum_proof is None else _range_to(question.sum_proof),
    }


def _question_from(data: Any, path: str) -> EncryptedQuestion:
    obj = _object(data, {"ciphertexts", "proofs", "sum_proof"}, path)
    cts = _list(obj["ciphertexts"], f"{path}.ciphertexts", 1, MAX_OPTIONS)
    proofs = _list(obj["proofs"], f"{path}.proofs", 1, MAX_OPTIONS)
    if len(cts) != len(proofs):
        raise InvalidEncoding(f"{path}: one proof per ciphertext is required")
    return EncryptedQuestion(
        tuple(_ciphertext_from(c, f"{path}.ciphertexts[{i}]") for i, c in enumerate(cts)),
        tuple(_range_from(p, f"{path}.proofs[{i}]") for i, p in enumerate(proofs)),
        None if obj["sum_proof"] is None else _range_from(obj["sum_proof"], f"{path}.sum_proof"),
    )


def _sized_question(data: Any, path: str, options: int) -> EncryptedQuestion:
    """A §5 question of ``options`` options with bounds ``1..1`` (a part of a ranked answer)."""
    question = _question_from(data, path)
    if len(question.ciphertexts) != options:
        raise InvalidEncoding(f"{path}: expected {options} ciphertexts")
    if any(len(p.challenges) != 2 for p in question.proofs):
        raise InvalidEncoding(f"{path}: each 0/1 proof has 2 challenges and responses")
    if question.sum_proof is None or len(question.sum_proof.challenges) != 1:
        raise InvalidEncoding(f"{path}: the sum proof of bounds 1..1 has 1 challenge")
    return question


def _single_range(data: Any, path: str) -> RangeProof:
    proof = _range_from(data, path)
    if len(proof.challenges) != 1:
        raise InvalidEncoding(f"{path}: a range proof of one value has 1 challenge")
    return proof


def _ranking_to(ranking: EncryptedRanking) -> dict[str, Any]:
    return {
        "pairs": [_question_to(q) for q in ranking.pairs],
        "positions": [_question_to(q) for q in ranking.positions],
        "places": [_range_to(p) for p in ranking.places],
        "links": [_range_to(p) for p in ranking.links],
    }


def _ranking_lists(
    obj: dict[str, Any], path: str, keys: tuple[str, ...]
) -> tuple[int, dict[str, list[Any]]]:
    """The ranked answer's (or reveal's) lists, each of the size ``n`` (from positions) gives."""
    positions = _list(obj["positions"], f"{path}.positions", MIN_RANKED_OPTIONS, MAX_RANKED_OPTIONS)
    n = len(positions)
    sizes = {"pairs": n * (n - 1) // 2, "positions": n, "places": n, "links": n}
    return n, {key: _list(obj[key], f"{path}.{key}", sizes[key], sizes[key]) for key in keys}


def _ranking_from(data: Any, path: str) -> EncryptedRanking:
    keys = ("pairs", "positions", "places", "links")
    n, lists = _ranking_lists(_object(data, set(keys), path), path, keys)
    return EncryptedRanking(
        tuple(_sized_question(q, f"{path}.pairs[{i}]", 2) for i, q in enumerate(lists["pairs"])),
        tuple(
            _sized_question(q, f"{path}.positions[{i}]", n)
            for i, q in enumerate(lists["positions"])
        ),
        tuple(_single_range(p, f"{path}.places[{i}]") for i, p in enumerate(lists["places"])),
        tuple(_single_range(p, f"{path}.links[{i}]") for i, p in enumerate(lists["links"])),
    )


def _opening_to(opening: QuestionOpening) -> dict[str, Any]:
    return {"votes": list(opening.votes), "randomness": [r.hex() for r in opening.randomness]}


def _opening_from(data: Any, path: str, options: int) -> QuestionOpening:
    obj = _object(data, {"votes", "randomness"}, path)
    votes = _list(obj["votes"], f"{path}.votes", options, options)
    randomness = _list(obj["randomness"], f"{path}.randomness", options, options)
    return QuestionOpening(
        tuple(_int(v, f"{path}.votes[{i}]", 0, 1) for i, v in enumerate(votes)),
        tuple(_scalar(r, f"{path}.randomness[{i}]") for i, r in enumerate(randomness)),
    )


def _ranking_opening_to(opening: RankingOpening) -> dict[str, Any]:
    return {
        "pairs": [_opening_to(o) for o in opening.pairs],
        "positions": [_opening_to(o) for o in opening.positions],
    }


def _ranking_opening_from(data: Any, path: str) -> RankingOpening:
    keys = ("pairs", "positions")
    n, lists = _ranking_lists(_object(data, set(keys), path), path, keys)
    return RankingOpening(
        tuple(_opening_from(o, f"{path}.pairs[{i}]", 2) for i, o in enumerate(lists["pairs"])),
        tuple(
            _opening_from(o, f"{path}.positions[{i}]", n) for i, o in enumerate(lists["positions"])
        ),
    )


def _keypair_from(data: Any, path: str) -> KeyPair:
    obj = _object(data, {"secret", "public"}, path)
    secret = _scalar(obj["secret"], f"{path}.secret")
    pair = KeyPair(secret, _point(obj["public"], f"{path}.public"))
    if Point.base(pair.secret) != pair.public or pair.secret.is_zero():
        raise InvalidEncoding(f"{path}: the public key does not match the secret key")
    return pair


def _announcement_to(a: TrusteeAnnouncement) -> dict[str, Any]:
    return {
        "trustee": a.trustee,
        "commitments": [k.hex() for k in a.commitments],
        "commitment_proofs": [_cs(p) for p in a.commitment_proofs],
        "communication_key": a.communication_key.hex(),
        "communication_proof": _cs(a.communication_proof),
    }


def _announcement_from(data: Any, path: str) -> TrusteeAnnouncement:
    keys = {
        "trustee",
        "commitments",
        "commitment_proofs",
        "communication_key",
        "communication_proof",
    }
    obj = _object(data, keys, path)
    commitments = _list(obj["commitments"], f"{path}.commitments", 1, 1024)
    proofs = _list(obj["commitment_proofs"], f"{path}.commitment_proofs", 1, 1024)
    if len(commitments) != len(proofs):
        raise InvalidEncoding(f"{path}: one proof per commitment is required")
    schnorr = _cs_from(SchnorrProof)
    return TrusteeAnnouncement(
        _int(obj["trustee"], f"{path}.trustee", 1, MAX_TRUSTEE - 1),
        tuple(_point(k, f"{path}.commitments[{i}]") for i, k in enumerate(commitments)),
        tuple(schnorr(p, f"{path}.commitment_proofs[{i}]") for i, p in enumerate(proofs)),
        _point(obj["communication_key"], f"{path}.communication_key"),
        schnorr(obj["communication_proof"], f"{path}.communication_proof"),
    )


def _secrets_to(s: TrusteeSecrets) -> dict[str, Any]:
    return {
        "trustee": s.index,
        "coefficients": [c.hex() for c in s.coefficients],
        "communication_key": s.communication_key.hex(),
    }


def _secrets_from(data: Any, path: str) -> TrusteeSecrets:
    obj = _object(data, {"trustee", "coefficients", "communication_key"}, path)
    coefficients = _list(obj["coefficients"], f"{path}.coefficients", 1, 1024)
    return TrusteeSecrets(
        _int(obj["trustee"], f"{path}.trustee", 1, MAX_TRUSTEE - 1),
        tuple(_scalar(c, f"{path}.coefficients[{i}]") for i, c in enumerate(coefficients)),
        _scalar(obj["communication_key"], f"{path}.communication_key"),
    )


def _pair(obj: dict[str, Any], path: str) -> tuple[int, int]:
    sender = _int(obj["sender"], f"{path}.sender", 1, MAX_TRUSTEE - 1)
    recipient = _int(obj["recipient"], f"{path}.recipient", 1, MAX_TRUSTEE - 1)
    if sender == recipient:
        raise InvalidEncoding(f"{path}: sender and recipient must differ")
    return sender, recipient


def _encrypted_share_from(data: Any, path: str) -> EncryptedShare:
    obj = _object(data, {"sender", "recipient", "r", "ct", "tag"}, path)
    return EncryptedShare(
        *_pair(obj, path),
        _point(obj["r"], f"{path}.r"),
        _bytes32(obj["ct"], f"{path}.ct"),
        _bytes32(obj["tag"], f"{path}.tag"),
    )


def _complaint_from(data: Any, path: str) -> Complaint:
    return Complaint(*_pair(_object(data, {"sender", "recipient"}, path), path))


def _reveal_from(data: Any, path: str) -> ShareReveal:
    obj = _object(data, {"sender", "recipient", "share"}, path)
    return ShareReveal(*_pair(obj, path), _scalar(obj["share"], f"{path}.share"))


def _decryption_share_from(data: Any, path: str) -> DecryptionShare:
    obj = _object(data, {"trustee", "d", "proof"}, path)
    return DecryptionShare(
        _int(obj["trustee"], f"{path}.trustee", 1, MAX_TRUSTEE - 1),
        _point(obj["d"], f"{path}.d"),
        _cs_from(DecryptionProof)(obj["proof"], f"{path}.proof"),
    )


def _rsa_public_from(data: Any, path: str) -> BlindRsaPublicKey:
    obj = _object(data, {"pem"}, path)
    if not isinstance(obj["pem"], str):
        raise InvalidEncoding(f"{path}.pem: expected a PEM string")
    try:
        return BlindRsaPublicKey.from_pem(obj["pem"])
    except CryptoError as exc:
        raise InvalidEncoding(f"{path}: {exc}") from None


_ENCODERS: dict[type, Callable[[Any], Any]] = {
    Point: lambda p: p.hex(),
    Scalar: lambda s: s.hex(),
    Ciphertext: lambda ct: {"a": ct.a.hex(), "b": ct.b.hex()},
    KeyPair: lambda k: {"secret": k.secret.hex(), "public": k.public.hex()},
    SchnorrProof: _cs,
    CredentialSignature: _cs,
    DecryptionProof: _cs,
    RangeProof: _range_to,
    EncryptedQuestion: _question_to,
    EncryptedRanking: _ranking_to,
    RankingOpening: _ranking_opening_to,
    TrusteeAnnouncement: _announcement_to,
    TrusteeSecrets: _secrets_to,
    EncryptedShare: lambda e: {
        "sender": e.sender,
        "recipient": e.recipient,
        "r": e.r.hex(),
        "ct": e.ct.hex(),
        "tag": e.tag.hex(),
    },
    Complaint: lambda c: {"sender": c.sender, "recipient": c.recipient},
    ShareReveal: lambda r: {"sender": r.sender, "recipient": r.recipient, "share": r.share.hex()},
    DecryptionShare: lambda d: {"trustee": d.trustee, "d": d.share.hex(), "proof": _cs(d.proof)},
    BlindRsaPublicKey: lambda k: {"pem": k.to_pem()},
}

_DECODERS: dict[type, Callable[[Any, str], Any]] = {
    Point: _point,
    Scalar: _scalar,
    Ciphertext: _ciphertext_from,
    KeyPair: _keypair_from,
    SchnorrProof: _cs_from(SchnorrProof),
    CredentialSignature: _cs_from(CredentialSignature),
    DecryptionProof: _cs_from(DecryptionProof),
    RangeProof: _range_from,
    EncryptedQuestion: _question_from,
    EncryptedRanking: _ranking_from,
    RankingOpening: _ranking_opening_from,
    TrusteeAnnouncement: _announcement_from,
    TrusteeSecrets: _secrets_from,
    EncryptedShare: _encrypted_share_from,
    Complaint: _complaint_from,
    ShareReveal: _reveal_from,
    DecryptionShare: _decryption_share_from,
    BlindRsaPublicKey: _rsa_public_from,
}


def to_json(obj: Any) -> Any:
    """Plain JSON data (dicts, lists, str, int) for any protocol object."""
    try:
        encoder = _ENCODERS[type(obj)]
    except KeyError:
        raise TypeError(f"no JSON form for {type(obj).__name__}") from None
    return encoder(obj)


def from_json(kind: type[T], data: Any, *, path: str = "$") -> T:
    """Strictly decode JSON data into a ``kind`` (a protocol class)."""
    try:
        decoder = _DECODERS[kind]
    except KeyError:
        raise TypeError(f"no JSON form for {kind.__name__}") from None
    return decoder(data, path)


def dumps(obj: Any) -> bytes:
    """Canonical JSON bytes of a protocol object."""
    return canonical_json(to_json(obj))


def loads(kind: type[T], text: bytes | str) -> T:
    """Parse strict JSON bytes into a ``kind``."""
    return from_json(kind, parse_json(text))
