// The trustee key file in the browser (docs/elections.md §6.1), byte-compatible with
// voting/trustee/keyfile.py: PBKDF2-HMAC-SHA256 (600,000 iterations) derives an AES-256-GCM key
// from the passphrase; the secrets' canonical JSON is the plaintext; the canonical JSON of every
// other member is the associated data. Only WebCrypto is used: no extra code to download.

import { bytesToHex, hexToBytes, utf8 } from "../../crypto/bytes.js";
import { canonicalJson, parseJson } from "../../crypto/json.js";
import { randomBytes } from "../../crypto/random.js";
import { fromJson, toJson } from "../../crypto/serialization.js";

export const FORMAT = "mashwara/v1/trustee-key";
export const KDF = "PBKDF2-HMAC-SHA256";
export const CIPHER = "AES-256-GCM";
export const ITERATIONS = 600000;
export const MIN_ITERATIONS = 100000;
export const MAX_ITERATIONS = 10000000;
export const MIN_PASSPHRASE = 12;
const HEADER_KEYS = ["cipher", "ceremony_context", "election", "format", "kdf", "threshold", "trustee"];

export class KeyFileError extends Error {
  /** `code` names the common cases the page translates (`keyfile_<code>`). */
  constructor(message, code = "") {
    super(message);
    this.code = code;
  }
}

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new KeyFileError("WebCrypto is unavailable: open this page over HTTPS or .onion");
  return s;
}

async function deriveKey(passphrase, salt, iterations) {
  const base = await subtle().importKey("raw", utf8(passphrase), "PBKDF2", false, ["deriveKey"]);
  return subtle().deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
}

/**
 * Seal { election (32 hex), ceremonyContext (bytes), threshold, secrets, issuerKey (PKCS#8 DER
 * bytes of the trustee's RSA issuer key, docs/elections.md §3: an issuer's, trustees 1..k; null
 * beyond k, where the file holds none, protocol §7), cohortKeys ([{dimension, value,
 * key: PKCS#8 DER}], an issuer's keys per stated cohort value, protocol §12.2; absent or empty
 * otherwise) } under `passphrase`; returns the key file as JSON data.
 */
export async function sealKeyFile(key, passphrase, iterations = ITERATIONS) {
  if (typeof passphrase !== "string" || [...passphrase].length < MIN_PASSPHRASE) {
    throw new KeyFileError(`choose a passphrase of at least ${MIN_PASSPHRASE} characters`);
  }
  if (key.secrets.coefficients.length !== key.threshold) throw new KeyFileError("the secrets do not match the threshold");
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const header = {
    format: FORMAT,
    election: key.election,
    trustee: key.secrets.trustee,
    threshold: key.threshold,
    ceremony_context: bytesToHex(key.ceremonyContext),
    kdf: { name: KDF, iterations, salt: bytesToHex(salt) },
    cipher: { name: CIPHER, nonce: bytesToHex(nonce) },
  };
  const content = toJson("trusteeSecrets", key.secrets);
  if (key.issuerKey instanceof Uint8Array && key.issuerKey.length > 0) content.issuer_key = bytesToHex(key.issuerKey);
  else if (key.issuerKey != null || key.secrets.trustee <= key.threshold) throw new KeyFileError("the issuer key is missing: trustees 1..k are the issuers");
  // The cohort keys go in only when there are some: a key file of an election without
  // dimensions is byte for byte what it was.
  if (key.cohortKeys?.length) content.cohort_keys = checkCohortKeys(key.cohortKeys).map((k) => ({ dimension: k.dimension, value: k.value, key: bytesToHex(k.key) }));
  const plaintext = utf8(canonicalJson(content));
  const aes = await deriveKey(passphrase, salt, iterations);
  const ciphertext = await subtle().encrypt({ name: "AES-GCM", iv: nonce, additionalData: utf8(canonicalJson(header)) }, aes, plaintext);
  return { ...header, ciphertext: bytesToHex(new Uint8Array(ciphertext)) };
}

/** [{dimension, value, key}] with distinct stated values (d 1..3, v 1..8), ascending, each a non-empty DER. */
function checkCohortKeys(items) {
  if (!Array.isArray(items) || items.length > 24) throw new KeyFileError("the key file's cohort keys are malformed");
  let previous = 0;
  for (const item of items) {
    const order = Number.isSafeInteger(item?.dimension) && Number.isSafeInteger(item?.value) ? item.dimension * 16 + item.value : -1;
    if (item.dimension < 1 || item.dimension > 3 || item.value < 1 || item.value > 8 || order <= previous) {
      throw new KeyFileError("the key file's cohort keys are malformed");
    }
    if (!(item.key instanceof Uint8Array) || item.key.length === 0) throw new KeyFileError("the key file's cohort keys are malformed");
    previous = order;
  }
  return items;
}

