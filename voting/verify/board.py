"""The hash-chained bulletin board, its signed heads and its caps (docs/elections.md §5)."""

from __future__ import annotations

from voting.crypto import board_key
from voting.crypto.group import decode_hex
from voting.verify.canonical import frame, sha256f

KINDS = ("ballot", "audited")
# A credential's ballots on the board (docs/elections.md §4): enough to re-vote under pressure
# several times, too few to flood the board or hide a ballot among one's own.
MAX_BALLOTS_PER_CREDENTIAL = 10


def max_audits(roll_size: int) -> int:
    """Audits are anonymous, so they are capped per board, not per credential."""
    return max(100, 2 * roll_size)


def genesis(fingerprint: bytes) -> bytes:
    return sha256f("board-genesis", fingerprint)


def entry_hash(
    previous: bytes,
    position: int,
    kind: str,
    hour: str,
    tracker: bytes,
    digest: bytes,
    reveal: bytes,
) -> bytes:
    """``h_i``; ``digest`` is SHA-256 of the entry's canonical ballot (the sealed one for an
    audit), ``reveal`` the canonical reveal for audited entries, ``b""`` otherwise."""
    return sha256f("board-entry", previous, position, kind, hour, tracker, digest, reveal)


def head_message(fingerprint: bytes, count: int, head_hash: bytes, final: bool) -> bytes:
    parts = (
        b"mashwara/v1/board-head",
        fingerprint,
        count.to_bytes(8, "big"),
        head_hash,
        b"final" if final else b"running",
    )
    return b"".join(frame(p) for p in parts)


def sign_head(seed: bytes, fingerprint: bytes, count: int, head_hash: bytes, final: bool) -> dict:
    signature = board_key.sign(seed, head_message(fingerprint, count, head_hash, final))
    return {
        "election": fingerprint.hex(),
        "count": count,
        "hash": head_hash.hex(),
        "final": final,
        "signature": signature.hex(),
    }


def verify_head(public: bytes, fingerprint: bytes, head: dict) -> None:
    """Raise ``InvalidSignature`` (or ``ValueError`` for a malformed head: protocol §10's
    strictness, so an upper-case or truncated hash or signature is refused, not repaired)."""
    if not isinstance(head, dict) or set(head) != {
        "election",
        "count",
        "hash",
        "final",
        "signature",
    }:
        raise ValueError("a head has exactly election, count, hash, final, signature")
    if head["election"] != fingerprint.hex():
        raise ValueError("the head is for another election")
    count, final = head["count"], head["final"]
    if type(count) is not int or not 0 <= count < 1 << 53 or type(final) is not bool:
        raise ValueError("a head's count is an integer ≥ 0 and final is true or false")
    head_hash = decode_hex(head["hash"], 32, ValueError, "the head's hash")
    signature = decode_hex(head["signature"], 64, ValueError, "the head's signature")
    board_key.verify(public, head_message(fingerprint, count, head_hash, final), signature)
