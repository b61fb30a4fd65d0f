// The issuers in the browser (docs/elections.md §3, protocol §7, §12): checking their signatures
// on a credential and its cohort labels with WebCrypto alone, and, on the trustee page, the
// issuer's own side — its RSA keys (the credential key and, in an election with cohort
// dimensions, one per stated value), their proofs of possession, the blind signatures of its
// queue and its signed ledger. Every signature is a plain RSASSA-PSS one (SHA-384, MGF1-SHA-384,
// 48-byte salt) over its own prefix ‖ the message. The pages that only verify credentials
// (ballot, trustee) do not need the blinding library; only the credential page loads
// frontend/crypto/blindrsa.js.

import { bytesToHex, concatBytes, hexToBytes, int8, utf8 } from "../../crypto/bytes.js";
import { frame } from "../../crypto/hash.js";
import { canonicalJson } from "../../crypto/json.js";
import { labelMessage } from "./cohorts.js";
import { credentialMessage } from "./election.js";

const ALGORITHM = { name: "RSA-PSS", hash: "SHA-384" };
const subtle = () => globalThis.crypto.subtle;

export class IssuerError extends Error {}

/** SubjectPublicKeyInfo DER of a PEM public key. */
export function pemToDer(pem) {
  const match = /^\s*-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----\s*$/.exec(pem ?? "");
  if (match === null) throw new IssuerError("the issuer key is not a PEM public key");
  return Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (ch) => ch.charCodeAt(0));
}

/** A {"pem": SubjectPublicKeyInfo} as a CryptoKey (≥ 3072 bits, e = 65537). */
export async function importIssuer(issuerPublicKey) {
  const der = pemToDer(issuerPublicKey?.pem);
  const key = await subtle().importKey("spki", der, ALGORITHM, true, ["verify"]);
  const exponent = key.algorithm.publicExponent.reduce((acc, byte) => acc * 256 + byte, 0);
  if (key.algorithm.modulusLength < 3072 || exponent !== 65537) throw new IssuerError("the issuer key is too weak");
  return key;
}

/**
 * The manifest's issuers: { threshold, keys: Map(index → CryptoKey), lengths: Map(index → modulus
 * bytes), pems: Map(index → PEM) }: one key for each of trustees 1..k (k the trustees' threshold),
 * in order; a credential carries the signatures of all of them (docs/protocol.md §7).
 */
export async function importIssuers(manifest) {
  const issuers = manifest?.issuers;
  const names = manifest?.trustees?.names ?? [];
  if (!issuers || !Array.isArray(issuers.keys) || issuers.keys.length !== issuers.threshold || issuers.threshold > names.length || issuers.threshold !== manifest.trustees.threshold) {
    throw new IssuerError("the manifest's issuers are malformed");
  }
  const keys = new Map();
  const lengths = new Map();
  const pems = new Map();
  for (const [i, item] of issuers.keys.entries()) {
    if (item?.trustee !== i + 1) throw new IssuerError("the manifest's issuers are malformed");
    const key = await importIssuer(item);
    keys.set(i + 1, key);
    lengths.set(i + 1, key.algorithm.modulusLength / 8);
    pems.set(i + 1, item.pem);
  }
  return { threshold: issuers.threshold, keys, lengths, pems };
}

/** The stated values [[d, v], …] of a definition's `cohorts` member, in order (protocol §12.1). */
export function statedValues(cohorts) {
  return (cohorts?.dimensions ?? []).flatMap((dimension, d) => dimension.values.map((_, v) => [d + 1, v + 1]));
}

const valueKey = (issuer, dimension, value) => `${issuer}:${dimension}:${value}`;

/**
 * The manifest's cohort keys as Map("i:d:v" → CryptoKey): one per issuer 1..k and stated value,
 * sorted by (i, d, v) (protocol §12.2); empty for an election without dimensions.
 */
