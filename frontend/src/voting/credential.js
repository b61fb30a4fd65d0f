// Obtaining an anonymous credential in the browser (docs/elections.md §3): make the key pair,
// prepare and blind the credential message once for every issuer (own prefix, own blinding
// factor: no issuer, nor any coalition of them, can link the credential to the request), then
// unblind and verify the issuers' answers as they come, until `threshold` of them verify. Keeping
// it and the credential code are in credential-store.js.
//
// The pending request (secret, and per issuer the prepared message, blinded message and
// inverse) is stored *before* it is sent, so that a lost answer is retried with the identical
// requests: the server then answers with the same status and records only one round.

import { bytesToHex, hexToBytes } from "../../crypto/bytes.js";
import * as blindRsa from "../../crypto/blindrsa.js";
import { baseMul, encodePoint, pointHex, scalarFromHex, scalarHex } from "../../crypto/group.js";
import { randomScalar } from "../../crypto/random.js";
import { credentialMessage } from "./election.js";

async function issuerKeys(manifest) {
  const keys = new Map();
  for (const item of manifest.issuers.keys) keys.set(item.trustee, await blindRsa.importPublicKey({ pem: item.pem }));
  return keys;
}

/** Step 1: a fresh credential key and one blinded request per issuer. */
export async function startRequest(manifest, fingerprint) {
  const keys = await issuerKeys(manifest);
  const secret = randomScalar();
  const message = credentialMessage(fingerprint, encodePoint(baseMul(secret)));
  const requests = [];
  for (const [issuer, key] of [...keys.entries()].sort((a, b) => a[0] - b[0])) {
    const prepared = blindRsa.prepare(message);
    const { blindedMessage, inv } = await blindRsa.blind(key, prepared);
    requests.push({ issuer, prepared: bytesToHex(prepared), blinded: bytesToHex(blindedMessage), inv: bytesToHex(inv) });
  }
  return { election: bytesToHex(fingerprint), secret: scalarHex(secret), requests };
}

/** The body of POST …/credential. */
export function requestBody(pending) {
  return { requests: pending.requests.map((r) => ({ issuer: r.issuer, blinded_message: r.blinded })) };
}

/**
 * Step 2: unblind the answers of a credential status (GET …/credential). Returns
 * { signed: issuers that answered, valid: issuers whose signatures verify, stored: the verified
 * credential once `threshold` verify, else null }.
 */
export async function finishRequest(manifest, pending, status) {
  const keys = await issuerKeys(manifest);
  const threshold = manifest.issuers.threshold;
  const signatures = [];
  let signed = 0;
  for (const answer of status.requests ?? []) {
    const mine = pending.requests.find((r) => r.issuer === answer.issuer);
    if (!answer.blind_signature || !mine || answer.blinded_message !== mine.blinded) continue;
    signed += 1;
    if (signatures.length === threshold) continue;
    const prepared = hexToBytes(mine.prepared);
    try {
      const signature = await blindRsa.finalize(keys.get(answer.issuer), prepared, hexToBytes(answer.blind_signature), hexToBytes(mine.inv));
      signatures.push({ issuer: answer.issuer, prefix: bytesToHex(prepared.subarray(0, blindRsa.PREFIX_LENGTH)), signature: bytesToHex(signature) });
    } catch {
      // An issuer's bad answer: wait for the others.
    }
  }
  const stored =
    signatures.length === threshold
      ? { election: pending.election, secret: pending.secret, credential: { key: pointHex(baseMul(scalarFromHex(pending.secret))), signatures } }
      : null;
  return { signed, valid: signatures.length, stored };
}
