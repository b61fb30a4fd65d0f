// The ballot page: read the voter's choices, encrypt and prove them in this browser, then either
// cast (anonymously: no cookie is sent) or audit (Benaloh: reveal, publish as spoiled, check, and
// encrypt afresh). A ballot that was sent but not confirmed stays in browser storage until its
// receipt arrives, so a dropped connection never loses it and resending never counts it twice.

import { NetworkFailure, ServerRefusal, getJson, postJson } from "./api.js";
import { decodeCode, loadCredential, saveCredential, signingCredential, verifyStored } from "./credential-store.js";
import { buildBallot, checkReceipt, checkedManifest, choicesMatch, openBallot, questionBounds } from "./election.js";
import { pointFromHex, warmUp } from "../../crypto/group.js";
import { download, secureContext, setText, showState, t } from "./messages.js";

const app = document.getElementById("ballot-app");
const form = document.getElementById("ballot-form");
const fields = document.getElementById("ballot-fields");
const status = (text) => setText("ballot-status", text);
const PENDING = "mashwara/v1/pending-ballot/";

const state = { manifest: null, fingerprint: null, fingerprintHex: "", credential: null, current: null, choices: null };

function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function groups(tracker) {
  return tracker.match(/.{4}/g).join(" ");
}

function trackerLink(tracker) {
  return `${app.dataset.trackerPage}?t=${tracker}`;
}

// -- choices -------------------------------------------------------------------------------------

function readChoices() {
  let valid = true;
  const choices = state.manifest.questions.map((question, q) => {
    const box = form.querySelector(`[data-question="${q}"]`);
    const error = box.querySelector(".field-error");
    error.hidden = true;
    const fail = (text) => {
      error.textContent = text;
      error.hidden = false;
      valid = false;
    };
    if (question.type === "ranked") {
      return Array.from(box.querySelectorAll("select"), (select) => (select.value === "" ? null : Number(select.value)));
    }
    const picked = Array.from(box.querySelectorAll("input:checked"), (input) => input.value);
    if (question.type === "single") {
      if (picked.length === 0) fail(t("choose_one"));
      return picked.length && picked[0] !== "blank" ? [Number(picked[0])] : [];
    }
    const [low, high] = questionBounds(question);
    if (picked.length < low || picked.length > high) fail(t("bounds", { low, high }));
    return picked.map(Number);
  });
  return valid ? choices : null;
}

function optionLabel(q, i) {
  const box = form.querySelector(`[data-question="${q}"]`);
  const input = box.querySelector(`input[value="${i}"], select[data-option="${i}"]`);
  const label = input?.closest("label")?.querySelector("span");
  return label ? label.textContent.trim() : String(i + 1);
}

function renderOpened(opened) {
  const list = document.getElementById("audit-choices");
  list.replaceChildren();
  opened.forEach((question, q) => {
    const item = document.createElement("li");
    const legend = form.querySelector(`[data-question="${q}"] legend`);
    item.append(document.createTextNode(`${legend ? legend.textContent.trim() : q + 1}: `));
    const text = question.selected
      ? question.selected.length
        ? question.selected.map((i) => optionLabel(q, i)).join(", ")
        : state.manifest.questions[q].type === "single"
          ? t("blank")
          : t("none_selected")
      : question.above.length
        ? question.above.map(([i, j]) => `${optionLabel(q, i)} > ${optionLabel(q, j)}`).join(", ")
        : t("unranked");
    const span = document.createElement("span");
    span.dir = "auto";
    span.textContent = text;
    item.append(span);
    list.append(item);
  });
}

// -- steps -----------------------------------------------------------------------------------------

function setFormEnabled(enabled) {
  fields.disabled = !enabled;
}

function encrypt(event) {
  event.preventDefault();
  if (!state.credential) {
    status(t("no_credential"));
    return;
  }
  const choices = readChoices();
  if (!choices) return;
  setFormEnabled(false);
  status(t("encrypting"));
  // Let the status line paint before the (synchronous) proving starts.
  setTimeout(() => {
    try {
      const started = performance.now();
      state.current = buildBallot(state.manifest, state.fingerprint, signingCredential(state.credential), choices);
      state.choices = choices;
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      app.dataset.encryptMs = String(Math.round(performance.now() - started));
      status(t("encrypted", { seconds }));
      setText("review-tracker", groups(state.current.tracker));
      document.getElementById("review").hidden = false;
      document.getElementById("audit-result").hidden = true;
      document.getElementById("receipt").hidden = true;
    } catch (error) {
      status(`${t("error")} ${error.message}`);
      setFormEnabled(true);
    }
  }, 30);
}

function explain(error) {
  if (error instanceof NetworkFailure) return t("offline");
  if (error instanceof ServerRefusal) return t("rejected", { message: error.message });
  return `${t("error")} ${error.message}`;
}

function showReceipt(receipt) {
  setText("receipt-tracker", groups(receipt.tracker));
  setText("receipt-position", String(receipt.position));
  setText("receipt-hour", receipt.hour);
  setText("receipt-head", `${receipt.head.count} · ${receipt.head.hash} · ${receipt.head.signature}`);
  document.getElementById("receipt-link").href = trackerLink(receipt.tracker);
  document.getElementById("receipt-download").onclick = () =>
    download(`mashwara-receipt-${receipt.tracker.slice(0, 8)}.json`, JSON.stringify(receipt, null, 1), "application/json");
  document.getElementById("receipt").hidden = false;
  document.getElementById("review").hidden = true;
  document.getElementById("pending").hidden = true;
}

