// The trustee page in an election with cohort dimensions (docs/protocol.md §12): the cohort-key
// message and the release plan are byte for byte the Python ones (tests/crypto/vectors/
// cohorts.json); the key file keeps the cohort keys; the queue's labels are signed with the key of
// their value, and a request for a value without a key or for two values of one dimension is
// refused; the manifest must hold the issuer's own cohort keys; and before decrypting the groups
// the trustees rebuild the per-cohort sums and the plan, refuse a server whose differ, and
// their shares combine to each group's counts.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, concatBytes, hexToBytes } from "../crypto/bytes.js";
import { generator, pointHex } from "../crypto/group.js";
import { fromJson } from "../crypto/serialization.js";
import { combineDecryptionShares, verificationKeys, verifyPartialDecryption } from "../crypto/threshold.js";
import { labelMessage } from "../src/voting/cohorts.js";
import { buildBallot, cj, fingerprintOf, sha256f } from "../src/voting/election.js";
import {
  cohortKeyAnnouncements,
  cohortKeyMessage,
  issuerSigner,
  signQueue,
  signedLedger,
} from "../src/voting/issuer.js";
import { openKeyFile, sealKeyFile, MIN_ITERATIONS } from "../src/voting/keyfile.js";
import { announcements, ceremonyDefinition, checkManifest, checkOwnCohortKeys, checkTally, cohortValuesToMake, decryptionMessage, nextCeremonyStep } from "../src/voting/trustee.js";
import { cohortSums, groupSum, mergeShort, releasePlan } from "../src/voting/trustee-cohorts.js";
import { Relay, board, headOf, keysFor, signedAt } from "./trustee_helpers.mjs";
import { issuer, realCredential, sampleManifest, testIssuers } from "./voting_helpers.mjs";

const VECTORS = JSON.parse(readFileSync(new URL("../../tests/crypto/vectors/cohorts.json", import.meta.url)));
const PSS = { name: "RSA-PSS", saltLength: 48 };

test("the cohort-key message is the one the Python server checks", () => {
  for (const v of VECTORS.cohort_keys) {
    assert.equal(bytesToHex(cohortKeyMessage(hexToBytes(v.ceremony_context), v.trustee, v.dimension, v.value)), v.message);
  }
});

test("the release plan of every vector is the Python one", () => {
  assert.ok(VECTORS.plans.length >= 6);
  for (const item of VECTORS.plans) {
    const definition = { minimum: item.minimum, dimensions: item.values.map((values, d) => ({ dimension: d + 1, kind: "attested", values })) };
    const vectors = item.cells.flatMap(([cell, n]) => Array.from({ length: n }, () => cell));
    const merged = new Set((item.merged ?? []).map(([d, v]) => `${d}:${v}`));
    const plan = releasePlan(definition, vectors, merged).map(({ groups, reason }) => ({ groups, reason }));
    assert.deepEqual(plan, item.plan, JSON.stringify(item.cells));
  }
});

test("empty groups are published (0 ballots is no figure under K); a short not stated with nothing to merge is withheld", () => {
  // As voting.verify.cohorts._merge_short: [[0], [1], [2]], None, [[0], [1], [2]].
  assert.deepEqual(mergeShort(2, [7, 0, 0], 5), [[0], [1], [2]]);
  assert.equal(mergeShort(2, [3, 0, 0], 5), null);
  assert.deepEqual(mergeShort(2, [0, 0, 0], 5), [[0], [1], [2]]);
});

// -- keys ------------------------------------------------------------------------------------------

async function testKeyDers() {
  const algorithm = { name: "RSA-PSS", hash: "SHA-384" };
  const out = [];
  for (const which of [0, 1]) {
    const { privateKey, pem } = await issuer(which);
    out.push({ der: new Uint8Array(await crypto.subtle.exportKey("pkcs8", privateKey)), pem, publicKey: await crypto.subtle.importKey("spki", pemDer(pem), algorithm, true, ["verify"]) });
  }
  return out;
}

const pemDer = (pem) => Uint8Array.from(atob(pem.replace(/-----[A-Z ]+-----|\s+/g, "")), (c) => c.charCodeAt(0));

