// What a trustee computes at each step (docs/elections.md §6–§7), the browser twin of
// voting/trustee/steps.py: pure functions of the trustee's key (from its key file) and the
// server's JSON. Before decrypting, the trustee rebuilds the encrypted tally from the board
// (chain, signed final head, each ballot's board reference, the counted ballot per credential —
// the greatest (board.count, position) — homomorphic sum) and refuses if the
// server's tally differs, if two counted ballots share a ciphertext, or if more credentials were
// counted than issued — so that no single voter's ballot can be passed off as the tally. It also
// checks every counted ballot's credential, signature and proofs: a ballot whose ciphertexts are
// not proven 0/1 could cancel the other ballots out of the sum and leave one voter alone in it.
// In an election with cohort dimensions it also checks each counted ballot's labels and rebuilds
// the per-cohort sums and the release plan (trustee-cohorts.js) before decrypting the groups.

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
import {
  cohortKeyAnnouncements,
  importCohortKeys,
  importIssuer,
  importIssuers,
  issuerKeyAnnouncement,
  modulusOf,
  statedValues,
  verifyCredential,
  verifyLabels,
} from "./issuer.js";
import { REFUSALS, TrusteeRefusal } from "./refusal.js";
import { KeyFileError } from "./keyfile.js";
import { checkCohortTally, cohortShares } from "./trustee-cohorts.js";

export { REFUSALS, TrusteeRefusal };
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

/**
 * The election's definition from the ceremony status, checked against the ceremony context it
 * must hash to (docs/elections.md §1), so that the page makes keys for the dimensions the
 * ceremony binds and not for others the server names.
 */
export function ceremonyDefinition(status) {
  const definition = status.definition;
  if (!definition || typeof definition !== "object" || bytesToHex(sha256f("ceremony-context", cj(definition))) !== status.ceremony_context) {
    throw refusal("ceremony_definition_mismatch", {});
  }
  return definition;
}

/** The stated values [[d, v], …] this trustee makes cohort keys for: all of them for an issuer (trustees 1..k), none otherwise (protocol §12.2). */
export function cohortValuesToMake(status) {
  const definition = ceremonyDefinition(status);
  return status.my_index <= status.threshold ? statedValues(definition.cohorts) : [];
}

/** Whether trustee `index` is an issuer: trustees 1..k sign credentials, the others only decrypt (protocol §7). */
export const isIssuer = (index, threshold) => index <= threshold;

/**
 * The commitments with, from an issuer (trustees 1..k), the issuer key and, in an election with
 * dimensions, the cohort keys, each with its proof of possession. A trustee beyond k announces
 * none, even from an older key file that holds an issuer key (the server refuses it).
 */
