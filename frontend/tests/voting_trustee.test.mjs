// The trustee's steps in the browser (frontend/src/voting/trustee.js): a whole ceremony between
// three trustees against an in-memory relay, a complaint settled by an answer, then a board, a
// tally rebuilt from it, decryption shares and the combined counts.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, concatBytes, int8, utf8 } from "../crypto/bytes.js";
import { generator, pointHex } from "../crypto/group.js";
import { frame } from "../crypto/hash.js";
import { signCredential } from "../crypto/proofs.js";
import { fromJson, toJson } from "../crypto/serialization.js";
import { combineDecryptionShares, verificationKeys, verifyPartialDecryption } from "../crypto/threshold.js";
import { buildBallot, cj, fingerprintOf, sha256f } from "../src/voting/election.js";
import { TrusteeRefusal, announcements, checkTally, decryptionMessage, newSecrets, nextCeremonyStep } from "../src/voting/trustee.js";
import { issuer, realCredential, sampleManifest } from "./voting_helpers.mjs";

const CONTEXT = new Uint8Array(32).fill(9);

/** The server's relay, reduced to what the trustees see (docs/elections.md §6). */
class Relay {
  constructor(n, threshold) {
    this.threshold = threshold;
    this.trustees = Array.from({ length: n }, (_, i) => ({ index: i + 1, name: `t${i + 1}`, commitments: null, shares_sent: false, verified: false, disqualified: false }));
    this.shares = [];
    this.complaints = [];
    this.answers = [];
  }

  status(me) {
    return {
      ceremony_context: bytesToHex(CONTEXT),
      threshold: this.threshold,
      trustees: structuredClone(this.trustees),
      my_index: me,
      shares_for_me: this.shares.filter((s) => s.recipient === me),
      complaints: [...this.complaints],
      answers: [...this.answers],
      complete: this.trustees.every((t) => t.verified) && this.complaints.length === this.answers.length,
      joint_public_key: null,
    };
  }

  post(me, step, body) {
    const trustee = this.trustees[me - 1];
    if (step === "commitments") trustee.commitments = body;
    if (step === "shares") {
      this.shares.push(...body.shares);
      trustee.shares_sent = true;
    }
    if (step === "verification") {
      this.complaints.push(...body.complaints);
      trustee.verified = true;
    }
    if (step === "answers") this.answers.push(...body.answers);
  }
}

function runCeremony(keys, relay, tamper = () => {}) {
  for (let round = 0; round < 6; round++) {
    for (const key of keys) {
      const due = nextCeremonyStep(key, relay.status(key.secrets.trustee));
      if (due) {
        if (due[0] === "shares") tamper(due[1]);
        relay.post(key.secrets.trustee, ...due);
      }
    }
  }
}

const keysFor = (n, k) => Array.from({ length: n }, (_, i) => ({ election: "ab".repeat(16), ceremonyContext: CONTEXT, threshold: k, secrets: newSecrets(i + 1, k) }));

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

function signHead(seed, fingerprint, count, hash) {
  const message = concatBytes(frame(utf8("mashwara/v1/board-head")), frame(fingerprint), frame(int8(count)), frame(hash), frame(utf8("final")));
  return { election: bytesToHex(fingerprint), count, hash: bytesToHex(hash), final: true, signature: bytesToHex(ed25519.sign(message, seed)) };
}

function board(fingerprint, ballots) {
  let previous = sha256f("board-genesis", fingerprint);
  return ballots.map((ballot, i) => {
    const tracker = sha256f("tracker", cj(ballot));
    const hour = "2026-03-03T10:00:00Z";
    const hash = sha256f("board-entry", previous, i + 1, "ballot", hour, tracker, new Uint8Array(0));
    const entry = { position: i + 1, kind: "ballot", hour, tracker: bytesToHex(tracker), ballot, reveal: null, previous: bytesToHex(previous), hash: bytesToHex(hash) };
    previous = hash;
    return entry;
  });
}

async function election() {
  const keys = keysFor(3, 2);
  const seed = new Uint8Array(32).fill(4);
  const { privateKey, pem } = await issuer();
  const definition = { ...sampleManifest(generator()), board_public_key: bytesToHex(ed25519.getPublicKey(seed)), issuer_public_key: { pem } };
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
  const manifest = { ...definition, joint_public_key: pointHex(X), ceremony_context: bytesToHex(context) };
  const fingerprint = fingerprintOf(manifest);
  return { keys: bound, statusBound, manifest, fingerprint, seed, found, privateKey };
}

