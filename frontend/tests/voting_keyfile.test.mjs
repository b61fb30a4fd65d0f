// The trustee key file in the browser (frontend/src/voting/keyfile.js); the Python side opens the
// same files (tests/voting/test_trustee_keyfile_interop.py).

import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyFileError, keyFileText, openKeyFile, parseKeyFile, sealKeyFile } from "../src/voting/keyfile.js";
import { commitmentsMessage, newSecrets } from "../src/voting/trustee.js";

const PASSPHRASE = "correct horse battery staple";
const FAST = 100000;
const key = () => ({ election: "ab".repeat(16), ceremonyContext: new Uint8Array(32).fill(3), threshold: 2, secrets: newSecrets(2, 2), issuerKey: new Uint8Array(64).fill(7) });

test("a key file opens with its passphrase and gives back the secrets", async () => {
  const original = key();
  const sealed = await sealKeyFile(original, PASSPHRASE, FAST);
  assert.equal(sealed.kdf.name, "PBKDF2-HMAC-SHA256");
  assert.equal(sealed.cipher.name, "AES-256-GCM");
  const text = keyFileText(sealed);
  assert.ok(!text.includes(original.secrets.coefficients[0].toString(16)));
  const opened = await openKeyFile(parseKeyFile(text), PASSPHRASE);
  assert.deepEqual(opened, { ...original, cohortKeys: [] }); // no cohort keys: an election without dimensions
});

test("a wrong passphrase, a relabelled file and a short passphrase are refused", async () => {
  const sealed = await sealKeyFile(key(), PASSPHRASE, FAST);
  await assert.rejects(openKeyFile(sealed, PASSPHRASE + "!"), /wrong passphrase/);
  await assert.rejects(openKeyFile({ ...sealed, trustee: 3 }, PASSPHRASE), /altered/);
  await assert.rejects(openKeyFile({ ...sealed, kdf: { ...sealed.kdf, iterations: 1e9 } }, PASSPHRASE), KeyFileError);
  await assert.rejects(sealKeyFile(key(), "short"), /at least 12/);
});

test("the default work factor is what OWASP recommends for PBKDF2-SHA256", async () => {
  const started = performance.now();
  const sealed = await sealKeyFile(key(), PASSPHRASE);
  assert.equal(sealed.kdf.iterations, 600000);
  console.log(`# sealing with 600,000 iterations: ${(performance.now() - started).toFixed(0)} ms in Node`);
});

test("a trustee beyond k keeps no issuer key in its file; an issuer must, and older files with one open", async () => {
  // Trustees 1..k are the issuers (protocol §7): trustee 3 of 2-of-3 only decrypts.
  const beyond = { ...key(), secrets: newSecrets(3, 2), issuerKey: null };
  const opened = await openKeyFile(await sealKeyFile(beyond, PASSPHRASE, FAST), PASSPHRASE);
  assert.equal(opened.issuerKey, null);
  assert.deepEqual(opened.secrets, beyond.secrets);
  const older = { ...beyond, issuerKey: new Uint8Array(64).fill(9) };
  assert.deepEqual((await openKeyFile(await sealKeyFile(older, PASSPHRASE, FAST), PASSPHRASE)).issuerKey, older.issuerKey);
  await assert.rejects(sealKeyFile({ ...key(), issuerKey: null }, PASSPHRASE, FAST), /issuer key is missing/);
});

test("a trustee beyond k announces its commitments without an issuer key", async () => {
  const beyond = { ...key(), secrets: newSecrets(3, 2), issuerKey: null };
  const body = await commitmentsMessage(beyond);
  assert.equal(body.trustee, 3);
  assert.ok(!("issuer_key" in body) && !("cohort_keys" in body));
  // An older key file of trustee 3 still holds one: it is not announced (the server refuses it).
  assert.ok(!("issuer_key" in (await commitmentsMessage({ ...beyond, issuerKey: new Uint8Array(64).fill(9) }))));
  await assert.rejects(commitmentsMessage({ ...key(), issuerKey: null }), /issuer key is missing/);
});
