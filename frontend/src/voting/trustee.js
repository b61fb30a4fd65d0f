// What a trustee computes at each step (docs/elections.md §6–§7), the browser twin of
// voting/trustee/steps.py: pure functions of the trustee's key (from its key file) and the
// server's JSON. Before decrypting, the trustee rebuilds the encrypted tally from the board
// (chain, signed final head, each ballot's board reference, the counted ballot per credential —
// the greatest (board.count, position) — homomorphic sum) and refuses if the
// server's tally differs, if two counted ballots share a ciphertext, or if more credentials were
// counted than issued — so that no single voter's ballot can be passed off as the tally. It also
// checks every counted ballot's credential, signature and proofs: a ballot whose ciphertexts are
// not proven 0/1 could cancel the other ballots out of the sum and leave one voter alone in it.

import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes, int8, utf8 } from "../../crypto/bytes.js";
import { InvalidShare } from "../../crypto/errors.js";
import { IDENTITY, baseMul, pointHex } from "../../crypto/group.js";
import { frame } from "../../crypto/hash.js";
import { canonicalJson } from "../../crypto/json.js";
import { proveKnowledge, verifyCredentialSignature } from "../../crypto/proofs.js";
import { verifyQuestion } from "../../crypto/question.js";
import { verifyRanking } from "../../crypto/ranking.js";
import { randomScalar } from "../../crypto/random.js";
import { fromJson, toJson } from "../../crypto/serialization.js";
import {
  checkShare,
  combineSecretShare,
  commitmentContext,
  communicationContext,
  encryptShare,
  jointPublicKey,
  openShare,
  partialDecrypt,
  revealShare,
  verificationKeys,
} from "../../crypto/threshold.js";
import { ballotContext, cj, sha256f, shapes, trackerOf } from "./election.js";
import { importIssuers, verifyCredential } from "./issuer.js";

/**
 * A reason to stop, with a code the page translates (`refusal_<code>` in its message list) and
 * parameters in Python's %(name)s style; the English text is the fallback.
 */
export class TrusteeRefusal extends Error {
  constructor(code, params = {}) {
    super((REFUSALS[code] ?? code).replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? "")));
    this.code = code;
    this.params = params;
  }
}

export const REFUSALS = {
  not_in_ceremony: "trustee %(index)s is not in this ceremony",
  wrong_trustee: "this key file is for trustee %(index)s, but you are signed in as trustee %(signed_in)s",
  other_ceremony: "this key file belongs to another ceremony (the context differs)",
  other_threshold: "the ceremony's threshold differs from the key file's",
  not_my_commitments: "the commitments published for you are not this key file's",
  commitments_name_another: "trustee %(index)s's commitments name another",
  commitments_missing: "trustees %(trustees)s have not published their commitments yet",
  malformed_share: "a share addressed to you is malformed",
  shares_missing: "shares from trustees %(trustees)s are missing",
  shares_still_fail: "the shares from trustees %(trustees)s still fail their checks",
  bad_fingerprint: "the manifest does not hash to its fingerprint",
  manifest_other_ceremony: "the manifest is not from this key file's ceremony",
  definition_mismatch: "the manifest's definition does not match the ceremony context",
  joint_key_mismatch: "the manifest's joint key is not the sum of the commitments",
  no_final_head: "the board has no final head for this election yet",
  bad_head_signature: "the final board head's signature does not verify",
  entry_missing: "board entry %(position)s is missing or out of order",
  bad_tracker: "board entry %(position)s: the tracker does not match the ballot",
  broken_chain: "board entry %(position)s: the hash chain is broken",
  bad_board_reference: "board entry %(position)s: the ballot names a board head that is not on this board before it",
  repeated_tracker: "board entry %(position)s repeats the tracker of entry %(first)s",
  not_at_final_head: "the board does not end at the signed final head",
  wrong_shape: "ballot %(position)s has the wrong shape",
  copied_ballot: "ballot %(position)s repeats a ciphertext of another counted ballot: refusing to decrypt a tally that could single out a voter",
  tally_mismatch: "the server's encrypted tally is not the sum of the counted ballots",
  too_many_counted: "more credentials were counted than the roll issued",
  share_mismatch: "your secret share does not match your public verification key",
  nothing_counted: "no ballot was counted: there is nothing to decrypt",
  bad_ballot: "counted ballot %(position)s does not verify: refusing to decrypt",
  issuer_key_missing: "the manifest does not hold your issuer key as issuer %(index)s: the server could mint credentials with a key of its own",
};