export async function importCohortKeys(manifest) {
  const keys = new Map();
  if (!manifest?.cohorts) return keys;
  const expected = [];
  for (let i = 1; i <= manifest.issuers.threshold; i++) for (const [d, v] of statedValues(manifest.cohorts)) expected.push([i, d, v]);
  const items = manifest.cohort_keys;
  if (!Array.isArray(items) || items.length !== expected.length) throw new IssuerError("the manifest's cohort keys are malformed");
  for (const [n, [i, d, v]] of expected.entries()) {
    const item = items[n];
    if (item?.trustee !== i || item.dimension !== d || item.value !== v) throw new IssuerError("the manifest's cohort keys are malformed");
    keys.set(valueKey(i, d, v), await importIssuer(item));
  }
  return keys;
}

async function verifySignatures(keyOf, threshold, message, signatures, what) {
  if (!Array.isArray(signatures) || signatures.length !== threshold) throw new IssuerError(`${what} has the wrong number of issuer signatures`);
  for (const [n, item] of signatures.entries()) {
    const key = item?.issuer === n + 1 ? keyOf(item.issuer) : undefined;
    if (key === undefined) throw new IssuerError(`${what}: its signatures are not those of issuers 1..${threshold}, in order`);
    const prepared = concatBytes(hexToBytes(item.prefix, 32), message);
    const ok = await subtle().verify({ name: "RSA-PSS", saltLength: 48 }, key, hexToBytes(item.signature), prepared);
    if (!ok) throw new IssuerError(`${what}: issuer ${item.issuer}'s RSA signature does not verify`);
  }
}

/** Throw IssuerError unless `credential` ({key, signatures}) carries the signatures of all `threshold` issuers, ascending. */
export async function verifyCredential(issuers, fingerprint, credential) {
  const message = credentialMessage(fingerprint, hexToBytes(credential?.key, 32));
  await verifySignatures((i) => issuers.keys.get(i), issuers.threshold, message, credential.signatures, "the credential");
}

/**
 * Throw IssuerError unless the credential's `cohorts` member is what protocol §12.3 allows: present
 * exactly when the election has dimensions; at most one label per dimension, ascending, stated
 * values only, each signed by all `threshold` issuers under their keys for that value.
 */
export async function verifyLabels(issuers, cohortKeys, manifest, fingerprint, credential) {
  const labels = credential?.cohorts;
  if (!manifest.cohorts) {
    if (labels !== undefined) throw new IssuerError("the credential has cohort labels in an election without dimensions");
    return;
  }
  if (!Array.isArray(labels)) throw new IssuerError("the credential has no cohorts member");
  let previous = 0;
  for (const label of labels) {
    const d = label?.dimension;
    const v = label?.value;
    const values = manifest.cohorts.dimensions[d - 1]?.values.length ?? 0;
    if (!Number.isSafeInteger(d) || d <= previous || !Number.isSafeInteger(v) || v < 1 || v > values) {
      throw new IssuerError("the credential's cohort labels are not stated values of distinct dimensions, ascending");
    }
    previous = d;
    const message = labelMessage(fingerprint, hexToBytes(credential.key, 32), d, v);
    await verifySignatures((i) => cohortKeys.get(valueKey(i, d, v)), issuers.threshold, message, label.signatures, `the label of dimension ${d}`);
  }
}

// -- the issuer's own keys (trustees 1..k: docs/elections.md §6, protocol §7, §12.2) --------------

/** A fresh RSA-3072 (e = 65537) key made in this browser: its PKCS#8 DER bytes. */
export async function newIssuerKey() {
  const pair = await subtle().generateKey({ ...ALGORITHM, modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]) }, true, ["sign", "verify"]);
  return new Uint8Array(await subtle().exportKey("pkcs8", pair.privateKey));
}

