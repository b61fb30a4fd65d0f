// Sigma proofs in challenge/response form (protocol §4), non-interactive by strong Fiat–Shamir.
//
// Schnorr proof of knowledge (§4.1), credential Schnorr signature (§4.2), disjunctive
// Chaum–Pedersen range proof (§4.3) and Chaum–Pedersen equality proof of a decryption share
// (§4.4). Proofs are { c, s } (bigints), a range proof { c: [...], s: [...] } for j = a … b.
// Provers check their witness and throw InvalidWitness / ValueOutsideRange rather than prove
// something false; verifiers throw InvalidProof / InvalidSignature.
//
// The range prover knows r and m, so it computes every commitment from the two precomputed tables
// (G and X) instead of multiplying the ciphertext: for a simulated branch j,
// T_j = s_j·G − c_j·A = (s_j − c_j·r)·G and U_j = s_j·X − c_j·(B − jG) = (s_j − c_j·r)·X +
// c_j·(j − m)·G. Same group elements, same bytes, several times faster in the browser.

import { int8, isBytes } from "./bytes.js";
import { InvalidProof, InvalidSignature, InvalidWitness, ValueOutsideRange } from "./errors.js";
import {
  IDENTITY,
  Point,
  baseMul,
  generator,
  isScalar,
  mod,
  mul,
  mulPublic,
  preparePoint,
} from "./group.js";
import { hashToScalar } from "./hash.js";
import { messageScalar } from "./elgamal.js";
import { nonceSource } from "./random.js";

/** A range proof covers at most 64 values (b − a < 64). */
export const MAX_RANGE_WIDTH = 64;
const INT_LIMIT = 1n << 64n;

function assertBytes(value, what) {
  if (!isBytes(value)) throw new TypeError(`${what} must be bytes (Uint8Array)`);
}

function assertPoint(value, what) {
  if (!(value instanceof Point)) throw new TypeError(`${what} must be a ristretto255 point`);
}

function pairIsWellFormed(proof) {
  return proof !== null && typeof proof === "object" && isScalar(proof.c) && isScalar(proof.s);
}

// -- §4.1 Schnorr proof of knowledge and §4.2 credential signature ------------------------------

function schnorrProve(label, ctx, secret, extra, rng) {
  assertBytes(ctx, "the context");
  if (!isScalar(secret) || secret === 0n) throw new InvalidWitness("the secret must be a non-zero scalar");
  const publicKey = baseMul(secret);
  const w = nonceSource(rng).draw();
  const c = hashToScalar(label, ctx, publicKey, baseMul(w), ...extra);
  return { c, s: mod(w + c * secret) };
}

function schnorrCheck(label, ctx, publicKey, proof, extra) {
  assertBytes(ctx, "the context");
  assertPoint(publicKey, "the public key");
  if (!pairIsWellFormed(proof) || publicKey.is0()) return false;
  const t = baseMul(proof.s).subtract(mulPublic(publicKey, proof.c));
  return hashToScalar(label, ctx, publicKey, t, ...extra) === proof.c;
}

/** Prove knowledge of x for X = xG (one nonce drawn). */
export function proveKnowledge(ctx, secret, rng) {
  return schnorrProve("schnorr-pok", ctx, secret, [], rng);
}

export function verifyKnowledge(ctx, publicKey, proof) {
  if (!schnorrCheck("schnorr-pok", ctx, publicKey, proof, [])) {
    throw new InvalidProof("proof of knowledge of the secret key does not verify");
  }
}

/** Schnorr-sign message bytes with credential key k (P = kG); one nonce drawn. */
export function signCredential(ctx, secret, message, rng) {
  assertBytes(message, "the message");
  return schnorrProve("credential-signature", ctx, secret, [message], rng);
}

export function verifyCredentialSignature(ctx, publicKey, message, signature) {
  assertBytes(message, "the message");
  if (!schnorrCheck("credential-signature", ctx, publicKey, signature, [message])) {
    throw new InvalidSignature("credential signature does not verify");
  }
}

