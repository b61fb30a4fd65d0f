// The election layer of docs/elections.md on top of the crypto core: framed SHA-256 identifiers
// (fingerprint, election code, tracker), the credential message, each question's ballot shape,
// choice vectors, sealing a ballot (encrypt and prove, before the voter chooses cast or audit),
// signing it for casting, opening it (Benaloh audit), and checking signed board heads and
// receipts. No DOM, no network: node tests run it.

import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, equalBytes, hexToBytes, int8, utf8 } from "../../crypto/bytes.js";
import { encryptWithNonce } from "../../crypto/elgamal.js";
import { baseMul, encodeScalar, pointFromHex, scalarHex } from "../../crypto/group.js";
import { frame } from "../../crypto/hash.js";
import { canonicalJson } from "../../crypto/json.js";
import { signCredential } from "../../crypto/proofs.js";
import { encryptQuestion } from "../../crypto/question.js";
import { encryptRankingWithOpening, openRanking, rankedPairs } from "../../crypto/ranking.js";
import { nonceSource, randomBytes } from "../../crypto/random.js";
import { fromJson, toJson } from "../../crypto/serialization.js";

/** cj(x) as UTF-8 bytes: what gets hashed and signed. */
export function cj(value) {
  return utf8(canonicalJson(value));
}

function partBytes(part) {
  if (part instanceof Uint8Array) return part;
  if (typeof part === "string") return utf8(part);
  if (typeof part === "number" || typeof part === "bigint") return int8(part);
  throw new TypeError("SHA256F parts are bytes, strings or integers");
}

/** SHA256F(label, p1, …): SHA-256 over the framed "mashwara/v1/" label and framed parts (§0). */
export function sha256f(label, ...parts) {
  const hash = sha256.create();
  hash.update(frame(utf8("mashwara/v1/" + label)));
  for (const part of parts) hash.update(frame(partBytes(part)));
  return hash.digest();
}

export function fingerprintOf(manifest) {
  return sha256f("election-fingerprint", cj(manifest));
}

const CODE_DIGITS = 24;
const EASTERN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"; // U+06F0 … U+06F9, as Dari and Pashto print them

/**
 * The election code (§1): SHA256F("election-code", fingerprint), its first 10 bytes as a
 * big-endian integer mod 10^24, as 24 Western digits in six groups of four — the fingerprint in
 * a form a voter compares by eye with the code observers publish. Same as Python's
 * voting.verify.election.election_code.
 */
export function electionCode(fingerprint) {
  if (!(fingerprint instanceof Uint8Array) || fingerprint.length !== 32) throw new TypeError("an election fingerprint is 32 bytes");
  const prefix = sha256f("election-code", fingerprint).subarray(0, 10);
  const number = BigInt("0x" + bytesToHex(prefix)) % 10n ** BigInt(CODE_DIGITS);
  return number.toString().padStart(CODE_DIGITS, "0").match(/.{4}/g).join(" ");
}

/** Western digits of `text` as the page's language writes them: Eastern Arabic-Indic in Dari and Pashto. */
export function localDigits(text, language) {
  const lang = String(language || "").toLowerCase();
  if (!(lang.startsWith("fa") || lang.startsWith("ps"))) return text;
  return text.replace(/[0-9]/g, (digit) => EASTERN_DIGITS[Number(digit)]);
}

/** frame("mashwara/v1/credential") ‖ frame(fingerprint) ‖ frame(P): what the issuer signs (§3). */
export function credentialMessage(fingerprint, credentialKey) {
  return concatBytes(frame(utf8("mashwara/v1/credential")), frame(fingerprint), frame(credentialKey));
}

export { rankedPairs };

/** Selection bounds of a single or approval question (§1). */
export function questionBounds(question) {
  if (question.type === "single") return [question.blank ? 0 : 1, 1];
  if (question.type === "approval") return [question.min, question.max];
  return [1, 1]; // a ranked question's pair: exactly one of "i above j", "j above i"
}

/**
 * fingerprint ‖ nonce (32 + 32 bytes): the context every proof on a ballot starts with; each
 * part appends its suffix, so question q's context is fingerprint ‖ nonce ‖ int(q) (§4). The
 * answers do not depend on the credential, so an audit can be posted without one. `nonce` is the
 * ballot's hex `nonce` (or its 32 bytes).
 */
export function ballotContext(fingerprint, nonce) {
  const bytes = typeof nonce === "string" ? hexToBytes(nonce, 32) : nonce;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new TypeError("a ballot nonce is 32 bytes");
  return concatBytes(fingerprint, bytes);
}

/**
 * A ballot's nonce: 32 fresh bytes from the CSPRNG for every encryption; with a test nonce
 * source (protocol §9), one draw as its 32-byte scalar encoding, so vectors are reproducible.
 */
export function ballotNonce(rng) {
  return rng === undefined || rng === null ? randomBytes(32) : encodeScalar(nonceSource(rng).draw());
}