test("the key file keeps the cohort keys, and one without them reads as before", async () => {
  const [a, b] = await testKeyDers();
  const [trustee] = keysFor(1, 1);
  const key = { ...trustee, issuerKey: a.der, cohortKeys: [{ dimension: 1, value: 1, key: b.der }, { dimension: 1, value: 2, key: a.der }] };
  const opened = await openKeyFile(await sealKeyFile(key, "a long trustee passphrase", MIN_ITERATIONS), "a long trustee passphrase");
  assert.deepEqual(opened.cohortKeys, key.cohortKeys);
  const plain = await openKeyFile(await sealKeyFile({ ...key, cohortKeys: [] }, "a long trustee passphrase", MIN_ITERATIONS), "a long trustee passphrase");
  assert.deepEqual(plain.cohortKeys, []);
  const swapped = { ...key, cohortKeys: [...key.cohortKeys].reverse() };
  await assert.rejects(sealKeyFile(swapped, "a long trustee passphrase", MIN_ITERATIONS), /cohort keys are malformed/);
});

test("cohort keys are announced with proofs of possession over protocol §12.2's message", async () => {
  const [a, b] = await testKeyDers();
  const [trustee] = keysFor(1, 1);
  const key = { ...trustee, secrets: { ...trustee.secrets, trustee: 2 }, issuerKey: a.der, cohortKeys: [{ dimension: 1, value: 1, key: b.der }, { dimension: 2, value: 3, key: a.der }] };
  const announced = await cohortKeyAnnouncements(key);
  assert.deepEqual(announced.map((k) => [k.dimension, k.value, k.pem]), [[1, 1, b.pem], [2, 3, a.pem]]);
  for (const [n, item] of announced.entries()) {
    const publicKey = [b, a][n].publicKey;
    assert.ok(await crypto.subtle.verify(PSS, publicKey, hexToBytes(item.proof), cohortKeyMessage(trustee.ceremonyContext, 2, item.dimension, item.value)));
    assert.ok(!(await crypto.subtle.verify(PSS, publicKey, hexToBytes(item.proof), cohortKeyMessage(trustee.ceremonyContext, 1, item.dimension, item.value))));
  }
});

test("the trustee makes keys for the values the ceremony context binds, and only an issuer does", () => {
  const definition = { questions: [], cohorts: { minimum: 2, dimensions: [{ name: { en: "R" }, kind: "attested", values: [{ en: "In" }, { en: "Out" }] }] } };
  const status = { ceremony_context: bytesToHex(sha256f("ceremony-context", cj(definition))), definition, threshold: 2, my_index: 2 };
  assert.deepEqual(cohortValuesToMake(status), [[1, 1], [1, 2]]);
  assert.deepEqual(cohortValuesToMake({ ...status, my_index: 3 }), []);
  assert.throws(() => ceremonyDefinition({ ...status, definition: { ...definition, cohorts: { ...definition.cohorts, minimum: 3 } } }), /does not match the ceremony context/);
  assert.throws(() => cohortValuesToMake({ ...status, definition: undefined }), /does not match the ceremony context/);
});

// Any number below the modulus stands for a blinded message here.
const blind = (hexLength) => "01" + "23".repeat(hexLength / 2 - 1);

async function modPowCheck(publicKey, blindedHex, signatureHex) {
  const jwk = await crypto.subtle.exportKey("jwk", publicKey);
  const n = BigInt(`0x${Buffer.from(jwk.n, "base64url").toString("hex")}`);
  let [base, exponent, result] = [BigInt(`0x${signatureHex}`), 65537n, 1n];
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % n;
    base = (base * base) % n;
    exponent >>= 1n;
  }
  return result === BigInt(`0x${blindedHex}`);
}

