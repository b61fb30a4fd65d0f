// Obtaining an anonymous credential in the browser (docs/elections.md §3): make the key pair,
// blind its public key for the issuer (RFC 9474), unblind and verify the answer. Keeping it and
// the credential code are in credential-store.js.
//
// The pending request (secret, prepared message, blinded message, inverse) is stored *before*
// it is sent, so that a lost answer is retried with the identical blinded message: the server
// then answers it again and still issues only one credential.

import { bytesToHex, hexToBytes } from "../../crypto/bytes.js";
import * as blindRsa from "../../crypto/blindrsa.js";
import { baseMul, encodePoint, pointHex, scalarFromHex, scalarHex } from "../../crypto/group.js";
import { randomScalar } from "../../crypto/random.js";
import { credentialMessage } from "./election.js";

/** Step 1: a fresh credential key, its prepared message and the blinded request to send. */
export async function startRequest(manifest, fingerprint) {
  const issuer = await blindRsa.importPublicKey(manifest.issuer_public_key);
  const secret = randomScalar();
  const prepared = blindRsa.prepare(credentialMessage(fingerprint, encodePoint(baseMul(secret))));
  const { blindedMessage, inv } = await blindRsa.blind(issuer, prepared);
  return {
    election: bytesToHex(fingerprint),
    secret: scalarHex(secret),
    prepared: bytesToHex(prepared),
    blinded: bytesToHex(blindedMessage),
    inv: bytesToHex(inv),
  };
}

/** Step 2: unblind the issuer's answer into a verified credential. */
export async function finishRequest(manifest, pending, blindSignature) {
  const issuer = await blindRsa.importPublicKey(manifest.issuer_public_key);
  const prepared = hexToBytes(pending.prepared);
  const signature = await blindRsa.finalize(issuer, prepared, hexToBytes(blindSignature), hexToBytes(pending.inv));
  return {
    election: pending.election,
    secret: pending.secret,
    credential: {
      key: pointHex(baseMul(scalarFromHex(pending.secret))),
      prefix: bytesToHex(prepared.subarray(0, blindRsa.PREFIX_LENGTH)),
      signature: bytesToHex(signature),
    },
  };
}