/**
 * Each question's §5 parts: { suffix, options, low, high } — one part, or for a ranked question
 * its pairs (bounds 1..1), which the tally adds; the whole ranked answer, with its positions,
 * places and links, is proven and checked by crypto/ranking.js (protocol §5.1).
 */
export function shapes(manifest) {
  return manifest.questions.map((question, q) => {
    const n = question.options.length;
    if (question.type === "ranked") {
      return {
        kind: "ranked",
        options: n,
        parts: rankedPairs(n).map(([i, j]) => ({ suffix: concatBytes(int8(q), int8(i), int8(j)), options: 2, low: 1, high: 1 })),
      };
    }
    const [low, high] = questionBounds(question);
    return { kind: question.type, options: n, parts: [{ suffix: int8(q), options: n, low, high }] };
  });
}

/**
 * The 0/1 vector of a single or approval question for the selected option indices ([] is a blank
 * single vote). A ranked question's choice is the order itself (option indices, best first).
 */
export function choiceVector(question, choice) {
  const chosen = new Set(choice);
  return Array.from({ length: question.options.length }, (_, i) => (chosen.has(i) ? 1 : 0));
}

/** A ranked choice the page cannot encrypt: `reason` is "unranked" (an option has no rank in 1..n) or "shared" (two options have one rank). */
export class IncompleteRanking extends Error {
  constructor(reason) {
    super(reason === "shared" ? "two options share a rank" : "every option must be ranked");
    this.reason = reason;
  }
}

/**
 * A ranked question's order (option indices, best first) from the rank the voter gave each option
 * (1 = first choice): every option needs a rank in 1..n and no two may share one (protocol §5.1:
 * a ranked answer is a full ranking). Throws IncompleteRanking otherwise.
 */
export function orderFromRanks(ranks) {
  const n = ranks.length;
  const order = new Array(n).fill(null);
  for (const [option, rank] of ranks.entries()) {
    if (!Number.isSafeInteger(rank) || rank < 1 || rank > n) throw new IncompleteRanking("unranked");
    if (order[rank - 1] !== null) throw new IncompleteRanking("shared");
    order[rank - 1] = option;
  }
  return order;
}

/** A nonce source that remembers every draw, so the encryption nonces can be revealed. */
class RecordingNonces {
  constructor(rng) {
    this.source = nonceSource(rng);
    this.draws = [];
  }

  draw() {
    const value = this.source.draw();
    this.draws.push(value);
    return value;
  }

  /** The draw r with rG = A for each ciphertext (found by search, not by assuming an order). */
  noncesOf(ciphertexts) {
    return ciphertexts.map((ct) => {
      const found = this.draws.find((r) => baseMul(r).equals(ct.a));
      if (found === undefined) throw new Error("an encryption nonce was not recorded");
      return found;
    });
  }
}

/** The sealed part of a ballot: exactly its election, nonce and answers (§4). */
export function sealedPart(ballot) {
  return { election: ballot.election, nonce: ballot.nonce, answers: ballot.answers };
}

/**
 * Tracker = SHA256F("tracker", cj(sealed part)), as 64 hex characters: the same for the sealed
 * ballot the voter sees before choosing, its audit, and the ballot cast from it.
 */
export function trackerOf(ballot) {
  return bytesToHex(sha256f("tracker", cj(sealedPart(ballot))));
}

/**
 * Encrypt and prove a ballot (§4) under a fresh nonce: the sealed ballot, which the voter then
 * casts (signBallot) or audits (posting it with `reveal`). `choices` has one choice per question:
 * the selected option indices (see choiceVector), or for a ranked question the full order, best
 * first (encryptRankingWithOpening refuses a partial order or a tie: see orderFromRanks). `rng`
 * is for test vectors only (the nonce is drawn first, then every encryption's draws). Returns
 * { sealed, reveal, tracker } — keep `reveal` secret unless auditing.
 */
export function buildBallot(manifest, fingerprint, choices, rng) {
  const joint = pointFromHex(manifest.joint_public_key);
  const nonce = ballotNonce(rng);
  const context = ballotContext(fingerprint, nonce);
  const answers = [];
  const reveal = [];
  shapes(manifest).forEach((shape, q) => {
    if (shape.kind === "ranked") {
      if (!Array.isArray(choices[q]) || choices[q].length !== shape.options) throw new IncompleteRanking("unranked");
      const { answer, opening } = encryptRankingWithOpening(concatBytes(context, int8(q)), joint, choices[q], rng);
      answers.push(toJson("encryptedRanking", answer));
      reveal.push(toJson("rankingOpening", opening));
      return;
    }
    const [part] = shape.parts;
    const vector = choiceVector(manifest.questions[q], choices[q]);
    const nonces = new RecordingNonces(rng);
    const encrypted = encryptQuestion(concatBytes(context, part.suffix), joint, vector, part.low, part.high, nonces);
    answers.push(toJson("encryptedQuestion", encrypted));
    reveal.push({ votes: vector, randomness: nonces.noncesOf(encrypted.ciphertexts).map(scalarHex) });
  });
  const sealed = { election: bytesToHex(fingerprint), nonce: bytesToHex(nonce), answers };
  return { sealed, reveal, tracker: trackerOf(sealed) };
}