/**
 * One fresh key per stated value `values` ([[d, v], …]), made one after the other:
 * [{dimension, value, key: PKCS#8 DER}]. `onProgress(done, total)` after each (RSA-3072 takes
 * up to a second or more on a phone, and an issuer may need 24 of them).
 */
export async function newCohortKeys(values, onProgress = () => {}) {
  const out = [];
  for (const [dimension, value] of values) {
    out.push({ dimension, value, key: await newIssuerKey() });
    await onProgress(out.length, values.length);
  }
  return out;
}

/** frame("mashwara/v1/issuer-key") ‖ frame(cc) ‖ frame(int(i)): what the proof of possession signs. */
export function issuerKeyMessage(ceremonyContext, index) {
  return concatBytes(frame(utf8("mashwara/v1/issuer-key")), frame(ceremonyContext), frame(int8(index)));
}

/** frame("mashwara/v1/cohort-key") ‖ frame(cc) ‖ frame(int(i)) ‖ frame(int(d)) ‖ frame(int(v)) (protocol §12.2). */
export function cohortKeyMessage(ceremonyContext, index, dimension, value) {
  return concatBytes(frame(utf8("mashwara/v1/cohort-key")), frame(ceremonyContext), frame(int8(index)), frame(int8(dimension)), frame(int8(value)));
}

const privateKey = (der) => subtle().importKey("pkcs8", der, ALGORITHM, true, ["sign"]);

async function pssSign(der, message) {
  return bytesToHex(new Uint8Array(await subtle().sign({ name: "RSA-PSS", saltLength: 48 }, await privateKey(der), message)));
}

/** The modulus (JWK `n`, base64url) of a PKCS#8 key or of a CryptoKey: to compare two keys. */
export async function modulusOf(key) {
  return (await subtle().exportKey("jwk", key instanceof Uint8Array ? await privateKey(key) : key)).n;
}

/** The public half of a PKCS#8 key as SubjectPublicKeyInfo PEM. */
export async function publicPem(der) {
  const jwk = await subtle().exportKey("jwk", await privateKey(der));
  const publicKey = await subtle().importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "PS384", ext: true }, ALGORITHM, true, ["verify"]);
  const spki = new Uint8Array(await subtle().exportKey("spki", publicKey));
  const base64 = btoa(String.fromCharCode(...spki));
  return `-----BEGIN PUBLIC KEY-----\n${base64.match(/.{1,64}/g).join("\n")}\n-----END PUBLIC KEY-----\n`;
}

/** The issuer's public key as SubjectPublicKeyInfo PEM. */
export const issuerPublicPem = (key) => publicPem(key.issuerKey);

/** {"pem", "proof"}: the announced issuer key and its proof of possession (elections §6). */
export async function issuerKeyAnnouncement(key) {
  return { pem: await publicPem(key.issuerKey), proof: await pssSign(key.issuerKey, issuerKeyMessage(key.ceremonyContext, key.secrets.trustee)) };
}

/** [{"dimension", "value", "pem", "proof"}]: the announced cohort keys with their proofs of possession (protocol §12.2). */
export async function cohortKeyAnnouncements(key) {
  const out = [];
  for (const { dimension, value, key: der } of key.cohortKeys ?? []) {
    const proof = await pssSign(der, cohortKeyMessage(key.ceremonyContext, key.secrets.trustee, dimension, value));
    out.push({ dimension, value, pem: await publicPem(der), proof });
  }
  return out;
}

// -- signing the queue (docs/elections.md §3) ---------------------------------------------------------

/** A queue item the issuer does not sign, with a code the page translates (`refusal_<code>`). */
export class RequestRefused extends IssuerError {
  constructor(code, params = {}) {
    super(code);
    this.code = code;
    this.params = params;
  }
}

const fromB64url = (text) => BigInt(`0x${bytesToHex(Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))) || "0"}`);

function modPow(base, exponent, modulus) {
  let result = 1n;
  base %= modulus;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
    exponent >>= 1n;
  }
  return result;
}

