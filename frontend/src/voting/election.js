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

export function rankedPairs(n) {
  const pairs = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  return pairs;
}

/** Selection bounds of a single or approval question (§1). */
export function questionBounds(question) {
  if (question.type === "single") return [question.blank ? 0 : 1, 1];
  if (question.type === "approval") return [question.min, question.max];
  return [0, 1];
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

/** Each question's §5 parts: { suffix, options, low, high } (one part, or one per ranked pair). */
export function shapes(manifest) {
  return manifest.questions.map((question, q) => {
    const n = question.options.length;
    if (question.type === "ranked") {
      return {
        kind: "ranked",
        options: n,
        parts: rankedPairs(n).map(([i, j]) => ({ suffix: concatBytes(int8(q), int8(i), int8(j)), options: 2, low: 0, high: 1 })),
      };
    }
    const [low, high] = questionBounds(question);
    return { kind: question.type, options: n, parts: [{ suffix: int8(q), options: n, low, high }] };
  });
}

/**
 * The 0/1 vectors of each part of question `question` for a voter's choice: the selected option
 * indices (single, approval; [] is a blank single vote), or for a ranked question the rank of each
 * option (1 = best; null = not ranked; equal ranks tie). i is above j iff i is ranked and j is
 * unranked or ranked lower.
 */
export function choiceVectors(question, choice) {
  const n = question.options.length;
  if (question.type !== "ranked") {
    const chosen = new Set(choice);
    return [Array.from({ length: n }, (_, i) => (chosen.has(i) ? 1 : 0))];
  }
  const rank = (i) => (choice[i] === null || choice[i] === undefined ? null : choice[i]);
  const above = (i, j) => rank(i) !== null && (rank(j) === null || rank(i) < rank(j));
  return rankedPairs(n).map(([i, j]) => [above(i, j) ? 1 : 0, above(j, i) ? 1 : 0]);
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
 * casts (signBallot) or audits (posting it with `reveal`). `choices` has one choice per question
 * (see choiceVectors); `rng` is for test vectors only (the nonce is drawn first, then every
 * encryption's draws). Returns { sealed, reveal, tracker } — keep `reveal` secret unless auditing.
 */
export function buildBallot(manifest, fingerprint, choices, rng) {
  const joint = pointFromHex(manifest.joint_public_key);
  const nonce = ballotNonce(rng);
  const context = ballotContext(fingerprint, nonce);
  const answers = [];
  const reveal = [];
  shapes(manifest).forEach((shape, q) => {
    const vectors = choiceVectors(manifest.questions[q], choices[q]);
    const parts = [];
    const opened = [];
    shape.parts.forEach((part, p) => {
      const nonces = new RecordingNonces(rng);
      const encrypted = encryptQuestion(concatBytes(context, part.suffix), joint, vectors[p], part.low, part.high, nonces);
      parts.push(toJson("encryptedQuestion", encrypted));
      opened.push({ votes: vectors[p], randomness: nonces.noncesOf(encrypted.ciphertexts).map(scalarHex) });
    });
    answers.push(shape.kind === "ranked" ? { pairs: parts } : parts[0]);
    reveal.push(shape.kind === "ranked" ? { pairs: opened } : opened[0]);
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
 * and return the choices it holds (indices per question, or for ranked questions the pairwise
 * preferences { above: [[i, j]…] }). Throws if anything does not match.
 */
export function openBallot(manifest, ballot, reveal) {
  const joint = pointFromHex(manifest.joint_public_key);
  return shapes(manifest).map((shape, q) => {
    const answer = ballot.answers[q];
    const parts = shape.kind === "ranked" ? answer.pairs : [answer];
    const opened = shape.kind === "ranked" ? reveal[q].pairs : [reveal[q]];
    if (parts.length !== shape.parts.length || opened.length !== parts.length) throw new Error(`question ${q}: wrong shape`);
    parts.forEach((part, p) => {
      const { votes, randomness } = opened[p];
      part.ciphertexts.forEach((ct, i) => {
        const expected = encryptWithNonce(joint, votes[i], fromJson("scalar", randomness[i]));
        const actual = fromJson("ciphertext", ct);
        if (!expected.a.equals(actual.a) || !expected.b.equals(actual.b)) {
          throw new Error(`question ${q}: option ${i} does not hold the revealed choice`);
        }
      });
    });
    if (shape.kind !== "ranked") return { selected: opened[0].votes.flatMap((v, i) => (v ? [i] : [])) };
    const above = [];
    rankedPairs(shape.options).forEach(([i, j], p) => {
      if (opened[p].votes[0]) above.push([i, j]);
      if (opened[p].votes[1]) above.push([j, i]);
    });
    return { above };
  });
}

/** Do the decrypted choices of an audit equal what the voter entered? */
export function choicesMatch(manifest, choices, opened) {
  return manifest.questions.every((question, q) => {
    const expected = choiceVectors(question, choices[q]);
    if (question.type !== "ranked") return expected[0].every((v, i) => v === (opened[q].selected.includes(i) ? 1 : 0));
    const above = new Set(opened[q].above.map(([i, j]) => `${i}>${j}`));
    return rankedPairs(question.options.length).every(
      ([i, j], p) => expected[p][0] === (above.has(`${i}>${j}`) ? 1 : 0) && expected[p][1] === (above.has(`${j}>${i}`) ? 1 : 0),
    );
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
