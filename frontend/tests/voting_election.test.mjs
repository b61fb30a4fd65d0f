// The voter's side of docs/elections.md: identifiers, ballot shapes, building, signing and
// opening ballots (frontend/src/voting/election.js).

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToHex, concatBytes, hexToBytes } from "../crypto/bytes.js";
import { generateKeyPair } from "../crypto/elgamal.js";
import { baseMul, pointFromHex, pointHex } from "../crypto/group.js";
import { verifyCredentialSignature } from "../crypto/proofs.js";
import { verifyQuestion } from "../crypto/question.js";
import { fromJson } from "../crypto/serialization.js";
import {
  ballotContext,
  buildBallot,
  checkedManifest,
  choiceVectors,
  choicesMatch,
  cj,
  credentialMessage,
  fingerprintOf,
  openBallot,
  sha256f,
  shapes,
  trackerOf,
} from "../src/voting/election.js";
import { sampleCredential, sampleManifest } from "./voting_helpers.mjs";

test("SHA256F and the credential message are byte-identical with Python", () => {
  // Values computed by voting.verify.canonical.sha256f and voting.verify.election.credential_message.
  assert.equal(bytesToHex(sha256f("tracker", new TextEncoder().encode("abc"), "x", 5)), "cd1c3fef481cdf31820213202bac0d2712554c3d6268971bcabad78e6456bb5f");
  const message = credentialMessage(new Uint8Array(32), Uint8Array.from({ length: 32 }, (_, i) => i));
  assert.equal(
    bytesToHex(message),
    "000000166d617368776172612f76312f63726564656e7469616c00000020" + "00".repeat(32) + "00000020" + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  );
});

test("a ballot's proof context is fingerprint ‖ credential key, as in Python", () => {
  // voting.verify.election.ballot_context(bytes(32), bytes(range(32))) + int8(2).
  const key = bytesToHex(Uint8Array.from({ length: 32 }, (_, i) => i));
  const context = ballotContext(new Uint8Array(32), key);
  assert.equal(bytesToHex(context), "00".repeat(32) + key);
  // Question 1 (approval) appends int(1); pair (1, 2) of ranked question 2 appends int(2) ‖ int(1) ‖ int(2).
  const [, approval, ranked] = shapes(sampleManifest(generateKeyPair().public));
  assert.equal(bytesToHex(concatBytes(context, approval.parts[0].suffix)), "00".repeat(32) + key + "0000000000000001");
  assert.equal(bytesToHex(concatBytes(context, ranked.parts[2].suffix)), "00".repeat(32) + key + "000000000000000200000000000000010000000000000002");
  assert.throws(() => ballotContext(new Uint8Array(32), "ab"));
});

test("ranked choices become pairwise vectors: ties and unranked options are not ordered", () => {
  const question = { type: "ranked", options: [{}, {}, {}, {}] };
  // Ranks: option 0 first, options 1 and 2 tied second, option 3 unranked.
  assert.deepEqual(choiceVectors(question, [1, 2, 2, null]), [
    [1, 0], // 0 vs 1
    [1, 0], // 0 vs 2
    [1, 0], // 0 vs 3
    [0, 0], // 1 vs 2 tie
    [1, 0], // 1 vs 3
    [1, 0], // 2 vs 3
  ]);
  assert.deepEqual(choiceVectors({ type: "approval", options: [{}, {}, {}] }, [2, 0]), [[1, 0, 1]]);
  assert.deepEqual(choiceVectors({ type: "single", options: [{}, {}] }, []), [[0, 0]]);
});