/**
 * The ballot to cast (§4): the sealed part, the board head fetched just before signing
 * `board = { count, hash }`, the credential, and the credential's Schnorr signature over
 * cj(ballot without "signature") with ctx = fingerprint. `credential` is
 * { secret: bigint, credential: { key, prefix, signature } }.
 */
export function signBallot(fingerprint, sealed, board, credential, rng) {
  const ballot = { ...sealedPart(sealed), board: { count: board.count, hash: board.hash }, credential: credential.credential };
  const signature = signCredential(fingerprint, credential.secret, cj(ballot), rng);
  return { ...ballot, signature: toJson("credentialSignature", signature) };
}

/**
 * Open a ballot with its reveal, as any auditor would: check every ciphertext is (rG, vG + rX)
 * and return the choices it holds: { selected: [indices] } per single or approval question, or
 * { order: [indices, best first] } for a ranked one (openRanking: the pairs and positions open
 * to one full ranking). Throws if anything does not match.
 */
export function openBallot(manifest, ballot, reveal) {
  const joint = pointFromHex(manifest.joint_public_key);
  return shapes(manifest).map((shape, q) => {
    if (shape.kind === "ranked") {
      const answer = fromJson("encryptedRanking", ballot.answers[q]);
      if (answer.positions.length !== shape.options) throw new Error(`question ${q}: wrong shape`);
      return { order: openRanking(joint, answer, fromJson("rankingOpening", reveal[q])) };
    }
    const { votes, randomness } = reveal[q];
    const cts = ballot.answers[q].ciphertexts;
    if (cts.length !== shape.options || votes.length !== cts.length || randomness.length !== cts.length) throw new Error(`question ${q}: wrong shape`);
    cts.forEach((ct, i) => {
      const expected = encryptWithNonce(joint, votes[i], fromJson("scalar", randomness[i]));
      const actual = fromJson("ciphertext", ct);
      if (!expected.a.equals(actual.a) || !expected.b.equals(actual.b)) {
        throw new Error(`question ${q}: option ${i} does not hold the revealed choice`);
      }
    });
    return { selected: votes.flatMap((v, i) => (v ? [i] : [])) };
  });
}

/** Do the decrypted choices of an audit equal what the voter entered? (Ranked: the same order.) */
export function choicesMatch(manifest, choices, opened) {
  return manifest.questions.every((question, q) => {
    if (question.type === "ranked") {
      const order = opened[q].order ?? [];
      return order.length === choices[q].length && order.every((option, place) => option === choices[q][place]);
    }
    const expected = choiceVector(question, choices[q]);
    return expected.every((v, i) => v === (opened[q].selected.includes(i) ? 1 : 0));
  });
}

/** The manifest response is what it claims: fingerprint = SHA256F(cj(manifest)). */
export function checkedManifest(response) {
  const fingerprint = fingerprintOf(response.manifest);
  if (!equalBytes(fingerprint, hexToBytes(response.fingerprint, 32))) {
    throw new Error("the manifest does not hash to its fingerprint");
  }
  return { manifest: response.manifest, fingerprint };
}

/** Is `head` a board head of this election signed by the manifest's board key (§5)? */
export function headSigned(manifest, fingerprint, head) {
  try {
    if (head.election !== bytesToHex(fingerprint) || !Number.isSafeInteger(head.count) || head.count < 0) return false;
    if (typeof head.final !== "boolean") return false;
    const message = concatBytes(
      frame(utf8("mashwara/v1/board-head")),
      frame(fingerprint),
      frame(int8(head.count)),
      frame(hexToBytes(head.hash, 32)),
      frame(utf8(head.final ? "final" : "running")),
    );
    return ed25519.verify(hexToBytes(head.signature, 64), message, hexToBytes(manifest.board_public_key, 32));
  } catch {
    return false;
  }
}

/**
 * A receipt is worth keeping only if it is for this ballot (its tracker; for a cast ballot also a
 * position after the board head it names) and its head — the board right after the entry — is
 * signed by the election's board key (§4, §5): check both before showing it. `ballot` is the cast
 * ballot, or the sealed ballot of an audit.
 */
export function checkReceipt(manifest, fingerprint, ballot, receipt) {
  const head = receipt.head;
  if (receipt.tracker !== trackerOf(ballot)) return false;
  if (head.count !== receipt.position || head.final !== false) return false;
  if (ballot.board && !(receipt.position > ballot.board.count)) return false;
  return headSigned(manifest, fingerprint, head);
}
