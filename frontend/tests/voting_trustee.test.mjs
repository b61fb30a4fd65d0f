// The trustee's steps in the browser (frontend/src/voting/trustee.js): a whole ceremony between
// three trustees against an in-memory relay, a complaint settled by an answer, then a board, a
// tally rebuilt from it, decryption shares and the combined counts.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, concatBytes, int8, utf8 } from "../crypto/bytes.js";
import { generator, pointFromHex, pointHex } from "../crypto/group.js";
import { encryptQuestion } from "../crypto/question.js";
import { DeterministicNonces } from "../crypto/random.js";
import { pairContext, rankedPairs } from "../crypto/ranking.js";
import { fromJson, toJson } from "../crypto/serialization.js";
import { combineDecryptionShares, verificationKeys, verifyPartialDecryption } from "../crypto/threshold.js";
import { ballotContext, buildBallot, cj, fingerprintOf, sealedPart, sha256f, signBallot } from "../src/voting/election.js";
import { TrusteeRefusal, announcements, checkTally, decryptionMessage, nextCeremonyStep } from "../src/voting/trustee.js";
import { forgeRanking, positionsOf, preferencesOf } from "./ranking_forgery.mjs";
import { Relay, board, headOf, keysFor, runCeremony, signedAt } from "./trustee_helpers.mjs";
import { realCredential, sampleManifest, testIssuers } from "./voting_helpers.mjs";

test("three trustees complete the ceremony; a corrupted share is complained about and answered", () => {
  const keys = keysFor(3, 2);
  const relay = new Relay(3, 2);
  runCeremony(keys, relay, (body) => {
    for (const share of body.shares) if (share.sender === 1 && share.recipient === 3) share.tag = "00".repeat(32);
  });
  assert.deepEqual(relay.complaints, [{ sender: 1, recipient: 3 }]);
  assert.equal(relay.answers.length, 1);
  assert.equal(relay.answers[0].sender, 1);
  assert.ok(relay.status(1).complete);
});

test("a key file of another trustee or ceremony is refused", () => {
  const keys = keysFor(2, 1);
  const relay = new Relay(2, 1);
  assert.throws(() => nextCeremonyStep(keys[0], relay.status(2)), /signed in as trustee 2/);
  assert.throws(() => nextCeremonyStep(keys[0], { ...relay.status(1), ceremony_context: "00".repeat(32) }), /another ceremony/);
});

async function election() {
  const keys = keysFor(3, 2);
  const seed = new Uint8Array(32).fill(4);
  const { privateKeys: privateKey, trustees, issuers } = await testIssuers();
  const definition = { ...sampleManifest(generator()), board_public_key: bytesToHex(ed25519.getPublicKey(seed)), trustees };
  delete definition.joint_public_key;
  delete definition.ceremony_context;
  const context = sha256f("ceremony-context", cj(definition));
  // The ceremony context binds the definition (docs/elections.md §1).
  const bound = keys.map((k) => ({ ...k, ceremonyContext: context }));
  const relay2 = new Relay(3, 2);
  const statusBound = (me) => ({ ...relay2.status(me), ceremony_context: bytesToHex(context) });
  for (let round = 0; round < 6; round++) {
    for (const key of bound) {
      const due = nextCeremonyStep(key, statusBound(key.secrets.trustee));
      if (due) relay2.post(key.secrets.trustee, ...due);
    }
  }
  const found = announcements(statusBound(1));
  let X = found.get(1).commitments[0];
  for (const i of [2, 3]) X = X.add(found.get(i).commitments[0]);
  const manifest = { ...definition, joint_public_key: pointHex(X), ceremony_context: bytesToHex(context), issuers };
  const fingerprint = fingerprintOf(manifest);
  return { keys: bound, statusBound, manifest, fingerprint, seed, found, privateKey };
}

