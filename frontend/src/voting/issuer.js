// Checking the issuers' signatures on a credential (docs/elections.md §3, protocol §7) with
// WebCrypto alone. The issuers are the election's trustees; a credential carries `threshold`
// signatures by distinct issuers, ascending, each a plain RSASSA-PSS signature (SHA-384,
// MGF1-SHA-384, 48-byte salt) over its own prefix ‖ the credential message. The pages that only
// verify credentials (ballot, trustee) do not need the blinding library; only the credential page
// loads frontend/crypto/blindrsa.js.

import { concatBytes, hexToBytes } from "../../crypto/bytes.js";
import { credentialMessage } from "./election.js";

const ALGORITHM = { name: "RSA-PSS", hash: "SHA-384" };

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
  const key = await globalThis.crypto.subtle.importKey("spki", der, ALGORITHM, true, ["verify"]);
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

/** Throw IssuerError unless `credential` ({key, signatures}) carries `threshold` valid signatures. */
export async function verifyCredential(issuers, fingerprint, credential) {
  const signatures = credential?.signatures;
  if (!Array.isArray(signatures) || signatures.length !== issuers.threshold) throw new IssuerError("the credential has the wrong number of issuer signatures");
  const message = credentialMessage(fingerprint, hexToBytes(credential.key, 32));
  let previous = 0;
  for (const item of signatures) {
    if (!Number.isSafeInteger(item.issuer) || item.issuer <= previous || !issuers.keys.has(item.issuer)) {
      throw new IssuerError("the credential's issuers are not distinct issuers of this election, in order");
    }
    previous = item.issuer;
    const prepared = concatBytes(hexToBytes(item.prefix, 32), message);
    const ok = await globalThis.crypto.subtle.verify({ name: "RSA-PSS", saltLength: 48 }, issuers.keys.get(item.issuer), hexToBytes(item.signature), prepared);
    if (!ok) throw new IssuerError(`issuer ${item.issuer}'s RSA signature does not verify`);
  }
}
