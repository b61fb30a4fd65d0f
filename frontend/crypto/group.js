// The ristretto255 group (RFC 9496) and its scalars, protocol §1.
//
// Points are @noble/curves RistrettoPoint values; scalars are bigints in [0, ℓ). Decoding from
// outside (decodePoint, pointFromHex, decodeScalar, scalarFromHex) validates everything: canonical
// encoding, a real group element (noble rejects non-canonical field elements, negative s and a set
// top bit), the identity only with { allowIdentity: true }, scalars below ℓ. Encodings are cached
// per point object, so hashing the same point twice costs one encoding. Multiplications by a
// secret scalar use noble's constant-time kernels; the generator and prepared public keys
// (preparePoint) carry precomputed window tables, which is what makes in-browser proving fast.

import { ristretto255 } from "@noble/curves/ed25519.js";
import { bytesToHex, hexToBytes, isBytes } from "./bytes.js";
import { InvalidPoint, InvalidScalar } from "./errors.js";

export const Point = ristretto255.Point;

/** ℓ, the prime order of ristretto255. */
export const ORDER = Point.Fn.ORDER;
export const IDENTITY = Point.ZERO;
export const IDENTITY_BYTES = new Uint8Array(32);

/** Window width of the precomputed tables (G and prepared keys); see bench/browser_crypto.py. */
export const WINDOW = 8;

const encodings = new WeakMap();

/** Canonical 32-byte encoding, cached on the point object. Do not mutate the result. */
export function pointBytes(point) {
  let bytes = encodings.get(point);
  if (bytes === undefined) {
    if (!(point instanceof Point)) throw new TypeError("expected a ristretto255 point");
    bytes = point.toBytes();
    encodings.set(point, bytes);
  }
  return bytes;
}

/** A fresh copy of the canonical encoding. */
export function encodePoint(point) {
  return pointBytes(point).slice();
}

export function pointHex(point) {
  return bytesToHex(pointBytes(point));
}

function isZeroBytes(bytes) {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i];
  return acc === 0;
}

/** Strict RFC 9496 decoding; the identity (32 zero bytes) only with { allowIdentity: true }. */
export function decodePoint(bytes, { allowIdentity = false } = {}) {
  if (!isBytes(bytes) || bytes.length !== 32) throw new InvalidPoint("a point must be exactly 32 bytes");
  let point;
  try {
    point = Point.fromBytes(bytes);
  } catch {
    throw new InvalidPoint("not a canonical ristretto255 encoding");
  }
  if (isZeroBytes(bytes)) {
    if (!allowIdentity) throw new InvalidPoint("the identity element is not allowed here");
    return IDENTITY;
  }
  encodings.set(point, Uint8Array.from(bytes));
  return point;
}

export function pointFromHex(text, options = {}) {
  return decodePoint(hexToBytes(text, 32, InvalidPoint, "point"), options);
}

export function isIdentity(point) {
  return point.is0();
}

// -- scalars ------------------------------------------------------------------------------------

export function mod(value) {
  const r = value % ORDER;
  return r < 0n ? r + ORDER : r;
}

export function isScalar(value) {
  return typeof value === "bigint" && value >= 0n && value < ORDER;
}

export function assertScalar(value, what = "scalar") {
  if (!isScalar(value)) throw new InvalidScalar(`${what} must be an integer in [0, ℓ)`);
  return value;
}

/** 32 bytes little-endian. */
export function encodeScalar(value) {
  assertScalar(value);
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function bytesToNumberLE(bytes) {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** Decode 32 little-endian bytes; reject values ≥ ℓ (non-canonical). */
export function decodeScalar(bytes) {
  if (!isBytes(bytes) || bytes.length !== 32) throw new InvalidScalar("a scalar must be exactly 32 bytes");
  const value = bytesToNumberLE(bytes);
  if (value >= ORDER) throw new InvalidScalar("scalar encoding is not canonical (value ≥ ℓ)");
  return value;
}

export function scalarFromHex(text) {
  return decodeScalar(hexToBytes(text, 32, InvalidScalar, "scalar"));
}

export function scalarHex(value) {
  return bytesToHex(encodeScalar(value));
}

export function invertScalar(value) {
  if (mod(value) === 0n) throw new InvalidScalar("zero has no inverse modulo ℓ");
  return Point.Fn.inv(mod(value));
}

// -- multiplication -----------------------------------------------------------------------------

// Our own copy of the generator (not noble's shared BASE object), with a wide window table built
// on first use.
const GENERATOR = Point.fromBytes(Point.BASE.toBytes()).precompute(WINDOW, true);

export function generator() {
  return GENERATOR;
}

/** k·G for a (possibly secret) scalar 0 ≤ k < ℓ, constant-time table lookup. */
export function baseMul(k) {
  return k === 0n ? IDENTITY : GENERATOR.multiply(k);
}

/** k·P for a (possibly secret) scalar, constant-time kernel. */
export function mul(point, k) {
  return k === 0n ? IDENTITY : point.multiply(k);
}

/** k·P for public k (verification); variable-time. */
export function mulPublic(point, k) {
  return point.multiplyUnsafe(k);
}

/**
 * Build the window tables of G and of `publicKey` now (tens of milliseconds on a slow phone), so
 * that the first ballot the voter submits does not pay for them: call it when the ballot page loads.
 */
export function warmUp(publicKey = undefined) {
  GENERATOR.multiply(1n);
  if (publicKey !== undefined) preparePoint(publicKey).multiply(1n);
}

const PREPARED_LIMIT = 8;
const prepared = new Map();

/**
 * The same element with a precomputed window table, cached by encoding (a few entries): use it
 * for the election public key X, which every option of every question multiplies.
 */
export function preparePoint(point) {
  const key = pointHex(point);
  let ready = prepared.get(key);
  if (ready === undefined) {
    ready = Point.fromBytes(pointBytes(point)).precompute(WINDOW, true);
    encodings.set(ready, pointBytes(point));
    if (prepared.size >= PREPARED_LIMIT) prepared.delete(prepared.keys().next().value);
    prepared.set(key, ready);
  }
  return ready;
}
