"""Counting: the counted-ballot selection (greatest board reference, then position), the
homomorphic aggregate, and results from the decrypted totals — approval/single counts and
Condorcet–Schulze (docs/elections.md §4, §7)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from voting.crypto.group import IDENTITY_BYTES, point_add
from voting.verify.election import Shape, ranked_pairs


def counted_ballot_per_credential(
    entries: Iterable[tuple[int, str, str, int | None]],
) -> dict[str, int]:
    """``(position, kind, credential_key, board_count)`` → credential key ↦ position of its
    counted ballot: the ``ballot`` entry with the greatest ``(board_count, position)``
    (docs/elections.md §4). A ballot made after the credential's other ballots reached the board
    names a later head, so it wins even if an older signed ballot is appended after it."""
    best: dict[str, tuple[int, int]] = {}
    for position, kind, key, board_count in entries:
        if kind != "ballot":
            continue
        rank = (board_count, position)
        if key not in best or rank > best[key]:
            best[key] = rank
    return {key: rank[1] for key, rank in best.items()}


def ciphertext_as(row: bytes) -> list[bytes]:
    """The ``A`` of each ciphertext of a ballot row (``A‖B`` per ciphertext, 64 bytes): what the
    ballot box keeps per election and the verifier's ``copies`` check compares, since every
    ``A = rG`` is drawn afresh."""
    return [row[offset : offset + 32] for offset in range(0, len(row), 64)]


def aggregate(rows: Iterable[bytes], width: int) -> list[tuple[bytes, bytes]]:
    """Componentwise sum of ciphertext rows (each row ``width`` × A‖B, 64 bytes per ciphertext)."""
    a = [IDENTITY_BYTES] * width
    b = [IDENTITY_BYTES] * width
    for row in rows:
        if len(row) != 64 * width:
            raise ValueError("a ballot row has the wrong number of ciphertexts")
        for i in range(width):
            offset = 64 * i
            a[i] = point_add(a[i], row[offset : offset + 32])
            b[i] = point_add(b[i], row[offset + 32 : offset + 64])
    return list(zip(a, b, strict=True))


def schulze(pairwise: Sequence[Sequence[int]]) -> tuple[list[list[int]], list[list[int]]]:
    """Strongest paths and the ranking (groups of tied options, best first)."""
    n = len(pairwise)
    p = [
        [pairwise[i][j] if i != j and pairwise[i][j] > pairwise[j][i] else 0 for j in range(n)]
        for i in range(n)
    ]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            for k in range(n):
                if i != k and j != k:
                    p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    wins = [sum(1 for j in range(n) if j != i and p[i][j] > p[j][i]) for i in range(n)]
    ranking: list[list[int]] = []
    for score in sorted(set(wins), reverse=True):
        ranking.append([i for i in range(n) if wins[i] == score])
    return p, ranking


def undecided_pairs(shapes: list[Shape], totals: list[list[int]], counted: int) -> list[str]:
    """Every counted ballot ranks every option (protocol §5.1), so it decides each pair exactly
    one way and ``pairwise[i][j] + pairwise[j][i] = counted``; the pairs where the decrypted
    totals say otherwise (a counted ballot with a tie or a doubly decided pair)."""
    failures = []
    for q, (shape, values) in enumerate(zip(shapes, totals, strict=True)):
        if shape.kind != "ranked":
            continue
        for index, (i, j) in enumerate(ranked_pairs(shape.options)):
            decided = values[2 * index] + values[2 * index + 1]
            if decided != counted:
                failures.append(
                    f"question {q}, pair ({i}, {j}): {decided} ballots rank it, not the"
                    f" {counted} counted"
                )
    return failures


def results_from_counts(shapes: list[Shape], totals: list[list[int]], counted: int) -> dict:
    """Results JSON from the decrypted totals of each question (tally layout)."""
    questions = []
    for shape, values in zip(shapes, totals, strict=True):
        if shape.kind == "ranked":
            n = shape.options
            matrix = [[0] * n for _ in range(n)]
            for index, (i, j) in enumerate(ranked_pairs(n)):
                matrix[i][j] = values[2 * index]
                matrix[j][i] = values[2 * index + 1]
            paths, ranking = schulze(matrix)
            questions.append(
                {"type": "ranked", "pairwise": matrix, "strongest_paths": paths, "ranking": ranking}
            )
        elif shape.kind == "single":
            questions.append(
                {"type": "single", "counts": list(values), "blank": counted - sum(values)}
            )
        else:
            questions.append({"type": "approval", "counts": list(values)})
    return {"counted": counted, "questions": questions}
