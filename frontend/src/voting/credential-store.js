// The voter's credential once issued (docs/elections.md §3): checking it, keeping it in browser
// storage, and the credential code that carries it to another device. No blinding here: the
// ballot page loads this module without the blind RSA library.

import { bytesToHex, concatBytes, equalBytes, hexToBytes } from "../../crypto/bytes.js";
import { baseMul, decodeScalar, encodeScalar, pointHex, scalarFromHex, scalarHex } from "../../crypto/group.js";
import { CredentialTextError, extractCredentialCode } from "./credential-text.js";
import { importCohortKeys, importIssuers, verifyCredential, verifyLabels } from "./issuer.js";

const CODE_PREFIX = "mashwara-credential-2:";
const STORE = "mashwara/v1/credential/";
const PENDING = "mashwara/v1/credential-request/";

/**
 * `kind` says which check failed, for the voter's message: "format" (no code of a known format),
 * "election" (a code for another election), "corrupted" (damaged: a mistyped character changes
 * the bytes, so the signature check fails), "storage" (the browser stores nothing).
 */
export class CredentialError extends Error {
  constructor(message, kind = "corrupted") {
    super(message);
    this.kind = kind;
  }
}

/**
 * A stored credential is whole: P = kG, for this election, signed by `threshold` issuers, and
 * each cohort label signed by all of them under the keys of its value (protocol §12.3): a code
 * whose labels were altered is refused here, not at the ballot box.
 */
export async function verifyStored(manifest, fingerprint, stored) {
  if (stored.election !== bytesToHex(fingerprint)) throw new CredentialError("the credential is for another election", "election");
  const secret = scalarFromHex(stored.secret);
  if (secret === 0n || pointHex(baseMul(secret)) !== stored.credential.key) {
    throw new CredentialError("the credential key does not match its secret");
  }
  try {
    const issuers = await importIssuers(manifest);
    await verifyCredential(issuers, fingerprint, stored.credential);
    await verifyLabels(issuers, await importCohortKeys(manifest), manifest, fingerprint, stored.credential);
  } catch {
    throw new CredentialError("the credential's signatures do not verify: the code is damaged", "corrupted");
  }
  return stored;
}

/** For signBallot: { secret: bigint, credential }. */
export function signingCredential(stored) {
  return { secret: scalarFromHex(stored.secret), credential: stored.credential };
}

function toBase64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new CredentialError("the credential code is damaged");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

// -- the credential code --------------------------------------------------------------------------

/**
 * "mashwara-credential-2:" + base64url(fingerprint[0:8] ‖ k ‖ for each issuer signature, in
 * order: issuer (1 byte) ‖ prefix (32) ‖ RSA signature (that issuer's modulus length)), in lines
 * of 64 characters for printing. The code carries the secret: whoever holds it can vote. In an
 * election with cohort dimensions (docs/protocol.md §12) each label follows: dimension (1 byte) ‖
 * value (1 byte) ‖ its signatures as above (each under that issuer's key for the value).
 */
export function encodeCode(stored) {
  const signatureBytes = (s) => [Uint8Array.of(s.issuer), hexToBytes(s.prefix, 32), hexToBytes(s.signature)];
  const bytes = concatBytes(
    hexToBytes(stored.election, 32).subarray(0, 8),
    encodeScalar(scalarFromHex(stored.secret)),
    ...stored.credential.signatures.flatMap(signatureBytes),
    ...(stored.credential.cohorts ?? []).flatMap((l) => [Uint8Array.of(l.dimension, l.value), ...l.signatures.flatMap(signatureBytes)]),
  );
  const text = CODE_PREFIX + toBase64url(bytes);
  return text.match(/.{1,64}/g).join("\n");
}

/**
 * Read a code from any text that holds it (see extractCredentialCode) of an election whose
 * manifest is `manifest` (it says how many signatures there are and each issuer's modulus
 * length); the result still needs verifyStored.
 */
