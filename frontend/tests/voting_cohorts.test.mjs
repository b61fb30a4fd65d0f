// Cohort labels in the browser (docs/protocol.md §12): the label message is byte for byte the
// Python one (voting.verify.cohorts.label_message), and the ballot page drops merged labels.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "../crypto/bytes.js";
import { labelMessage, withoutMerged } from "../src/voting/cohorts.js";

test("the label message is the one the Python verifier checks", () => {
  const message = labelMessage(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), 2, 3);
  assert.equal(message.length, 129);
  // python -c "from voting.verify.cohorts import label_message; …" (fp = 01…, P = 02…, d = 2, v = 3)
  assert.equal(bytesToHex(sha256(message)), "c622017f4c1973850b78ed6e2a6a8d00c402f3696142849ed939dc5154a224ca");
});

test("the label messages of tests/crypto/vectors/cohorts.json", () => {
  const vectors = JSON.parse(readFileSync(new URL("../../tests/crypto/vectors/cohorts.json", import.meta.url)));
  for (const v of vectors.labels) {
    const message = labelMessage(hexToBytes(v.fingerprint), hexToBytes(v.credential_key), v.dimension, v.value);
    assert.equal(bytesToHex(message), v.message);
  }
});

test("a label of a merged value is dropped, the others kept", () => {
  const credential = {
    key: "00",
    signatures: [],
    cohorts: [
      { dimension: 1, value: 1, signatures: [] },
      { dimension: 2, value: 2, signatures: [] },
    ],
  };
  const kept = withoutMerged(credential, [[2, 2]]);
  assert.deepEqual(kept.cohorts.map((l) => [l.dimension, l.value]), [[1, 1]]);
  assert.equal(credential.cohorts.length, 2);
  assert.equal(withoutMerged({ key: "00", signatures: [] }, [[1, 1]]).cohorts, undefined);
});

test("a credential with a cohort label: blinded per issuer, signed under the value's keys, carried by the code", async () => {
  const { baseMul } = await import("../crypto/group.js");
  const { finishRequest, requestBody, startRequest } = await import("../src/voting/credential.js");
  const { decodeCode, encodeCode, verifyStored } = await import("../src/voting/credential-store.js");
  const { fingerprintOf } = await import("../src/voting/election.js");
  const { sampleManifest, testIssuers, blindSignWith } = await import("./voting_helpers.mjs");
  const { privateKeys, trustees, issuers } = await testIssuers();
  // Each issuer's key for "dimension 1 = value 2" is, in this test, the other issuer's key.
  // (Value 1's keys are the issuers' own: no label of it is signed here.)
  const cohortKeys = issuers.keys.flatMap((k, i) => [
    { trustee: k.trustee, dimension: 1, value: 1, pem: k.pem },
    { trustee: k.trustee, dimension: 1, value: 2, pem: issuers.keys[1 - i].pem },
  ]);
  const cohorts = { minimum: 50, dimensions: [{ name: { en: "Gender" }, kind: "self-declared", values: [{ en: "Woman" }, { en: "Man" }] }] };
  const manifest = { ...sampleManifest(baseMul(7n)), trustees, issuers, cohorts, cohort_keys: cohortKeys };
  const fingerprint = fingerprintOf(manifest);
  const pending = await startRequest(manifest, fingerprint, [[1, 2]]);
  const body = requestBody(pending);
  assert.deepEqual(body.requests.map((r) => r.labels.map((l) => [l.dimension, l.value])), [[[1, 2]], [[1, 2]]]);
  assert.notEqual(body.requests[0].labels[0].blinded_message, body.requests[1].labels[0].blinded_message);
  const status = { requests: [] };
  for (const r of pending.requests) {
    const label = r.labels[0];
    status.requests.push({
      issuer: r.issuer,
      blinded_message: r.blinded,
      blind_signature: await blindSignWith(privateKeys[r.issuer - 1], r.blinded),
      labels: [{ dimension: 1, value: 2, blinded_message: label.blinded, blind_signature: await blindSignWith(privateKeys[2 - r.issuer], label.blinded) }],
    });
  }
  const { stored } = await finishRequest(manifest, pending, status);
  assert.deepEqual(stored.credential.cohorts.map((l) => [l.dimension, l.value, l.signatures.map((s) => s.issuer)]), [[1, 2, [1, 2]]]);
  const back = decodeCode(encodeCode(stored), fingerprint, manifest);
  assert.deepEqual(back, stored);
  assert.equal(await verifyStored(manifest, fingerprint, back), back);
  // A code whose label was altered (another value, or a damaged signature) is refused on import.
  const relabelled = structuredClone(back);
  relabelled.credential.cohorts[0].value = 1;
  await assert.rejects(verifyStored(manifest, fingerprint, relabelled), (e) => e.kind === "corrupted");
  const damaged = structuredClone(back);
  const sig = damaged.credential.cohorts[0].signatures[1];
  sig.signature = (sig.signature[0] === "0" ? "1" : "0") + sig.signature.slice(1);
  await assert.rejects(verifyStored(manifest, fingerprint, damaged), (e) => e.kind === "corrupted");
});

test("the cast request has one length whatever labels the credential carries (JSON whitespace padding)", async () => {
  const { paddedBallot } = await import("../src/voting/credential-store.js");
  const { testIssuers } = await import("./voting_helpers.mjs");
  const { issuers } = await testIssuers();
  const cohortKeys = issuers.keys.flatMap((k) => [1, 2].flatMap((d) => [1, 2, 3].map((v) => ({ trustee: k.trustee, dimension: d, value: v, pem: k.pem }))));
  const dimension = (kind) => ({ name: { en: "x" }, kind, values: [{ en: "a" }, { en: "b" }, { en: "c" }] });
  const manifest = { issuers, cohorts: { minimum: 5, dimensions: [dimension("attested"), dimension("self-declared")] }, cohort_keys: cohortKeys };
  const signature = (issuer) => ({ issuer, prefix: "ab".repeat(32), signature: "cd".repeat(384) });
  const label = (d, v) => ({ dimension: d, value: v, signatures: [signature(1), signature(2)] });
  const ballot = (cohorts) => ({ answers: [{ ciphertexts: [] }], board: { count: 12, hash: "00".repeat(32) }, credential: { key: "11".repeat(32), signatures: [signature(1), signature(2)], cohorts }, signature: "22".repeat(64) });
  const bodies = [[], [label(1, 2)], [label(2, 3)], [label(1, 1), label(2, 2)]].map((labels) => paddedBallot(manifest, ballot(labels)));
  assert.equal(new Set(bodies.map((b) => b.length)).size, 1, bodies.map((b) => b.length).join(" "));
  assert.deepEqual(JSON.parse(bodies[1]), ballot([label(1, 2)]));
  assert.ok(bodies[3].length === JSON.stringify(ballot([label(1, 1), label(2, 2)])).length, "a full credential needs no padding");
  // Without dimensions, the JSON as it is.
  const plain = { ...ballot(undefined), credential: { key: "11".repeat(32), signatures: [] } };
  assert.equal(paddedBallot({ issuers }, plain), JSON.stringify(plain));
});
