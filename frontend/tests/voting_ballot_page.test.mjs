// The ballot page's start-up (frontend/src/voting/ballot-page.js) in a stand-in browser: it
// fetches the manifest without cookies (`credentials: "omit"`: the voter's session has nothing
// to do with a public document, and must not tie the visit to the account), and shows the
// election code it computed from the manifest it checked, in the page's digits.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex } from "../crypto/bytes.js";
import { generateKeyPair } from "../crypto/elgamal.js";
import { electionCode, fingerprintOf, localDigits } from "../src/voting/election.js";
import { installPage, until } from "./page_harness.mjs";
import { sampleManifest } from "./voting_helpers.mjs";

test("the ballot page fetches the manifest without cookies and shows the code of the manifest it checked", async () => {
  const manifest = { ...sampleManifest(generateKeyPair().public), board_public_key: bytesToHex(ed25519.getPublicKey(new Uint8Array(32).fill(3))) };
  const fingerprint = fingerprintOf(manifest);
  const page = installPage({
    appId: "ballot-app",
    lang: "fa-af",
    dataset: {
      manifestUrl: "/elections/x/manifest.json",
      headUrl: "/elections/x/board/head.json",
      castUrl: "/ballot-box/x/cast",
      auditUrl: "/ballot-box/x/audit",
      trackerPage: "/elections/x/board/tracker",
      open: "true",
    },
    routes: { "/elections/x/manifest.json": { status: 200, body: { manifest, fingerprint: bytesToHex(fingerprint) } } },
  });
  await import("../src/voting/ballot-page.js");
  await until(() => page.byId("ballot-app").dataset.ready === "true");

  const [first] = page.requests;
  assert.equal(first.url, "/elections/x/manifest.json");
  assert.equal(first.init.credentials, "omit", "the manifest request must not carry the session cookie");
  const code = electionCode(fingerprint);
  assert.equal(page.byId("ballot-app").dataset.electionCode, code);
  assert.equal(page.byId("election-code").textContent, localDigits(code, "fa-af"));
  assert.match(page.byId("election-code").textContent, /^[۰-۹]{4}( [۰-۹]{4}){5}$/);
  assert.equal(page.byId("election-code-box").hidden, false);
});
