// Shared helpers of the crypto tests (not a test file itself): hex, vector files, and a scoped
// replacement of crypto.getRandomValues for replaying blind RSA test vectors.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const VECTORS = `${ROOT}tests/crypto/vectors/`;

export const hex = (bytes) => Buffer.from(bytes).toString("hex");
export const unhex = (text) => new Uint8Array(Buffer.from(text, "hex"));
export const text = (s) => new TextEncoder().encode(s);

/** Parse a vector file; integers too large for a double become BigInt (as Python reads them). */
export function readVectors(name) {
  const source = readFileSync(VECTORS + name, "utf8");
  const marked = source.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"__big__$2"');
  return JSON.parse(marked, (_key, value) =>
    typeof value === "string" && value.startsWith("__big__") ? BigInt(value.slice(7)) : value,
  );
}

/**
 * Run `fn` with crypto.getRandomValues answering from `chunks` in order (each chunk must match the
 * requested length exactly), then restore it. Tests only: this is how the RFC 9474 vectors fix the
 * salt and the blinding factor that @cloudflare/blindrsa-ts draws internally. Nothing else may
 * draw while fn runs, so callers await it before doing anything else.
 */
export async function withRandomValues(chunks, fn) {
  const original = globalThis.crypto.getRandomValues;
  const queue = chunks.map((c) => Uint8Array.from(c));
  globalThis.crypto.getRandomValues = (array) => {
    const next = queue.shift();
    if (next === undefined || next.length !== array.byteLength) {
      throw new Error(`unexpected random draw of ${array.byteLength} bytes`);
    }
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(next);
    return array;
  };
  try {
    return await fn();
  } finally {
    globalThis.crypto.getRandomValues = original;
  }
}

function modPow(base, exponent, modulus) {
  let result = 1n;
  let b = base % modulus;
  for (let x = exponent; x > 0n; x >>= 1n) {
    if (x & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/**
 * The server's RSA private-key operation s = m^d mod n (with the CRT), for tests only: the library's
 * own blindSign does 4096-bit arithmetic in sjcl and takes seconds. Checks s^e = m like the server.
 */
export function rsaBlindSign({ n, e, d, p, q }, blindedMessage) {
  const m = BigInt("0x" + hex(blindedMessage));
  const sp = modPow(m, d % (p - 1n), p);
  const sq = modPow(m, d % (q - 1n), q);
  const qInv = modPow(q, p - 2n, p);
  const s = sq + q * ((((sp - sq) % p) + p) * qInv % p);
  if (modPow(s, e, n) !== m) throw new Error("signing failure");
  return unhex(s.toString(16).padStart(blindedMessage.length * 2, "0"));
}