const refusal = (code, params) => new TrusteeRefusal(code, params);

/** Fresh secrets: k coefficients and a communication key from the CSPRNG. */
export function newSecrets(index, threshold) {
  return {
    trustee: index,
    coefficients: Array.from({ length: threshold }, () => randomScalar()),
    communicationKey: randomScalar(),
  };
}

/** The announcement recomputed from the secrets (same commitments every time, fresh proofs). */
export function announcement(key) {
  const { ceremonyContext: ctx, secrets } = key;
  return toJson("trusteeAnnouncement", {
    trustee: secrets.trustee,
    commitments: secrets.coefficients.map((a) => baseMul(a)),
    commitmentProofs: secrets.coefficients.map((a, j) => proveKnowledge(commitmentContext(ctx, secrets.trustee, j), a)),
    communicationKey: baseMul(secrets.communicationKey),
    communicationProof: proveKnowledge(communicationContext(ctx, secrets.trustee), secrets.communicationKey),
  });
}

function trusteeEntry(status, index) {
  const entry = status.trustees.find((t) => t.index === index);
  if (!entry) throw refusal("not_in_ceremony", { index });
  return entry;
}

/** The signed-in trustee, the ceremony and the published commitments all belong to this key. */
export function checkStatus(key, status) {
  const index = key.secrets.trustee;
  if (status.my_index !== index) {
    throw refusal("wrong_trustee", { index, signed_in: status.my_index });
  }
  if (status.ceremony_context !== bytesToHex(key.ceremonyContext)) {
    throw refusal("other_ceremony", {});
  }
  if (status.threshold !== key.threshold) throw refusal("other_threshold", {});
  const mine = trusteeEntry(status, index).commitments;
  if (mine !== null) {
    const expected = key.secrets.coefficients.map((a) => pointHex(baseMul(a)));
    if (mine.commitments.join() !== expected.join()) {
      throw refusal("not_my_commitments", {});
    }
  }
}

export function announcements(status) {
  const found = new Map();
  for (const trustee of status.trustees) {
    if (trustee.commitments !== null) {
      const item = fromJson("trusteeAnnouncement", trustee.commitments);
      if (item.trustee !== trustee.index) throw refusal("commitments_name_another", { index: trustee.index });
      found.set(trustee.index, item);
    }
  }
  return found;
}

export function sharesMessage(key, status) {
  const published = announcements(status);
  const others = status.trustees.map((t) => t.index).filter((i) => i !== key.secrets.trustee);
  const missing = others.filter((i) => !published.has(i));
  if (missing.length) throw refusal("commitments_missing", { trustees: missing.join(", ") });
  return {
    shares: others.map((i) => toJson("encryptedShare", encryptShare(key.ceremonyContext, key.secrets, i, published.get(i).communicationKey))),
  };
}

/** Open every share addressed to us; a failing one becomes a complaint unless a valid answer settles it. */
export function openReceivedShares(key, status) {
  const index = key.secrets.trustee;
  const published = announcements(status);
  const answered = new Map((status.answers ?? []).filter((a) => a.recipient === index && a.share).map((a) => [a.sender, a.share]));
  const received = new Map();
  const complaints = [];
  for (const item of status.shares_for_me) {
    const share = fromJson("encryptedShare", item);
    if (share.recipient !== index || !published.has(share.sender)) throw refusal("malformed_share", {});
    const sender = published.get(share.sender);
    if (answered.has(share.sender)) {
      const value = fromJson("scalar", answered.get(share.sender));
      if (checkShare(sender, index, value)) {
        received.set(share.sender, value);
        continue;
      }
    }
    try {
      received.set(share.sender, openShare(key.ceremonyContext, key.secrets, share, sender));
    } catch (error) {
      if (!(error instanceof InvalidShare)) throw error;
      complaints.push({ sender: share.sender, recipient: index });
    }
  }
  return { received, complaints };
}

