// The ballot page: read the voter's choices, encrypt and prove them in this browser (the sealed
// ballot, whose tracker is shown before the voter chooses), then either cast (signed with the
// credential over a board head fetched just before; sent anonymously: no cookie) or audit
// (Benaloh: post the sealed ballot with its reveal and no credential, check it, and encrypt the
// same choices afresh under a new nonce). A ballot that was sent but not confirmed stays in
// browser storage until its receipt arrives, so a dropped connection never loses it and resending
// never counts it twice. The manifest and the board head are fetched without cookies, and the
// election code shown to the voter is computed here from the manifest this page checked.

import { NetworkFailure, ServerRefusal, definiteRefusal, getJson, postJson, sendBallot } from "./api.js";
import { withoutMerged } from "./cohorts.js";
import { CredentialError, decodeCode, loadCredential, paddedBallot, saveCredential, signingCredential, verifyStored } from "./credential-store.js";
import {
  IncompleteRanking,
  buildBallot,
  checkReceipt,
  checkedManifest,
  choicesMatch,
  electionCode,
  headSigned,
  localDigits,
  openBallot,
  orderFromRanks,
  questionBounds,
  sealedPart,
  signBallot,
} from "./election.js";
import { pointFromHex, warmUp } from "../../crypto/group.js";
import { download, secureContext, setText, showState, t } from "./messages.js";
import { showMoment } from "./moment.js";

const app = document.getElementById("ballot-app");
const form = document.getElementById("ballot-form");
const fields = document.getElementById("ballot-fields");
const status = (text) => setText("ballot-status", text);
const PENDING = "mashwara/v1/pending-ballot/";
// The board count named by the last ballot this browser signed for the election (docs/elections.md
// §10): a re-vote waits until the board has moved past it, so that it outranks that ballot even
// if someone who kept that ballot casts it later.
const LAST_BOARD = "mashwara/v1/last-board/";
// Only that this browser cast a ballot in this election (no tracker, no choice): a returning
// voter is told that a new ballot replaces the earlier one.
const CAST_BEFORE = "mashwara/v1/cast-before/";
const BOARD_POLL_SECONDS = 3;
const BOARD_WAIT_SECONDS = 45;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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
  // The tracker page is cookie-less (/anonymous/): its language comes from the address.
  const lang = encodeURIComponent(document.documentElement.lang || "en");
  return `${app.dataset.trackerPage}?t=${tracker}&lang=${lang}`;
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
      // Every option ranked, each rank once: the ballot proves it is a full ranking (§5.1).
      const ranks = Array.from(box.querySelectorAll("select"), (select) => (select.value === "" ? null : Number(select.value)));
      try {
        return orderFromRanks(ranks);
      } catch (refused) {
        if (!(refused instanceof IncompleteRanking)) throw refused;
        fail(t(refused.reason === "shared" ? "rank_shared" : "rank_every"));
        return null;
      }
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

/** A ranked question's opened order, best first, as the voter gave it: "1. X  2. Y  3. Z". */
function orderList(q, order) {
  const list = document.createElement("ol");
  list.className = "ranked-order";
  order.forEach((option, place) => {
    const item = document.createElement("li");
    item.dir = "auto";
    item.textContent = t("rank_of", { rank: localDigits(String(place + 1), document.documentElement.lang), option: optionLabel(q, option) });
    list.append(item);
  });
  return list;
}

function renderOpened(opened) {
  const list = document.getElementById("audit-choices");
  list.replaceChildren();
  opened.forEach((question, q) => {
    const item = document.createElement("li");
    const legend = form.querySelector(`[data-question="${q}"] legend`);
    item.append(document.createTextNode(`${legend ? legend.textContent.trim() : q + 1}: `));
    if (question.order) {
      item.append(orderList(q, question.order));
    } else {
      const span = document.createElement("span");
      span.dir = "auto";
      span.textContent = question.selected.length
        ? question.selected.map((i) => optionLabel(q, i)).join(", ")
        : state.manifest.questions[q].type === "single"
          ? t("blank")
          : t("none_selected");
      item.append(span);
    }
    list.append(item);
  });
}

// -- steps -----------------------------------------------------------------------------------------

function setFormEnabled(enabled) {
  fields.disabled = !enabled;
}

/**
 * Bring a section that just appeared to where the voter is looking (on a phone it may open far
 * below the button they pressed) and move focus to its heading, so screen readers read it.
 */
