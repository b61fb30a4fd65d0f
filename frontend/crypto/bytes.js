// Byte-level helpers shared by the crypto modules: strict lowercase hex, concatenation, the
// 8-byte big-endian integers and UTF-8 strings that go inside hashes (protocol §1), and a
// constant-time comparison. Nothing here knows about the group.

import { InvalidEncoding } from "./errors.js";

const HEX = "0123456789abcdef";
const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => HEX[i >> 4] + HEX[i & 15]);
const INT_LIMIT = 1n << 64n;
const encoder = new TextEncoder();

export function bytesToHex(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]];
  return out;
}

/**
 * Strict hex (protocol §1): lowercase, no prefix, exactly `length` bytes when given.
 * `ErrorClass` lets callers raise InvalidPoint/InvalidScalar with their own wording.
 */
export function hexToBytes(text, length = undefined, ErrorClass = InvalidEncoding, what = "hex") {
  if (typeof text !== "string") throw new ErrorClass(`${what} must be a string of lowercase hex`);
  if (length !== undefined && text.length !== 2 * length) {
    throw new ErrorClass(`${what} must be ${2 * length} lowercase hex characters`);
  }
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new ErrorClass(`${what} must be lowercase hex without prefix`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

export function concatBytes(...parts) {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text) {
  return encoder.encode(text);
}

/** An integer 0 … 2^64 − 1 (number or bigint) as 8 bytes big-endian (protocol §1). */
export function int8(value) {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError("integers inside hashes must be whole numbers");
    value = BigInt(value);
  }
  if (typeof value !== "bigint" || value < 0n || value >= INT_LIMIT) {
    throw new RangeError("integers inside hashes must fit in 8 unsigned bytes");
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}

/** A 4-byte big-endian length prefix (protocol §2 framing). */
export function uint32(value) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/** Comparison whose running time does not depend on where the inputs differ. */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function xorBytes(a, b) {
  if (a.length !== b.length) throw new RangeError("xor of byte strings of different lengths");
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

export function isBytes(value) {
  return value instanceof Uint8Array;
}
