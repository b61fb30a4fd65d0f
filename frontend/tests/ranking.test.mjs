// Ranked answers are rankings (protocol §5.1): the JS core rebuilds tests/crypto/vectors/ranking.json
// byte for byte (honest answers and forgeries), accepts Python's honest answers, rejects the
// forgeries by the part Python names, refuses to prove cycles, ties and non-permutations, and reads
// the JSON strictly.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as C from "../crypto/index.js";
import { linkContext, pairContext, placeContext, positionContext, rankedPairs } from "../crypto/ranking.js";
import { readVectors, text, unhex } from "./helpers.mjs";
import { forgeRanking, positionsOf, preferencesOf } from "./ranking_forgery.mjs";

const V = readVectors("ranking.json");
const json = (kind, value) => C.canonicalJson(C.toJson(kind, value));
const ctx = new Uint8Array(72).fill(7);
const pair = C.generateKeyPair(new C.DeterministicNonces(text("js-tests/ranking/keypair")));
const rng = (label) => new C.DeterministicNonces(text(`js-tests/ranking/${label}`));

function decryptedAbove(secret, answer, n) {
  const above = [];
  rankedPairs(n).forEach(([i, j], index) => {
    const [first, second] = answer.pairs[index].ciphertexts.map((ct) => C.decryptToPoint(secret, ct));
    if (first.equals(C.generator())) above.push(`${i}>${j}`);
    if (second.equals(C.generator())) above.push(`${j}>${i}`);
  });
  return above.sort();
}

const aboveOf = (order) => order.flatMap((a, x) => order.slice(x + 1).map((b) => `${a}>${b}`)).sort();

describe("ranking vectors from Python (§5.1, §9)", () => {
  test("every honest ranking is rebuilt byte for byte, verifies and opens to its order", () => {
    assert.ok(V.rankings.length >= 3);
    for (const item of V.rankings) {
      const source = new C.DeterministicNonces(unhex(item.seed));
      const keys = C.generateKeyPair(source);
      assert.equal(json("keyPair", keys), C.canonicalJson(item.keypair));
      const { answer, opening } = C.encryptRankingWithOpening(unhex(item.ctx), keys.public, item.order, source);
      assert.equal(json("encryptedRanking", answer), C.canonicalJson(item.answer), item.name);
      assert.equal(json("rankingOpening", opening), C.canonicalJson(item.opening), item.name);
      const theirs = C.fromJson("encryptedRanking", item.answer);
      C.verifyRanking(unhex(item.ctx), keys.public, theirs, item.options);
      assert.deepEqual(decryptedAbove(keys.secret, theirs, item.options), aboveOf(item.order));
      assert.deepEqual(C.openRanking(keys.public, theirs, C.fromJson("rankingOpening", item.opening)), item.order);
    }
  });

  test("every forgery is rebuilt byte for byte and rejected by the part Python names", () => {
    assert.ok(["cycle", "tie", "two-at-first-place"].every((name) => V.forgeries.some((f) => f.name === name)));
    for (const item of V.forgeries) {
      const source = new C.DeterministicNonces(unhex(item.seed));
      const keys = C.generateKeyPair(source);
      const forged = forgeRanking(unhex(item.ctx), keys.public, item.preferences, item.positions, source);
      assert.equal(json("encryptedRanking", forged), C.canonicalJson(item.answer), item.name);
      const theirs = C.fromJson("encryptedRanking", item.answer);
      assert.throws(
        () => C.verifyRanking(unhex(item.ctx), keys.public, theirs, item.options),
        (error) => error instanceof C.InvalidProof && error.message.startsWith(`${item.rejected_by}:`),
        item.name,
      );
    }
  });
});

