// The voter's side of docs/elections.md: identifiers, ballot shapes, building, signing and
// opening ballots (frontend/src/voting/election.js).

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToHex, concatBytes, hexToBytes } from "../crypto/bytes.js";
import { generateKeyPair } from "../crypto/elgamal.js";
import { baseMul, encodeScalar, pointFromHex, pointHex } from "../crypto/group.js";
import { verifyCredentialSignature } from "../crypto/proofs.js";
import { verifyQuestion } from "../crypto/question.js";
import { fromJson } from "../crypto/serialization.js";
import {
  ballotContext,
  ballotNonce,
  buildBallot,
  checkedManifest,
  choiceVectors,
  choicesMatch,
  cj,
  credentialMessage,
  fingerprintOf,
  headSigned,
  openBallot,
  sealedPart,
  sha256f,
  shapes,
  signBallot,
  trackerOf,
} from "../src/voting/election.js";
import { DeterministicNonces } from "../crypto/random.js";
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

test("a ballot's proof context is fingerprint ‖ nonce, as in Python", () => {
  // voting.verify.election.ballot_context(bytes(32), bytes(range(32))) + int8(2).
  const key = bytesToHex(Uint8Array.from({ length: 32 }, (_, i) => i));
  const context = ballotContext(new Uint8Array(32), key);
  assert.equal(bytesToHex(context), "00".repeat(32) + key);
  assert.deepEqual(ballotContext(new Uint8Array(32), hexToBytes(key)), context);
  // Question 1 (approval) appends int(1); pair (1, 2) of ranked question 2 appends int(2) ‖ int(1) ‖ int(2).
  const [, approval, ranked] = shapes(sampleManifest(generateKeyPair().public));
  assert.equal(bytesToHex(concatBytes(context, approval.parts[0].suffix)), "00".repeat(32) + key + "0000000000000001");
  assert.equal(bytesToHex(concatBytes(context, ranked.parts[2].suffix)), "00".repeat(32) + key + "000000000000000200000000000000010000000000000002");
  assert.throws(() => ballotContext(new Uint8Array(32), "ab"));
  assert.throws(() => ballotContext(new Uint8Array(32), new Uint8Array(31)));
});

