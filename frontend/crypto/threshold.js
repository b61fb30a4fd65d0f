// The k-of-n trustee key ceremony and threshold decryption (protocol §6). Trustees generate their
// secrets in the browser with these functions.
//
// Trustee i publishes Feldman commitments K_{i,j} = a_{i,j}·G to a random polynomial of degree
// k−1 and a communication key E_i, all with Schnorr proofs (an announcement); sends P_i(l) to every
// other trustee l under hashed ElGamal with an HMAC-SHA-256 tag; each recipient checks what it
// receives against the commitments and otherwise publishes a complaint, which the sender answers
// by revealing the share for anyone to check. The joint key is Σ K_{i,0}; trustee l decrypts with
// s_l = Σ_i P_i(l) and proves each decryption share against its public verification key; any k
// valid shares combine by Lagrange interpolation at 0.
//
// Shapes: secrets { trustee, coefficients: [bigint], communicationKey: bigint }; announcement
// { trustee, commitments: [Point], commitmentProofs: [{c, s}], communicationKey: Point,
// communicationProof: {c, s} }; encrypted share { sender, recipient, r: Point, ct, tag } (bytes);
// complaint { sender, recipient }; reveal { sender, recipient, share: bigint }; decryption share
// { trustee, d: Point, proof: {c, s} }. Trustee indices are numbers 1 … 2^32 − 1.

import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, equalBytes, int8, isBytes, uint32, utf8, xorBytes } from "./bytes.js";
import { CryptoError, InvalidProof, InvalidShare, InvalidWitness } from "./errors.js";
import {
  IDENTITY,
  ORDER,
  Point,
  baseMul,
  bytesToNumberLE,
  encodeScalar,
  invertScalar,
  isScalar,
  mod,
  mul,
  mulPublic,
  pointBytes,
} from "./group.js";
import { DOMAIN } from "./hash.js";
import {
  proveDecryptionShare,
  proveKnowledge,
  verifyDecryptionShare,
  verifyKnowledge,
} from "./proofs.js";
import { nonceSource } from "./random.js";

const MAX_TRUSTEE = 2 ** 32;
const COMMUNICATION = utf8("communication");
const SHARE_KEY_LABEL = utf8(DOMAIN + "share-key");

function checkIndex(index, what = "trustee index") {
  if (!Number.isSafeInteger(index) || index < 1 || index >= MAX_TRUSTEE) {
    throw new CryptoError(`${what} must be an integer from 1 to 2^32 − 1`);
  }
}

/** ctx || int i || int j: the context of the proof of commitment K_{i,j}. */
export function commitmentContext(ctx, trustee, j) {
  return concatBytes(ctx, int8(trustee), int8(j));
}

/** ctx || "communication" || int i: the context of the proof of E_i. */
export function communicationContext(ctx, trustee) {
  return concatBytes(ctx, COMMUNICATION, int8(trustee));
}

/** P_i(at) = Σ_j a_{i,j}·at^j mod ℓ (Horner). */
export function evaluatePolynomial(secrets, at) {
  const x = BigInt(at);
  let value = 0n;
  for (let j = secrets.coefficients.length - 1; j >= 0; j--) {
    value = mod(value * x + secrets.coefficients[j]);
  }
  return value;
}

/**
 * Step 1. Draws a_{i,0} … a_{i,k−1}, the nonces of their proofs in the same order, then e_i and
 * the nonce of its proof. Returns { secrets, announcement }.
 */
export function createTrustee(ctx, index, threshold, rng) {
  checkIndex(index);
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new CryptoError("the threshold must be at least 1");
  const source = nonceSource(rng);
  const coefficients = [];
  for (let j = 0; j < threshold; j++) coefficients.push(source.draw());
  if (coefficients.some((c) => c === 0n)) throw new InvalidWitness("a polynomial coefficient must not be zero");
  const commitments = coefficients.map((c) => baseMul(c));
  const commitmentProofs = coefficients.map((c, j) => proveKnowledge(commitmentContext(ctx, index, j), c, source));
  const communicationKey = source.draw();
  const communicationProof = proveKnowledge(communicationContext(ctx, index), communicationKey, source);
  return {
    secrets: { trustee: index, coefficients, communicationKey },
    announcement: {
      trustee: index,
      commitments,
      commitmentProofs,
      communicationKey: baseMul(communicationKey),
      communicationProof,
    },
  };
}

