// ElGamal and the sigma proofs (protocol §3, §4): honest proofs verify, any tampering makes
// verification fail, and a prover refuses to prove what is false.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as C from "../crypto/index.js";
import { text } from "./helpers.mjs";

const rng = (label) => new C.DeterministicNonces(text(`js-tests/${label}`));
const ctx = text("election fingerprint");
const other = text("another election");
const pair = C.generateKeyPair(rng("keypair"));
const bump = (k) => (k + 1n) % C.ORDER;

describe("ElGamal (§3)", () => {
  test("encryption decrypts to mG, and sums add up", () => {
    const a = C.encrypt(pair.public, 3, rng("e1")).ciphertext;
    const b = C.encrypt(pair.public, 4n, rng("e2")).ciphertext;
    assert.ok(C.decryptToPoint(pair.secret, a).equals(C.baseMul(3n)));
    assert.ok(C.decryptToPoint(pair.secret, C.addCiphertexts([a, b])).equals(C.baseMul(7n)));
  });

  test("a zero message decrypts to the identity; the empty sum is (O, O)", () => {
    const zero = C.encrypt(pair.public, 0, rng("e0")).ciphertext;
    assert.ok(C.decryptToPoint(pair.secret, zero).is0());
    const empty = C.addCiphertexts([]);
    assert.ok(empty.a.is0() && empty.b.is0());
    assert.ok(C.decryptToPoint(pair.secret, empty).is0());
  });

  test("re-randomisation keeps the plaintext and changes both components", () => {
    const { ciphertext } = C.encrypt(pair.public, 5, rng("r1"));
    const { ciphertext: again, nonce } = C.rerandomise(pair.public, ciphertext, rng("r2"));
    assert.ok(nonce > 0n);
    assert.ok(!again.a.equals(ciphertext.a) && !again.b.equals(ciphertext.b));
    assert.ok(C.decryptToPoint(pair.secret, again).equals(C.baseMul(5n)));
  });

  test("bad messages and nonces are refused", () => {
    assert.throws(() => C.encryptWithNonce(pair.public, -1, 5n), C.InvalidWitness);
    assert.throws(() => C.encryptWithNonce(pair.public, C.ORDER, 5n), C.InvalidWitness);
    assert.throws(() => C.encryptWithNonce(pair.public, 1.5, 5n), C.InvalidWitness);
    assert.throws(() => C.encryptWithNonce(pair.public, 1, 0n), C.InvalidWitness);
    assert.throws(() => C.encrypt(C.IDENTITY, 1), C.InvalidKey);
  });
});

describe("Schnorr proof of knowledge and credential signature (§4.1, §4.2)", () => {
  const proof = C.proveKnowledge(ctx, pair.secret, rng("pok"));

  test("an honest proof verifies", () => {
    C.verifyKnowledge(ctx, pair.public, proof);
  });

  test("tampering with c, s, the context or the key fails", () => {
    assert.throws(() => C.verifyKnowledge(ctx, pair.public, { ...proof, c: bump(proof.c) }), C.InvalidProof);
    assert.throws(() => C.verifyKnowledge(ctx, pair.public, { ...proof, s: bump(proof.s) }), C.InvalidProof);
    assert.throws(() => C.verifyKnowledge(other, pair.public, proof), C.InvalidProof);
    assert.throws(() => C.verifyKnowledge(ctx, C.baseMul(7n), proof), C.InvalidProof);
    assert.throws(() => C.verifyKnowledge(ctx, C.IDENTITY, proof), C.InvalidProof);
    assert.throws(() => C.verifyKnowledge(ctx, pair.public, { c: C.ORDER, s: proof.s }), C.InvalidProof);
  });

  test("a zero secret cannot be proven", () => {
    assert.throws(() => C.proveKnowledge(ctx, 0n), C.InvalidWitness);
  });

  test("credential signatures bind the message and are not proofs of knowledge", () => {
    const message = text('{"ballot":"x"}');
    const signature = C.signCredential(ctx, pair.secret, message, rng("sig"));
    C.verifyCredentialSignature(ctx, pair.public, message, signature);
    assert.throws(() => C.verifyCredentialSignature(ctx, pair.public, text('{"ballot":"y"}'), signature), C.InvalidSignature);
    assert.throws(() => C.verifyCredentialSignature(other, pair.public, message, signature), C.InvalidSignature);
    assert.throws(() => C.verifyKnowledge(ctx, pair.public, signature), C.InvalidProof);
    assert.throws(() => C.verifyCredentialSignature(ctx, pair.public, message, proof), C.InvalidSignature);
  });
});