test("the queue's labels are signed with the key of their value; a value without a key or two labels of one dimension are refused", async () => {
  const [a, b] = await testKeyDers();
  const [trustee] = keysFor(1, 1);
  const key = { ...trustee, issuerKey: a.der, cohortKeys: [{ dimension: 1, value: 1, key: b.der }, { dimension: 2, value: 1, key: a.der }] };
  const signer = await issuerSigner(key);
  const m = blind(768);
  const queue = {
    requests: [
      { request: 1, roll_id: "r1", blinded_message: m },
      { request: 2, roll_id: "r2", blinded_message: m, labels: [{ dimension: 1, value: 1, blinded_message: m }, { dimension: 2, value: 1, blinded_message: m }] },
      { request: 3, roll_id: "r3", blinded_message: m, labels: [{ dimension: 1, value: 2, blinded_message: m }] },
      { request: 4, roll_id: "r4", blinded_message: m, labels: [{ dimension: 1, value: 1, blinded_message: m }, { dimension: 1, value: 1, blinded_message: m }] },
      { request: 5, roll_id: "r5", blinded_message: m, labels: [{ dimension: 1, value: 1, blinded_message: "ff".repeat(384) }] },
      { request: 6, roll_id: "r6", blinded_message: m, labels: "1:1" },
    ],
  };
  const { message, signed, refused } = signQueue(signer, queue);
  assert.deepEqual(signed, [[1, "r1"], [2, "r2"]]);
  assert.deepEqual(message.signatures.map((s) => [s.request, "labels" in s]), [[1, false], [2, true]]);
  const [, labelled] = message.signatures;
  assert.ok(await modPowCheck(a.publicKey, m, labelled.blind_signature));
  assert.ok(await modPowCheck(b.publicKey, m, labelled.labels[0]), "dimension 1 value 1 is signed with its own key");
  assert.ok(await modPowCheck(a.publicKey, m, labelled.labels[1]));
  assert.ok(!(await modPowCheck(a.publicKey, m, labelled.labels[0])));
  assert.deepEqual(refused, [
    { request: 3, code: "label_no_key", params: { dimension: 1, value: 2, request: 3 } },
    { request: 4, code: "label_twice", params: { dimension: 1, request: 4 } },
    { request: 5, code: "blinded_misfit", params: { request: 5 } },
    { request: 6, code: "labels_malformed", params: { request: 6 } },
  ]);
  // Only what was signed goes into the ledger.
  const { ledger } = await signedLedger(key, "ab".repeat(32), signed.map(([, rollId]) => rollId));
  assert.deepEqual(ledger.entries, ["r1", "r2"]);
  // An issuer of an election without dimensions holds no cohort key: a labelled request is refused.
  const plain = signQueue(await issuerSigner({ ...key, cohortKeys: [] }), { requests: [queue.requests[1]] });
  assert.equal(plain.refused[0].code, "label_no_key");
});

// -- a whole cohort election ----------------------------------------------------------------------

const COHORTS = {
  minimum: 2,
  dimensions: [{ name: { en: "Residence" }, kind: "attested", values: [{ en: "Inside" }, { en: "Outside" }] }],
};

/** Trustees 1..3 (k = 2) after their ceremony, a cohort manifest whose issuers 1 and 2 hold the test keys. */
async function cohortElection() {
  const [a, b] = await testKeyDers();
  const seed = new Uint8Array(32).fill(6);
  const { privateKeys, trustees, issuers } = await testIssuers();
  const definition = { ...sampleManifest(generator()), board_public_key: bytesToHex(ed25519.getPublicKey(seed)), trustees: { ...trustees, names: ["t1", "t2", "t3"] }, cohorts: COHORTS };
  delete definition.joint_public_key;
  delete definition.ceremony_context;
  const context = sha256f("ceremony-context", cj(definition));
  // Each issuer's cohort keys: issuer 1 (1,1) = b, (1,2) = a; issuer 2 (1,1) = a, (1,2) = b.
  const cohortKeys = { 1: [b, a], 2: [a, b], 3: [] };
  const keys = keysFor(3, 2).map((k, i) => ({
    ...k,
    ceremonyContext: context,
    issuerKey: [a, b, a][i].der,
    cohortKeys: cohortKeys[i + 1].map((item, v) => ({ dimension: 1, value: v + 1, key: item.der })),
  }));
  const relay = new Relay(3, 2);
  const status = (me) => ({ ...relay.status(me), ceremony_context: bytesToHex(context) });
  for (let round = 0; round < 6; round++) {
    for (const key of keys) {
      const due = nextCeremonyStep(key, status(key.secrets.trustee));
      if (due) relay.post(key.secrets.trustee, ...due);
    }
  }
  const found = announcements(status(1));
  const X = [2, 3].reduce((sum, i) => sum.add(found.get(i).commitments[0]), found.get(1).commitments[0]);
  const manifestKeys = [1, 2].flatMap((i) => cohortKeys[i].map((item, v) => ({ trustee: i, dimension: 1, value: v + 1, pem: item.pem })));
  const manifest = { ...definition, joint_public_key: pointHex(X), ceremony_context: bytesToHex(context), issuers, cohort_keys: manifestKeys };
  const fingerprint = fingerprintOf(manifest);
  return { keys, status, manifest, fingerprint, seed, found, privateKeys, labelKeys: { 1: cohortKeys[1], 2: cohortKeys[2] } };
}