export async function commitmentsMessage(key) {
  const body = announcement(key);
  if (!isIssuer(key.secrets.trustee, key.threshold)) return body;
  if (!key.issuerKey) throw new KeyFileError("the issuer key is missing: trustees 1..k are the issuers");
  body.issuer_key = await issuerKeyAnnouncement(key);
  if (key.cohortKeys?.length) body.cohort_keys = await cohortKeyAnnouncements(key);
  return body;
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

// What the manifest gains when the ceremony completes (voting/verify/election.py): not part of the
// definition the ceremony context hashes.
const FROZEN_AT_CEREMONY_END = ["joint_public_key", "ceremony_context", "issuers", "cohort_keys"];

export function checkManifest(key, status, published) {
  const { manifest } = published;
  const fingerprint = sha256f("election-fingerprint", cj(manifest));
  if (published.fingerprint !== bytesToHex(fingerprint)) throw refusal("bad_fingerprint", {});
  if (manifest.ceremony_context !== bytesToHex(key.ceremonyContext)) throw refusal("manifest_other_ceremony", {});
  const definition = { ...manifest };
  for (const member of FROZEN_AT_CEREMONY_END) delete definition[member];
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

// Each counted ballot's ciphertexts as points, parsed once for the overall and the cohort sums.
const parsedRows = new WeakMap();

function rowsOf(entry, manifest) {
  if (!parsedRows.has(entry)) {
    parsedRows.set(entry, ballotCiphertexts(entry.ballot, manifest).map((row) => row.map((ct) => fromJson("ciphertext", ct))));
  }
  return parsedRows.get(entry);
}

/** The homomorphic sum of the counted ballots, refusing a ciphertext that appears twice. */
export function sumCounted(manifest, counted) {
  const widths = tallyLayout(manifest);
  const sums = widths.map((w) => Array.from({ length: w }, () => ({ a: IDENTITY, b: IDENTITY })));
  const seen = new Set();
  for (const entry of counted) {
    ballotCiphertexts(entry.ballot, manifest).forEach((row, q) => {
      if (row.length !== widths[q]) throw refusal("wrong_shape", { position: entry.position });
      for (const ct of row) {
        if (seen.has(ct.a)) throw refusal("copied_ballot", { position: entry.position });
        seen.add(ct.a);
      }
    });
    rowsOf(entry, manifest).forEach((row, q) =>
      row.forEach((value, i) => {
        sums[q][i] = { a: sums[q][i].a.add(value.a), b: sums[q][i].b.add(value.b) };
      }),
    );
  }
  return { counted: counted.length, questions: sums.map((row) => row.map((ct) => toJson("ciphertext", ct))) };
}

/** The encrypted tally the board implies, after checking the chain and the signed final head. */
export function recomputeTally(fingerprint, manifest, entries, finalHead) {
  return sumCounted(manifest, verifyBoard(fingerprint, manifest, entries, finalHead));
}

/** A counted ballot's credential (RSA) with its cohort labels, Schnorr signature and every proof (docs §4). */
export async function checkCountedBallot(fingerprint, manifest, issuer, entry, cohortKeys = new Map()) {
  const { ballot, position } = entry;
  try {
    await verifyCredential(issuer, fingerprint, ballot.credential);
    await verifyLabels(issuer, cohortKeys, manifest, fingerprint, ballot.credential);
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

/**
 * Every check before decrypting; `onProgress(done, total)` while the ballots are verified. In an
 * election with cohort dimensions `cohortFeed` is the server's GET …/cohort-tally.json, checked
 * against the counted ballots (trustee-cohorts.js). Returns {fingerprint, cohorts: {plan, sums}
 * or null}.
 */
export async function checkTally(key, status, published, entries, finalHead, roll, tally, { onProgress = () => {}, cohortFeed = null } = {}) {
  const fingerprint = checkManifest(key, status, published);
  const { manifest } = published;
  const counted = verifyBoard(fingerprint, manifest, entries, finalHead);
  const issuer = await importIssuers(manifest);
  const cohortKeys = await importCohortKeys(manifest);
  for (let i = 0; i < counted.length; i++) {
    await checkCountedBallot(fingerprint, manifest, issuer, counted[i], cohortKeys);
    if (i % 20 === 19) {
      onProgress(i + 1, counted.length);
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the page repaint
    }
  }
  const expected = sumCounted(manifest, counted);
  if (canonicalJson(expected) !== canonicalJson(tally)) throw refusal("tally_mismatch", {});
  if (expected.counted > roll.issued + roll.reissued || roll.issued > roll.size) throw refusal("too_many_counted", {});
  let cohorts = null;
  if (manifest.cohorts) cohorts = checkCohortTally(manifest, counted, cohortFeed, tallyLayout(manifest), (entry) => rowsOf(entry, manifest));
  return { fingerprint, cohorts };
}

/**
 * The decryption shares of the tally and, in an election with cohort dimensions, of every group
 * the checked plan publishes (`cohorts`: checkTally's).
 */
export function decryptionMessage(key, status, fingerprint, tally, cohorts = null) {
  const share = secretShare(key, status);
  const index = key.secrets.trustee;
  const own = verificationKeys([...announcements(status).values()], [index]).get(index);
  if (!baseMul(share).equals(own)) throw refusal("share_mismatch", {});
  const message = {
    shares: tally.questions.map((question) =>
      question.map((item) => {
        const ciphertext = fromJson("ciphertext", item);
        if (ciphertext.a.is0()) throw refusal("nothing_counted", {});
        return toJson("decryptionShare", partialDecrypt(fingerprint, index, share, ciphertext));
      }),
    ),
  };
  if (cohorts !== null) message.cohorts = cohortShares(fingerprint, index, share, cohorts, tally.questions.map((q) => q.length));
  return message;
}

// -- the manifest holds our keys -----------------------------------------------------------------------

/**
 * Our issuer key is the manifest's issuer i (else the server could have swapped in its own). The
 * issuers are trustees 1..k: a trustee beyond k is no issuer, and only the manifest's form is checked.
 */
export async function checkOwnIssuerKey(key, manifest) {
  const index = key.secrets.trustee;
  const issuers = await importIssuers(manifest).catch(() => null);
  if (issuers && issuers.threshold === key.threshold && !isIssuer(index, issuers.threshold)) return;
  const mine = key.issuerKey ? await modulusOf(key.issuerKey) : null;
  const theirs = issuers?.keys.get(index);
  const published = theirs ? await modulusOf(theirs) : null;
  if (mine === null || published !== mine || issuers.threshold !== key.threshold) throw refusal("issuer_key_missing", { index });
}

/**
 * In an election with cohort dimensions, the manifest's cohort keys of issuer i are exactly the
 * ones of our key file, one per stated value (protocol §12.2): a key the server made in our
 * place would let it issue labels of its own choosing. A trustee beyond k holds none.
 */
export async function checkOwnCohortKeys(key, manifest) {
  const index = key.secrets.trustee;
  const stated = manifest.cohorts && index <= manifest.issuers.threshold ? statedValues(manifest.cohorts) : [];
  const published = (manifest.cohort_keys ?? []).filter((item) => item?.trustee === index);
  if (published.length !== stated.length) {
    const [dimension, value] = stated[0] ?? [published[0]?.dimension, published[0]?.value];
    throw refusal("cohort_key_missing", { index, dimension, value });
  }
  for (const [n, [dimension, value]] of stated.entries()) {
    const mine = (key.cohortKeys ?? []).find((item) => item.dimension === dimension && item.value === value);
    const theirs = published[n];
    let same = false;
    if (mine && theirs.dimension === dimension && theirs.value === value) {
      const imported = await importIssuer(theirs).catch(() => null);
      same = imported !== null && (await modulusOf(mine.key)) === (await modulusOf(imported));
    }
    if (!same) throw refusal("cohort_key_missing", { index, dimension, value });
  }
  return stated.length;
}

/** Both checks; the number of our cohort keys the manifest holds. */
export async function checkOwnKeys(key, manifest) {
  await checkOwnIssuerKey(key, manifest);
  return checkOwnCohortKeys(key, manifest);
}
