// The protocol hash (protocol §2): H(label, p1 … pn) = SHA-512(frame("mashwara/v1/" || label) ||
// frame(p1) || … || frame(pn)) read as a 64-byte little-endian integer reduced mod ℓ, where
// frame(x) = 4-byte big-endian length || x. Parts are raw bytes, UTF-8 strings or points;
// integers and scalars must be encoded explicitly (int8, encodeScalar) so that no value can be
// hashed under the wrong encoding by accident.

import { sha512 } from "@noble/hashes/sha2.js";
import { isBytes, uint32, utf8 } from "./bytes.js";
import { Point, bytesToNumberLE, mod, pointBytes } from "./group.js";

export const DOMAIN = "mashwara/v1/";

/** frame(x) = len(x) as 4-byte big-endian || x. */
export function frame(bytes) {
  const out = new Uint8Array(4 + bytes.length);
  out.set(uint32(bytes.length), 0);
  out.set(bytes, 4);
  return out;
}

function partBytes(part) {
  if (isBytes(part)) return part;
  if (typeof part === "string") return utf8(part);
  if (part instanceof Point) return pointBytes(part);
  throw new TypeError(
    "hash parts are bytes, strings or points; encode integers with int8() and scalars with encodeScalar()",
  );
}

/** SHA-512 over the framed label and parts (the raw 64-byte digest). */
export function framedDigest(label, parts) {
  const hash = sha512.create();
  const tag = utf8(DOMAIN + label);
  hash.update(uint32(tag.length)).update(tag);
  for (const part of parts) {
    const bytes = partBytes(part);
    hash.update(uint32(bytes.length)).update(bytes);
  }
  return hash.digest();
}

/** H(label, p1, …, pn) as a scalar (bigint mod ℓ). */
export function hashToScalar(label, ...parts) {
  return mod(bytesToNumberLE(framedDigest(label, parts)));
}
