"""Ranked answers with a zero-knowledge proof that they are rankings (protocol §5.1).

A ranked question with ``n`` options (2 ≤ n ≤ 10) is answered with a strict total order of all
``n`` options. The answer holds four families of proofs, all under the question context
``ctx_q``:

- *pairs*: for each ``i < j`` a §5 question ``[e_ij, e_ji]`` with bounds ``1..1`` (exactly one
  of "i above j", "j above i"), context ``ctx_q ‖ int i ‖ int j`` — the tally adds these;
- *positions*: for each option ``i`` a §5 question ``Π[i][0..n−1]`` with bounds ``1..1`` (option
  ``i`` sits at exactly one place), context ``ctx_q ‖ "position" ‖ int i``;
- *places*: for each place ``p`` a range proof ``{1..1}`` on ``Σ_i Π[i][p]`` (exactly one option
  per place, so ``Π`` is a permutation matrix), context ``ctx_q ‖ "place" ‖ int p``;
- *links*: for each option ``i`` a range proof ``{0..0}`` on ``Σ_{j≠i} e_ij − Σ_p (n−1−p)Π[i][p]``
  (its number of wins equals the score its place gives), context ``ctx_q ‖ "link" ‖ int i``.

A complete tournament whose score sequence is ``0, 1, …, n−1`` is transitive, so the pairs are
exactly the order the positions state: a cycle or a tie cannot be proven. Nonces are drawn in the
order pairs (each as §5), positions (each as §5), places, links. The verifier computes the derived
ciphertexts with point additions only (the weighted sum by prefix sums).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from voting.crypto.elgamal import Ciphertext, add_ciphertexts
from voting.crypto.errors import InvalidOpening, InvalidProof, InvalidWitness, ValueOutsideRange
from voting.crypto.group import (
    IDENTITY_BYTES,
    ORDER,
    NonceSource,
    Point,
    Scalar,
    base_mul,
    int8,
    nonce_source,
    point_add,
    point_sub,
    var_mul,
)
from voting.crypto.proofs import RangeProof, prove_range, verify_range
from voting.crypto.question import EncryptedQuestion, encrypt_question_with_nonces, verify_question

MIN_RANKED_OPTIONS = 2
MAX_RANKED_OPTIONS = 10
POSITION_CONTEXT = b"position"
PLACE_CONTEXT = b"place"
LINK_CONTEXT = b"link"


@dataclass(frozen=True, slots=True)
class EncryptedRanking:
    """JSON ``{"pairs": [§5…], "positions": [§5…], "places": [range…], "links": [range…]}``."""

    pairs: tuple[EncryptedQuestion, ...]
    positions: tuple[EncryptedQuestion, ...]
    places: tuple[RangeProof, ...]
    links: tuple[RangeProof, ...]


@dataclass(frozen=True, slots=True)
class QuestionOpening:
    """The votes and encryption nonces of one §5 question: ``{"votes": [...], "randomness":
    [hex…]}`` (what a Benaloh audit reveals)."""

    votes: tuple[int, ...]
    randomness: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class RankingOpening:
    """The audit reveal of a ranked answer: ``{"pairs": [opening…], "positions": [opening…]}``."""

    pairs: tuple[QuestionOpening, ...]
    positions: tuple[QuestionOpening, ...]

    def order(self) -> tuple[int, ...]:
        """The options best first, as the positions state them (``InvalidWitness`` unless the
        positions are a permutation matrix)."""
        places = _places_of([list(p.votes) for p in self.positions])
        return tuple(sorted(range(len(places)), key=places.__getitem__))


@cache
def ranked_pairs(options: int) -> tuple[tuple[int, int], ...]:
    """``(i, j)`` with ``i < j`` in lexicographic order: ``(0,1), (0,2), …, (1,2), …``."""
    return tuple((i, j) for i in range(options) for j in range(i + 1, options))


def pair_context(ctx: bytes, i: int, j: int) -> bytes:
    return ctx + int8(i) + int8(j)


def position_context(ctx: bytes, option: int) -> bytes:
    return ctx + POSITION_CONTEXT + int8(option)


def place_context(ctx: bytes, place: int) -> bytes:
    return ctx + PLACE_CONTEXT + int8(place)


def link_context(ctx: bytes, option: int) -> bytes:
    return ctx + LINK_CONTEXT + int8(option)


def place_ciphertext(positions: Sequence[EncryptedQuestion], place: int) -> Ciphertext:
    """``Σ_i Π[i][place]``: encrypts the number of options at ``place``."""
    return add_ciphertexts(q.ciphertexts[place] for q in positions)


def link_ciphertext(
    pairs: Sequence[EncryptedQuestion], positions: Sequence[EncryptedQuestion], option: int
) -> Ciphertext:
    """``Σ_{j≠i} E(e_ij) − Σ_p (n−1−p)·E(Π[i][p])``: encrypts wins minus score of ``option``.

    ``Σ_p (n−1−p)·C_p = Σ_{t=0}^{n−2} Σ_{p≤t} C_p``, so this costs point additions only.
    """
    n = len(positions)
    a = b = IDENTITY_BYTES
    index = 0
    for i, j in ranked_pairs(n):
        if option in (i, j):
            ct = pairs[index].ciphertexts[0 if option == i else 1]
            a = point_add(a, ct.a.encoding)
            b = point_add(b, ct.b.encoding)
        index += 1
    row = positions[option].ciphertexts
    prefix_a = prefix_b = score_a = score_b = IDENTITY_BYTES
    for place in range(n - 1):
        prefix_a = point_add(prefix_a, row[place].a.encoding)
        prefix_b = point_add(prefix_b, row[place].b.encoding)
        score_a = point_add(score_a, prefix_a)
        score_b = point_add(score_b, prefix_b)
    return Ciphertext(Point._trusted(point_sub(a, score_a)), Point._trusted(point_sub(b, score_b)))


def _check_options(options: int, error: type[Exception]) -> None:
    if (
        not isinstance(options, int)
        or isinstance(options, bool)
        or not MIN_RANKED_OPTIONS <= options <= MAX_RANKED_OPTIONS
    ):
        raise error(
            f"a ranked question has {MIN_RANKED_OPTIONS}..{MAX_RANKED_OPTIONS} options,"
            f" got {options!r}"
        )


def _places_of(positions: Sequence[Sequence[int]]) -> list[int]:
    """Each option's place from a permutation matrix; ``ValueOutsideRange`` if it is not one."""
    n = len(positions)
    places = []
    for option, row in enumerate(positions):
        if len(row) != n or any(v not in (0, 1) or isinstance(v, bool) for v in row):
            raise ValueOutsideRange(f"position {option}: expected {n} votes of 0 or 1")
        if sum(row) != 1:
            raise ValueOutsideRange(f"position {option}: the option must be at exactly one place")
        places.append(row.index(1))
    for place in range(n):
        if places.count(place) != 1:
            raise ValueOutsideRange(f"place {place}: exactly one option must be at each place")
    return places