export function verificationMessage(key, status) {
  const expected = status.trustees.map((t) => t.index).filter((i) => i !== key.secrets.trustee);
  const senders = new Set(status.shares_for_me.map((s) => s.sender));
  const missing = expected.filter((i) => !senders.has(i));
  if (missing.length) throw refusal("shares_missing", { trustees: missing.join(", ") });
  return { complaints: openReceivedShares(key, status).complaints };
}

export function answersMessage(key, status) {
  const answered = new Set((status.answers ?? []).map((a) => `${a.sender}:${a.recipient}`));
  return {
    answers: (status.complaints ?? [])
      .filter((c) => c.sender === key.secrets.trustee && !answered.has(`${c.sender}:${c.recipient}`))
      .map((c) => toJson("shareReveal", revealShare(key.secrets, c))),
  };
}

/** The message due now as [step, body], or null when we must wait for the others. */
export function nextCeremonyStep(key, status) {
  checkStatus(key, status);
  if (status.complete) return null;
  const me = trusteeEntry(status, key.secrets.trustee);
  if (me.commitments === null) return ["commitments", announcement(key)];
  if (!me.shares_sent) {
    return status.trustees.every((t) => t.commitments !== null) ? ["shares", sharesMessage(key, status)] : null;
  }
  const answers = answersMessage(key, status);
  if (answers.answers.length) return ["answers", answers];
  if (!me.verified && status.trustees.every((t) => t.shares_sent)) return ["verification", verificationMessage(key, status)];
  return null;
}

export function secretShare(key, status) {
  const { received, complaints } = openReceivedShares(key, status);
  if (complaints.length) {
    throw refusal("shares_still_fail", { trustees: complaints.map((c) => c.sender).join(", ") });
  }
  return combineSecretShare(key.secrets, received);
}

// -- decryption --------------------------------------------------------------------------------------

export function checkManifest(key, status, published) {
  const { manifest } = published;
  const fingerprint = sha256f("election-fingerprint", cj(manifest));
  if (published.fingerprint !== bytesToHex(fingerprint)) throw refusal("bad_fingerprint", {});
  if (manifest.ceremony_context !== bytesToHex(key.ceremonyContext)) throw refusal("manifest_other_ceremony", {});
  const definition = { ...manifest };
  delete definition.joint_public_key;
  delete definition.ceremony_context;
  delete definition.issuers;
  if (bytesToHex(sha256f("ceremony-context", cj(definition))) !== manifest.ceremony_context) {
    throw refusal("definition_mismatch", {});
  }
  if (manifest.joint_public_key !== pointHex(jointPublicKey([...announcements(status).values()]))) {
    throw refusal("joint_key_mismatch", {});
  }
  return fingerprint;
}

export function tallyLayout(manifest) {
  return manifest.questions.map((q) => (q.type === "ranked" ? q.options.length * (q.options.length - 1) : q.options.length));
}

function ballotCiphertexts(ballot, manifest) {
  return manifest.questions.map((question, q) =>
    question.type === "ranked" ? ballot.answers[q].pairs.flatMap((pair) => pair.ciphertexts) : ballot.answers[q].ciphertexts,
  );
}

function headMessage(fingerprint, head) {
  return concatBytes(
    frame(utf8("mashwara/v1/board-head")),
    frame(fingerprint),
    frame(int8(head.count)),
    frame(hexToBytes(head.hash, 32)),
    frame(utf8(head.final ? "final" : "running")),
  );
}