/** Check the shape and every Schnorr proof of a trustee's announcement. */
export function verifyAnnouncement(ctx, announcement, threshold) {
  const { trustee, commitments, commitmentProofs } = announcement;
  checkIndex(trustee);
  if (commitments.length !== threshold || commitmentProofs.length !== threshold) {
    throw new InvalidProof(`trustee ${trustee} must publish ${threshold} commitments`);
  }
  commitments.forEach((commitment, j) => {
    try {
      verifyKnowledge(commitmentContext(ctx, trustee, j), commitment, commitmentProofs[j]);
    } catch (error) {
      if (error instanceof InvalidProof) throw new InvalidProof(`trustee ${trustee}: proof for commitment ${j} does not verify`);
      throw error;
    }
  });
  try {
    verifyKnowledge(communicationContext(ctx, trustee), announcement.communicationKey, announcement.communicationProof);
  } catch (error) {
    if (error instanceof InvalidProof) throw new InvalidProof(`trustee ${trustee}: communication key proof does not verify`);
    throw error;
  }
}

function shareKeys(ctx, sender, recipient, r, s) {
  const hash = sha512.create();
  for (const part of [SHARE_KEY_LABEL, ctx, int8(sender), int8(recipient), pointBytes(r), pointBytes(s)]) {
    hash.update(uint32(part.length)).update(part);
  }
  const key = hash.digest();
  return { pad: key.subarray(0, 32), macKey: key.subarray(32, 64) };
}

function shareTag(macKey, r, ct) {
  return hmac(sha256, macKey, concatBytes(pointBytes(r), ct));
}

/** Step 2: P_i(l) for trustee l under its communication key E_l (one nonce ρ). */
export function encryptShare(ctx, sender, recipient, recipientKey, rng) {
  checkIndex(recipient, "recipient index");
  if (recipient === sender.trustee) throw new CryptoError("a trustee does not send a share to itself");
  if (!(recipientKey instanceof Point) || recipientKey.is0()) {
    throw new CryptoError("the recipient's communication key must not be the identity");
  }
  const rho = nonceSource(rng).draw();
  const r = baseMul(rho);
  const { pad, macKey } = shareKeys(ctx, sender.trustee, recipient, r, mul(recipientKey, rho));
  const ct = xorBytes(encodeScalar(evaluatePolynomial(sender, recipient)), pad);
  return { sender: sender.trustee, recipient, r, ct, tag: shareTag(macKey, r, ct) };
}

/** Σ_j at^j·K_j by Horner's rule (k−1 variable-base multiplications). */
function commitmentValue(commitments, at) {
  const x = mod(BigInt(at));
  let value = commitments[commitments.length - 1];
  for (let j = commitments.length - 2; j >= 0; j--) value = mulPublic(value, x).add(commitments[j]);
  return value;
}

/** share·G == Σ_j recipient^j·K_{sender,j}: the public check of step 3. */
export function checkShare(announcement, recipient, share) {
  return isScalar(share) && baseMul(share).equals(commitmentValue(announcement.commitments, recipient));
}

/**
 * Step 3: decrypt, check the tag and the commitments; throw InvalidShare carrying the complaint
 * { sender, recipient } to publish if anything fails. Returns the share P_sender(recipient).
 */
export function openShare(ctx, recipient, share, senderAnnouncement) {
  const complaint = { sender: share.sender, recipient: recipient.trustee };
  if (share.recipient !== recipient.trustee || share.sender !== senderAnnouncement.trustee) {
    throw new InvalidShare("the share is not addressed from this sender to this trustee", complaint);
  }
  if (!isBytes(share.ct) || !isBytes(share.tag) || share.ct.length !== 32 || share.r.is0()) {
    throw new InvalidShare(`share from trustee ${share.sender}: malformed ciphertext`, complaint);
  }
  const { pad, macKey } = shareKeys(ctx, share.sender, share.recipient, share.r, mul(share.r, recipient.communicationKey));
  if (!equalBytes(shareTag(macKey, share.r, share.ct), share.tag)) {
    throw new InvalidShare(`share from trustee ${share.sender}: bad authentication tag`, complaint);
  }
  const value = bytesToNumberLE(xorBytes(share.ct, pad));
  if (value >= ORDER || !checkShare(senderAnnouncement, recipient.trustee, value)) {
    throw new InvalidShare(`share from trustee ${share.sender} does not match its commitments`, complaint);
  }
  return value;
}