// -- §4.3 range proof -----------------------------------------------------------------------------

function toBound(value) {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "bigint") return value;
  return null;
}

/** [low, high] as bigints, or an error of class ErrorClass. */
export function rangeBounds(low, high, ErrorClass = InvalidProof) {
  const lo = toBound(low);
  const hi = toBound(high);
  if (lo === null || hi === null || lo < 0n || hi < 0n || lo >= INT_LIMIT || hi >= INT_LIMIT) {
    throw new ErrorClass("range bounds must be integers in [0, 2^64)");
  }
  if (hi < lo) throw new ErrorClass(`empty range ${lo}..${hi}`);
  if (hi - lo >= BigInt(MAX_RANGE_WIDTH)) {
    throw new ErrorClass(`range ${lo}..${hi} is wider than ${MAX_RANGE_WIDTH} values`);
  }
  return [lo, hi];
}

/**
 * Prove that ciphertext = Enc(value; nonce) under publicKey with low ≤ value ≤ high.
 * Draws w, then c_j and s_j for each j ≠ value in ascending order.
 */
export function proveRange(ctx, publicKey, ciphertext, value, nonce, low, high, rng) {
  assertBytes(ctx, "the context");
  const [lo, hi] = rangeBounds(low, high, InvalidWitness);
  const m = toBound(value);
  if (m === null || m < lo || m > hi) {
    throw new ValueOutsideRange(`value is outside the range ${lo}..${hi}; no proof is made`);
  }
  if (!isScalar(nonce) || nonce === 0n) throw new InvalidWitness("the nonce must be a non-zero scalar");
  const key = preparePoint(publicKey);
  if (!ciphertext.a.equals(baseMul(nonce)) || !ciphertext.b.equals(baseMul(messageScalar(m)).add(mul(key, nonce)))) {
    throw new InvalidWitness("the nonce and value do not match the ciphertext");
  }
  return proveRangeTrusted(ctx, key, ciphertext, m, nonce, lo, hi, rng);
}

/**
 * The range prover for a witness the caller has just made itself (encryptQuestion): no re-check.
 * `key` is a prepared point, m, r, lo, hi bigints with lo ≤ m ≤ hi.
 */
export function proveRangeTrusted(ctx, key, ciphertext, m, r, lo, hi, rng) {
  const source = nonceSource(rng);
  const w = source.draw();
  const fake = new Map();
  for (let j = lo; j <= hi; j++) {
    if (j !== m) {
      const c = source.draw();
      fake.set(j, { c, s: source.draw() });
    }
  }
  const parts = [ctx, key, ciphertext.a, ciphertext.b, int8(lo), int8(hi)];
  let fakeSum = 0n;
  for (let j = lo; j <= hi; j++) {
    if (j === m) {
      parts.push(baseMul(w), mul(key, w));
    } else {
      const { c, s } = fake.get(j);
      const t = mod(s - c * r);
      fakeSum += c;
      parts.push(baseMul(t), mul(key, t).add(baseMul(mod(c * (j - m)))));
    }
  }
  const challenge = hashToScalar("range", ...parts);
  const cm = mod(challenge - fakeSum);
  const sm = mod(w + cm * r);
  const cs = [];
  const ss = [];
  for (let j = lo; j <= hi; j++) {
    const entry = j === m ? { c: cm, s: sm } : fake.get(j);
    cs.push(entry.c);
    ss.push(entry.s);
  }
  return { c: cs, s: ss };
}

// A verifier multiplies A and B once per branch; for wide ranges a small window table pays off.
const WIDE_RANGE = 6;

function withTable(point) {
  return point.add(IDENTITY).precompute(4, true);
}

