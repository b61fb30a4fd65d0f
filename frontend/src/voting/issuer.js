// Checking the issuer's signature on a credential (docs/elections.md §3, protocol §7) with
// WebCrypto alone. The final blind RSA signature is a plain RSASSA-PSS signature (SHA-384,
// MGF1-SHA-384, 48-byte salt), so the pages that only verify credentials (ballot, trustee) do
// not need the blinding library; only the credential page loads frontend/crypto/blindrsa.js.

import { concatBytes, hexToBytes } from "../../crypto/bytes.js";
import { credentialMessage } from "./election.js";

const ALGORITHM = { name: "RSA-PSS", hash: "SHA-384" };

export class IssuerError extends Error {}

/** The manifest's {"pem": SubjectPublicKeyInfo} as a CryptoKey (≥ 3072 bits, e = 65537). */
export async function importIssuer(issuerPublicKey) {
  const match = /^\s*-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----\s*$/.exec(issuerPublicKey?.pem ?? "");
  if (match === null) throw new IssuerError("the issuer key is not a PEM public key");
  const der = Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (ch) => ch.charCodeAt(0));
  const key = await globalThis.crypto.subtle.importKey("spki", der, ALGORITHM, false, ["verify"]);
  const exponent = key.algorithm.publicExponent.reduce((acc, byte) => acc * 256 + byte, 0);
  if (key.algorithm.modulusLength < 3072 || exponent !== 65537) throw new IssuerError("the issuer key is too weak");
  return key;
}

/** Throw IssuerError unless `credential` ({key, prefix, signature}) was signed by the issuer. */
export async function verifyCredential(issuer, fingerprint, credential) {
  const message = concatBytes(hexToBytes(credential.prefix, 32), credentialMessage(fingerprint, hexToBytes(credential.key, 32)));
  const ok = await globalThis.crypto.subtle.verify({ name: "RSA-PSS", saltLength: 48 }, issuer, hexToBytes(credential.signature), message);
  if (!ok) throw new IssuerError("the credential's RSA signature does not verify");
}