async function send(ballot) {
  const pendingKey = PENDING + state.fingerprintHex;
  storage()?.setItem(pendingKey, JSON.stringify(ballot));
  status(t("sending"));
  let receipt;
  try {
    receipt = await postJson(app.dataset.castUrl, ballot, {
      anonymous: true,
      onRetry: (seconds) => status(t("retrying", { seconds })),
    });
  } catch (error) {
    // A refused ballot will never be accepted: only a lost one is kept for sending again.
    if (error instanceof ServerRefusal) storage()?.removeItem(pendingKey);
    throw error;
  }
  storage()?.removeItem(pendingKey);
  const valid = checkReceipt(state.manifest, state.fingerprint, ballot, receipt);
  status(valid ? "" : t("bad_receipt"));
  app.dataset.receiptValid = String(valid);
  showReceipt(receipt);
  app.dataset.lastTracker = receipt.tracker;
  return receipt;
}

async function cast() {
  const { ballot } = state.current;
  document.getElementById("cast-button").disabled = true;
  document.getElementById("audit-button").disabled = true;
  try {
    await send(ballot);
    state.current = null;
  } catch (error) {
    status(explain(error));
    if (error instanceof NetworkFailure) document.getElementById("pending").hidden = false;
  } finally {
    document.getElementById("cast-button").disabled = false;
    document.getElementById("audit-button").disabled = false;
  }
}

async function audit() {
  const { ballot, reveal, tracker } = state.current;
  document.getElementById("cast-button").disabled = true;
  document.getElementById("audit-button").disabled = true;
  status(t("auditing"));
  try {
    const receipt = await postJson(app.dataset.auditUrl, { ballot, reveal }, {
      anonymous: true,
      onRetry: (seconds) => status(t("retrying", { seconds })),
    });
    const opened = openBallot(state.manifest, ballot, reveal);
    renderOpened(opened);
    const matches = choicesMatch(state.manifest, state.choices, opened);
    status(matches ? "" : t("audit_mismatch"));
    setText("audit-tracker", groups(receipt.tracker));
    document.getElementById("audit-link").href = trackerLink(tracker);
    document.getElementById("audit-result").hidden = false;
    document.getElementById("review").hidden = true;
    app.dataset.auditedTracker = receipt.tracker;
    state.current = null;
    setFormEnabled(matches);
  } catch (error) {
    status(explain(error));
  } finally {
    document.getElementById("cast-button").disabled = false;
    document.getElementById("audit-button").disabled = false;
  }
}

function change() {
  state.current = null;
  document.getElementById("review").hidden = true;
  status("");
  setFormEnabled(true);
}

async function importCode() {
  const line = (text) => setText("import-status", text);
  try {
    const file = document.getElementById("import-file").files[0];
    const text = file ? await file.text() : document.getElementById("import-code").value;
    const stored = await verifyStored(state.manifest, state.fingerprint, decodeCode(text, state.fingerprint));
    saveCredential(stored);
    state.credential = stored;
    line(t("imported"));
    document.getElementById("import-code").value = "";
    showState(document.getElementById("credential-status"), "present");
    setFormEnabled(app.dataset.open === "true");
  } catch {
    line(t("bad_code"));
  }
}

function offerPending() {
  const text = storage()?.getItem(PENDING + state.fingerprintHex);
  if (!text) return;
  const box = document.getElementById("pending");
  box.hidden = false;
  document.getElementById("resend-button").onclick = async () => {
    try {
      await send(JSON.parse(text));
    } catch (error) {
      status(explain(error));
    }
  };
  document.getElementById("discard-button").onclick = () => {
    storage()?.removeItem(PENDING + state.fingerprintHex);
    box.hidden = true;
  };
}

async function main() {
  if (!secureContext()) {
    status(t("insecure"));
    return;
  }
  let published;
  try {
    published = await getJson(app.dataset.manifestUrl);
  } catch {
    status(t("not_open"));
    return;
  }
  Object.assign(state, checkedManifest(published));
  state.fingerprintHex = hex(state.fingerprint);
  // Build the window tables of G and X now, while the voter reads the questions.
  setTimeout(() => warmUp(pointFromHex(state.manifest.joint_public_key)), 0);
  const statusBox = document.getElementById("credential-status");
  const stored = loadCredential(state.fingerprintHex);
  if (stored) {
    try {
      state.credential = await verifyStored(state.manifest, state.fingerprint, stored);
    } catch {
      state.credential = null;
    }
  }
  showState(statusBox, state.credential ? "present" : "absent");
  document.getElementById("import-button").addEventListener("click", importCode);
  form.addEventListener("submit", encrypt);
  document.getElementById("cast-button").addEventListener("click", cast);
  document.getElementById("audit-button").addEventListener("click", audit);
  document.getElementById("change-button").addEventListener("click", change);
  document.getElementById("revote-button").addEventListener("click", () => {
    document.getElementById("receipt").hidden = true;
    setFormEnabled(true);
  });
  if (app.dataset.open !== "true") {
    status(t("not_open"));
    return;
  }
  offerPending();
  setFormEnabled(Boolean(state.credential));
  app.dataset.ready = "true";
}

main().catch((error) => status(`${t("error")} ${error.message}`));