/** Accept iff Σ c_j = H("range", ctx, X, A, B, a, b, T_a, U_a, …); otherwise InvalidProof. */
export function verifyRange(ctx, publicKey, ciphertext, low, high, proof) {
  assertBytes(ctx, "the context");
  assertPoint(publicKey, "the public key");
  const [lo, hi] = rangeBounds(low, high, InvalidProof);
  const width = Number(hi - lo) + 1;
  if (
    proof === null ||
    typeof proof !== "object" ||
    !Array.isArray(proof.c) ||
    !Array.isArray(proof.s) ||
    proof.c.length !== width ||
    proof.s.length !== width
  ) {
    throw new InvalidProof(`range proof for ${lo}..${hi} must have ${width} challenges/responses`);
  }
  if (!proof.c.every(isScalar) || !proof.s.every(isScalar)) {
    throw new InvalidProof("range proof challenges and responses must be scalars");
  }
  const { a, b } = ciphertext;
  assertPoint(a, "ciphertext component A");
  assertPoint(b, "ciphertext component B");
  if (publicKey.is0()) throw new InvalidProof("the public key must not be the identity");
  if (a.is0()) throw new InvalidProof("ciphertext component A must not be the identity");
  const key = preparePoint(publicKey);
  const parts = [ctx, key, a, b, int8(lo), int8(hi)];
  let total = 0n;
  if (width >= WIDE_RANGE) {
    const aTable = withTable(a);
    const bTable = withTable(b);
    for (let i = 0; i < width; i++) {
      const c = proof.c[i];
      const s = proof.s[i];
      total += c;
      parts.push(baseMul(s).subtract(mulPublic(aTable, c)));
      const cj = mod(c * (lo + BigInt(i)));
      parts.push(mulPublic(key, s).subtract(mulPublic(bTable, c)).add(baseMul(cj)));
    }
  } else {
    let bj = lo === 0n ? b : b.subtract(baseMul(mod(lo)));
    for (let i = 0; i < width; i++) {
      const c = proof.c[i];
      const s = proof.s[i];
      total += c;
      parts.push(baseMul(s).subtract(mulPublic(a, c)));
      parts.push(mulPublic(key, s).subtract(mulPublic(bj, c)));
      if (i !== width - 1) bj = bj.subtract(generator());
    }
  }
  if (mod(total) !== hashToScalar("range", ...parts)) {
    throw new InvalidProof(`range proof for ${lo}..${hi} does not verify`);
  }
}

// -- §4.4 decryption share ----------------------------------------------------------------------

/** D = x_i·A with a proof against X_i = x_i·G (one nonce drawn); returns { share, proof }. */
export function proveDecryptionShare(ctx, secret, ciphertext, rng) {
  assertBytes(ctx, "the context");
  if (!isScalar(secret) || secret === 0n) throw new InvalidWitness("the secret share must be a non-zero scalar");
  const { a, b } = ciphertext;
  if (a.is0()) throw new InvalidWitness("cannot make a decryption share of a ciphertext with A = O");
  const verificationKey = baseMul(secret);
  const share = mul(a, secret);
  const w = nonceSource(rng).draw();
  const c = hashToScalar("decryption-share", ctx, verificationKey, a, b, share, baseMul(w), mul(a, w));
  return { share, proof: { c, s: mod(w + c * secret) } };
}

export function verifyDecryptionShare(ctx, verificationKey, ciphertext, share, proof) {
  assertBytes(ctx, "the context");
  assertPoint(verificationKey, "the verification key");
  assertPoint(share, "the decryption share");
  const { a, b } = ciphertext;
  if (verificationKey.is0() || a.is0() || share.is0()) {
    throw new InvalidProof("verification key, A and decryption share must not be the identity");
  }
  if (!pairIsWellFormed(proof)) throw new InvalidProof("decryption share proof must be two scalars");
  const { c, s } = proof;
  const t1 = baseMul(s).subtract(mulPublic(verificationKey, c));
  const t2 = mulPublic(a, s).subtract(mulPublic(share, c));
  if (hashToScalar("decryption-share", ctx, verificationKey, a, b, share, t1, t2) !== c) {
    throw new InvalidProof("decryption share proof does not verify");
  }
}