def prove_ranking(
    ctx: bytes,
    public_key: Point,
    preferences: Sequence[Sequence[int]],
    positions: Sequence[Sequence[int]],
    rng: NonceSource | None = None,
) -> tuple[EncryptedRanking, RankingOpening]:
    """Encrypt and prove explicit witnesses: ``preferences[i][j] = e_ij`` and
    ``positions[i][p] = Π[i][p]``.

    Refuses (``ValueOutsideRange``, before drawing anything) witnesses that are not a ranking: an
    undecided or doubly decided pair, a ``Π`` that is not a permutation matrix, or wins that do not
    match the places (a cycle). ``encrypt_ranking`` derives both witnesses from an order.
    """
    n = len(positions)
    _check_options(n, InvalidWitness)
    if len(preferences) != n or any(len(row) != n for row in preferences):
        raise InvalidWitness(f"the preference matrix must be {n}×{n}")
    places = _places_of(positions)
    for i, j in ranked_pairs(n):
        e_ij, e_ji = preferences[i][j], preferences[j][i]
        if any(v not in (0, 1) or isinstance(v, bool) for v in (e_ij, e_ji)) or e_ij + e_ji != 1:
            raise ValueOutsideRange(f"pair ({i}, {j}): exactly one of the two must be preferred")
    for i in range(n):
        wins = sum(preferences[i][j] for j in range(n) if j != i)
        if wins != n - 1 - places[i]:
            raise ValueOutsideRange(
                f"link {i}: option {i} is preferred to {wins} options but its place"
                f" gives {n - 1 - places[i]}; the preferences are not a ranking"
            )
    rng = nonce_source(rng)
    pairs: list[EncryptedQuestion] = []
    pair_openings: list[QuestionOpening] = []
    for i, j in ranked_pairs(n):
        votes = (preferences[i][j], preferences[j][i])
        question, nonces = encrypt_question_with_nonces(
            pair_context(ctx, i, j), public_key, votes, 1, 1, rng
        )
        pairs.append(question)
        pair_openings.append(QuestionOpening(votes, nonces))
    rows: list[EncryptedQuestion] = []
    row_openings: list[QuestionOpening] = []
    for option in range(n):
        votes = tuple(positions[option])
        question, nonces = encrypt_question_with_nonces(
            position_context(ctx, option), public_key, votes, 1, 1, rng
        )
        rows.append(question)
        row_openings.append(QuestionOpening(votes, nonces))
    place_proofs = []
    for place in range(n):
        nonce = sum(o.randomness[place].value for o in row_openings) % ORDER
        place_proofs.append(
            prove_range(
                place_context(ctx, place),
                public_key,
                place_ciphertext(rows, place),
                1,
                Scalar(nonce),
                1,
                1,
                rng,
            )
        )
    link_proofs = []
    for option in range(n):
        nonce = 0
        for index, (i, j) in enumerate(ranked_pairs(n)):
            if option in (i, j):
                nonce += pair_openings[index].randomness[0 if option == i else 1].value
        for place, r in enumerate(row_openings[option].randomness):
            nonce -= (n - 1 - place) * r.value
        link_proofs.append(
            prove_range(
                link_context(ctx, option),
                public_key,
                link_ciphertext(pairs, rows, option),
                0,
                Scalar(nonce % ORDER),
                0,
                0,
                rng,
            )
        )
    answer = EncryptedRanking(tuple(pairs), tuple(rows), tuple(place_proofs), tuple(link_proofs))
    return answer, RankingOpening(tuple(pair_openings), tuple(row_openings))


