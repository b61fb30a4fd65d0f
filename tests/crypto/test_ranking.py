"""Ranked answers are rankings (protocol §5.1): every strict total order verifies and opens to
itself; cycles, ties and non-permutations cannot be proven and forged answers are refused by the
part that catches them; the vectors are reproducible; the JSON is strict."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.crypto import make_ranking_vectors as vectors_module
from tests.crypto.conftest import CRYPTO_SETTINGS
from voting.crypto.elgamal import Ciphertext, KeyPair, add_ciphertexts, decrypt_to_point
from voting.crypto.errors import (
    CryptoError,
    InvalidEncoding,
    InvalidOpening,
    InvalidProof,
    InvalidWitness,
    ValueOutsideRange,
)
from voting.crypto.group import DeterministicNonces, Point, Scalar, base_mul, point_add, var_mul
from voting.crypto.proofs import verify_range
from voting.crypto.question import encrypt_question, verify_question
from voting.crypto.ranking import (
    EncryptedRanking,
    RankingOpening,
    encrypt_ranking,
    encrypt_ranking_with_opening,
    link_ciphertext,
    link_context,
    open_ranking,
    pair_context,
    place_ciphertext,
    place_context,
    position_context,
    prove_ranking,
    ranked_pairs,
    ranking_witnesses,
    verify_ranking,
)
from voting.crypto.serialization import dumps, from_json, loads, to_json

CTX = b"\x07" * 72


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads(vectors_module.OUTPUT.read_text(encoding="utf-8"))


def _decrypted_preferences(keypair: KeyPair, answer: EncryptedRanking, n: int) -> set[tuple]:
    above = set()
    for (i, j), pair in zip(ranked_pairs(n), answer.pairs, strict=True):
        first, second = (decrypt_to_point(keypair.secret, ct) for ct in pair.ciphertexts)
        if first == Point.base(Scalar(1)):
            above.add((i, j))
        if second == Point.base(Scalar(1)):
            above.add((j, i))
    return above


def _above(order: list[int]) -> set[tuple]:
    return {(a, b) for x, a in enumerate(order) for b in order[x + 1 :]}


@CRYPTO_SETTINGS
@given(st.integers(min_value=2, max_value=5).flatmap(lambda n: st.permutations(range(n))))
def test_every_full_ranking_verifies_and_its_pairs_decrypt_to_it(keypair, order):
    n = len(order)
    answer, opening = encrypt_ranking_with_opening(CTX, keypair.public, order)
    verify_ranking(CTX, keypair.public, answer, n)
    assert _decrypted_preferences(keypair, answer, n) == _above(list(order))
    assert opening.order() == tuple(order)


def test_ten_options_verify(keypair):
    order = [3, 9, 0, 5, 1, 8, 2, 7, 4, 6]
    verify_ranking(CTX, keypair.public, encrypt_ranking(CTX, keypair.public, order), 10)


@pytest.mark.parametrize(
    ("beats", "places", "refusal"),
    [
        ([(0, 1), (1, 2), (2, 0)], [0, 1, 2], "link 0"),
        ([(0, 2), (1, 2)], [0, 1, 2], r"pair \(0, 1\)"),
        ([(0, 1), (1, 0), (0, 2), (1, 2)], [0, 1, 2], r"pair \(0, 1\)"),
        ([(0, 1), (0, 2), (1, 2)], [0, 0, 1], "place 0"),
    ],
    ids=["cycle", "tie", "both-preferred", "two-at-first-place"],
)
def test_the_honest_prover_refuses_what_is_not_a_ranking(keypair, beats, places, refusal):
    preferences = vectors_module.preferences_of(beats, 3)
    positions = [[int(places[i] == p) for p in range(3)] for i in range(3)]
    rng = DeterministicNonces(b"refused")
    with pytest.raises(ValueOutsideRange, match=refusal):
        prove_ranking(CTX, keypair.public, preferences, positions, rng)
    assert rng.count == 0  # refused before drawing anything


@pytest.mark.parametrize(
    ("order", "error"),
    [
        ([0, 0, 1], ValueOutsideRange),
        ([0, 1, 3], ValueOutsideRange),
        ([0, True, 2], ValueOutsideRange),
        ([0], InvalidWitness),
        (list(range(11)), InvalidWitness),
    ],
)
def test_orders_that_are_not_a_ranking_of_every_option_cannot_be_encrypted(keypair, order, error):
    with pytest.raises(error):
        encrypt_ranking(CTX, keypair.public, order)


def test_a_partial_ranking_does_not_pass_as_a_ranking_of_more_options(keypair):
    answer = encrypt_ranking(CTX, keypair.public, [1, 0])
    with pytest.raises(InvalidProof, match="a ranking of 3 options"):
        verify_ranking(CTX, keypair.public, answer, 3)


def test_cyclic_pairs_with_otherwise_valid_proofs_are_rejected_by_the_links(keypair):
    """The attack: pairs 0>1, 1>2, 2>0, each a valid §5 pair (bounds 1..1), positions and places
    of the order 0, 1, 2 all valid, link 1 valid too; only the links catch the cycle."""
    preferences = vectors_module.preferences_of([(0, 1), (1, 2), (2, 0)], 3)
    positions = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    forged = vectors_module.forge_ranking(
        CTX, keypair.public, preferences, positions, DeterministicNonces(b"cycle")
    )
    for (i, j), pair in zip(ranked_pairs(3), forged.pairs, strict=True):
        verify_question(pair_context(CTX, i, j), keypair.public, pair, 2, 1, 1)
    for option, row in enumerate(forged.positions):
        verify_question(position_context(CTX, option), keypair.public, row, 3, 1, 1)
    for place, proof in enumerate(forged.places):
        ct = place_ciphertext(forged.positions, place)
        verify_range(place_context(CTX, place), keypair.public, ct, 1, 1, proof)
    link_1 = link_ciphertext(forged.pairs, forged.positions, 1)
    verify_range(link_context(CTX, 1), keypair.public, link_1, 0, 0, forged.links[1])
    assert _decrypted_preferences(keypair, forged, 3) == {(0, 1), (1, 2), (2, 0)}
    with pytest.raises(InvalidProof, match="link 0"):
        verify_ranking(CTX, keypair.public, forged, 3)
    # Wins (1, 1, 1) match no permutation's scores: whatever positions are chosen, a link fails.
    for order in ([0, 1, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]):
        _, rows = ranking_witnesses(order)
        other = vectors_module.forge_ranking(
            CTX, keypair.public, preferences, rows, DeterministicNonces(b"cycle-" + bytes(order))
        )
        with pytest.raises(InvalidProof, match="link"):
            verify_ranking(CTX, keypair.public, other, 3)


def test_two_options_at_the_first_place_are_rejected_by_the_places(keypair):
    preferences = vectors_module.preferences_of([(0, 1), (0, 2), (1, 2)], 3)
    positions = [[1, 0, 0], [1, 0, 0], [0, 1, 0]]
    forged = vectors_module.forge_ranking(
        CTX, keypair.public, preferences, positions, DeterministicNonces(b"place")
    )
    with pytest.raises(InvalidProof, match="place 0"):
        verify_ranking(CTX, keypair.public, forged, 3)


def test_a_tie_is_rejected_by_its_pair(keypair):
    """A tie carries an honest proof that the pair sums to 0 (range 0..0, one challenge, as the
    verifier expects for 1..1): it still fails, and an old-format pair (bounds 0..1) fails too."""
    preferences = vectors_module.preferences_of([(0, 2), (1, 2)], 3)
    positions = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    forged = vectors_module.forge_ranking(
        CTX, keypair.public, preferences, positions, DeterministicNonces(b"tie")
    )
    with pytest.raises(InvalidProof, match=r"pair \(0, 1\)"):
        verify_ranking(CTX, keypair.public, forged, 3)
    honest = encrypt_ranking(CTX, keypair.public, [0, 1, 2])
    old_tie = encrypt_question(pair_context(CTX, 0, 1), keypair.public, [0, 0], 0, 1)
    mixed = EncryptedRanking(
        (old_tie, *honest.pairs[1:]), honest.positions, honest.places, honest.links
    )
    with pytest.raises(InvalidProof, match=r"pair \(0, 1\)"):
        verify_ranking(CTX, keypair.public, mixed, 3)
    with pytest.raises(InvalidEncoding, match="1 challenge"):
        loads(EncryptedRanking, dumps(mixed))


def test_parts_are_bound_to_their_context_and_place(keypair):
    answer = encrypt_ranking(CTX, keypair.public, [2, 0, 1])
    with pytest.raises(InvalidProof, match=r"pair \(0, 1\)"):
        verify_ranking(b"\x08" * 72, keypair.public, answer, 3)
    swapped_rows = EncryptedRanking(
        answer.pairs,
        (answer.positions[1], answer.positions[0], answer.positions[2]),
        answer.places,
        answer.links,
    )
    with pytest.raises(InvalidProof, match="position 0"):
        verify_ranking(CTX, keypair.public, swapped_rows, 3)
    swapped_links = EncryptedRanking(
        answer.pairs, answer.positions, answer.places, answer.links[::-1]
    )
    with pytest.raises(InvalidProof, match="link 0"):
        verify_ranking(CTX, keypair.public, swapped_links, 3)
    other = encrypt_ranking(CTX, keypair.public, [2, 0, 1])
    spliced = EncryptedRanking(answer.pairs, other.positions, answer.places, answer.links)
    with pytest.raises(InvalidProof, match="place 0"):
        verify_ranking(CTX, keypair.public, spliced, 3)


def test_replacing_a_pair_by_its_opposite_is_detected(keypair):
    """The pairs of two honest ballots with opposite orders are each valid; taking one pair from
    the other ballot makes an answer whose pairs all verify, but its links do not."""
    answer = encrypt_ranking(CTX, keypair.public, [0, 1, 2])
    reversed_ = encrypt_ranking(CTX, keypair.public, [2, 1, 0])
    mixed = EncryptedRanking(
        (answer.pairs[0], answer.pairs[1], reversed_.pairs[2]),
        answer.positions,
        answer.places,
        answer.links,
    )
    with pytest.raises(InvalidProof, match="link 1"):
        verify_ranking(CTX, keypair.public, mixed, 3)


def test_pairs_sum_to_the_pairwise_tally(keypair):
    orders = [[0, 1, 2], [2, 0, 1], [1, 0, 2], [0, 2, 1]]
    answers = [encrypt_ranking(CTX, keypair.public, order) for order in orders]
    for index, (i, j) in enumerate(ranked_pairs(3)):
        total = add_ciphertexts(a.pairs[index].ciphertexts[0] for a in answers)
        expected = sum(order.index(i) < order.index(j) for order in orders)
        assert decrypt_to_point(keypair.secret, total) == Point.base(Scalar(expected))


def test_the_opening_reveals_every_ciphertext(keypair):
    answer, opening = encrypt_ranking_with_opening(CTX, keypair.public, [1, 2, 0])
    x = keypair.public.encoding
    for question, revealed in zip(
        answer.pairs + answer.positions, opening.pairs + opening.positions, strict=True
    ):
        for ct, v, r in zip(question.ciphertexts, revealed.votes, revealed.randomness, strict=True):
            assert ct.a.encoding == base_mul(r.value)
            assert ct.b.encoding == point_add(base_mul(v), var_mul(r.value, x))
    assert loads(RankingOpening, dumps(opening)) == opening
    data = to_json(opening)
    assert set(data) == {"pairs", "positions"}
    assert data["positions"][1] == {
        "votes": [1, 0, 0],
        "randomness": [r.hex() for r in opening.positions[1].randomness],
    }


def test_an_audit_opens_the_answer_to_its_order_and_a_wrong_reveal_is_refused(keypair):
    answer, opening = encrypt_ranking_with_opening(CTX, keypair.public, [2, 0, 3, 1])
    assert open_ranking(keypair.public, answer, opening) == (2, 0, 3, 1)
    other_answer, other = encrypt_ranking_with_opening(CTX, keypair.public, [2, 0, 3, 1])
    with pytest.raises(InvalidOpening, match=r"pair \(0, 1\)"):
        open_ranking(keypair.public, answer, other)
    # A reveal claiming another order for the same ciphertexts: the positions do not re-encrypt.
    lying = RankingOpening(
        opening.pairs,
        (opening.positions[1], opening.positions[0], *opening.positions[2:]),
    )
    with pytest.raises(InvalidOpening, match="position 0"):
        open_ranking(keypair.public, answer, lying)
    with pytest.raises(InvalidOpening, match="every pair"):
        open_ranking(keypair.public, answer, RankingOpening(opening.pairs[:-1], opening.positions))
    assert open_ranking(keypair.public, other_answer, other) == (2, 0, 3, 1)


def test_json_round_trip_and_shape(keypair):
    answer = encrypt_ranking(CTX, keypair.public, [2, 0, 1], DeterministicNonces(b"json"))
    data = to_json(answer)
    assert set(data) == {"pairs", "positions", "places", "links"}
    assert [len(data[k]) for k in ("pairs", "positions", "places", "links")] == [3, 3, 3, 3]
    assert loads(EncryptedRanking, dumps(answer)) == answer


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(extra=[]),
        lambda d: d.pop("links"),
        lambda d: d["pairs"].pop(),
        lambda d: d["places"].append(d["places"][0]),
        lambda d: d["positions"][0]["ciphertexts"].pop(),
        lambda d: d["links"][0]["c"].append(d["links"][0]["c"][0]),
        lambda d: d["pairs"][0].update(sum_proof=None),
        lambda d: d["places"][0].update(c=[d["places"][0]["c"][0].upper()]),
        lambda d: d.update(positions=d["positions"][:1]),
    ],
)
def test_malformed_ranking_json_is_rejected(keypair, change):
    data = to_json(encrypt_ranking(CTX, keypair.public, [2, 0, 1], DeterministicNonces(b"bad")))
    change(data)
    with pytest.raises(InvalidEncoding):
        from_json(EncryptedRanking, data)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["pairs"][0]["votes"].__setitem__(0, 2),
        lambda d: d["pairs"][0]["votes"].__setitem__(0, True),
        lambda d: d["positions"][0]["randomness"].pop(),
        lambda d: d["pairs"].pop(),
        lambda d: d.update(links=[]),
    ],
)
def test_malformed_opening_json_is_rejected(keypair, change):
    _, opening = encrypt_ranking_with_opening(CTX, keypair.public, [2, 0, 1])
    data = to_json(opening)
    change(data)
    with pytest.raises(InvalidEncoding):
        from_json(RankingOpening, data)


@CRYPTO_SETTINGS
@given(st.integers(min_value=0, max_value=20_000), st.integers(min_value=1, max_value=255))
def test_flipping_any_byte_of_the_ranking_json_is_rejected(keypair, position, change):
    answer = encrypt_ranking(CTX, keypair.public, [1, 0, 2], DeterministicNonces(b"flip"))
    data = bytearray(dumps(answer))
    position %= len(data)
    data[position] ^= change
    with pytest.raises(CryptoError):
        verify_ranking(CTX, keypair.public, loads(EncryptedRanking, bytes(data)), 3)


def test_regenerating_the_ranking_vectors_gives_identical_bytes():
    rebuilt = vectors_module.render(vectors_module.build_vectors())
    assert rebuilt == vectors_module.OUTPUT.read_text(encoding="utf-8")


def test_honest_ranking_vectors_verify_and_open_to_their_order(vectors):
    assert len(vectors["rankings"]) >= 3
    for item in vectors["rankings"]:
        pair = from_json(KeyPair, item["keypair"])
        answer = from_json(EncryptedRanking, item["answer"])
        verify_ranking(bytes.fromhex(item["ctx"]), pair.public, answer, item["options"])
        assert _decrypted_preferences(pair, answer, item["options"]) == _above(item["order"])
        opening = from_json(RankingOpening, item["opening"])
        assert open_ranking(pair.public, answer, opening) == tuple(item["order"])


def test_forged_ranking_vectors_are_rejected_by_the_named_part(vectors):
    names = {item["name"] for item in vectors["forgeries"]}
    assert {"cycle", "tie", "two-at-first-place"} <= names
    for item in vectors["forgeries"]:
        pair = from_json(KeyPair, item["keypair"])
        answer = from_json(EncryptedRanking, item["answer"])
        with pytest.raises(InvalidProof) as caught:
            verify_ranking(bytes.fromhex(item["ctx"]), pair.public, answer, item["options"])
        assert str(caught.value).startswith(item["rejected_by"] + ":"), item["name"]


def test_link_ciphertext_is_wins_minus_score(keypair):
    answer = encrypt_ranking(CTX, keypair.public, [3, 1, 0, 2])
    for option in range(4):
        ct: Ciphertext = link_ciphertext(answer.pairs, answer.positions, option)
        assert decrypt_to_point(keypair.secret, ct).is_identity()