function bringIntoView(section) {
  section.hidden = false;
  const heading = section.querySelector("h2");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  section.scrollIntoView?.({ block: "start" });
}

/**
 * Encrypt `choices` under a fresh nonce and show the sealed ballot's tracker for review; brought
 * into view unless `quietly` (after an audit, the audit's result stays where the voter looks).
 */
function seal(choices, { quietly = false } = {}) {
  state.current = buildBallot(state.manifest, state.fingerprint, choices);
  state.choices = choices;
  app.dataset.sealedTracker = state.current.tracker;
  setText("review-tracker", groups(state.current.tracker));
  const review = document.getElementById("review");
  if (quietly) review.hidden = false;
  else bringIntoView(review);
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
      seal(choices);
      const seconds = localDigits(((performance.now() - started) / 1000).toFixed(2), document.documentElement.lang);
      app.dataset.encryptMs = String(Math.round(performance.now() - started));
      status(t("encrypted", { seconds }));
      document.getElementById("audit-result").hidden = true;
      document.getElementById("receipt").hidden = true;
    } catch (error) {
      status(`${t("error")} ${error.message}`);
      setFormEnabled(true);
    }
  }, 30);
}

// Refusals this page explains in its own words; others show the server's translated message.
const EXPLAINED = new Set(["too_many_ballots", "duplicate_tracker", "bad_board_reference", "too_many_audits"]);

const refusal = (error) => (error instanceof ServerRefusal ? error.body?.error ?? "" : "");

function explain(error) {
  if (error instanceof NetworkFailure) return t("offline");
  if (error instanceof ServerRefusal) return EXPLAINED.has(refusal(error)) ? t(refusal(error)) : t("rejected", { message: error.message });
  if (error instanceof PageRefusal) return error.message;
  return `${t("error")} ${error.message}`;
}

/** A refusal by this page itself (a bad head, a board that did not move): nothing was sent. */
class PageRefusal extends Error {}

function showReceipt(receipt) {
  setText("receipt-tracker", groups(receipt.tracker));
  setText("receipt-position", localDigits(String(receipt.position), document.documentElement.lang));
  showMoment(document.getElementById("receipt-hour"), receipt.hour, "hour");
  setText("receipt-head", `${receipt.head.count} · ${receipt.head.hash} · ${receipt.head.signature}`);
  document.getElementById("receipt-link").href = trackerLink(receipt.tracker);
  document.getElementById("receipt-download").onclick = () =>
    download(`mashwara-receipt-${receipt.tracker.slice(0, 8)}.json`, JSON.stringify(receipt, null, 1), "application/json");
  document.getElementById("review").hidden = true;
  document.getElementById("pending").hidden = true;
  bringIntoView(document.getElementById("receipt"));
}

// -- casting -----------------------------------------------------------------------------------------

/** The board head, fetched without cookies and checked: signed by the board key, still running. */
async function fetchHead() {
  const head = await getJson(app.dataset.headUrl, { anonymous: true });
  if (!headSigned(state.manifest, state.fingerprint, head)) throw new PageRefusal(t("bad_head"));
  if (head.final) throw new PageRefusal(t("not_open"));
  return head;
}

function lastBoard() {
  try {
    const value = JSON.parse(storage()?.getItem(LAST_BOARD + state.fingerprintHex) ?? "null");
    return Number.isSafeInteger(value?.count) ? value.count : null;
  } catch {
    return null;
  }
}

function rememberBoard(count) {
  const last = lastBoard();
  storage()?.setItem(LAST_BOARD + state.fingerprintHex, JSON.stringify({ count: last === null ? count : Math.max(last, count) }));
}

function restoreBoard(count) {
  if (count === null) storage()?.removeItem(LAST_BOARD + state.fingerprintHex);
  else storage()?.setItem(LAST_BOARD + state.fingerprintHex, JSON.stringify({ count }));
}

// Refusals after which an honest ballot box never accepts the same signed ballot, whoever sends
// a copy of it (a head that is not on its board never becomes one): the next ballot need not
// wait out the head it named.
const NEVER_ACCEPTED = new Set(["bad_board_reference", "too_many_ballots", "duplicate_tracker", "audited_ballot", "bad_signature", "bad_proof", "unknown_issuer", "wrong_election", "malformed"]);

/**
 * The head to sign against. If this browser already signed a ballot naming the current head (it
 * was never cast, or not yet), wait until another entry lands, polling the head; give up after
 * BOARD_WAIT_SECONDS, send nothing and tell the voter to try again (or audit a ballot, which
 * itself moves the board).
 */
