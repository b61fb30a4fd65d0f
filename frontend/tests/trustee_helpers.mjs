// Shared fixtures of the trustee tests (not a test file itself): the server's ceremony relay
// reduced to what the trustees see, and a board of ballot entries with its signed final head.

import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, int8, utf8 } from "../crypto/bytes.js";
import { frame } from "../crypto/hash.js";
import { cj, sealedPart, sha256f, signBallot } from "../src/voting/election.js";
import { newSecrets, nextCeremonyStep } from "../src/voting/trustee.js";

export const CONTEXT = new Uint8Array(32).fill(9);


/** The server's relay, reduced to what the trustees see (docs/elections.md §6). */
export class Relay {
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

export function runCeremony(keys, relay, tamper = () => {}) {
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

export const keysFor = (n, k) => Array.from({ length: n }, (_, i) => ({ election: "ab".repeat(16), ceremonyContext: CONTEXT, threshold: k, secrets: newSecrets(i + 1, k) }));

export function signHead(seed, fingerprint, count, hash) {
  const message = concatBytes(frame(utf8("mashwara/v1/board-head")), frame(fingerprint), frame(int8(count)), frame(hash), frame(utf8("final")));
  return { election: bytesToHex(fingerprint), count, hash: bytesToHex(hash), final: true, signature: bytesToHex(ed25519.sign(message, seed)) };
}

/**
 * A board of ballot entries (docs/elections.md §5). Each item is a ballot, or a function of the
 * board head `{count, hash}` at its turn that returns the ballot (signed against that head).
 */
export function board(fingerprint, items) {
  let previous = sha256f("board-genesis", fingerprint);
  return items.map((item, i) => {
    const ballot = typeof item === "function" ? item({ count: i, hash: bytesToHex(previous) }) : item;
    const tracker = sha256f("tracker", cj(sealedPart(ballot)));
    const digest = sha256(cj(ballot));
    const hour = "2026-03-03T10:00:00Z";
    const hash = sha256f("board-entry", previous, i + 1, "ballot", hour, tracker, digest, new Uint8Array(0));
    const entry = { position: i + 1, kind: "ballot", hour, tracker: bytesToHex(tracker), digest: bytesToHex(digest), ballot, reveal: null, previous: bytesToHex(previous), hash: bytesToHex(hash) };
    previous = hash;
    return entry;
  });
}

/** Sign `sealed` with `credential` against the head the board() helper passes in. */
export const signedAt = (fingerprint, sealed, credential) => (head) => signBallot(fingerprint, sealed, head, credential);

export const headOf = (seed, fingerprint, entries) => signHead(seed, fingerprint, entries.length, Uint8Array.from(Buffer.from(entries.at(-1).hash, "hex")));