/** The sender's answer to a complaint against it: the share in clear. */
export function revealShare(sender, complaint) {
  if (complaint.sender !== sender.trustee) throw new CryptoError("this complaint is against another trustee");
  return { sender: sender.trustee, recipient: complaint.recipient, share: evaluatePolynomial(sender, complaint.recipient) };
}

/** Anyone's check of a revealed share; failure disqualifies the sender. */
export function verifyShareReveal(announcement, reveal) {
  if (reveal.sender !== announcement.trustee || !checkShare(announcement, reveal.recipient, reveal.share)) {
    throw new InvalidShare(`trustee ${reveal.sender}'s revealed share does not match its commitments`, {
      sender: reveal.sender,
      recipient: reveal.recipient,
    });
  }
}

/** X = Σ_i K_{i,0} over the qualified trustees. */
export function jointPublicKey(announcements) {
  let total = IDENTITY;
  for (const announcement of announcements) total = total.add(announcement.commitments[0]);
  return total;
}

/** X_l = Σ_i Σ_j l^j·K_{i,j} for each trustee l (computable by anyone); a Map l → point. */
export function verificationKeys(announcements, trustees) {
  const threshold = announcements[0].commitments.length;
  const combined = [];
  for (let j = 0; j < threshold; j++) {
    let total = IDENTITY;
    for (const announcement of announcements) total = total.add(announcement.commitments[j]);
    combined.push(total);
  }
  const keys = new Map();
  for (const trustee of trustees) keys.set(trustee, commitmentValue(combined, trustee));
  return keys;
}

/** s_l = P_l(l) + Σ_{i≠l} P_i(l) from the shares this trustee received (a Map sender → share). */
export function combineSecretShare(own, received) {
  let total = evaluatePolynomial(own, own.trustee);
  for (const [sender, share] of received) {
    if (sender === own.trustee) throw new CryptoError("a trustee's own share is computed, not received");
    total += share;
  }
  return mod(total);
}

/** D_l = s_l·A with its proof (one nonce drawn): { trustee, d, proof }. */
export function partialDecrypt(ctx, trustee, secretShare, ciphertext, rng) {
  checkIndex(trustee);
  const { share, proof } = proveDecryptionShare(ctx, secretShare, ciphertext, rng);
  return { trustee, d: share, proof };
}

export function verifyPartialDecryption(ctx, verificationKey, ciphertext, share) {
  try {
    verifyDecryptionShare(ctx, verificationKey, ciphertext, share.d, share.proof);
  } catch (error) {
    if (error instanceof InvalidProof) throw new InvalidProof(`decryption share of trustee ${share.trustee} does not verify`);
    throw error;
  }
}

/** λ_l = Π_{m≠l} m·(m − l)^{−1} mod ℓ for interpolation at 0; a Map l → scalar. */
export function lagrangeCoefficients(trustees) {
  const indices = [...trustees];
  if (new Set(indices).size !== indices.length) throw new CryptoError("trustee indices must be distinct");
  const coefficients = new Map();
  for (const trustee of indices) {
    let numerator = 1n;
    let denominator = 1n;
    for (const m of indices) {
      if (m !== trustee) {
        numerator = mod(numerator * BigInt(m));
        denominator = mod(denominator * BigInt(m - trustee));
      }
    }
    coefficients.set(trustee, mod(numerator * invertScalar(denominator)));
  }
  return coefficients;
}

/**
 * mG = B − Σ λ_l·D_l from at least `threshold` already verified shares (identity allowed: a zero
 * count). Absent trustees are simply not in `shares`.
 */
export function combineDecryptionShares(ciphertext, shares, threshold) {
  const trustees = shares.map((share) => share.trustee);
  if (new Set(trustees).size < threshold) {
    throw new CryptoError(`need decryption shares from at least ${threshold} distinct trustees`);
  }
  const lambdas = lagrangeCoefficients(trustees);
  let total = IDENTITY;
  for (const share of shares) total = total.add(mulPublic(share.d, lambdas.get(share.trustee)));
  return ciphertext.b.subtract(total);
}