describe("ranked answers are rankings (§5.1)", () => {
  test("full rankings of 2 to 5 options and of 10 verify and decrypt to the order", () => {
    for (const order of [[1, 0], [2, 0, 1], [0, 3, 1, 2], [4, 2, 0, 3, 1], [3, 9, 0, 5, 1, 8, 2, 7, 4, 6]]) {
      const answer = C.encryptRanking(ctx, pair.public, order, rng(`full-${order.length}`));
      C.verifyRanking(ctx, pair.public, answer, order.length);
      assert.deepEqual(decryptedAbove(pair.secret, answer, order.length), aboveOf(order));
    }
  });

  test("the honest prover refuses a cycle, a tie, a doubly preferred pair and two options at one place", () => {
    const cases = [
      [[[0, 1], [1, 2], [2, 0]], [0, 1, 2], /^link 0:/],
      [[[0, 2], [1, 2]], [0, 1, 2], /^pair \(0, 1\):/],
      [[[0, 1], [1, 0], [0, 2], [1, 2]], [0, 1, 2], /^pair \(0, 1\):/],
      [[[0, 1], [0, 2], [1, 2]], [0, 0, 1], /^place 0:/],
    ];
    for (const [beats, places, refusal] of cases) {
      const source = rng("refused");
      assert.throws(() => C.proveRanking(ctx, pair.public, preferencesOf(beats, 3), positionsOf(places), source), (error) => error instanceof C.ValueOutsideRange && refusal.test(error.message));
      assert.equal(source.count, 0);
    }
  });

  test("orders that do not rank every option exactly once cannot be encrypted", () => {
    for (const order of [[0, 0, 1], [0, 1, 3], [0, true, 2], [0, 1.5, 2]]) {
      assert.throws(() => C.encryptRanking(ctx, pair.public, order), C.ValueOutsideRange);
    }
    assert.throws(() => C.encryptRanking(ctx, pair.public, [0]), C.InvalidWitness);
    assert.throws(() => C.encryptRanking(ctx, pair.public, [...Array(11).keys()]), C.InvalidWitness);
    const two = C.encryptRanking(ctx, pair.public, [1, 0], rng("partial"));
    assert.throws(() => C.verifyRanking(ctx, pair.public, two, 3), /a ranking of 3 options/);
  });

  test("cyclic pairs with otherwise valid proofs are rejected by the links", () => {
    const preferences = preferencesOf([[0, 1], [1, 2], [2, 0]], 3);
    const forged = forgeRanking(ctx, pair.public, preferences, positionsOf([0, 1, 2]), rng("cycle"));
    rankedPairs(3).forEach(([i, j], index) => C.verifyQuestion(pairContext(ctx, i, j), pair.public, forged.pairs[index], 2, 1, 1));
    forged.positions.forEach((row, option) => C.verifyQuestion(positionContext(ctx, option), pair.public, row, 3, 1, 1));
    forged.places.forEach((proof, place) => C.verifyRange(placeContext(ctx, place), pair.public, C.placeCiphertext(forged.positions, place), 1, 1, proof));
    C.verifyRange(linkContext(ctx, 1), pair.public, C.linkCiphertext(forged.pairs, forged.positions, 1), 0, 0, forged.links[1]);
    assert.deepEqual(decryptedAbove(pair.secret, forged, 3), ["0>1", "1>2", "2>0"]);
    assert.throws(() => C.verifyRanking(ctx, pair.public, forged, 3), (error) => error instanceof C.InvalidProof && error.message.startsWith("link 0:"));
    for (const places of [[1, 2, 0], [2, 0, 1], [2, 1, 0]]) {
      const other = forgeRanking(ctx, pair.public, preferences, positionsOf(places), rng(`cycle-${places}`));
      assert.throws(() => C.verifyRanking(ctx, pair.public, other, 3), (error) => error instanceof C.InvalidProof && /^link \d:/.test(error.message));
    }
  });

  test("two options at the first place are rejected by the places; a tie by its pair", () => {
    const atFirst = forgeRanking(ctx, pair.public, preferencesOf([[0, 1], [0, 2], [1, 2]], 3), positionsOf([0, 0, 1]), rng("place"));
    assert.throws(() => C.verifyRanking(ctx, pair.public, atFirst, 3), (error) => error instanceof C.InvalidProof && error.message.startsWith("place 0:"));
    const tie = forgeRanking(ctx, pair.public, preferencesOf([[0, 2], [1, 2]], 3), positionsOf([0, 1, 2]), rng("tie"));
    assert.throws(() => C.verifyRanking(ctx, pair.public, tie, 3), (error) => error instanceof C.InvalidProof && error.message.startsWith("pair (0, 1):"));
    const honest = C.encryptRanking(ctx, pair.public, [0, 1, 2], rng("tie-honest"));
    const oldTie = C.encryptQuestion(pairContext(ctx, 0, 1), pair.public, [0, 0], 0, 1, rng("tie-old"));
    const mixed = { ...honest, pairs: [oldTie, ...honest.pairs.slice(1)] };
    assert.throws(() => C.verifyRanking(ctx, pair.public, mixed, 3), /pair \(0, 1\)/);
    assert.throws(() => C.loads("encryptedRanking", C.dumps("encryptedRanking", mixed)), /1 challenge/);
  });

  test("parts are bound to their context and place", () => {
    const answer = C.encryptRanking(ctx, pair.public, [2, 0, 1], rng("bound"));
    assert.throws(() => C.verifyRanking(new Uint8Array(72).fill(8), pair.public, answer, 3), /pair \(0, 1\)/);
    const rows = [answer.positions[1], answer.positions[0], answer.positions[2]];
    assert.throws(() => C.verifyRanking(ctx, pair.public, { ...answer, positions: rows }, 3), /position 0/);
    assert.throws(() => C.verifyRanking(ctx, pair.public, { ...answer, links: [...answer.links].reverse() }, 3), /link 0/);
  });

  test("the opening reveals every ciphertext and round-trips strictly", () => {
    const { answer, opening } = C.encryptRankingWithOpening(ctx, pair.public, [1, 2, 0], rng("opening"));
    [...answer.pairs, ...answer.positions].forEach((question, index) => {
      const revealed = [...opening.pairs, ...opening.positions][index];
      question.ciphertexts.forEach((ct, i) => {
        const expected = C.encryptWithNonce(pair.public, revealed.votes[i], revealed.randomness[i]);
        assert.ok(expected.a.equals(ct.a) && expected.b.equals(ct.b));
      });
    });
    assert.deepEqual(opening.positions[1].votes, [1, 0, 0]);
    const data = C.toJson("rankingOpening", opening);
    assert.equal(C.dumps("rankingOpening", C.fromJson("rankingOpening", data)), C.dumps("rankingOpening", opening));
    const bad = JSON.parse(JSON.stringify(data));
    bad.pairs[0].votes[0] = 2;
    assert.throws(() => C.fromJson("rankingOpening", bad), C.InvalidEncoding);
    assert.throws(() => C.fromJson("rankingOpening", { ...data, links: [] }), C.InvalidEncoding);
  });

  test("an audit opens the answer to its order and a wrong reveal is refused", () => {
    const { answer, opening } = C.encryptRankingWithOpening(ctx, pair.public, [2, 0, 3, 1], rng("audit"));
    assert.deepEqual(C.openRanking(pair.public, answer, opening), [2, 0, 3, 1]);
    const other = C.encryptRankingWithOpening(ctx, pair.public, [2, 0, 3, 1], rng("audit-other")).opening;
    assert.throws(() => C.openRanking(pair.public, answer, other), (e) => e instanceof C.InvalidOpening && e.message.startsWith("pair (0, 1):"));
    const lying = { pairs: opening.pairs, positions: [opening.positions[1], opening.positions[0], ...opening.positions.slice(2)] };
    assert.throws(() => C.openRanking(pair.public, answer, lying), (e) => e instanceof C.InvalidOpening && e.message.startsWith("position 0:"));
    assert.throws(() => C.openRanking(pair.public, answer, { ...opening, pairs: opening.pairs.slice(1) }), /every pair/);
  });

  test("malformed ranking JSON is rejected", () => {
    const data = C.toJson("encryptedRanking", C.encryptRanking(ctx, pair.public, [2, 0, 1], rng("bad")));
    const changes = [
      (d) => (d.extra = []),
      (d) => delete d.links,
      (d) => d.pairs.pop(),
      (d) => d.places.push(d.places[0]),
      (d) => d.positions[0].ciphertexts.pop(),
      (d) => d.links[0].c.push(d.links[0].c[0]),
      (d) => (d.pairs[0].sum_proof = null),
      (d) => (d.places[0].c = [d.places[0].c[0].toUpperCase()]),
      (d) => (d.positions = d.positions.slice(0, 1)),
    ];
    for (const change of changes) {
      const copy = JSON.parse(JSON.stringify(data));
      change(copy);
      assert.throws(() => C.fromJson("encryptedRanking", copy), C.InvalidEncoding, String(change));
    }
  });
});
