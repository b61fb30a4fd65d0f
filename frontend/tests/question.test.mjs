// Encrypted questions (protocol §5): honest ballots verify and count, invalid votes cannot be
// encrypted, tampering names the option that fails, and the implied-bounds rule holds.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as C from "../crypto/index.js";
import { text } from "./helpers.mjs";

const rng = (label) => new C.DeterministicNonces(text(`js-tests/question/${label}`));
const ctx = text("question fingerprint");
const pair = C.generateKeyPair(rng("keypair"));

function decryptAll(question) {
  return question.ciphertexts.map((ct) => {
    const m = C.decryptToPoint(pair.secret, ct);
    return m.is0() ? 0 : m.equals(C.generator()) ? 1 : -1;
  });
}

describe("encrypted question (§5)", () => {
  test("a bounded question carries a sum proof, verifies and decrypts to the choices", () => {
    const choices = [1, 0, 1, 0, 0];
    const question = C.encryptQuestion(ctx, pair.public, choices, 1, 2, rng("bounded"));
    assert.equal(question.sumProof.c.length, 2);
    C.verifyQuestion(ctx, pair.public, question, 5, 1, 2);
    assert.deepEqual(decryptAll(question), choices);
  });

  test("an approval question 0..n has no sum proof and verifies", () => {
    const question = C.encryptQuestion(ctx, pair.public, [0, 1, 1], 0, 3, rng("approval"));
    assert.equal(question.sumProof, null);
    C.verifyQuestion(ctx, pair.public, question, 3, 0, 3);
  });

  test("implied bounds: a 0..n question with a sum proof, or other bounds without one, is rejected", () => {
    const bounded = C.encryptQuestion(ctx, pair.public, [0, 1, 1], 0, 2, rng("implied-1"));
    assert.throws(() => C.verifyQuestion(ctx, pair.public, bounded, 3, 0, 3), /take no proof/);
    const approval = C.encryptQuestion(ctx, pair.public, [0, 1, 1], 0, 3, rng("implied-2"));
    assert.throws(() => C.verifyQuestion(ctx, pair.public, approval, 3, 0, 2), /missing/);
  });

  test("invalid votes cannot be encrypted", () => {
    assert.throws(() => C.encryptQuestion(ctx, pair.public, [1, 1, 1], 0, 2), C.ValueOutsideRange);
    assert.throws(() => C.encryptQuestion(ctx, pair.public, [0, 0, 0], 1, 2), C.ValueOutsideRange);
    assert.throws(() => C.encryptQuestion(ctx, pair.public, [2, 0, 0], 0, 3), C.ValueOutsideRange);
    assert.throws(() => C.encryptQuestion(ctx, pair.public, [true, 0, 0], 0, 3), C.ValueOutsideRange);
    assert.throws(() => C.encryptQuestion(ctx, pair.public, [1, 0], 0, 3), C.InvalidWitness);
    assert.throws(() => C.encryptQuestion(ctx, pair.public, [], 0, 0), C.InvalidWitness);
    assert.throws(() => C.encryptQuestion(ctx, pair.public, [1, 0], 2, 1), C.InvalidWitness);
  });

  test("tampering with one option names that option", () => {
    const question = C.encryptQuestion(ctx, pair.public, [1, 0, 0, 1], 1, 2, rng("tamper"));
    const ciphertexts = question.ciphertexts.with(2, { a: question.ciphertexts[2].a, b: question.ciphertexts[2].b.add(C.generator()) });
    assert.throws(() => C.verifyQuestion(ctx, pair.public, { ...question, ciphertexts }, 4, 1, 2), /option 2 does not verify/);
    const proofs = question.proofs.with(0, question.proofs[1]);
    assert.throws(() => C.verifyQuestion(ctx, pair.public, { ...question, proofs }, 4, 1, 2), /option 0 does not verify/);
  });

  test("swapping options, replaying into another context, or a wrong sum proof fails", () => {
    const question = C.encryptQuestion(ctx, pair.public, [1, 0, 0], 1, 1, rng("swap"));
    const swapped = {
      ciphertexts: [question.ciphertexts[1], question.ciphertexts[0], question.ciphertexts[2]],
      proofs: [question.proofs[1], question.proofs[0], question.proofs[2]],
      sumProof: question.sumProof,
    };
    assert.throws(() => C.verifyQuestion(ctx, pair.public, swapped, 3, 1, 1), /option 0/);
    assert.throws(() => C.verifyQuestion(text("another"), pair.public, question, 3, 1, 1), C.InvalidProof);
    const other = C.encryptQuestion(ctx, pair.public, [0, 1, 0], 1, 1, rng("swap-2"));
    assert.throws(() => C.verifyQuestion(ctx, pair.public, { ...question, sumProof: other.sumProof }, 3, 1, 1), /number of selections/);
  });

  test("a question that does not match the announced shape fails", () => {
    const question = C.encryptQuestion(ctx, pair.public, [1, 0, 0], 1, 1, rng("shape"));
    assert.throws(() => C.verifyQuestion(ctx, pair.public, question, 4, 1, 1), /4 options/);
    assert.throws(() => C.verifyQuestion(ctx, pair.public, question, 3, 2, 1), C.InvalidProof);
  });

  test("homomorphic tally of several ballots decrypts to the per-option counts", () => {
    const ballots = [
      [1, 0, 1],
      [0, 0, 1],
      [1, 1, 1],
    ].map((v, i) => C.encryptQuestion(ctx, pair.public, v, 0, 3, rng(`tally-${i}`)));
    const totals = [0, 1, 2].map((i) => C.decryptToPoint(pair.secret, C.addCiphertexts(ballots.map((b) => b.ciphertexts[i]))));
    assert.ok(totals[0].equals(C.baseMul(2n)) && totals[1].equals(C.baseMul(1n)) && totals[2].equals(C.baseMul(3n)));
  });
});
