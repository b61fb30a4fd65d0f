// Credentials in the browser (frontend/src/voting/credential.js): blind, have the issuer sign,
// unblind, verify; the credential code; browser storage.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToHex, hexToBytes } from "../crypto/bytes.js";
import { baseMul } from "../crypto/group.js";
import { finishRequest, startRequest } from "../src/voting/credential.js";
import {
  CredentialError,
  decodeCode,
  encodeCode,
  loadCredential,
  loadPending,
  removePending,
  saveCredential,
  savePending,
  verifyStored,
} from "../src/voting/credential-store.js";
import { fingerprintOf } from "../src/voting/election.js";
import { issuer, suite } from "./voting_helpers.mjs";
import { sampleManifest } from "./voting_helpers.mjs";

const memory = new Map();
globalThis.localStorage = {
  getItem: (k) => (memory.has(k) ? memory.get(k) : null),
  setItem: (k, v) => memory.set(k, String(v)),
  removeItem: (k) => memory.delete(k),
};

async function obtain() {
  const { privateKey, pem } = await issuer();
  const manifest = { ...sampleManifest(baseMul(7n)), issuer_public_key: { pem } };
  const fingerprint = fingerprintOf(manifest);
  const pending = await startRequest(manifest, fingerprint);
  const blindSignature = await suite.blindSign(privateKey, hexToBytes(pending.blinded));
  const stored = await finishRequest(manifest, pending, bytesToHex(blindSignature));
  return { manifest, fingerprint, pending, stored, privateKey };
}

test("a credential is blinded, signed, unblinded and verifies", async () => {
  const { manifest, fingerprint, pending, stored } = await obtain();
  assert.equal(hexToBytes(pending.blinded).length, 384);
  assert.equal(stored.election, bytesToHex(fingerprint));
  assert.equal(stored.credential.prefix.length, 64);
  assert.ok(!pending.blinded.includes(stored.credential.key), "the server never sees the credential key");
  await verifyStored(manifest, fingerprint, stored);
});

test("a signature that does not unblind to a valid one is refused", async () => {
  const { manifest, pending } = await obtain();
  await assert.rejects(finishRequest(manifest, pending, "01".repeat(384)), /does not verify/);
});

test("the credential code carries the credential to another device, and only for its election", async () => {
  const { manifest, fingerprint, stored } = await obtain();
  const code = encodeCode(stored);
  assert.ok(code.startsWith("mashwara-credential-1:"));
  assert.ok(code.split("\n").every((line) => line.length <= 64));
  const back = decodeCode(`  ${code.replace(/\n/g, "\n  ")}\n`, fingerprint);
  assert.deepEqual(back, stored);
  await verifyStored(manifest, fingerprint, back);
  const other = fingerprintOf({ ...manifest, election: "cd".repeat(16) });
  assert.throws(() => decodeCode(code, other), CredentialError);
  const damaged = code.slice(0, 100) + (code[100] === "A" ? "B" : "A") + code.slice(101);
  await assert.rejects(async () => verifyStored(manifest, fingerprint, decodeCode(damaged, fingerprint)));
  assert.throws(() => decodeCode("hello", fingerprint), /not a credential code/);
});

test("credentials and pending requests are kept per election in browser storage", async () => {
  const { stored, pending } = await obtain();
  saveCredential(stored);
  assert.deepEqual(loadCredential(stored.election), stored);
  savePending(pending);
  assert.deepEqual(loadPending(pending.election), pending);
  removePending(pending.election);
  assert.equal(loadPending(pending.election), null);
  assert.equal(loadCredential("00".repeat(32)), null);
});