test("trustees rebuild the tally from the board, decrypt, and the shares combine to the counts", async () => {
  const { keys, statusBound, manifest, fingerprint, seed, found, privateKey } = await election();
  const choices = [[[0], [0, 1], [0, 1, 2]], [[1], [1], [1, 0, 2]], [[0], [4], [2, 1, 0]]];
  const credentials = await Promise.all(choices.map(() => realCredential(manifest, fingerprint, privateKey)));
  const sealed = choices.map((c) => buildBallot(manifest, fingerprint, c).sealed);
  const entries = board(fingerprint, sealed.map((s, i) => signedAt(fingerprint, s, credentials[i])));
  const ballots = entries.map((e) => e.ballot);
  const head = headOf(seed, fingerprint, entries);
  const published = { manifest, fingerprint: bytesToHex(fingerprint) };
  const roll = { size: 5, issued: 3, reissued: 0 };
  // The honest tally, as the server computes it.
  const sums = manifest.questions.map(() => []);
  for (const ballot of ballots) {
    manifest.questions.forEach((question, q) => {
      const cts = question.type === "ranked" ? ballot.answers[q].pairs.flatMap((p) => p.ciphertexts) : ballot.answers[q].ciphertexts;
      cts.forEach((ct, i) => {
        const value = fromJson("ciphertext", ct);
        sums[q][i] = sums[q][i] ? { a: sums[q][i].a.add(value.a), b: sums[q][i].b.add(value.b) } : value;
      });
    });
  }
  const tally = { counted: 3, questions: sums.map((row) => row.map((ct) => ({ a: pointHex(ct.a), b: pointHex(ct.b) }))) };

  const shares = [];
  for (const index of [1, 3]) {
    const key = keys[index - 1];
    const { fingerprint: fp } = await checkTally(key, statusBound(index), published, entries, head, roll, tally);
    shares.push(decryptionMessage(key, statusBound(index), fp, tally));
  }
  const vks = verificationKeys([...found.values()], [1, 3]);
  const counts = tally.questions.map((row, q) =>
    row.map((item, i) => {
      const ciphertext = fromJson("ciphertext", item);
      const parts = shares.map((message) => fromJson("decryptionShare", message.shares[q][i]));
      parts.forEach((part) => verifyPartialDecryption(fingerprint, vks.get(part.trustee), ciphertext, part));
      const point = combineDecryptionShares(ciphertext, parts, 2);
      return point;
    }),
  );
  // Decode small counts by trial: mG for m = 0…3.
  const small = (point) => [0, 1, 2, 3].find((m) => (m === 0 ? point.is0() : generator().multiply(BigInt(m)).equals(point)));
  assert.deepEqual(counts[0].map(small), [2, 1]);
  assert.deepEqual(counts[1].map(small), [1, 2, 0, 0, 1]);
  // Ranked: pairs (0,1), (0,2), (1,2) → [e01, e10, e02, e20, e12, e21].
  assert.deepEqual(counts[2].map(small), [1, 2, 2, 1, 2, 1]);

  // A dishonest server offers one voter's own ciphertexts as "the tally": refused.
  const victim = ballots[0].answers;
  const forged = { counted: 3, questions: [victim[0].ciphertexts, victim[1].ciphertexts, victim[2].pairs.flatMap((p) => p.ciphertexts)] };
  await assert.rejects(checkTally(keys[0], statusBound(1), published, entries, head, roll, forged), /not the sum of the counted ballots/);
  // A board that does not end at the signed head: refused.
  await assert.rejects(checkTally(keys[0], statusBound(1), published, entries.slice(0, 2), head, roll, tally), /final head/);
  // A copied ballot (the victim's sealed part verbatim, signed by another valid credential): its
  // proofs verify (same nonce), but it repeats the victim's ciphertexts: refused.
  const copier = await realCredential(manifest, fingerprint, privateKey);
  const copied = board(fingerprint, [...ballots, signedAt(fingerprint, sealedPart(ballots[0]), copier)]);
  await assert.rejects(checkTally(keys[0], statusBound(1), published, copied, headOf(seed, fingerprint, copied), roll, tally), /entry 4 repeats the tracker of entry 1/);
  // Ballot copying under a fresh nonce (so a fresh tracker): the proofs are bound to the nonce,
  // so the copy fails its proof checks.
  const renonced = { ...sealedPart(ballots[0]), nonce: "77".repeat(32) };
  const replayed = board(fingerprint, [...ballots, signedAt(fingerprint, renonced, copier)]);
  await assert.rejects(checkTally(keys[0], statusBound(1), published, replayed, headOf(seed, fingerprint, replayed), roll, tally), /counted ballot 4 does not verify/);
  // A ballot with a fake credential signature: refused.
  const fake = { ...ballots[2], credential: { ...ballots[2].credential, signature: "22".repeat(384) } };
  const faked = board(fingerprint, [...ballots.slice(0, 2), fake]);
  await assert.rejects(checkTally(keys[0], statusBound(1), published, faked, headOf(seed, fingerprint, faked), roll, tally), /counted ballot 3 does not verify/);
  // A ballot with a valid credential and signature but an unproven ciphertext (minus another
  // voter's, to cancel it out of the sum): refused.
  const cancelling = structuredClone(sealedPart(ballots[2]));
  const theirs = fromJson("ciphertext", ballots[1].answers[0].ciphertexts[0]);
  cancelling.answers[0].ciphertexts[0] = { a: pointHex(theirs.a.negate()), b: pointHex(theirs.b.negate()) };
  const cancelled = board(fingerprint, [...ballots.slice(0, 2), signedAt(fingerprint, cancelling, credentials[2])]);
  await assert.rejects(checkTally(keys[0], statusBound(1), published, cancelled, headOf(seed, fingerprint, cancelled), roll, tally), /counted ballot 3 does not verify/);
  // A ranked answer that is a cycle 0 > 1 > 2 > 0: every pair, position and place proof valid
  // (links made up where they cannot hold), or the former pairs-only form with bounds 0..1.
  const joint = pointFromHex(manifest.joint_public_key);
  const cyclic = structuredClone(sealedPart(ballots[2]));
  const ctx = concatBytes(ballotContext(fingerprint, cyclic.nonce), int8(2));
  const preferences = preferencesOf([[0, 1], [1, 2], [2, 0]], 3);
  const forgedRanking = forgeRanking(ctx, joint, preferences, positionsOf([0, 1, 2]), new DeterministicNonces(utf8("cycle")));
  cyclic.answers[2] = toJson("encryptedRanking", forgedRanking);
  const cycled = board(fingerprint, [...ballots.slice(0, 2), signedAt(fingerprint, cyclic, credentials[2])]);
  await assert.rejects(checkTally(keys[0], statusBound(1), published, cycled, headOf(seed, fingerprint, cycled), roll, tally), /counted ballot 3 does not verify/);
  const pairsOnly = structuredClone(cyclic);
  pairsOnly.answers[2] = {
    pairs: rankedPairs(3).map(([i, j]) => toJson("encryptedQuestion", encryptQuestion(pairContext(ctx, i, j), joint, [preferences[i][j], preferences[j][i]], 0, 1))),
  };
  const old = board(fingerprint, [...ballots.slice(0, 2), signedAt(fingerprint, pairsOnly, credentials[2])]);
  await assert.rejects(checkTally(keys[0], statusBound(1), published, old, headOf(seed, fingerprint, old), roll, tally), /counted ballot 3 does not verify/);
  // A ballot naming a head that is not on the board before it: refused.
  const future = board(fingerprint, [...ballots.slice(0, 2), () => signBallot(fingerprint, sealedPart(ballots[2]), { count: 2, hash: "00".repeat(32) }, credentials[2])]);
  await assert.rejects(checkTally(keys[0], statusBound(1), published, future, headOf(seed, fingerprint, future), roll, tally), /entry 3: the ballot names a board head/);
  const ahead = board(fingerprint, [...ballots.slice(0, 2), (head) => signBallot(fingerprint, sealedPart(ballots[2]), { count: 3, hash: head.hash }, credentials[2])]);
  await assert.rejects(checkTally(keys[0], statusBound(1), published, ahead, headOf(seed, fingerprint, ahead), roll, tally), /entry 3: the ballot names a board head/);
});