export function decodeCode(text, fingerprint, manifest) {
  let compact;
  try {
    compact = extractCredentialCode(text);
  } catch (error) {
    if (error instanceof CredentialTextError) throw new CredentialError("not a credential code", "format");
    throw error;
  }
  if (!compact.startsWith(CODE_PREFIX)) throw new CredentialError("not a credential code", "format");
  let bytes;
  try {
    bytes = fromBase64url(compact.slice(CODE_PREFIX.length));
  } catch {
    throw new CredentialError("the credential code is damaged");
  }
  if (bytes.length < 40) throw new CredentialError("the credential code is too short");
  if (!equalBytes(bytes.subarray(0, 8), fingerprint.subarray(0, 8))) {
    throw new CredentialError("this credential code is for another election", "election");
  }
  let secret;
  try {
    secret = decodeScalar(bytes.subarray(8, 40));
  } catch {
    throw new CredentialError("the credential code is damaged");
  }
  const lengths = new Map((manifest?.issuers?.keys ?? []).map((item) => [item.trustee, modulusBytes(item.pem)]));
  const signatures = [];
  let offset = 40;
  for (let i = 0; i < (manifest?.issuers?.threshold ?? 0); i++) {
    const issuer = bytes[offset];
    const length = lengths.get(issuer);
    if (length === undefined || offset + 33 + length > bytes.length) throw new CredentialError("the credential code is damaged");
    signatures.push({
      issuer,
      prefix: bytesToHex(bytes.subarray(offset + 1, offset + 33)),
      signature: bytesToHex(bytes.subarray(offset + 33, offset + 33 + length)),
    });
    offset += 33 + length;
  }
  const credential = { key: pointHex(baseMul(secret)), signatures };
  if (manifest?.cohorts) {
    credential.cohorts = [];
    while (offset < bytes.length) {
      const [dimension, value] = [bytes[offset], bytes[offset + 1]];
      const label = { dimension, value, signatures: [] };
      offset += 2;
      for (let i = 0; i < manifest.issuers.threshold; i++) {
        const issuer = bytes[offset];
        const key = (manifest.cohort_keys ?? []).find((k) => k.trustee === issuer && k.dimension === dimension && k.value === value);
        const length = key ? modulusBytes(key.pem) : undefined;
        if (length === undefined || offset + 33 + length > bytes.length) throw new CredentialError("the credential code is damaged");
        label.signatures.push({
          issuer,
          prefix: bytesToHex(bytes.subarray(offset + 1, offset + 33)),
          signature: bytesToHex(bytes.subarray(offset + 33, offset + 33 + length)),
        });
        offset += 33 + length;
      }
      credential.cohorts.push(label);
    }
  }
  if (offset !== bytes.length) throw new CredentialError("the credential code is damaged");
  return { election: bytesToHex(fingerprint), secret: scalarHex(secret), credential };
}

/**
 * The ballot's JSON as sent, padded with trailing spaces (JSON whitespace, which the ballot box
 * ignores) to the length it would have with a label in every dimension, each signed by every
 * issuer under its longest key of that dimension (docs/elections.md §4). A label adds about
 * 1.8 KB: without padding, the size of the encrypted request would tell a network observer how
 * many labels the voter's credential carries — and, where all but one value of a dimension are
 * merged, which value. Without dimensions the JSON is sent as it is.
 */
export function paddedBallot(manifest, ballot) {
  const text = JSON.stringify(ballot);
  if (!manifest?.cohorts || !ballot?.credential) return text;
  const issuers = manifest.issuers.threshold;
  const longest = (issuer, dimension) =>
    Math.max(...(manifest.cohort_keys ?? []).filter((k) => k.trustee === issuer && k.dimension === dimension).map((k) => modulusBytes(k.pem)), 0);
  const labels = manifest.cohorts.dimensions.map((dimension, index) => ({
    dimension: index + 1,
    value: dimension.values.length,
    signatures: Array.from({ length: issuers }, (_, i) => ({ issuer: i + 1, prefix: "0".repeat(64), signature: "0".repeat(2 * longest(i + 1, index + 1)) })),
  }));
  const full = JSON.stringify({ ...ballot, credential: { ...ballot.credential, cohorts: labels } });
  return text + " ".repeat(Math.max(0, full.length - text.length));
}

/** The modulus length in bytes of a SubjectPublicKeyInfo PEM RSA key (3072 bits → 384). */
function modulusBytes(pem) {
  // The modulus is the first INTEGER of the RSAPublicKey inside the SPKI's BIT STRING; for the
  // key sizes in use its length is encoded in two bytes after 0x02 0x82, with a leading zero.
  const der = Uint8Array.from(atob(String(pem).replace(/-----[A-Z ]+-----|\s+/g, "")), (ch) => ch.charCodeAt(0));
  for (let i = 0; i + 4 < der.length; i++) {
    if (der[i] === 0x02 && der[i + 1] === 0x82) {
      const length = (der[i + 2] << 8) | der[i + 3];
      return der[i + 4] === 0 ? length - 1 : length;
    }
  }
  throw new CredentialError("an issuer key is malformed");
}

// -- browser storage --------------------------------------------------------------------------------

function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (private mode on some browsers)
  }
}

function read(key) {
  const text = storage()?.getItem(key);
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function write(key, value) {
  const store = storage();
  if (!store) throw new CredentialError("this browser does not let the page store anything", "storage");
  store.setItem(key, JSON.stringify(value));
}

export const loadCredential = (fingerprintHex) => read(STORE + fingerprintHex);
export const saveCredential = (stored) => write(STORE + stored.election, stored);
export const removeCredential = (fingerprintHex) => storage()?.removeItem(STORE + fingerprintHex);
export const loadPending = (fingerprintHex) => read(PENDING + fingerprintHex);
export const savePending = (pending) => write(PENDING + pending.election, pending);
export const removePending = (fingerprintHex) => storage()?.removeItem(PENDING + fingerprintHex);
