"""Write ``tests/crypto/vectors/ranking.json``: deterministic vectors of ranked answers (protocol
§5.1), honest ones that verify and forged ones that must be rejected.

Run ``.venv/bin/python -m tests.crypto.make_ranking_vectors``. Every "random" scalar comes from
the protocol §9 stream of the vector's seed, in the order its ``draws`` field states. A forged
answer (``forge_ranking``) is built from witnesses that are *not* a ranking: each pair and
position is encrypted honestly and carries an honest proof of its true sum (so only the bounds
differ from what the verifier asks), each place and link whose value is right carries an honest
proof, and each one whose value is wrong carries a made-up proof (one drawn challenge, one drawn
response). ``rejected_by`` names the first part a verifier must refuse.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voting.crypto.elgamal import generate_keypair
from voting.crypto.group import DeterministicNonces, NonceSource, Point, Scalar
from voting.crypto.proofs import RangeProof, prove_range
from voting.crypto.question import EncryptedQuestion, encrypt_question_with_nonces
from voting.crypto.ranking import (
    EncryptedRanking,
    encrypt_ranking_with_opening,
    link_ciphertext,
    link_context,
    pair_context,
    place_ciphertext,
    place_context,
    position_context,
    ranked_pairs,
)
from voting.crypto.serialization import to_json

VECTORS = Path(__file__).parent / "vectors"
OUTPUT = VECTORS / "ranking.json"

HONEST_DRAWS = (
    "secret key x; then for each pair (i, j) in order the §5 draws of [e_ij, e_ji] with bounds"
    " 1..1 (r, w, c, s per option, then w of the sum proof); then for each option i the §5 draws"
    " of its position row (same pattern, n options); then w of each place proof p = 0…n−1; then"
    " w of each link proof i = 0…n−1"
)
FORGED_DRAWS = (
    "secret key x; then as an honest ranking, except that each pair and position proves its true"
    " sum s with bounds s..s, and a place or link whose value is wrong draws a made-up proof"
    " (c, then s) instead of w"
)


def seed(name: str) -> bytes:
    return f"mashwara-vector/ranking/{name}".encode()


def _made_up(rng: NonceSource) -> RangeProof:
    c = rng.draw()
    return RangeProof((c,), (rng.draw(),))


def forge_ranking(
    ctx: bytes,
    public_key: Point,
    preferences: Sequence[Sequence[int]],
    positions: Sequence[Sequence[int]],
    rng: NonceSource,
) -> EncryptedRanking:
    """The most valid-looking answer for witnesses that are not a ranking (see module doc)."""
    n = len(positions)
    pairs: list[EncryptedQuestion] = []
    pair_nonces: list[tuple[Scalar, ...]] = []
    for i, j in ranked_pairs(n):
        votes = (preferences[i][j], preferences[j][i])
        total = sum(votes)
        question, nonces = encrypt_question_with_nonces(
            pair_context(ctx, i, j), public_key, votes, total, total, rng
        )
        pairs.append(question)
        pair_nonces.append(nonces)
    rows: list[EncryptedQuestion] = []
    row_nonces: list[tuple[Scalar, ...]] = []
    for option in range(n):
        total = sum(positions[option])
        question, nonces = encrypt_question_with_nonces(
            position_context(ctx, option), public_key, positions[option], total, total, rng
        )
        rows.append(question)
        row_nonces.append(nonces)
    places = []
    for place in range(n):
        if sum(row[place] for row in positions) != 1:
            places.append(_made_up(rng))
            continue
        nonce = Scalar.from_int(sum(r[place].value for r in row_nonces))
        ct = place_ciphertext(rows, place)
        places.append(prove_range(place_context(ctx, place), public_key, ct, 1, nonce, 1, 1, rng))
    links = []
    for option in range(n):
        wins = sum(preferences[option][j] for j in range(n) if j != option)
        score = sum((n - 1 - p) * v for p, v in enumerate(positions[option]))
        if wins != score:
            links.append(_made_up(rng))
            continue
        nonce = 0
        for index, (i, j) in enumerate(ranked_pairs(n)):
            if option in (i, j):
                nonce += pair_nonces[index][0 if option == i else 1].value
        nonce -= sum((n - 1 - p) * r.value for p, r in enumerate(row_nonces[option]))
        ct = link_ciphertext(pairs, rows, option)
        links.append(
            prove_range(
                link_context(ctx, option), public_key, ct, 0, Scalar.from_int(nonce), 0, 0, rng
            )
        )
    return EncryptedRanking(tuple(pairs), tuple(rows), tuple(places), tuple(links))


def _context(name: str) -> bytes:
    # A question context as a ballot builds it: 32 + 32 bytes and an 8-byte question index.
    return bytes(range(32)) + name.encode().ljust(32, b".")[:32] + (3).to_bytes(8, "big")


def _honest(name: str, order: list[int]) -> dict[str, Any]:
    s = seed(name)
    rng = DeterministicNonces(s)
    pair = generate_keypair(rng)
    ctx = _context(name)
    answer, opening = encrypt_ranking_with_opening(ctx, pair.public, order, rng)
    return {
        "name": name,
        "seed": s.hex(),
        "draws": HONEST_DRAWS,
        "ctx": ctx.hex(),
        "keypair": to_json(pair),
        "options": len(order),
        "order": order,
        "answer": to_json(answer),
        "opening": to_json(opening),
    }


def preferences_of(beats: list[tuple[int, int]], n: int) -> list[list[int]]:
    matrix = [[0] * n for _ in range(n)]
    for winner, loser in beats:
        matrix[winner][loser] = 1
    return matrix


# (name, options, pairs won as (winner, loser), positions as each option's place, rejected by)
FORGERIES: list[tuple[str, int, list[tuple[int, int]], list[int], str]] = [
    ("cycle", 3, [(0, 1), (1, 2), (2, 0)], [0, 1, 2], "link 0"),
    ("tie", 3, [(0, 2), (1, 2)], [0, 1, 2], "pair (0, 1)"),
    ("both-preferred", 3, [(0, 1), (1, 0), (0, 2), (1, 2)], [0, 1, 2], "pair (0, 1)"),
    ("two-at-first-place", 3, [(0, 1), (0, 2), (1, 2)], [0, 0, 1], "place 0"),
    ("cycle-of-four", 4, [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3)], [1, 0, 2, 3], "link 1"),
]


def _forged(
    name: str, n: int, beats: list[tuple[int, int]], places: list[int], rejected_by: str
) -> dict[str, Any]:
    s = seed(name)
    rng = DeterministicNonces(s)
    pair = generate_keypair(rng)
    ctx = _context(name)
    preferences = preferences_of(beats, n)
    positions = [[int(places[i] == p) for p in range(n)] for i in range(n)]
    answer = forge_ranking(ctx, pair.public, preferences, positions, rng)
    return {
        "name": name,
        "seed": s.hex(),
        "draws": FORGED_DRAWS,
        "ctx": ctx.hex(),
        "keypair": to_json(pair),
        "options": n,
        "preferences": preferences,
        "positions": positions,
        "answer": to_json(answer),
        "rejected_by": rejected_by,
    }


def build_vectors() -> dict[str, Any]:
    return {
        "protocol": "mashwara/v1",
        "note": "Generated by tests/crypto/make_ranking_vectors.py; see docs/protocol.md §5.1, §9.",
        "rankings": [
            _honest("two", [1, 0]),
            _honest("three", [2, 0, 1]),
            _honest("four", [1, 3, 0, 2]),
        ],
        "forgeries": [_forged(*forgery) for forgery in FORGERIES],
    }


def render(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    VECTORS.mkdir(exist_ok=True)
    OUTPUT.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