test("the counted ballot per credential names the latest board head, even if an older one is appended later", async () => {
  const { verifyBoard } = await import("../src/voting/trustee.js");
  const { sampleCredential } = await import("./voting_helpers.mjs");
  const seed = new Uint8Array(32).fill(5);
  const manifest = { ...sampleManifest(generator()), board_public_key: bytesToHex(ed25519.getPublicKey(seed)) };
  const fingerprint = fingerprintOf(manifest);
  const seal = (choice) => buildBallot(manifest, fingerprint, choice).sealed;
  const [voter, other] = [sampleCredential(), sampleCredential()];
  // A coercer makes the voter sign a ballot against the empty board and keeps it; another voter
  // casts; the voter re-votes (naming head 1); the coercer casts the kept ballot last.
  const kept = signBallot(fingerprint, seal([[0], [], [0, 1, 2]]), { count: 0, hash: bytesToHex(sha256f("board-genesis", fingerprint)) }, voter);
  const entries = board(fingerprint, [signedAt(fingerprint, seal([[1], [], [0, 1, 2]]), other), signedAt(fingerprint, seal([[1], [0], [0, 1, 2]]), voter), kept]);
  const counted = verifyBoard(fingerprint, manifest, entries, headOf(seed, fingerprint, entries));
  assert.deepEqual(counted.map((e) => e.position).sort(), [1, 2]);
  // Equal board counts: the later position wins (the limit docs/elections.md §4 states).
  const tie = board(fingerprint, [kept, signedAt(fingerprint, seal([[1], [0], [0, 1, 2]]), voter)].map((b) => (typeof b === "function" ? () => b({ count: 0, hash: kept.board.hash }) : b)));
  assert.deepEqual(verifyBoard(fingerprint, manifest, tie, headOf(seed, fingerprint, tie)).map((e) => e.position), [2]);
});