/** An RSA signer with the CRT from a PKCS#8 key: blindSign(hex) → hex (RFC 9474 BlindSign). */
export async function rsaSigner(der) {
  const jwk = await subtle().exportKey("jwk", await privateKey(der));
  const [n, e, p, q, dp, dq, qi] = ["n", "e", "p", "q", "dp", "dq", "qi"].map((name) => fromB64url(jwk[name]));
  const length = (n.toString(16).length + 1) >> 1;
  return {
    blindSign(blindedHex) {
      if (typeof blindedHex !== "string" || blindedHex.length !== 2 * length || !/^[0-9a-f]+$/.test(blindedHex) || BigInt(`0x${blindedHex}`) >= n) {
        throw new RequestRefused("blinded_misfit");
      }
      const m = BigInt(`0x${blindedHex}`);
      const sp = modPow(m % p, dp, p);
      const sq = modPow(m % q, dq, q);
      const h = (qi * (((sp - sq) % p) + p)) % p;
      const s = sq + h * q;
      if (modPow(s, e, n) !== m) throw new Error("signing failure: the RSA result does not verify");
      return s.toString(16).padStart(2 * length, "0");
    },
  };
}

/**
 * The issuer's signers: `blindSign` with its credential key and `labels`, Map("d:v" → signer), one
 * per cohort key of its key file.
 */
export async function issuerSigner(key) {
  const signer = await rsaSigner(key.issuerKey);
  signer.labels = new Map();
  for (const { dimension, value, key: der } of key.cohortKeys ?? []) signer.labels.set(`${dimension}:${value}`, await rsaSigner(der));
  return signer;
}

/**
 * The blind signatures of one queued request's labels, each with the key of its (d, v)
 * (protocol §12.3). Refused: a label of a value this issuer holds no key for, or two labels of
 * one dimension (a voter would then hold both values and pick one when casting).
 */
function signLabels(signer, item) {
  if (!Array.isArray(item.labels)) throw new RequestRefused("labels_malformed");
  const dimensions = new Set();
  for (const label of item.labels) {
    if (label === null || typeof label !== "object") throw new RequestRefused("labels_malformed");
    if (dimensions.has(label.dimension)) throw new RequestRefused("label_twice", { dimension: label.dimension });
    dimensions.add(label.dimension);
    if (!signer.labels.has(`${label.dimension}:${label.value}`)) {
      throw new RequestRefused("label_no_key", { dimension: label.dimension, value: label.value });
    }
  }
  return item.labels.map((label) => signer.labels.get(`${label.dimension}:${label.value}`).blindSign(label.blinded_message));
}

/**
 * The signatures for a queue (GET …/issuer/queue): `message` to post, `signed` ([request, roll
 * id] for the ledger) and `refused` ([{request, code, params}]: requests left unsigned, neither
 * their credential nor their labels).
 */
export function signQueue(signer, queue) {
  const signatures = [];
  const signed = [];
  const refused = [];
  for (const item of queue.requests) {
    try {
      const answer = { request: item.request, blind_signature: signer.blindSign(item.blinded_message) };
      if ("labels" in item) answer.labels = signLabels(signer, item);
      signatures.push(answer);
      signed.push([item.request, item.roll_id]);
    } catch (error) {
      if (!(error instanceof RequestRefused)) throw error;
      refused.push({ request: item.request, code: error.code, params: { ...error.params, request: item.request } });
    }
  }
  return { message: { signatures }, signed, refused };
}

/** The signed ledger {ledger, signature} of the roll ids this issuer signed for. */
export async function signedLedger(key, fingerprintHex, rollIds) {
  const ledger = { format: "mashwara/v1/issuer-ledger", election: fingerprintHex, issuer: key.secrets.trustee, entries: [...rollIds].sort() };
  return { ledger, signature: await pssSign(key.issuerKey, utf8(canonicalJson(ledger))) };
}