/** A credential with a label for `value` (0: none), each label signature a plain RSA-PSS one as Finalize yields. */
async function labelled(world, value) {
  const { manifest, fingerprint, privateKeys, labelKeys } = world;
  const credential = await realCredential(manifest, fingerprint, privateKeys);
  credential.credential = { ...credential.credential, cohorts: [] };
  if (value) {
    const signatures = [];
    for (const i of [1, 2]) {
      const prefix = crypto.getRandomValues(new Uint8Array(32));
      const privateKey = await crypto.subtle.importKey("pkcs8", labelKeys[i][value - 1].der, { name: "RSA-PSS", hash: "SHA-384" }, false, ["sign"]);
      const message = concatBytes(prefix, labelMessage(fingerprint, hexToBytes(credential.credential.key), 1, value));
      signatures.push({ issuer: i, prefix: bytesToHex(prefix), signature: bytesToHex(new Uint8Array(await crypto.subtle.sign(PSS, privateKey, message))) });
    }
    credential.credential.cohorts = [{ dimension: 1, value, signatures }];
  }
  return credential;
}

const small = (point) => [0, 1, 2, 3, 4, 5, 6].find((m) => (m === 0 ? point.is0() : generator().multiply(BigInt(m)).equals(point)));

test("a cohort election: the manifest holds each issuer's cohort keys, and the trustees decrypt the groups the rules publish", async () => {
  const world = await cohortElection();
  const { keys, status, manifest, fingerprint, seed, found } = world;
  const published = { manifest, fingerprint: bytesToHex(fingerprint) };
  // The definition the ceremony context binds excludes the cohort keys frozen at its end.
  assert.deepEqual(checkManifest(keys[0], status(1), published), fingerprint);
  assert.equal(await checkOwnCohortKeys(keys[0], manifest), 2);
  assert.equal(await checkOwnCohortKeys(keys[1], manifest), 2);
  assert.equal(await checkOwnCohortKeys(keys[2], manifest), 0, "trustee 3 is no issuer");
  // A manifest with a key the server made in issuer 1's place, or without one of its keys: refused.
  const swapped = { ...manifest, cohort_keys: manifest.cohort_keys.map((k, n) => (n === 1 ? { ...k, pem: manifest.cohort_keys[0].pem } : k)) };
  await assert.rejects(checkOwnCohortKeys(keys[0], swapped), /cohort key for dimension 1 value 2 as issuer 1/);
  await assert.rejects(checkOwnCohortKeys(keys[1], { ...manifest, cohort_keys: manifest.cohort_keys.slice(0, 3) }), /cohort key for dimension 1 value 1 as issuer 2/);

  // Six voters: inside ×2, outside ×3, one without a label; "inside" was merged before the poll.
  const values = [1, 1, 2, 2, 2, 0];
  const choices = [[[0], [0], [0, 1, 2]], [[1], [1], [0, 1, 2]], [[0], [2], [0, 1, 2]], [[0], [], [0, 1, 2]], [[1], [0], [0, 1, 2]], [[1], [0], [0, 1, 2]]];
  const credentials = [];
  for (const v of values) credentials.push(await labelled(world, v));
  const entries = board(fingerprint, choices.map((c, n) => signedAt(fingerprint, buildBallot(manifest, fingerprint, c).sealed, credentials[n])));
  const head = headOf(seed, fingerprint, entries);
  const roll = { size: 6, issued: 6, reissued: 0 };
  const widths = [2, 5, 6];
  const rows = (entry) => [0, 1, 2].map((q) => (q === 2 ? entry.ballot.answers[q].pairs.flatMap((p) => p.ciphertexts) : entry.ballot.answers[q].ciphertexts).map((ct) => fromJson("ciphertext", ct)));
  // The server's tally and cohort feed, as it computes them (the same functions: its own are checked in Python).
  const definition = { minimum: 2, dimensions: [{ dimension: 1, kind: "attested", values: 2 }] };
  const merged = new Set(["1:1"]);
  const { sums, vectors } = cohortSums(definition, entries, merged, widths, rows);
  const json = (perValue) => perValue.map((p) => p.map((item) => ({ ...item, questions: item.questions.map((r) => r.map((ct) => ({ a: pointHex(ct.a), b: pointHex(ct.b) }))) })));
  const total = sums[0].reduce((acc, item) => (acc ? acc.map((r, q) => r.map((ct, i) => ({ a: ct.a.add(item.questions[q][i].a), b: ct.b.add(item.questions[q][i].b) }))) : item.questions), null);
  const tally = { counted: 6, questions: total.map((r) => r.map((ct) => ({ a: pointHex(ct.a), b: pointHex(ct.b) }))) };
  // "Inside" was merged: it starts in not stated's group, never a group of its own (which would
  // read as "nobody inside voted").
  const plan = releasePlan(definition, vectors, merged);
  assert.deepEqual(plan, [{ dimension: 1, kind: "attested", groups: [[0, 1], [2]], reason: null }]);
  const feed = { merged: [[1, 1]], sums: json(sums), plan };

  const messages = [];
  for (const index of [1, 3]) {
    const key = keys[index - 1];
    const { fingerprint: fp, cohorts } = await checkTally(key, status(index), published, entries, head, roll, tally, { cohortFeed: feed });
    messages.push(decryptionMessage(key, status(index), fp, tally, cohorts));
  }
  assert.deepEqual(messages[0].cohorts[0].map((g) => g === null), [false, false]);
  const vks = verificationKeys([...found.values()], [1, 3]);
  const counts = plan[0].groups.map((group, g) => {
    if (messages[0].cohorts[0][g] === null) return null;
    const encrypted = groupSum(sums[0], group, widths);
    return encrypted.map((r, q) =>
      r.map((ct, i) => {
        const parts = messages.map((m) => fromJson("decryptionShare", m.cohorts[0][g][q][i]));
        parts.forEach((part) => verifyPartialDecryption(fingerprint, vks.get(part.trustee), ct, part));
        return small(combineDecryptionShares(ct, parts, 2));
      }),
    );
  });
  // Not stated: the two "inside" ballots (merged) and the one without a label; outside: three.
  assert.deepEqual(counts[0][0], [1, 2]);
  assert.deepEqual(counts[1][0], [2, 1]);
  assert.deepEqual(counts[1][1], [1, 0, 1, 0, 0]);

  // A server whose sums differ — one voter's ciphertexts passed off as the "outside" group — or
  // whose plan publishes another grouping: refused before anything is decrypted.
  const lone = structuredClone(feed);
  lone.sums[0][2].questions = [0, 1, 2].map((q) => (q === 2 ? entries[2].ballot.answers[q].pairs.flatMap((p) => p.ciphertexts) : entries[2].ballot.answers[q].ciphertexts));
  await assert.rejects(checkTally(keys[0], status(1), published, entries, head, roll, tally, { cohortFeed: lone }), /per-cohort sums are not the sums/);
  const regrouped = { ...feed, plan: [{ ...plan[0], groups: [[0], [1], [2]] }] };
  await assert.rejects(checkTally(keys[0], status(1), published, entries, head, roll, tally, { cohortFeed: regrouped }), /not the one the K rules give/);
  // Without the merge map the plan differs (inside counted apart), so the server's is refused.
  await assert.rejects(checkTally(keys[0], status(1), published, entries, head, roll, tally, { cohortFeed: { ...feed, merged: [] } }), /per-cohort sums are not|not the one the K rules give/);
  await assert.rejects(checkTally(keys[0], status(1), published, entries, head, roll, tally, { cohortFeed: { ...feed, merged: [[1, 9]] } }), /per-cohort sums are not/);
  // A ballot whose label is not signed by the issuers' keys for its value: refused.
  const forged = structuredClone(credentials[5]);
  forged.credential.cohorts = [{ ...credentials[2].credential.cohorts[0] }];
  const bad = board(fingerprint, [...entries.slice(0, 5).map((e) => e.ballot), signedAt(fingerprint, buildBallot(manifest, fingerprint, choices[5]).sealed, forged)]);
  await assert.rejects(checkTally(keys[0], status(1), published, bad, headOf(seed, fingerprint, bad), roll, tally, { cohortFeed: feed }), /counted ballot 6 does not verify/);
});