/**
 * Check the chain, each ballot's board reference and the signed final head; the counted entries:
 * per credential, the ballot with the greatest (board.count, position) (docs/elections.md §4–§5).
 */
export function verifyBoard(fingerprint, manifest, entries, finalHead) {
  if (finalHead.election !== bytesToHex(fingerprint) || finalHead.final !== true) throw refusal("no_final_head", {});
  let valid = false;
  try {
    valid = ed25519.verify(hexToBytes(finalHead.signature, 64), headMessage(fingerprint, finalHead), hexToBytes(manifest.board_public_key, 32));
  } catch {
    valid = false;
  }
  if (!valid) throw refusal("bad_head_signature", {});
  let previous = sha256f("board-genesis", fingerprint);
  const hashes = [bytesToHex(previous)]; // h_0 … h_{position}
  const counted = new Map();
  const trackers = new Map(); // tracker → first position: the board holds each tracker once
  let position = 0;
  for (const entry of entries) {
    position += 1;
    if (entry.position !== position) throw refusal("entry_missing", { position });
    if (entry.ballot === null || typeof entry.ballot !== "object") throw refusal("bad_tracker", { position });
    const tracker = hexToBytes(trackerOf(entry.ballot), 32);
    if (entry.tracker !== bytesToHex(tracker)) throw refusal("bad_tracker", { position });
    if (trackers.has(entry.tracker)) throw refusal("repeated_tracker", { position, first: trackers.get(entry.tracker) });
    trackers.set(entry.tracker, position);
    const digest = sha256(cj(entry.ballot));
    const reveal = entry.kind === "audited" ? cj(entry.reveal) : new Uint8Array(0);
    const hash = sha256f("board-entry", previous, position, entry.kind, entry.hour, tracker, digest, reveal);
    if (entry.digest !== bytesToHex(digest) || entry.previous !== bytesToHex(previous) || entry.hash !== bytesToHex(hash)) {
      throw refusal("broken_chain", { position });
    }
    previous = hash;
    hashes.push(bytesToHex(hash));
    if (entry.kind !== "ballot") continue;
    const board = entry.ballot.board;
    if (!board || !Number.isSafeInteger(board.count) || board.count < 0 || board.count >= position || board.hash !== hashes[board.count]) {
      throw refusal("bad_board_reference", { position });
    }
    // In position order, so an equal board count means this entry is later: it wins.
    const key = entry.ballot.credential?.key;
    if (typeof key !== "string") throw refusal("bad_ballot", { position });
    const held = counted.get(key);
    if (held === undefined || board.count >= held.ballot.board.count) counted.set(key, entry);
  }
  if (position !== finalHead.count || bytesToHex(previous) !== finalHead.hash) throw refusal("not_at_final_head", {});
  return [...counted.values()];
}

/** The homomorphic sum of the counted ballots, refusing a ciphertext that appears twice. */
export function sumCounted(manifest, counted) {
  const widths = tallyLayout(manifest);
  const sums = widths.map((w) => Array.from({ length: w }, () => ({ a: IDENTITY, b: IDENTITY })));
  const seen = new Set();
  for (const entry of counted) {
    ballotCiphertexts(entry.ballot, manifest).forEach((row, q) => {
      if (row.length !== widths[q]) throw refusal("wrong_shape", { position: entry.position });
      row.forEach((ct, i) => {
        if (seen.has(ct.a)) throw refusal("copied_ballot", { position: entry.position });
        seen.add(ct.a);
        const value = fromJson("ciphertext", ct);
        sums[q][i] = { a: sums[q][i].a.add(value.a), b: sums[q][i].b.add(value.b) };
      });
    });
  }
  return { counted: counted.length, questions: sums.map((row) => row.map((ct) => toJson("ciphertext", ct))) };
}

/** The encrypted tally the board implies, after checking the chain and the signed final head. */
export function recomputeTally(fingerprint, manifest, entries, finalHead) {
  return sumCounted(manifest, verifyBoard(fingerprint, manifest, entries, finalHead));
}