def ranking_witnesses(order: Sequence[int]) -> tuple[list[list[int]], list[list[int]]]:
    """``(preferences, positions)`` of an order (option indices, best first, every option once).

    Raises ``ValueOutsideRange`` unless ``order`` is a permutation of ``0 … n−1``: every option is
    ranked and there are no ties.
    """
    n = len(order)
    _check_options(n, InvalidWitness)
    if any(not isinstance(o, int) or isinstance(o, bool) for o in order) or sorted(order) != list(
        range(n)
    ):
        raise ValueOutsideRange(f"a ranking lists each of the {n} options exactly once")
    place = {option: p for p, option in enumerate(order)}
    preferences = [[int(i != j and place[i] < place[j]) for j in range(n)] for i in range(n)]
    positions = [[int(place[i] == p) for p in range(n)] for i in range(n)]
    return preferences, positions


def encrypt_ranking_with_opening(
    ctx: bytes, public_key: Point, order: Sequence[int], rng: NonceSource | None = None
) -> tuple[EncryptedRanking, RankingOpening]:
    """``encrypt_ranking`` that also returns the audit reveal (keep it secret unless auditing)."""
    preferences, positions = ranking_witnesses(order)
    return prove_ranking(ctx, public_key, preferences, positions, rng)


def encrypt_ranking(
    ctx: bytes, public_key: Point, order: Sequence[int], rng: NonceSource | None = None
) -> EncryptedRanking:
    """Encrypt and prove a full ranking ``order`` (option indices, best first)."""
    return encrypt_ranking_with_opening(ctx, public_key, order, rng)[0]