test("trustees rebuild the tally from the board, decrypt, and the shares combine to the counts", async () => {
  const { keys, statusBound, manifest, fingerprint, seed, found, privateKey } = await election();
  const choices = [[[0], [0, 1], [1, 2, null]], [[1], [1], [2, 1, 3]], [[0], [4], [null, null, null]]];
  const credentials = await Promise.all(choices.map(() => realCredential(manifest, fingerprint, privateKey)));
  const ballots = choices.map((c, i) => buildBallot(manifest, fingerprint, credentials[i], c).ballot);
  const entries = board(fingerprint, ballots);
  const head = signHead(seed, fingerprint, entries.length, Uint8Array.from(Buffer.from(entries.at(-1).hash, "hex")));
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
    const fp = await checkTally(key, statusBound(index), published, entries, head, roll, tally);
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
  assert.deepEqual(counts[2].map(small), [1, 1, 2, 0, 2, 0]);

  // A dishonest server offers one voter's own ciphertexts as "the tally": refused.
  const victim = ballots[0].answers;
  const forged = { counted: 3, questions: [victim[0].ciphertexts, victim[1].ciphertexts, victim[2].pairs.flatMap((p) => p.ciphertexts)] };
  await assert.rejects(checkTally(keys[0], statusBound(1), published, entries, head, roll, forged), /not the sum of the counted ballots/);
  // A board that does not end at the signed head: refused.
  await assert.rejects(checkTally(keys[0], statusBound(1), published, entries.slice(0, 2), head, roll, tally), /final head/);
  // A copied ballot (same ciphertexts under another credential): refused.
  const copy = { ...ballots[0], credential: (await realCredential(manifest, fingerprint, privateKey)).credential };
  const copied = board(fingerprint, [...ballots, copy]);
  const copiedHead = signHead(seed, fingerprint, copied.length, Uint8Array.from(Buffer.from(copied.at(-1).hash, "hex")));
  await assert.rejects(checkTally(keys[0], statusBound(1), published, copied, copiedHead, roll, tally), TrusteeRefusal);
  // Ballot copying: the victim's answers verbatim in a ballot properly signed by another valid
  // credential. The proofs are bound to the victim's credential key, so the copy fails its proof
  // checks (before the shared-ciphertext check is even reached).
  const copier = await realCredential(manifest, fingerprint, privateKey);
  const resigned = { election: ballots[0].election, credential: copier.credential, answers: structuredClone(ballots[0].answers) };
  resigned.signature = toJson("credentialSignature", signCredential(fingerprint, copier.secret, cj(resigned)));
  const replayed = board(fingerprint, [...ballots, resigned]);
  const replayedHead = signHead(seed, fingerprint, replayed.length, Uint8Array.from(Buffer.from(replayed.at(-1).hash, "hex")));
  await assert.rejects(checkTally(keys[0], statusBound(1), published, replayed, replayedHead, roll, tally), /counted ballot 4 does not verify/);
  // A ballot with a fake credential signature: refused.
  const fake = { ...ballots[2], credential: { ...ballots[2].credential, signature: "22".repeat(384) } };
  const faked = board(fingerprint, [...ballots.slice(0, 2), fake]);
  const fakedHead = signHead(seed, fingerprint, faked.length, Uint8Array.from(Buffer.from(faked.at(-1).hash, "hex")));
  await assert.rejects(checkTally(keys[0], statusBound(1), published, faked, fakedHead, roll, tally), /counted ballot 3 does not verify/);
  // A ballot with a valid credential and signature but an unproven ciphertext (minus another
  // voter's, to cancel it out of the sum): refused.
  const cancelling = structuredClone(ballots[2]);
  delete cancelling.signature;
  const theirs = fromJson("ciphertext", ballots[1].answers[0].ciphertexts[0]);
  cancelling.answers[0].ciphertexts[0] = { a: pointHex(theirs.a.negate()), b: pointHex(theirs.b.negate()) };
  cancelling.signature = toJson("credentialSignature", signCredential(fingerprint, credentials[2].secret, cj(cancelling)));
  const cancelled = board(fingerprint, [...ballots.slice(0, 2), cancelling]);
  const cancelledHead = signHead(seed, fingerprint, cancelled.length, Uint8Array.from(Buffer.from(cancelled.at(-1).hash, "hex")));
  await assert.rejects(checkTally(keys[0], statusBound(1), published, cancelled, cancelledHead, roll, tally), /counted ballot 3 does not verify/);
});
