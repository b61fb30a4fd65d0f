// The credential page's requests (frontend/src/voting/credential-page.js) in a stand-in
// browser: the manifest is fetched without cookies, the election code shown is computed from
// it, and only the credential request itself carries the session (with the CSRF token).

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToHex } from "../crypto/bytes.js";
import { generateKeyPair } from "../crypto/elgamal.js";
import { electionCode, fingerprintOf } from "../src/voting/election.js";
import { installPage, until } from "./page_harness.mjs";
import { sampleManifest, testIssuers } from "./voting_helpers.mjs";

test("the credential page fetches the manifest without cookies; only the credential request is signed in", async () => {
  const { trustees, issuers } = await testIssuers();
  const manifest = { ...sampleManifest(generateKeyPair().public), trustees, issuers };
  const fingerprint = fingerprintOf(manifest);
  const page = installPage({
    appId: "credential-app",
    dataset: { manifestUrl: "/elections/x/manifest.json", credentialUrl: "/elections/x/credential", csrf: "token-1", canRequest: "true" },
    routes: {
      "/elections/x/manifest.json": { status: 200, body: { manifest, fingerprint: bytesToHex(fingerprint) } },
      "/elections/x/credential": { status: 409, body: { error: "already_issued", message: "refused in this test" } },
    },
  });
  await import("../src/voting/credential-page.js");
  await until(() => page.byId("request-button").listeners.click?.length === 1);

  const [first] = page.requests;
  assert.equal(first.url, "/elections/x/manifest.json");
  assert.equal(first.init.credentials, "omit", "the manifest request must not carry the session cookie");
  assert.equal(page.byId("credential-app").dataset.electionCode, electionCode(fingerprint));
  assert.equal(page.byId("election-code").textContent, electionCode(fingerprint));

  page.byId("request-button").listeners.click[0]();
  await until(() => page.requests.length === 2);
  await until(() => page.byId("credential-status-line").textContent !== "" && page.byId("request-button").disabled === false);
  const post = page.requests[1];
  assert.equal(post.url, "/elections/x/credential");
  assert.equal(post.init.method, "POST");
  assert.equal(post.init.credentials, "same-origin");
  assert.equal(post.init.headers["X-CSRFToken"], "token-1");
});