test("a built ballot verifies, is signed over its canonical JSON and opens to the choices", () => {
  const joint = generateKeyPair();
  const manifest = sampleManifest(joint.public);
  const fingerprint = fingerprintOf(manifest);
  const credential = sampleCredential();
  const choices = [[1], [0, 4], [2, 1, null]];
  const { ballot, reveal, tracker } = buildBallot(manifest, fingerprint, credential, choices);

  assert.equal(ballot.election, bytesToHex(fingerprint));
  assert.equal(tracker, trackerOf(ballot));
  const unsigned = { ...ballot };
  delete unsigned.signature;
  verifyCredentialSignature(fingerprint, pointFromHex(ballot.credential.key), cj(unsigned), fromJson("credentialSignature", ballot.signature));
  shapes(manifest).forEach((shape, q) => {
    const parts = shape.kind === "ranked" ? ballot.answers[q].pairs : [ballot.answers[q]];
    assert.equal(parts.length, shape.parts.length);
    parts.forEach((part, p) => {
      const { suffix, options, low, high } = shape.parts[p];
      verifyQuestion(concatBytes(ballotContext(fingerprint, ballot.credential.key), suffix), joint.public, fromJson("encryptedQuestion", part), options, low, high);
    });
  });
  // The proofs are bound to the credential key: under another credential (a copied ballot) or
  // under the fingerprint alone they do not verify.
  const part = fromJson("encryptedQuestion", ballot.answers[1]);
  const { suffix, options, low, high } = shapes(manifest)[1].parts[0];
  const other = sampleCredential().credential.key;
  assert.throws(() => verifyQuestion(concatBytes(ballotContext(fingerprint, other), suffix), joint.public, part, options, low, high));
  assert.throws(() => verifyQuestion(concatBytes(fingerprint, suffix), joint.public, part, options, low, high));

  const opened = openBallot(manifest, ballot, reveal);
  assert.deepEqual(opened[0], { selected: [1] });
  assert.deepEqual(opened[1], { selected: [0, 4] });
  // Ranks [2, 1, unranked]: 1 > 0, 0 > 2, 1 > 2.
  assert.deepEqual(new Set(opened[2].above.map(String)), new Set([[1, 0], [0, 2], [1, 2]].map(String)));
  assert.ok(choicesMatch(manifest, choices, opened));
  assert.ok(!choicesMatch(manifest, [[0], [0, 4], [2, 1, null]], opened));
});

test("an audit catches a reveal that does not open the ballot", () => {
  const joint = generateKeyPair();
  const manifest = sampleManifest(joint.public);
  const { ballot, reveal } = buildBallot(manifest, fingerprintOf(manifest), sampleCredential(), [[0], [], [1, 2, 3]]);
  const lie = structuredClone(reveal);
  lie[0].votes = [0, 1];
  assert.throws(() => openBallot(manifest, ballot, lie), /does not hold the revealed choice/);
});

test("a manifest whose fingerprint does not match is refused", () => {
  const manifest = sampleManifest(baseMul(5n));
  const good = { manifest, fingerprint: bytesToHex(fingerprintOf(manifest)) };
  assert.deepEqual(checkedManifest(good).fingerprint, hexToBytes(good.fingerprint));
  assert.throws(() => checkedManifest({ ...good, fingerprint: "00".repeat(32) }), /fingerprint/);
});

test("encrypting a 5-option approval ballot takes a moment, not seconds (Node)", () => {
  const joint = generateKeyPair();
  const manifest = sampleManifest(joint.public);
  manifest.questions = [manifest.questions[1]];
  const started = performance.now();
  buildBallot(manifest, fingerprintOf(manifest), sampleCredential(), [[0, 2, 3]]);
  const ms = performance.now() - started;
  console.log(`# one 5-option approval ballot: ${ms.toFixed(0)} ms in Node`);
  assert.ok(ms < 5000);
});

test("a receipt is accepted only for this ballot and with the board key's signature", async () => {
  const { ed25519 } = await import("@noble/curves/ed25519.js");
  const { frame } = await import("../crypto/hash.js");
  const { int8, utf8 } = await import("../crypto/bytes.js");
  const { checkReceipt } = await import("../src/voting/election.js");
  const seed = new Uint8Array(32).fill(1);
  const joint = generateKeyPair();
  const manifest = { ...sampleManifest(joint.public), board_public_key: bytesToHex(ed25519.getPublicKey(seed)) };
  const fingerprint = fingerprintOf(manifest);
  const { ballot, tracker } = buildBallot(manifest, fingerprint, sampleCredential(), [[0], [1], [1, 2, 3]]);
  const hash = new Uint8Array(32).fill(7);
  const message = concatBytes(frame(utf8("mashwara/v1/board-head")), frame(fingerprint), frame(int8(4)), frame(hash), frame(utf8("running")));
  const head = { election: bytesToHex(fingerprint), count: 4, hash: bytesToHex(hash), final: false, signature: bytesToHex(ed25519.sign(message, seed)) };
  const receipt = { tracker, position: 4, hour: "2026-03-03T10:00:00Z", head };
  assert.ok(checkReceipt(manifest, fingerprint, ballot, receipt));
  assert.ok(!checkReceipt(manifest, fingerprint, ballot, { ...receipt, tracker: "00".repeat(32) }));
  assert.ok(!checkReceipt(manifest, fingerprint, ballot, { ...receipt, position: 5 }));
  assert.ok(!checkReceipt(manifest, fingerprint, ballot, { ...receipt, head: { ...head, hash: "08".repeat(32) } }));
});
