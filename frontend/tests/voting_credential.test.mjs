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
import { signedStatus, testIssuers } from "./voting_helpers.mjs";
import { sampleManifest } from "./voting_helpers.mjs";

const memory = new Map();
globalThis.localStorage = {
  getItem: (k) => (memory.has(k) ? memory.get(k) : null),
  setItem: (k, v) => memory.set(k, String(v)),
  removeItem: (k) => memory.delete(k),
};

async function obtain() {
  const { privateKeys, trustees, issuers } = await testIssuers();
  const manifest = { ...sampleManifest(baseMul(7n)), trustees, issuers };
  const fingerprint = fingerprintOf(manifest);
  const pending = await startRequest(manifest, fingerprint);
  const status = await signedStatus(pending, privateKeys);
  const { stored } = await finishRequest(manifest, pending, status);
  return { manifest, fingerprint, pending, stored, status, privateKeys };
}

test("a credential is blinded once per issuer, signed by each, unblinded and verifies", async () => {
  const { manifest, fingerprint, pending, stored } = await obtain();
  assert.deepEqual(pending.requests.map((r) => r.issuer), [1, 2]);
  assert.equal(hexToBytes(pending.requests[0].blinded).length, 384);
  assert.notEqual(pending.requests[0].prepared.slice(0, 64), pending.requests[1].prepared.slice(0, 64), "one prefix per issuer");
  assert.equal(stored.election, bytesToHex(fingerprint));
  assert.deepEqual(stored.credential.signatures.map((s) => [s.issuer, s.prefix.length]), [[1, 64], [2, 64]]);
  assert.ok(!pending.requests.some((r) => r.blinded.includes(stored.credential.key)), "the server never sees the credential key");
  await verifyStored(manifest, fingerprint, stored);
});

test("until the threshold of issuers has signed there is no credential; a bad answer is not counted", async () => {
  const { manifest, pending, status } = await obtain();
  const one = { requests: [status.requests[0], { ...status.requests[1], blind_signature: null }] };
  assert.deepEqual(await finishRequest(manifest, pending, one), { signed: 1, valid: 1, stored: null });
  const bad = { requests: [status.requests[0], { ...status.requests[1], blind_signature: "01".repeat(384) }] };
  assert.deepEqual(await finishRequest(manifest, pending, bad), { signed: 2, valid: 1, stored: null });
});

test("the credential code carries the credential to another device, and only for its election", async () => {
  const { manifest, fingerprint, stored } = await obtain();
  const code = encodeCode(stored);
  assert.ok(code.startsWith("mashwara-credential-2:"));
  assert.ok(code.split("\n").every((line) => line.length <= 64));
  const back = decodeCode(`  ${code.replace(/\n/g, "\n  ")}\n`, fingerprint, manifest);
  assert.deepEqual(back, stored);
  await verifyStored(manifest, fingerprint, back);
  const other = fingerprintOf({ ...manifest, election: "cd".repeat(16) });
  assert.throws(() => decodeCode(code, other, manifest), CredentialError);
  const damaged = code.slice(0, 100) + (code[100] === "A" ? "B" : "A") + code.slice(101);
  await assert.rejects(async () => verifyStored(manifest, fingerprint, decodeCode(damaged, fingerprint, manifest)));
  assert.throws(() => decodeCode(code.slice(0, -8), fingerprint, manifest), CredentialError);
  assert.throws(() => decodeCode("hello", fingerprint, manifest), /not a credential code/);
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