/** A counted ballot's credential (RSA), Schnorr signature and every proof (docs §4). */
export async function checkCountedBallot(fingerprint, manifest, issuer, entry) {
  const { ballot, position } = entry;
  try {
    await verifyCredential(issuer, fingerprint, ballot.credential);
    const unsigned = { ...ballot };
    delete unsigned.signature;
    verifyCredentialSignature(fingerprint, fromJson("point", ballot.credential.key), cj(unsigned), fromJson("credentialSignature", ballot.signature));
    const joint = fromJson("point", manifest.joint_public_key);
    const context = ballotContext(fingerprint, ballot.nonce); // proofs bound to the ballot's nonce
    shapes(manifest).forEach((shape, q) => {
      if (shape.kind === "ranked") {
        // A full ranking (protocol §5.1): pairs, positions, places and links; a cycle fails.
        verifyRanking(concatBytes(context, int8(q)), joint, fromJson("encryptedRanking", ballot.answers[q]), shape.options);
        return;
      }
      const [{ suffix, options, low, high }] = shape.parts;
      verifyQuestion(concatBytes(context, suffix), joint, fromJson("encryptedQuestion", ballot.answers[q]), options, low, high);
    });
  } catch {
    throw refusal("bad_ballot", { position });
  }
}

/** Every check before decrypting; `onProgress(done, total)` while the ballots are verified. */
export async function checkTally(key, status, published, entries, finalHead, roll, tally, onProgress = () => {}) {
  const fingerprint = checkManifest(key, status, published);
  const { manifest } = published;
  const counted = verifyBoard(fingerprint, manifest, entries, finalHead);
  const issuer = await importIssuers(manifest);
  for (let i = 0; i < counted.length; i++) {
    await checkCountedBallot(fingerprint, manifest, issuer, counted[i]);
    if (i % 20 === 19) {
      onProgress(i + 1, counted.length);
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the page repaint
    }
  }
  const expected = sumCounted(manifest, counted);
  if (canonicalJson(expected) !== canonicalJson(tally)) throw refusal("tally_mismatch", {});
  if (expected.counted > roll.issued + roll.reissued || roll.issued > roll.size) throw refusal("too_many_counted", {});
  return fingerprint;
}

export function decryptionMessage(key, status, fingerprint, tally) {
  const share = secretShare(key, status);
  const index = key.secrets.trustee;
  const own = verificationKeys([...announcements(status).values()], [index]).get(index);
  if (!baseMul(share).equals(own)) throw refusal("share_mismatch", {});
  return {
    shares: tally.questions.map((question) =>
      question.map((item) => {
        const ciphertext = fromJson("ciphertext", item);
        if (ciphertext.a.is0()) throw refusal("nothing_counted", {});
        return toJson("decryptionShare", partialDecrypt(fingerprint, index, share, ciphertext));
      }),
    ),
  };
}


// -- issuing credentials (docs/elections.md §3) -------------------------------------------------------

const RSA_PSS = { name: "RSA-PSS", hash: "SHA-384" };
const subtle = () => globalThis.crypto.subtle;
const fromB64url = (text) => BigInt(`0x${bytesToHex(Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))) || "0"}`);