async function boardToSign() {
  const last = lastBoard();
  let head = await fetchHead();
  if (last === null || head.count > last) return head;
  app.dataset.boardWait = "waiting";
  status(t("waiting_board"));
  for (let waited = 0; waited < BOARD_WAIT_SECONDS; waited += BOARD_POLL_SECONDS) {
    await sleep(BOARD_POLL_SECONDS * 1000);
    head = await fetchHead();
    if (head.count > last) {
      app.dataset.boardWait = "moved";
      return head;
    }
  }
  app.dataset.boardWait = "gave-up";
  throw new PageRefusal(t("board_not_moved"));
}

/**
 * Sign the sealed ballot over a fresh board head and send it. A `bad_board_reference` refusal
 * (the head moved back, or was not this board's) is answered once: fetch the head again and re-sign.
 */
async function castSealed(sealed, retried = false) {
  const head = await boardToSign();
  const board = { count: head.count, hash: head.hash };
  // A label whose value was merged into "not stated" is dropped (docs/protocol.md §12.5).
  const merged = JSON.parse(app.dataset.cohortMerged || "[]");
  const credential = { ...state.credential, credential: withoutMerged(state.credential.credential, merged) };
  const ballot = signBallot(state.fingerprint, sealed, board, signingCredential(credential));
  const before = lastBoard();
  rememberBoard(board.count); // before sending: once sent, a copy of it may be cast by anyone
  try {
    return await send(ballot);
  } catch (error) {
    if (NEVER_ACCEPTED.has(refusal(error))) restoreBoard(before);
    if (!retried && refusal(error) === "bad_board_reference") return castSealed(sealed, true);
    throw error;
  }
}

async function send(ballot) {
  status(t("sending"));
  // Kept on this device until a receipt or a definite refusal; resent while the poll is open
  // (a quarter of an hour's grace for the scheduler to close it): the same bytes return the
  // receipt if the server stored the ballot before failing.
  const closes = Date.parse(state.manifest?.schedule?.closes ?? "");
  const receipt = await sendBallot(app.dataset.castUrl, ballot, {
    store: storage(),
    key: PENDING + state.fingerprintHex,
    encode: (b) => paddedBallot(state.manifest, b),
    until: () => !Number.isFinite(closes) || Date.now() < closes + 15 * 60 * 1000,
    onRetry: (seconds, attempt) => status(t("ballot_retrying", { seconds, attempt })),
  });
  storage()?.setItem(CAST_BEFORE + state.fingerprintHex, "1");
  const valid = checkReceipt(state.manifest, state.fingerprint, ballot, receipt);
  status(valid ? "" : t("bad_receipt"));
  app.dataset.receiptValid = String(valid);
  showReceipt(receipt);
  app.dataset.lastTracker = receipt.tracker;
  return receipt;
}

async function cast() {
  const { sealed } = state.current;
  document.getElementById("cast-button").disabled = true;
  document.getElementById("audit-button").disabled = true;
  try {
    await castSealed(sealed);
    state.current = null;
  } catch (error) {
    const kept = Boolean(storage()?.getItem(PENDING + state.fingerprintHex));
    if (kept && !definiteRefusal(error)) status(t("offline"));
    else status(error instanceof NetworkFailure && !kept ? t("offline_unsent") : explain(error));
    if (kept) offerPending();
  } finally {
    document.getElementById("cast-button").disabled = false;
    document.getElementById("audit-button").disabled = false;
  }
}

// -- auditing ----------------------------------------------------------------------------------------

/**
 * Benaloh audit: post the sealed ballot with its reveal — no credential, no signature, nothing
 * that links it to the voter — check the receipt and open the ballot here, then encrypt the same
 * choices afresh (a new nonce, new randomness) for the voter to cast or audit again.
 */