test("the ballot nonce is 32 fresh bytes, or one §9 draw as its scalar encoding", () => {
  const a = ballotNonce();
  assert.equal(a.length, 32);
  assert.notDeepEqual(a, ballotNonce());
  const seed = new TextEncoder().encode("nonce");
  assert.equal(bytesToHex(ballotNonce(new DeterministicNonces(seed))), bytesToHex(encodeScalar(new DeterministicNonces(seed).draw())));
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

const BOARD = { count: 3, hash: "33".repeat(32) };

test("a sealed ballot verifies, its tracker covers exactly election, nonce and answers, and it opens", () => {
  const joint = generateKeyPair();
  const manifest = sampleManifest(joint.public);
  const fingerprint = fingerprintOf(manifest);
  const choices = [[1], [0, 4], [2, 1, null]];
  const { sealed, reveal, tracker } = buildBallot(manifest, fingerprint, choices);

  assert.deepEqual(Object.keys(sealed).sort(), ["answers", "election", "nonce"]);
  assert.equal(sealed.election, bytesToHex(fingerprint));
  assert.match(sealed.nonce, /^[0-9a-f]{64}$/);
  assert.equal(tracker, bytesToHex(sha256f("tracker", cj(sealed))));
  shapes(manifest).forEach((shape, q) => {
    const parts = shape.kind === "ranked" ? sealed.answers[q].pairs : [sealed.answers[q]];
    assert.equal(parts.length, shape.parts.length);
    parts.forEach((part, p) => {
      const { suffix, options, low, high } = shape.parts[p];
      verifyQuestion(concatBytes(ballotContext(fingerprint, sealed.nonce), suffix), joint.public, fromJson("encryptedQuestion", part), options, low, high);
    });
  });
  // The proofs are bound to the nonce: under another nonce or under the fingerprint alone they
  // do not verify, so a copy of these answers must keep the nonce — and so the tracker.
  const part = fromJson("encryptedQuestion", sealed.answers[1]);
  const { suffix, options, low, high } = shapes(manifest)[1].parts[0];
  assert.throws(() => verifyQuestion(concatBytes(ballotContext(fingerprint, "00".repeat(32)), suffix), joint.public, part, options, low, high));
  assert.throws(() => verifyQuestion(concatBytes(fingerprint, suffix), joint.public, part, options, low, high));

  const opened = openBallot(manifest, sealed, reveal);
  assert.deepEqual(opened[0], { selected: [1] });
  assert.deepEqual(opened[1], { selected: [0, 4] });
  // Ranks [2, 1, unranked]: 1 > 0, 0 > 2, 1 > 2.
  assert.deepEqual(new Set(opened[2].above.map(String)), new Set([[1, 0], [0, 2], [1, 2]].map(String)));
  assert.ok(choicesMatch(manifest, choices, opened));
  assert.ok(!choicesMatch(manifest, [[0], [0, 4], [2, 1, null]], opened));

  // Encrypting the same choices again gives a new nonce and a new tracker.
  const again = buildBallot(manifest, fingerprint, choices);
  assert.notEqual(again.sealed.nonce, sealed.nonce);
  assert.notEqual(again.tracker, tracker);
});

test("the cast ballot adds the board head, the credential and a signature over all of it; its tracker is the sealed one", () => {
  const manifest = sampleManifest(generateKeyPair().public);
  const fingerprint = fingerprintOf(manifest);
  const credential = sampleCredential();
  const { sealed, tracker } = buildBallot(manifest, fingerprint, [[0], [1], [1, 2, 3]]);
  const ballot = signBallot(fingerprint, sealed, { ...BOARD, extra: "dropped" }, credential);
  assert.deepEqual(Object.keys(ballot).sort(), ["answers", "board", "credential", "election", "nonce", "signature"]);
  assert.deepEqual(ballot.board, BOARD);
  assert.deepEqual(ballot.credential, credential.credential);
  assert.deepEqual(sealedPart(ballot), sealed);
  assert.equal(trackerOf(ballot), tracker);
  const unsigned = { ...ballot };
  delete unsigned.signature;
  const key = pointFromHex(ballot.credential.key);
  verifyCredentialSignature(fingerprint, key, cj(unsigned), fromJson("credentialSignature", ballot.signature));
  // The signature covers the board reference: the same ballot naming another head fails.
  const moved = cj({ ...unsigned, board: { count: 4, hash: BOARD.hash } });
  assert.throws(() => verifyCredentialSignature(fingerprint, key, moved, fromJson("credentialSignature", ballot.signature)));
});

test("an audit catches a reveal that does not open the ballot", () => {
  const joint = generateKeyPair();
  const manifest = sampleManifest(joint.public);
  const { sealed, reveal } = buildBallot(manifest, fingerprintOf(manifest), [[0], [], [1, 2, 3]]);
  const lie = structuredClone(reveal);
  lie[0].votes = [0, 1];
  assert.throws(() => openBallot(manifest, sealed, lie), /does not hold the revealed choice/);
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
  buildBallot(manifest, fingerprintOf(manifest), [[0, 2, 3]]);
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
  const { sealed, tracker } = buildBallot(manifest, fingerprint, [[0], [1], [1, 2, 3]]);
  const ballot = signBallot(fingerprint, sealed, BOARD, sampleCredential());
  const hash = new Uint8Array(32).fill(7);
  const sign = (count, final) =>
    bytesToHex(ed25519.sign(concatBytes(frame(utf8("mashwara/v1/board-head")), frame(fingerprint), frame(int8(count)), frame(hash), frame(utf8(final ? "final" : "running"))), seed));
  const head = { election: bytesToHex(fingerprint), count: 4, hash: bytesToHex(hash), final: false, signature: sign(4, false) };
  const receipt = { tracker, position: 4, hour: "2026-03-03T10:00:00Z", head };
  assert.ok(checkReceipt(manifest, fingerprint, ballot, receipt));
  assert.ok(checkReceipt(manifest, fingerprint, sealed, receipt), "an audit's receipt names the sealed ballot's tracker");
  assert.ok(!checkReceipt(manifest, fingerprint, ballot, { ...receipt, tracker: "00".repeat(32) }));
  assert.ok(!checkReceipt(manifest, fingerprint, ballot, { ...receipt, position: 5 }));
  assert.ok(!checkReceipt(manifest, fingerprint, ballot, { ...receipt, head: { ...head, hash: "08".repeat(32) } }));
  // A cast ballot lands after the head it names.
  assert.ok(!checkReceipt(manifest, fingerprint, { ...ballot, board: { count: 4, hash: BOARD.hash } }, receipt));

  // Heads: running and final ones are checked under their own words; another key's are not.
  assert.ok(headSigned(manifest, fingerprint, head));
  const final = { ...head, final: true, signature: sign(4, true) };
  assert.ok(headSigned(manifest, fingerprint, final));
  assert.ok(!headSigned(manifest, fingerprint, { ...final, final: false }));
  assert.ok(!headSigned(manifest, fingerprint, { ...head, count: 5 }));
  assert.ok(!headSigned(manifest, fingerprint, { ...head, election: "00".repeat(32) }));
  assert.ok(!headSigned(manifest, fingerprint, { ...head, signature: "zz" }));
  const other = { ...manifest, board_public_key: bytesToHex(ed25519.getPublicKey(new Uint8Array(32).fill(2))) };
  assert.ok(!headSigned(other, fingerprint, head));
});