def verify_ranking(ctx: bytes, public_key: Point, answer: EncryptedRanking, options: int) -> None:
    """Raise ``InvalidProof`` naming the failing part (pair (i, j), position i, place p, link i)
    unless ``answer`` proves a strict total order of ``options`` options."""
    _check_options(options, InvalidProof)
    pairs = ranked_pairs(options)
    if (
        len(answer.pairs) != len(pairs)
        or len(answer.positions) != options
        or len(answer.places) != options
        or len(answer.links) != options
    ):
        raise InvalidProof(
            f"a ranking of {options} options has {len(pairs)} pairs and {options} positions,"
            " places and links"
        )
    for (i, j), question in zip(pairs, answer.pairs, strict=True):
        try:
            verify_question(pair_context(ctx, i, j), public_key, question, 2, 1, 1)
        except InvalidProof as exc:
            raise InvalidProof(f"pair ({i}, {j}): {exc}") from None
    for option, question in enumerate(answer.positions):
        try:
            verify_question(position_context(ctx, option), public_key, question, options, 1, 1)
        except InvalidProof as exc:
            raise InvalidProof(f"position {option}: {exc}") from None
    for place, proof in enumerate(answer.places):
        ciphertext = place_ciphertext(answer.positions, place)
        try:
            verify_range(place_context(ctx, place), public_key, ciphertext, 1, 1, proof)
        except InvalidProof:
            raise InvalidProof(
                f"place {place}: the proof that exactly one option is at this place does not verify"
            ) from None
    for option, proof in enumerate(answer.links):
        ciphertext = link_ciphertext(answer.pairs, answer.positions, option)
        try:
            verify_range(link_context(ctx, option), public_key, ciphertext, 0, 0, proof)
        except InvalidProof:
            raise InvalidProof(
                f"link {option}: the proof that the option's pairwise wins match its place does"
                " not verify"
            ) from None


def _open(
    public_key: Point, question: EncryptedQuestion, opening: QuestionOpening, what: str
) -> None:
    x = public_key.encoding
    if not len(opening.votes) == len(opening.randomness) == len(question.ciphertexts):
        raise InvalidOpening(f"{what}: one vote and one nonce per ciphertext are required")
    for ct, v, r in zip(question.ciphertexts, opening.votes, opening.randomness, strict=True):
        if (
            v not in (0, 1)
            or r.is_zero()
            or ct.a.encoding != base_mul(r.value)
            or ct.b.encoding != point_add(base_mul(v), var_mul(r.value, x))
        ):
            raise InvalidOpening(f"{what}: the revealed vote and nonce do not give the ciphertext")


def open_ranking(
    public_key: Point, answer: EncryptedRanking, opening: RankingOpening
) -> tuple[int, ...]:
    """Check an audit reveal against the answer and return the order it opens to, best first.

    Every ciphertext of the pairs and positions must be ``(rG, vG + rX)`` for its revealed
    ``(v, r)``, the positions a permutation matrix and the pairs that order; otherwise
    ``InvalidOpening`` names the part. (The proofs are checked by ``verify_ranking``.)
    """
    n = len(answer.positions)
    if len(opening.pairs) != len(answer.pairs) or len(opening.positions) != n:
        raise InvalidOpening("the reveal must open every pair and every position")
    for (i, j), question, revealed in zip(
        ranked_pairs(n), answer.pairs, opening.pairs, strict=True
    ):
        _open(public_key, question, revealed, f"pair ({i}, {j})")
    for option, (question, revealed) in enumerate(
        zip(answer.positions, opening.positions, strict=True)
    ):
        _open(public_key, question, revealed, f"position {option}")
    try:
        order = opening.order()
        preferences, _ = ranking_witnesses(order)
    except InvalidWitness as exc:
        raise InvalidOpening(f"the revealed positions are not a ranking: {exc}") from None
    for (i, j), revealed in zip(ranked_pairs(n), opening.pairs, strict=True):
        if revealed.votes != (preferences[i][j], preferences[j][i]):
            raise InvalidOpening(f"pair ({i}, {j}): the revealed pair disagrees with the positions")
    return order
