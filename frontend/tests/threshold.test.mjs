// The k-of-n ceremony and threshold decryption (protocol §6) as trustees would run it in their
// browsers: honest runs decrypt with any k trustees, and every kind of cheating is caught.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as C from "../crypto/index.js";
import { text } from "./helpers.mjs";

const ctx = text("ceremony fingerprint");
const rng = new C.DeterministicNonces(text("js-tests/ceremony"));

function ceremony(k, n) {
  const trustees = [];
  for (let i = 1; i <= n; i++) trustees.push(C.createTrustee(ctx, i, k, rng));
  const announcements = trustees.map((t) => t.announcement);
  const byIndex = new Map(announcements.map((a) => [a.trustee, a]));
  const received = new Map(trustees.map((t) => [t.secrets.trustee, new Map()]));
  for (const { secrets: sender } of trustees) {
    for (const { secrets: recipient } of trustees) {
      if (recipient.trustee === sender.trustee) continue;
      const share = C.encryptShare(ctx, sender, recipient.trustee, byIndex.get(recipient.trustee).communicationKey, rng);
      received.get(recipient.trustee).set(sender.trustee, C.openShare(ctx, recipient, share, byIndex.get(sender.trustee)));
    }
  }
  const shares = new Map(trustees.map((t) => [t.secrets.trustee, C.combineSecretShare(t.secrets, received.get(t.secrets.trustee))]));
  return { trustees, announcements, byIndex, shares, joint: C.jointPublicKey(announcements) };
}

describe("threshold ceremony (§6)", () => {
  const k = 3;
  const n = 5;
  const run = ceremony(k, n);
  const keys = C.verificationKeys(run.announcements, [1, 2, 3, 4, 5]);

  test("announcements carry k commitments with valid proofs", () => {
    for (const a of run.announcements) {
      assert.equal(a.commitments.length, k);
      C.verifyAnnouncement(ctx, a, k);
    }
    assert.throws(() => C.verifyAnnouncement(ctx, run.announcements[0], k + 1), /must publish 4/);
  });

  test("a replaced commitment or communication key is caught by its proof", () => {
    const a = run.announcements[1];
    const commitments = a.commitments.with(1, C.baseMul(12345n));
    assert.throws(() => C.verifyAnnouncement(ctx, { ...a, commitments }, k), /trustee 2: proof for commitment 1/);
    assert.throws(() => C.verifyAnnouncement(ctx, { ...a, communicationKey: C.baseMul(5n) }, k), /trustee 2: communication key/);
    assert.throws(() => C.verifyAnnouncement(text("other"), a, k), C.InvalidProof);
    // A proof made for trustee 2 does not pass as trustee 3's.
    assert.throws(() => C.verifyAnnouncement(ctx, { ...a, trustee: 3 }, k), C.InvalidProof);
  });

  test("each secret share matches the public verification key", () => {
    for (const [i, s] of run.shares) assert.ok(C.baseMul(s).equals(keys.get(i)));
  });

  test("any k of the n trustees decrypt, absent trustees simply missing", () => {
    const { ciphertext } = C.encrypt(run.joint, 42, rng);
    const dctx = C.concatBytes(ctx, text("tally"));
    const partials = [...run.shares].map(([i, s]) => C.partialDecrypt(dctx, i, s, ciphertext, rng));
    for (const p of partials) C.verifyPartialDecryption(dctx, keys.get(p.trustee), ciphertext, p);
    for (const subset of [[1, 2, 3], [2, 4, 5], [1, 3, 5], [1, 2, 3, 4, 5]]) {
      const chosen = partials.filter((p) => subset.includes(p.trustee));
      assert.ok(C.combineDecryptionShares(ciphertext, chosen, k).equals(C.baseMul(42n)), subset.join(","));
    }
    assert.throws(() => C.combineDecryptionShares(ciphertext, partials.slice(0, 2), k), /at least 3/);
  });

  test("a wrong decryption share is caught and names its trustee", () => {
    const { ciphertext } = C.encrypt(run.joint, 7, rng);
    const p = C.partialDecrypt(ctx, 4, run.shares.get(4), ciphertext, rng);
    assert.throws(() => C.verifyPartialDecryption(ctx, keys.get(4), ciphertext, { ...p, d: p.d.add(C.generator()) }), /trustee 4/);
    assert.throws(() => C.verifyPartialDecryption(ctx, keys.get(3), ciphertext, p), /trustee 4/);
  });

  test("a tampered encrypted share is refused with a complaint", () => {
    const [t1, t2] = run.trustees;
    const good = C.encryptShare(ctx, t1.secrets, 2, t2.announcement.communicationKey, rng);
    assert.equal(C.openShare(ctx, t2.secrets, good, t1.announcement), C.evaluatePolynomial(t1.secrets, 2));
    const ct = good.ct.slice();
    ct[0] ^= 1;
    assert.throws(() => C.openShare(ctx, t2.secrets, { ...good, ct }, t1.announcement), (e) => {
      assert.ok(e instanceof C.InvalidShare);
      assert.match(e.message, /bad authentication tag/);
      assert.deepEqual(e.complaint, { sender: 1, recipient: 2 });
      return true;
    });
    assert.throws(() => C.openShare(text("other"), t2.secrets, good, t1.announcement), /tag/);
    assert.throws(() => C.openShare(ctx, run.trustees[2].secrets, good, t1.announcement), /not addressed/);
  });

  test("a well-encrypted share that does not match the commitments is refused, and the reveal exposes the cheat", () => {
    const [t1, t2] = run.trustees;
    // Trustee 1 cheats: encrypts P_1(2) + 1 under a correct MAC.
    const cheat = { ...t1.secrets, coefficients: t1.secrets.coefficients.with(0, (t1.secrets.coefficients[0] + 1n) % C.ORDER) };
    const bad = C.encryptShare(ctx, cheat, 2, t2.announcement.communicationKey, rng);
    assert.throws(() => C.openShare(ctx, t2.secrets, bad, t1.announcement), /does not match its commitments/);
    // Answering the complaint honestly clears trustee 1; answering with the bad value does not.
    const complaint = { sender: 1, recipient: 2 };
    C.verifyShareReveal(t1.announcement, C.revealShare(t1.secrets, complaint));
    assert.throws(() => C.verifyShareReveal(t1.announcement, C.revealShare(cheat, complaint)), C.InvalidShare);
    assert.throws(() => C.revealShare(t2.secrets, complaint), /another trustee/);
  });

  test("bad parameters are refused", () => {
    assert.throws(() => C.createTrustee(ctx, 0, 2), C.CryptoError);
    assert.throws(() => C.createTrustee(ctx, 2 ** 32, 2), C.CryptoError);
    assert.throws(() => C.createTrustee(ctx, 1, 0), /threshold/);
    const [t1] = run.trustees;
    assert.throws(() => C.encryptShare(ctx, t1.secrets, 1, t1.announcement.communicationKey), /itself/);
    assert.throws(() => C.encryptShare(ctx, t1.secrets, 2, C.IDENTITY), /identity/);
    assert.throws(() => C.lagrangeCoefficients([1, 1]), /distinct/);
  });

  test("a 1-of-1 ceremony is plain ElGamal", () => {
    const single = ceremony(1, 1);
    const { ciphertext } = C.encrypt(single.joint, 9, rng);
    const p = C.partialDecrypt(ctx, 1, single.shares.get(1), ciphertext, rng);
    assert.ok(C.combineDecryptionShares(ciphertext, [p], 1).equals(C.baseMul(9n)));
  });
});
