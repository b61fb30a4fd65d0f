// Exponential ElGamal over ristretto255 (protocol §3).
//
// A message m is encrypted as (A, B) = (rG, mG + rX), so ciphertexts add up to an encryption of
// the sum of their messages; decryption gives the point M = B − xA = mG, and the small m is found
// by the tally's discrete logarithm. A ciphertext is { a, b } (points); a key pair is
// { secret, public } (bigint, point). Components may be the identity (a homomorphic sum).

import { InvalidKey, InvalidWitness } from "./errors.js";
import { IDENTITY, ORDER, baseMul, mul, preparePoint } from "./group.js";
import { nonceSource } from "./random.js";

/** A message as a bigint in [0, ℓ), or InvalidWitness. */
export function messageScalar(message) {
  const m = typeof message === "number" && Number.isSafeInteger(message) ? BigInt(message) : message;
  if (typeof m !== "bigint" || m < 0n || m >= ORDER) {
    throw new InvalidWitness("an ElGamal message must be an integer in [0, ℓ)");
  }
  return m;
}

/** Draw x (one nonce) and return { secret: x, public: xG }. */
export function generateKeyPair(rng) {
  const secret = nonceSource(rng).draw();
  if (secret === 0n) throw new InvalidKey("a secret key must not be zero");
  return { secret, public: baseMul(secret) };
}

/** (rG, mG + rX) for a given nonce r ≠ 0. */
export function encryptWithNonce(publicKey, message, nonce) {
  const m = messageScalar(message);
  if (typeof nonce !== "bigint" || nonce <= 0n || nonce >= ORDER) {
    throw new InvalidWitness("an encryption nonce must be a non-zero scalar");
  }
  // Under X = O the message would be in the clear (B = mG).
  if (publicKey.is0()) throw new InvalidKey("the public key must not be the identity");
  const key = preparePoint(publicKey);
  return { a: baseMul(nonce), b: baseMul(m).add(mul(key, nonce)) };
}

/** Encrypt with one fresh nonce; returns { ciphertext, nonce }. */
export function encrypt(publicKey, message, rng) {
  const nonce = nonceSource(rng).draw();
  return { ciphertext: encryptWithNonce(publicKey, message, nonce), nonce };
}

/** Componentwise sum; the empty sum is (O, O), an encryption of 0. */
export function addCiphertexts(ciphertexts) {
  let a = IDENTITY;
  let b = IDENTITY;
  let first = true;
  for (const ct of ciphertexts) {
    if (first) {
      ({ a, b } = ct);
      first = false;
    } else {
      a = a.add(ct.a);
      b = b.add(ct.b);
    }
  }
  return { a, b };
}

/** (A + r'G, B + r'X) with one fresh nonce r'; returns { ciphertext, nonce }. */
export function rerandomise(publicKey, ciphertext, rng) {
  const nonce = nonceSource(rng).draw();
  const key = preparePoint(publicKey);
  return {
    ciphertext: { a: ciphertext.a.add(baseMul(nonce)), b: ciphertext.b.add(mul(key, nonce)) },
    nonce,
  };
}

/** M = B − xA (the identity for a zero message). */
export function decryptToPoint(secretKey, ciphertext) {
  return ciphertext.b.subtract(mul(ciphertext.a, secretKey));
}