function intIn(value, what, low, high) {
  if (!Number.isSafeInteger(value) || value < low || value > high) throw new KeyFileError(`${what} must be an integer from ${low} to ${high}`);
  return value;
}

function hex(value, what, length) {
  try {
    return hexToBytes(value, length);
  } catch {
    throw new KeyFileError(`${what} must be lowercase hex${length ? ` of ${length} bytes` : ""}`);
  }
}

/** Parse the file's text (any JSON layout). */
export function parseKeyFile(text) {
  try {
    return parseJson(text);
  } catch (error) {
    throw new KeyFileError(`the key file is not valid JSON: ${error.message}`, "not_a_key_file");
  }
}

/**
 * Check the file, derive the key, decrypt: { election, ceremonyContext, threshold, secrets,
 * issuerKey, cohortKeys }. issuerKey is null for a trustee beyond k, whose file holds none (a
 * file written when every trustee made one still opens, with its key).
 */
export async function openKeyFile(data, passphrase) {
  const keys = data && typeof data === "object" ? Object.keys(data).sort() : [];
  if (keys.join() !== [...HEADER_KEYS, "ciphertext"].sort().join()) throw new KeyFileError("this is not a Mashwara trustee key file", "not_a_key_file");
  if (data.format !== FORMAT) throw new KeyFileError(`unknown key file format ${JSON.stringify(data.format)}`);
  const { kdf, cipher } = data;
  if (!kdf || Object.keys(kdf).sort().join() !== "iterations,name,salt" || kdf.name !== KDF) throw new KeyFileError(`the key file must use ${KDF}`);
  if (!cipher || Object.keys(cipher).sort().join() !== "name,nonce" || cipher.name !== CIPHER) throw new KeyFileError(`the key file must use ${CIPHER}`);
  const iterations = intIn(kdf.iterations, "kdf.iterations", MIN_ITERATIONS, MAX_ITERATIONS);
  const salt = hex(kdf.salt, "kdf.salt", 16);
  const nonce = hex(cipher.nonce, "cipher.nonce", 12);
  hex(data.election, "election", 16);
  const trustee = intIn(data.trustee, "trustee", 1, 2 ** 32 - 1);
  const threshold = intIn(data.threshold, "threshold", 1, 1024);
  const ceremonyContext = hex(data.ceremony_context, "ceremony_context", 32);
  const header = Object.fromEntries(HEADER_KEYS.map((k) => [k, data[k]]));
  const aes = await deriveKey(passphrase, salt, iterations);
  let plaintext;
  try {
    plaintext = await subtle().decrypt({ name: "AES-GCM", iv: nonce, additionalData: utf8(canonicalJson(header)) }, aes, hex(data.ciphertext, "ciphertext"));
  } catch {
    throw new KeyFileError("wrong passphrase, or the key file was altered", "wrong_passphrase");
  }
  const content = parseJson(new TextDecoder().decode(plaintext));
  if (!content || typeof content !== "object" || Array.isArray(content)) throw new KeyFileError("the key file's contents are malformed");
  let issuerKey = null;
  if ("issuer_key" in content) {
    issuerKey = hex(content.issuer_key, "issuer_key");
    delete content.issuer_key;
  } else if (trustee <= threshold) {
    throw new KeyFileError("the key file's contents are malformed: the issuer key is missing: trustees 1..k are the issuers");
  }
  let cohortKeys = [];
  if ("cohort_keys" in content) {
    if (!Array.isArray(content.cohort_keys) || content.cohort_keys.length === 0) throw new KeyFileError("the key file's cohort keys are malformed");
    cohortKeys = checkCohortKeys(
      content.cohort_keys.map((item) => {
        if (!item || typeof item !== "object" || Object.keys(item).sort().join() !== "dimension,key,value") throw new KeyFileError("the key file's cohort keys are malformed");
        return { dimension: item.dimension, value: item.value, key: hex(item.key, "cohort key") };
      }),
    );
    delete content.cohort_keys;
  }
  const secrets = fromJson("trusteeSecrets", content);
  if (secrets.trustee !== trustee || secrets.coefficients.length !== threshold) {
    throw new KeyFileError("the key file's contents do not match its header");
  }
  return { election: data.election, ceremonyContext, threshold, secrets, issuerKey, cohortKeys };
}

/** The text written to disk (readable JSON; any layout is accepted back). */
export function keyFileText(data) {
  const sorted = Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]]));
  return JSON.stringify(sorted, null, 1) + "\n";
}
