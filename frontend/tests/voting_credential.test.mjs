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
import { CredentialTextError, extractCredentialCode } from "../src/voting/credential-text.js";
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

// -- the code inside whatever text the voter brings back (issue 12, item 2) ----------------------

test("the downloaded file, with its translated heading, imports on another device", async () => {
  const { manifest, fingerprint, stored } = await obtain();
  const code = encodeCode(stored);
  for (const heading of ["Your credential code", "کود اعتبارنامهٔ شما", "ستاسو د اعتبار کوډ"]) {
    const file = `${heading}\n\n${code}\n`; // what credential-page.js downloads
    const back = decodeCode(file, fingerprint, manifest);
    assert.deepEqual(back, stored);
    await verifyStored(manifest, fingerprint, back);
  }
});

test("a printed copy typed back in imports: groups, line breaks, capitals, Dari digits, marks", async () => {
  const { manifest, fingerprint, stored } = await obtain();
  const code = encodeCode(stored).replace(/\n/g, "");
  const body = code.slice("mashwara-credential-2:".length);
  const grouped = body.match(/.{1,4}/g).map((group, i) => (i % 8 === 7 ? `${group}\n` : `${group} `)).join("");
  const typed = `Mashwara - credential-2:\n${grouped}`;
  assert.deepEqual(decodeCode(`کود:\r\n${typed}\r\n`, fingerprint, manifest), stored);
  const digitsDari = code.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
  assert.deepEqual(decodeCode(`\u200f${digitsDari}\u200e`, fingerprint, manifest), stored);
  // Text after a blank line (a note under the code) is not part of the code.
  assert.deepEqual(decodeCode(`Heading\n\n${encodeCode(stored)}\n\nKeep it secret\n`, fingerprint, manifest), stored);
});

test("extractCredentialCode finds the code and nothing else", () => {
  assert.equal(extractCredentialCode("a heading\n\nmashwara-credential-2:ab_c\n-d9\n\nfooter"), "mashwara-credential-2:ab_c-d9");
  assert.equal(extractCredentialCode("x mashwara-\ncredential-2 : AbC. rest"), "mashwara-credential-2:AbC");
  assert.throws(() => extractCredentialCode("no code here"), (e) => e instanceof CredentialTextError && e.kind === "format");
  assert.throws(() => extractCredentialCode("mashwara-credential-9:AAAA"), (e) => e.kind === "format");
  assert.throws(() => extractCredentialCode("mashwara-credential-2:"), (e) => e.kind === "format");
});

test("a damaged code says which check failed", async () => {
  const { manifest, fingerprint, stored } = await obtain();
  const code = encodeCode(stored);
  const kind = async (text) => {
    try {
      await verifyStored(manifest, fingerprint, decodeCode(text, fingerprint, manifest));
      return "ok";
    } catch (error) {
      return error.kind;
    }
  };
  assert.equal(await kind(`heading\n\n${code}`), "ok");
  assert.equal(await kind("just some text"), "format");
  const other = fingerprintOf({ ...manifest, election: "cd".repeat(16) });
  assert.equal(await kind(encodeCode({ ...stored, election: bytesToHex(other) })), "election");
  // One typo in the signature part: the signature check fails.
  const at = code.length - 10;
  const typo = code.slice(0, at) + (code[at] === "A" ? "B" : "A") + code.slice(at + 1);
  assert.equal(await kind(typo), "corrupted");
  // One typo in the secret part: the key no longer matches the signed one.
  const at2 = 40;
  const typo2 = code.slice(0, at2) + (code[at2] === "A" ? "B" : "A") + code.slice(at2 + 1);
  assert.equal(await kind(typo2), "corrupted");
});