describe("range proof (§4.3)", () => {
  const cases = [
    [0, 0, 1],
    [1, 0, 1],
    [0, 0, 0],
    [2, 1, 3],
    [7, 0, 9],
    [40, 3, 66],
  ];
  for (const [value, low, high] of cases) {
    test(`an honest proof of ${value} ∈ ${low}..${high} verifies and rejects tampering`, () => {
      const source = rng(`range-${value}-${low}-${high}`);
      const { ciphertext, nonce } = C.encrypt(pair.public, value, source);
      const proof = C.proveRange(ctx, pair.public, ciphertext, value, nonce, low, high, source);
      assert.equal(proof.c.length, high - low + 1);
      C.verifyRange(ctx, pair.public, ciphertext, low, high, proof);
      const width = proof.c.length;
      for (const i of new Set([0, width - 1, Math.floor(width / 2)])) {
        const c = proof.c.with(i, bump(proof.c[i]));
        const s = proof.s.with(i, bump(proof.s[i]));
        assert.throws(() => C.verifyRange(ctx, pair.public, ciphertext, low, high, { c, s: proof.s }), C.InvalidProof);
        assert.throws(() => C.verifyRange(ctx, pair.public, ciphertext, low, high, { c: proof.c, s }), C.InvalidProof);
      }
      assert.throws(() => C.verifyRange(other, pair.public, ciphertext, low, high, proof), C.InvalidProof);
      const shifted = { a: ciphertext.a, b: ciphertext.b.add(C.generator()) };
      assert.throws(() => C.verifyRange(ctx, pair.public, shifted, low, high, proof), C.InvalidProof);
      assert.throws(() => C.verifyRange(ctx, C.baseMul(9n), ciphertext, low, high, proof), C.InvalidProof);
      if (high > low) {
        assert.throws(() => C.verifyRange(ctx, pair.public, ciphertext, low + 1, high, proof), C.InvalidProof);
      }
    });
  }

  test("values outside the range cannot be proven", () => {
    const source = rng("outside");
    const { ciphertext: two, nonce } = C.encrypt(pair.public, 2, source);
    assert.throws(() => C.proveRange(ctx, pair.public, two, 2, nonce, 0, 1, source), C.ValueOutsideRange);
    const { ciphertext: zero, nonce: r0 } = C.encrypt(pair.public, 0, source);
    assert.throws(() => C.proveRange(ctx, pair.public, zero, 0, r0, 1, 3, source), C.ValueOutsideRange);
    assert.throws(() => C.proveRange(ctx, pair.public, zero, -1, r0, 0, 1, source), C.ValueOutsideRange);
  });

  test("a false witness (wrong value or nonce for the ciphertext) cannot be proven", () => {
    const source = rng("false-witness");
    const { ciphertext, nonce } = C.encrypt(pair.public, 2, source);
    assert.throws(() => C.proveRange(ctx, pair.public, ciphertext, 1, nonce, 0, 3, source), C.InvalidWitness);
    assert.throws(() => C.proveRange(ctx, pair.public, ciphertext, 2, bump(nonce), 0, 3, source), C.InvalidWitness);
    assert.throws(() => C.proveRange(ctx, C.baseMul(5n), ciphertext, 2, nonce, 0, 3, source), C.InvalidWitness);
  });

  test("a proof for a value outside the range, forged by simulating every branch, fails", () => {
    // Simulate all branches of 0..1 for an encryption of 2: the challenges cannot sum to H(...).
    const source = rng("forge");
    const { ciphertext } = C.encrypt(pair.public, 2, source);
    const proof = { c: [source.draw(), source.draw()], s: [source.draw(), source.draw()] };
    assert.throws(() => C.verifyRange(ctx, pair.public, ciphertext, 0, 1, proof), C.InvalidProof);
  });

  test("malformed statements are rejected", () => {
    const source = rng("shape");
    const { ciphertext, nonce } = C.encrypt(pair.public, 1, source);
    const proof = C.proveRange(ctx, pair.public, ciphertext, 1, nonce, 0, 1, source);
    assert.throws(() => C.verifyRange(ctx, pair.public, ciphertext, 0, 2, proof), /3 challenges/);
    assert.throws(() => C.verifyRange(ctx, pair.public, ciphertext, 1, 0, proof), /empty range/);
    assert.throws(() => C.verifyRange(ctx, pair.public, ciphertext, 0, 64, proof), /wider/);
    assert.throws(() => C.verifyRange(ctx, pair.public, { a: C.IDENTITY, b: ciphertext.b }, 0, 1, proof), /A must not/);
    assert.throws(() => C.verifyRange(ctx, C.IDENTITY, ciphertext, 0, 1, proof), /public key/);
    assert.throws(() => C.proveRange(ctx, pair.public, ciphertext, 1, nonce, 0, 64, source), C.InvalidWitness);
    assert.throws(() => C.verifyRange(ctx, pair.public, ciphertext, 0, 1, { c: [1n, 2n], s: [1n, C.ORDER] }), C.InvalidProof);
  });
});

describe("decryption share proof (§4.4)", () => {
  const { ciphertext } = C.encrypt(pair.public, 3, rng("dec"));
  const { share, proof } = C.proveDecryptionShare(ctx, pair.secret, ciphertext, rng("dec-proof"));

  test("an honest share decrypts and verifies", () => {
    C.verifyDecryptionShare(ctx, pair.public, ciphertext, share, proof);
    assert.ok(ciphertext.b.subtract(share).equals(C.baseMul(3n)));
  });

  test("a wrong share, key, ciphertext, context or proof fails", () => {
    assert.throws(() => C.verifyDecryptionShare(ctx, pair.public, ciphertext, share.add(C.generator()), proof), C.InvalidProof);
    assert.throws(() => C.verifyDecryptionShare(ctx, C.baseMul(5n), ciphertext, share, proof), C.InvalidProof);
    const shifted = { a: ciphertext.a, b: ciphertext.b.add(C.generator()) };
    assert.throws(() => C.verifyDecryptionShare(ctx, pair.public, shifted, share, proof), C.InvalidProof);
    assert.throws(() => C.verifyDecryptionShare(other, pair.public, ciphertext, share, proof), C.InvalidProof);
    assert.throws(() => C.verifyDecryptionShare(ctx, pair.public, ciphertext, share, { ...proof, s: bump(proof.s) }), C.InvalidProof);
    assert.throws(() => C.verifyDecryptionShare(ctx, pair.public, ciphertext, C.IDENTITY, proof), /identity/);
  });

  test("no share is made for A = O", () => {
    assert.throws(() => C.proveDecryptionShare(ctx, pair.secret, C.addCiphertexts([])), C.InvalidWitness);
  });
});
