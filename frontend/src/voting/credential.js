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
import { cohortKeyPem, labelMessage } from "./cohorts.js";
import { credentialMessage } from "./election.js";

async function issuerKeys(manifest) {
  const keys = new Map();
  for (const item of manifest.issuers.keys) keys.set(item.trustee, await blindRsa.importPublicKey({ pem: item.pem }));
  return keys;
}

/**
 * Step 1: a fresh credential key and one blinded request per issuer; in an election with cohort
 * dimensions each request also carries one blinded label message per stated value of `labels`
 * ([[dimension, value], …], protocol §12.3), each with its own prefix and blinding factor.
 */
export async function startRequest(manifest, fingerprint, labels = []) {
  const keys = await issuerKeys(manifest);
  const secret = randomScalar();
  const credentialKey = encodePoint(baseMul(secret));
  const message = credentialMessage(fingerprint, credentialKey);
  const requests = [];
  for (const [issuer, key] of [...keys.entries()].sort((a, b) => a[0] - b[0])) {
    const prepared = blindRsa.prepare(message);
    const { blindedMessage, inv } = await blindRsa.blind(key, prepared);
    const request = { issuer, prepared: bytesToHex(prepared), blinded: bytesToHex(blindedMessage), inv: bytesToHex(inv) };
    if (manifest.cohorts) {
      request.labels = [];
      for (const [dimension, value] of labels) {
        const labelKey = await blindRsa.importPublicKey({ pem: cohortKeyPem(manifest, issuer, dimension, value) });
        const labelPrepared = blindRsa.prepare(labelMessage(fingerprint, credentialKey, dimension, value));
        const blinded = await blindRsa.blind(labelKey, labelPrepared);
        request.labels.push({
          dimension,
          value,
          prepared: bytesToHex(labelPrepared),
          blinded: bytesToHex(blinded.blindedMessage),
          inv: bytesToHex(blinded.inv),
        });
      }
    }
    requests.push(request);
  }
  return { election: bytesToHex(fingerprint), secret: scalarHex(secret), requests };
}

/** The body of POST …/credential. */
export function requestBody(pending) {
  return {
    requests: pending.requests.map((r) => ({
      issuer: r.issuer,
      blinded_message: r.blinded,
      ...(r.labels ? { labels: r.labels.map((l) => ({ dimension: l.dimension, value: l.value, blinded_message: l.blinded })) } : {}),
    })),
  };
}

/** Issuer `mine.issuer`'s label signatures, finalised and verified; null if one is missing or bad. */
async function finishLabels(manifest, mine, answer) {
  const out = [];
  for (const label of mine.labels) {
    const answered = (answer.labels ?? []).find((l) => l.dimension === label.dimension);
    if (!answered?.blind_signature || answered.blinded_message !== label.blinded) return null;
    const key = await blindRsa.importPublicKey({ pem: cohortKeyPem(manifest, mine.issuer, label.dimension, label.value) });
    const prepared = hexToBytes(label.prepared);
    try {
      const signature = await blindRsa.finalize(key, prepared, hexToBytes(answered.blind_signature), hexToBytes(label.inv));
      out.push({ dimension: label.dimension, value: label.value, issuer: mine.issuer, prefix: bytesToHex(prepared.subarray(0, blindRsa.PREFIX_LENGTH)), signature: bytesToHex(signature) });
    } catch {
      return null;
    }
  }
  return out;
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
  const labelSignatures = [];
  let signed = 0;
  for (const answer of status.requests ?? []) {
    const mine = pending.requests.find((r) => r.issuer === answer.issuer);
    if (!answer.blind_signature || !mine || answer.blinded_message !== mine.blinded) continue;
    signed += 1;
    if (signatures.length === threshold) continue;
    const prepared = hexToBytes(mine.prepared);
    try {
      const signature = await blindRsa.finalize(keys.get(answer.issuer), prepared, hexToBytes(answer.blind_signature), hexToBytes(mine.inv));
      if (mine.labels) {
        const labels = await finishLabels(manifest, mine, answer);
        if (!labels) continue;
        labelSignatures.push(...labels);
      }
      signatures.push({ issuer: answer.issuer, prefix: bytesToHex(prepared.subarray(0, blindRsa.PREFIX_LENGTH)), signature: bytesToHex(signature) });
    } catch {
      // An issuer's bad answer: wait for the others.
    }
  }
  let stored = null;
  if (signatures.length === threshold) {
    const credential = { key: pointHex(baseMul(scalarFromHex(pending.secret))), signatures };
    if (manifest.cohorts) {
      credential.cohorts = (pending.requests[0].labels ?? []).map((l) => ({
        dimension: l.dimension,
        value: l.value,
        signatures: labelSignatures
          .filter((s) => s.dimension === l.dimension)
          .map((s) => ({ issuer: s.issuer, prefix: s.prefix, signature: s.signature })),
      }));
    }
    stored = { election: pending.election, secret: pending.secret, credential };
  }
  return { signed, valid: signatures.length, stored };
}
