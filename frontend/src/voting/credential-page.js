// The credential page: make the credential key, blind it for every issuer, post the requests,
// then poll while the issuers (the trustees) sign, unblind and verify their answers, and store
// the credential once `threshold` of them verify; then show the code that carries it to another
// device (docs/elections.md §3). The manifest is
// fetched without cookies (only the credential request itself needs the session), and the
// election code shown to the voter is computed here from the manifest this page checked.

import { NetworkFailure, ServerRefusal, getJson, postJson } from "./api.js";
import { chosenLabels } from "./cohorts.js";
import { finishRequest, requestBody, startRequest } from "./credential.js";
import {
  encodeCode,
  loadCredential,
  loadPending,
  removeCredential,
  removePending,
  saveCredential,
  savePending,
  verifyStored,
} from "./credential-store.js";
import { checkedManifest, electionCode, localDigits } from "./election.js";
import { download, secureContext, setText, t } from "./messages.js";

const app = document.getElementById("credential-app");
const status = (text) => setText("credential-status-line", text);

function showCode(stored) {
  document.getElementById("credential-stored").hidden = false;
  const request = document.getElementById("credential-request");
  if (request) request.hidden = true;
  const box = document.getElementById("credential-code-box");
  box.hidden = false;
  const code = encodeCode(stored);
  document.getElementById("credential-code").textContent = code;
  document.getElementById("download-code").onclick = () =>
    download(`mashwara-credential-${stored.election.slice(0, 8)}.txt`, `${t("code_heading")}\n\n${code}\n`);
  document.getElementById("print-code").onclick = async () => {
    try {
      await drawQRCode(code);
    } catch {
      // Without the QR code the sheet still carries the code as text.
    }
    window.print();
  };
  document.getElementById("forget-credential").onclick = () => {
    if (window.confirm(t("forget_confirm"))) {
      removeCredential(stored.election);
      window.location.reload();
    }
  };
}

let qrScript = null;

/** Load voting-qr.js (only now: it is not part of the first load) and draw the code's QR code. */
async function drawQRCode(code) {
  qrScript ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = app.dataset.qrScript;
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
  await qrScript;
  const figure = document.getElementById("credential-qr-box");
  globalThis.MashwaraQR.drawQR(document.getElementById("credential-qr"), code.replace(/\s+/g, ""));
  figure.hidden = false;
}

const POLL_SECONDS = 2;

async function request(manifest, fingerprint) {
  const button = document.getElementById("request-button");
  if (button) button.disabled = true;
  const fingerprintHex = app.dataset.fingerprint;
  try {
    let pending = loadPending(fingerprintHex);
    if (!pending) {
      status(t("making"));
      const labels = chosenLabels(manifest, app);
      for (const select of app.querySelectorAll("select[name^='cohort-']")) select.disabled = true;
      pending = await startRequest(manifest, fingerprint, labels);
      savePending(pending); // before sending: a lost answer is retried with the same requests
    }
    status(t("requesting"));
    let answer = await postJson(app.dataset.credentialUrl, requestBody(pending), {
      csrf: app.dataset.csrf,
      onRetry: (seconds) => status(t("retrying", { seconds })),
    });
    const total = manifest.issuers.keys.length;
    const needed = manifest.issuers.threshold;
    for (;;) {
      const { signed, valid, stored } = await finishRequest(manifest, pending, answer);
      if (stored) {
        saveCredential(stored);
        removePending(fingerprintHex);
        status(t("done"));
        showCode(stored);
        return;
      }
      app.dataset.signed = String(valid);
      if (signed > valid && signed - valid + needed > total) {
        status(t("bad_signature"));
        return;
      }
      status(t("waiting_issuers", { signed: valid, total, needed }));
      await new Promise((resolve) => setTimeout(resolve, POLL_SECONDS * 1000));
      answer = await getJson(app.dataset.credentialUrl);
    }
  } catch (error) {
    if (error instanceof NetworkFailure) status(t("offline"));
    else if (error instanceof ServerRefusal) {
      // Refused, not lost: this request will never be answered, so do not retry it on reload.
      removePending(fingerprintHex);
      status(t("refused", { message: error.message }));
    } else status(`${t("error")} ${error.message}`);
    if (button) button.disabled = false;
  }
}

async function main() {
  if (!secureContext()) {
    status(t("insecure"));
    return;
  }
  const { manifest, fingerprint } = checkedManifest(await getJson(app.dataset.manifestUrl, { anonymous: true }));
  app.dataset.fingerprint = Array.from(fingerprint, (b) => b.toString(16).padStart(2, "0")).join("");
  const code = electionCode(fingerprint);
  app.dataset.electionCode = code;
  setText("election-code", localDigits(code, document.documentElement.lang));
  document.getElementById("election-code-box").hidden = false;
  const stored = loadCredential(app.dataset.fingerprint);
  if (stored) {
    try {
      showCode(await verifyStored(manifest, fingerprint, stored));
      return;
    } catch {
      // A damaged stored credential is ignored; the voter can import the code again.
    }
  }
  const button = document.getElementById("request-button");
  if (button && app.dataset.canRequest === "true") {
    button.disabled = false;
    button.addEventListener("click", () => request(manifest, fingerprint));
  }
  // A request whose answers were lost or not all in yet: finish it now, with the identical
  // requests (the server answers them again even though the roll already shows them issued).
  if (loadPending(app.dataset.fingerprint)) request(manifest, fingerprint);
}

main().catch((error) => status(`${t("error")} ${error.message}`));
