// RFC 9474 blind RSA signatures, client side, variant RSABSSA-SHA384-PSS-Randomized (protocol §7).
//
// The browser prepares its message (a fresh 32-byte prefix), blinds it, sends the blinded message
// to the credential server, and finalizes the server's blind signature into a standard RSASSA-PSS
// signature (SHA-384, MGF1-SHA-384, 48-byte salt) over prefix || message. Blinding and finalizing
// are @cloudflare/blindrsa-ts; this module adds key import from the protocol's
// {"pem": SubjectPublicKeyInfo} form, the key policy (≥ 3072 bits, e = 65537) and our error
// classes. The library uses WebCrypto (crypto.subtle): only in secure contexts (HTTPS, localhost,
// .onion in Tor Browser). It draws the salt and the blinding factor r from crypto.getRandomValues;
// tests that replay RFC vectors replace that function for the duration of a call.

import { BlindRSA, Params } from "@cloudflare/blindrsa-ts";
import { concatBytes, isBytes } from "./bytes.js";
import { CryptoError, InvalidKey, InvalidSignature } from "./errors.js";
import { randomBytes } from "./random.js";

export const PREFIX_LENGTH = 32;
export const SALT_LENGTH = 48;
export const MIN_MODULUS_BITS = 3072;
const ALGORITHM = { name: "RSA-PSS", hash: "SHA-384" };

const suite = new BlindRSA({ ...Params.RSABSSA_SHA384_PSS_Randomized, supportsRSARAW: false });

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new CryptoError("WebCrypto is unavailable: the page must be served over HTTPS (or localhost)");
  return s;
}

function pemBody(pem) {
  const match = /^\s*-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----\s*$/.exec(pem);
  if (match === null) throw new InvalidKey("not a SubjectPublicKeyInfo PEM public key");
  const binary = atob(match[1].replace(/\s+/g, ""));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/**
 * Import {"pem": …} (or a PEM string) as a blind RSA public key: { pem, key (CryptoKey), bits }.
 * Refuses keys under 3072 bits or with an exponent other than 65537 (InvalidKey).
 */
export async function importPublicKey(pemOrJson) {
  const pem = typeof pemOrJson === "string" ? pemOrJson : pemOrJson?.pem;
  if (typeof pem !== "string") throw new InvalidKey("a blind RSA public key travels as {\"pem\": …}");
  let key;
  try {
    key = await subtle().importKey("spki", pemBody(pem), ALGORITHM, true, ["verify"]);
  } catch (error) {
    if (error instanceof CryptoError) throw error;
    throw new InvalidKey(`not an RSA public key: ${error.message}`);
  }
  const { modulusLength, publicExponent } = key.algorithm;
  const exponent = publicExponent.reduce((acc, byte) => acc * 256 + byte, 0);
  if (modulusLength < MIN_MODULUS_BITS) throw new InvalidKey(`blind RSA keys must have at least ${MIN_MODULUS_BITS} bits`);
  if (exponent !== 65537) throw new InvalidKey("the public exponent must be 65537");
  return { pem, key, bits: modulusLength };
}

/** RFC 9474 PrepareRandomize: prefix || message with a fresh 32-byte prefix (given only by tests). */
export function prepare(message, { prefix } = {}) {
  if (!isBytes(message)) throw new TypeError("the message must be bytes (Uint8Array)");
  const msgPrefix = prefix === undefined ? randomBytes(PREFIX_LENGTH) : prefix;
  if (!isBytes(msgPrefix) || msgPrefix.length !== PREFIX_LENGTH) {
    throw new CryptoError(`the message prefix must be ${PREFIX_LENGTH} bytes`);
  }
  return concatBytes(msgPrefix, message);
}

/** RFC 9474 Blind: { blindedMessage, inv } (both modulus-length bytes); keep inv secret. */
export async function blind(publicKey, preparedMessage) {
  try {
    const { blindedMsg, inv } = await suite.blind(publicKey.key, preparedMessage);
    return { blindedMessage: blindedMsg, inv };
  } catch (error) {
    throw new CryptoError(`blinding failed: ${error.message}`);
  }
}

/** RFC 9474 Finalize: unblind and verify; InvalidSignature on a bad server reply. */
export async function finalize(publicKey, preparedMessage, blindSignature, inv) {
  try {
    return await suite.finalize(publicKey.key, preparedMessage, blindSignature, inv);
  } catch (error) {
    throw new InvalidSignature(`blind RSA signature does not verify (${error.message})`);
  }
}

/** Standard RSASSA-PSS verification (SHA-384, MGF1-SHA-384, 48-byte salt). */
export async function verify(publicKey, preparedMessage, signature) {
  const ok = await subtle().verify({ name: "RSA-PSS", saltLength: SALT_LENGTH }, publicKey.key, signature, preparedMessage);
  if (!ok) throw new InvalidSignature("blind RSA signature does not verify");
}