async function audit() {
  const { sealed, reveal, tracker } = state.current;
  document.getElementById("cast-button").disabled = true;
  document.getElementById("audit-button").disabled = true;
  status(t("auditing"));
  try {
    const receipt = await postJson(app.dataset.auditUrl, { ballot: sealed, reveal }, {
      anonymous: true,
      onRetry: (seconds) => status(t("retrying", { seconds })),
    });
    const opened = openBallot(state.manifest, sealed, reveal);
    renderOpened(opened);
    const matches = choicesMatch(state.manifest, state.choices, opened);
    const receiptValid = receipt.tracker === tracker && checkReceipt(state.manifest, state.fingerprint, sealed, receipt);
    setText("audit-tracker", groups(receipt.tracker));
    document.getElementById("audit-link").href = trackerLink(tracker);
    document.getElementById("review").hidden = true;
    bringIntoView(document.getElementById("audit-result"));
    app.dataset.auditedTracker = receipt.tracker;
    state.current = null;
    if (!matches || !receiptValid) {
      status(t(matches ? "bad_receipt" : "audit_mismatch"));
      setFormEnabled(false);
      return;
    }
    seal(state.choices, { quietly: true });
    status(t("encrypted_again"));
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

function importLine(text) {
  setText("import-status", text);
  const element = document.getElementById("import-status");
  // Where the voter is looking: the message is brought into view (and read by screen readers).
  element?.scrollIntoView?.({ block: "nearest" });
}

/**
 * Read the printed QR code with the camera where the browser offers BarcodeDetector; otherwise
 * say so and point to the file and paste paths. The decoded text goes through importCode.
 */
async function scanCode() {
  if (!("BarcodeDetector" in globalThis) || !navigator.mediaDevices?.getUserMedia) {
    importLine(t("scan_unsupported"));
    return;
  }
  const video = document.getElementById("scan-video");
  let stream;
  try {
    const detector = new globalThis.BarcodeDetector({ formats: ["qr_code"] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    importLine(t("scan_looking"));
    for (let tries = 0; tries < 600; tries += 1) {
      const found = await detector.detect(video);
      if (found.length > 0) {
        await importCode(found[0].rawValue);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch {
    importLine(t("scan_failed"));
  } finally {
    for (const track of stream?.getTracks() ?? []) track.stop();
    video.hidden = true;
  }
}

async function importCode(scanned) {
  const line = importLine;
  try {
    const file = document.getElementById("import-file").files[0];
    const text = typeof scanned === "string" ? scanned : file ? await file.text() : document.getElementById("import-code").value;
    const stored = await verifyStored(state.manifest, state.fingerprint, decodeCode(text, state.fingerprint, state.manifest));
    saveCredential(stored);
    state.credential = stored;
    document.getElementById("import-code").value = "";
    showState(document.getElementById("credential-status"), "present");
    setFormEnabled(app.dataset.open === "true");
    // Last, once the credential box above has changed size: the message stays in view.
    line(t("imported"));
  } catch (error) {
    // Say which check failed, so the voter knows whether to fetch another file or look for a typo.
    const kind = error instanceof CredentialError ? error.kind : "corrupted";
    line(t(`bad_code_${kind}`));
  }
}

function offerPending() {
  const text = storage()?.getItem(PENDING + state.fingerprintHex);
  if (!text) return;
  const box = document.getElementById("pending");
  box.hidden = false;
  document.getElementById("resend-button").onclick = async () => {
    const ballot = JSON.parse(text);
    try {
      await send(ballot);
    } catch (error) {
      // The head this ballot named is refused: sign its sealed part again over a fresh head.
      const own = state.credential && state.credential.credential.key === ballot.credential?.key;
      if (refusal(error) === "bad_board_reference" && own) {
        try {
          await castSealed(sealedPart(ballot), true);
          return;
        } catch (again) {
          status(explain(again));
          return;
        }
      }
      status(explain(error));
    }
  };
  document.getElementById("discard-button").onclick = () => {
    storage()?.removeItem(PENDING + state.fingerprintHex);
    box.hidden = true;
  };
}

/** The election code of the manifest this page checked, computed here (never read from the HTML). */
function showElectionCode(fingerprint) {
  const code = electionCode(fingerprint);
  app.dataset.electionCode = code;
  setText("election-code", localDigits(code, document.documentElement.lang));
  document.getElementById("election-code-box").hidden = false;
}

async function main() {
  if (!secureContext()) {
    status(t("insecure"));
    return;
  }
  let published;
  try {
    // No cookie: the manifest is public, and the voter's session has nothing to do with it.
    published = await getJson(app.dataset.manifestUrl, { anonymous: true });
  } catch {
    status(t("not_open"));
    return;
  }
  Object.assign(state, checkedManifest(published));
  state.fingerprintHex = hex(state.fingerprint);
  showElectionCode(state.fingerprint);
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
  document.getElementById("cast-before").hidden = !storage()?.getItem(CAST_BEFORE + state.fingerprintHex);
  document.getElementById("import-button").addEventListener("click", () => importCode());
  document.getElementById("scan-button")?.addEventListener("click", scanCode);
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