/** A fresh RSA-3072 (e = 65537) issuer key, made in this browser: its PKCS#8 DER bytes. */
export async function newIssuerKey() {
  const pair = await subtle().generateKey(
    { ...RSA_PSS, modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  );
  return new Uint8Array(await subtle().exportKey("pkcs8", pair.privateKey));
}

/** frame("mashwara/v1/issuer-key") ‖ frame(cc) ‖ frame(int(i)): what the proof of possession signs. */
export function issuerKeyMessage(ceremonyContext, index) {
  return concatBytes(frame(utf8("mashwara/v1/issuer-key")), frame(ceremonyContext), frame(int8(index)));
}

const signingKey = (key) => subtle().importKey("pkcs8", key.issuerKey, RSA_PSS, true, ["sign"]);

async function pssSign(key, message) {
  const signature = await subtle().sign({ name: "RSA-PSS", saltLength: 48 }, await signingKey(key), message);
  return bytesToHex(new Uint8Array(signature));
}

/** The issuer's public key as SubjectPublicKeyInfo PEM. */
export async function issuerPublicPem(key) {
  const jwk = await subtle().exportKey("jwk", await signingKey(key));
  const publicKey = await subtle().importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "PS384", ext: true }, RSA_PSS, true, ["verify"]);
  const der = new Uint8Array(await subtle().exportKey("spki", publicKey));
  const base64 = btoa(String.fromCharCode(...der));
  return `-----BEGIN PUBLIC KEY-----\n${base64.match(/.{1,64}/g).join("\n")}\n-----END PUBLIC KEY-----\n`;
}

/** {"pem", "proof"}: the announced issuer key and its proof of possession (elections §6). */
export async function issuerKeyAnnouncement(key) {
  return { pem: await issuerPublicPem(key), proof: await pssSign(key, issuerKeyMessage(key.ceremonyContext, key.secrets.trustee)) };
}

/**
 * Our issuer key is the manifest's issuer i (else the server could have swapped in its own). The
 * issuers are trustees 1..k: a trustee beyond k is no issuer, and only the manifest's form is checked.
 */
export async function checkOwnIssuerKey(key, manifest) {
  const index = key.secrets.trustee;
  const issuers = await importIssuers(manifest).catch(() => null);
  if (issuers && issuers.threshold === key.threshold && index > issuers.threshold) return;
  const mine = (await subtle().exportKey("jwk", await signingKey(key))).n;
  const theirs = issuers?.keys.get(index);
  const published = theirs ? (await subtle().exportKey("jwk", theirs)).n : null;
  if (published !== mine || issuers.threshold !== key.threshold) throw refusal("issuer_key_missing", { index });
}

function modPow(base, exponent, modulus) {
  let result = 1n;
  base %= modulus;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
    exponent >>= 1n;
  }
  return result;
}

/** An RSA signer with the CRT from the key's JWK: blindSign(hex) → hex (RFC 9474 BlindSign). */
export async function issuerSigner(key) {
  const jwk = await subtle().exportKey("jwk", await signingKey(key));
  const [n, e, p, q, dp, dq, qi] = ["n", "e", "p", "q", "dp", "dq", "qi"].map((name) => fromB64url(jwk[name]));
  const length = (n.toString(16).length + 1) >> 1;
  return {
    blindSign(blindedHex) {
      const m = BigInt(`0x${blindedHex}`);
      if (blindedHex.length !== 2 * length || m >= n) throw new Error("a blinded message does not fit the issuer key");
      const sp = modPow(m % p, dp, p);
      const sq = modPow(m % q, dq, q);
      const h = (qi * (((sp - sq) % p) + p)) % p;
      const s = sq + h * q;
      if (modPow(s, e, n) !== m) throw new Error("signing failure: the RSA result does not verify");
      return s.toString(16).padStart(2 * length, "0");
    },
  };
}

/** The signatures for a queue (GET …/issuer/queue) and the roll ids signed, for the ledger. */
export function signQueue(signer, queue) {
  return {
    message: { signatures: queue.requests.map((r) => ({ request: r.request, blind_signature: signer.blindSign(r.blinded_message) })) },
    signed: queue.requests.map((r) => [r.request, r.roll_id]),
  };
}

/** The signed ledger {ledger, signature} of the roll ids this issuer signed for. */
export async function signedLedger(key, fingerprintHex, rollIds) {
  const ledger = { format: "mashwara/v1/issuer-ledger", election: fingerprintHex, issuer: key.secrets.trustee, entries: [...rollIds].sort() };
  return { ledger, signature: await pssSign(key, utf8(canonicalJson(ledger))) };
}
