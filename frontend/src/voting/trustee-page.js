// The trustee page: make the secret key in this browser and hand it over once as a
// passphrase-locked key file; publish commitments; then, from the key file, send shares, check
// the shares received (complain if wrong), answer complaints; later rebuild the tally from the
// board and send decryption shares with their proofs (docs/elections.md §6–§7). An issuer
// (trustees 1..k) also makes its RSA keys here — the credential key and, in an election with
// cohort dimensions, one per stated value — and signs the voters' blinded requests with them.

import { localDigits } from "./election.js";
import { NetworkFailure, ServerRefusal, getJson, postJson } from "./api.js";
import { KeyFileError, keyFileText, openKeyFile, parseKeyFile, sealKeyFile, MIN_PASSPHRASE } from "./keyfile.js";
import { has, secureContext, setText, t } from "./messages.js";
import { issuerSigner, newCohortKeys, newIssuerKey, signQueue, signedLedger } from "./issuer.js";
import {
  checkOwnKeys,
  checkTally,
  cohortValuesToMake,
  commitmentsMessage,
  decryptionMessage,
  isIssuer,
  newSecrets,
  nextCeremonyStep,
  TrusteeRefusal,
} from "./trustee.js";

const app = document.getElementById("trustee-app");
const base = app.dataset.base; // /elections/<uuid>/
const csrf = app.dataset.csrf;
// The message goes where the trustee is looking: right after the section whose button they used
// (not below the next section), brought into view; it stays one live region for screen readers.
function status(text) {
  setText("trustee-status", text);
  const line = document.getElementById("trustee-status");
  if (!text || !line) return;
  const section = document.activeElement?.closest?.("section");
  if (section && section.nextElementSibling !== line) section.after(line);
  line.scrollIntoView?.({ block: "nearest" });
}
const POLL_SECONDS = 30;
const ISSUE_POLL_SECONDS = 2;

function log(text) {
  const item = document.createElement("li");
  item.textContent = text;
  document.getElementById("trustee-log").append(item);
}

/** A refusal's sentence in the page's language (the English one if the page lacks it). */
function refusalText(error) {
  const key = `refusal_${error.code}`;
  return has(key) ? t(key, error.params) : error.message;
}

function explain(error) {
  if (error instanceof TrusteeRefusal) return t("refused", { message: refusalText(error) });
  if (error instanceof ServerRefusal) return t("refused", { message: error.message });
  if (error instanceof KeyFileError && has(`keyfile_${error.code}`)) return t(`keyfile_${error.code}`);
  if (error instanceof NetworkFailure) return `${t("error")} ${error.message}`;
  return `${t("error")} ${error.message}`;
}

function renderStatus(ceremony) {
  const body = document.getElementById("ceremony-table");
  body.replaceChildren();
  for (const trustee of ceremony.trustees) {
    const row = document.createElement("tr");
    const cells = [
      `${localDigits(String(trustee.index), document.documentElement.lang)} ${trustee.name}${trustee.index === ceremony.my_index ? ` ${t("you")}` : ""}${trustee.disqualified ? ` (${t("disqualified")})` : ""}`,
      trustee.commitments !== null ? t("yes") : t("no"),
      trustee.shares_sent ? t("yes") : t("no"),
      trustee.verified ? t("yes") : t("no"),
    ];
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    body.append(row);
  }
  setText("ceremony-summary", ceremony.complete ? `${t("complete")} ${ceremony.joint_public_key}` : t("in_progress"));
  app.dataset.complete = String(Boolean(ceremony.complete));
}

const ceremonyStatus = () => getJson(`${base}ceremony.json`);

async function loadKey() {
  const file = document.getElementById("keyfile-input").files[0];
  if (!file) throw new TrusteeRefusal("choose_file");
  status(t("opening"));
  const key = await openKeyFile(parseKeyFile(await file.text()), document.getElementById("passphrase").value);
  if (key.election !== app.dataset.election) throw new TrusteeRefusal("other_election");
  return key;
}

// -- key ceremony ------------------------------------------------------------------------------------

const SENT = { commitments: "sent_commitments", shares: "sent_shares", answers: "sent_answers" };

async function advance(key) {
  for (;;) {
    const ceremony = await ceremonyStatus();
    renderStatus(ceremony);
    const due = nextCeremonyStep(key, ceremony);
    if (due === null) {
      if (ceremony.complete) {
        await checkManifestHoldsMyKey(key);
        status("");
        return;
      }
      status(t("waiting"));
      setTimeout(() => advance(key).catch((error) => status(explain(error))), POLL_SECONDS * 1000);
      return;
    }
    const [step, dueBody] = due;
    const body = step === "commitments" ? await commitmentsMessage(key) : dueBody;
    const updated = await postJson(`${base}ceremony/${step}`, body, { csrf });
    renderStatus(updated);
    if (step === "verification") {
      log(body.complaints.length ? t("sent_complaints", { senders: body.complaints.map((c) => c.sender).join(", ") }) : t("sent_verification"));
    } else {
      log(t(SENT[step]));
    }
  }
}

/** Progress while the keys are made (RSA-3072 takes up to a second or more each on a phone). */
function keyProgress(done, total) {
  const bar = document.getElementById("keygen-progress");
  document.getElementById("keygen-progress-box").hidden = false;
  bar.max = total;
  bar.value = done;
  status(t("making_keys", { done, total }));
  return new Promise((resolve) => setTimeout(resolve, 0)); // let the page repaint
}

function generate(ceremony) {
  const box = document.getElementById("generate-box");
  box.hidden = false;
  let key = null;
  let cohortValues = [];
  try {
    cohortValues = cohortValuesToMake(ceremony);
  } catch (error) {
    status(explain(error));
    document.getElementById("generate-button").disabled = true;
    return;
  }
  if (cohortValues.length) {
    const note = document.getElementById("cohort-keys-note");
    note.textContent = t("cohort_keys_note", { count: cohortValues.length });
    note.hidden = false;
  }
  document.getElementById("generate-button").addEventListener("click", async () => {
    const first = document.getElementById("new-passphrase").value;
    const second = document.getElementById("new-passphrase-again").value;
    if ([...first].length < MIN_PASSPHRASE) return status(t("passphrase_short"));
    if (first !== second) return status(t("passphrase_differs"));
    document.getElementById("generate-button").disabled = true;
    status(t("generating"));
    try {
      // Only an issuer (trustees 1..k, protocol §7) makes RSA keys; the others only decrypt.
      const issuer = isIssuer(ceremony.my_index, ceremony.threshold);
      let issuerKey = null;
      let cohortKeys = [];
      if (issuer) {
        const total = 1 + cohortValues.length;
        await keyProgress(0, total);
        issuerKey = await newIssuerKey();
        await keyProgress(1, total);
        cohortKeys = await newCohortKeys(cohortValues, (done) => keyProgress(1 + done, total));
      }
      status(t("generating"));
      key = {
        election: app.dataset.election,
        ceremonyContext: Uint8Array.from(ceremony.ceremony_context.match(/../g), (h) => parseInt(h, 16)),
        threshold: ceremony.threshold,
        secrets: newSecrets(ceremony.my_index, ceremony.threshold),
        issuerKey,
        cohortKeys,
      };
      const sealed = await sealKeyFile(key, first);
      const link = document.getElementById("keyfile-link");
      link.href = URL.createObjectURL(new Blob([keyFileText(sealed)], { type: "application/json" }));
      link.download = `mashwara-trustee-${ceremony.my_index}-${app.dataset.election.slice(0, 8)}.key`;
      document.getElementById("keyfile-ready").hidden = false;
      document.getElementById("new-passphrase").value = "";
      document.getElementById("new-passphrase-again").value = "";
      status(t("generated"));
    } catch (error) {
      status(explain(error));
      document.getElementById("generate-button").disabled = false;
    }
  });
  const saved = document.getElementById("keyfile-saved");
  const publish = document.getElementById("publish-button");
  saved.addEventListener("change", () => {
    publish.disabled = !saved.checked;
  });
  publish.addEventListener("click", async () => {
    publish.disabled = true;
    try {
      const body = await commitmentsMessage(key);
      renderStatus(await postJson(`${base}ceremony/commitments`, body, { csrf }));
      log(t("sent_commitments"));
      box.hidden = true;
      document.getElementById("load-box").hidden = false;
      await advance(key);
    } catch (error) {
      status(explain(error));
      publish.disabled = false;
    }
  });
}

// -- issuing credentials ------------------------------------------------------------------------------

async function checkManifestHoldsMyKey(key) {
  const published = await getJson(`${base}manifest.json`);
  const cohortKeys = await checkOwnKeys(key, published.manifest);
  // A trustee beyond k is no issuer: the manifest holds no key of theirs, and they sign nothing.
  if (isIssuer(key.secrets.trustee, key.threshold)) log(t("manifest_holds_key"));
  if (cohortKeys) log(t("manifest_holds_cohort_keys", { count: cohortKeys }));
  app.dataset.manifestChecked = String(cohortKeys); // how many of our cohort keys it holds
  return published.fingerprint;
}

const LEDGER = "mashwara/v1/issuer-ledger/";
const ledgerKey = (key) => `${LEDGER}${app.dataset.election}/${key.secrets.trustee}`;
const loadLedger = (key) => JSON.parse(globalThis.localStorage?.getItem(ledgerKey(key)) ?? "{}");

function saveLedger(key, ledger) {
  globalThis.localStorage?.setItem(ledgerKey(key), JSON.stringify(ledger));
  const lines = Object.entries(ledger).map(([request, rollId]) => JSON.stringify({ request: Number(request), roll_id: rollId }));
  const link = document.getElementById("ledger-link");
  link.href = URL.createObjectURL(new Blob([lines.map((l) => `${l}\n`).join("")], { type: "application/jsonl" }));
  link.download = `mashwara-issuer-${key.secrets.trustee}-${app.dataset.election.slice(0, 8)}.jsonl`;
  link.hidden = false;
  setText("issued-count", t("issued_count", { count: Object.keys(ledger).length }));
}

/** Issuing and the ledger are an issuer's (the page offers neither to a trustee beyond k). */
function refuseUnlessIssuer(key) {
  if (!isIssuer(key.secrets.trustee, key.threshold)) throw new TrusteeRefusal("not_an_issuer", { index: key.secrets.trustee, threshold: key.threshold });
}

async function issue(key) {
  refuseUnlessIssuer(key);
  await checkManifestHoldsMyKey(key);
  document.getElementById("issue-box").hidden = false;
  const signer = await issuerSigner(key);
  const ledger = loadLedger(key);
  saveLedger(key, ledger);
  status(t("issuing"));
  const refusedBefore = new Set();
  for (;;) {
    const queue = await getJson(`${base}issuer/queue`);
    if (queue.state !== "credentials") break;
    if (queue.requests.length) {
      const { message, signed, refused } = signQueue(signer, queue);
      for (const item of refused.filter((r) => !refusedBefore.has(r.request))) {
        refusedBefore.add(item.request);
        log(refusalText(new TrusteeRefusal(item.code, item.params)));
      }
      for (const [request, rollId] of signed) ledger[request] = rollId;
      saveLedger(key, ledger); // the ledger first: it must never miss a signature the server holds
      if (message.signatures.length) await postJson(`${base}issuer/signatures`, message, { csrf });
    }
    await new Promise((resolve) => setTimeout(resolve, ISSUE_POLL_SECONDS * 1000));
  }
  status(t("window_closed"));
}

async function publishLedger(key) {
  refuseUnlessIssuer(key);
  const fingerprint = await checkManifestHoldsMyKey(key);
  const ledger = loadLedger(key);
  await postJson(`${base}issuer/ledger`, await signedLedger(key, fingerprint, Object.values(ledger)), { csrf });
  log(t("ledger_published", { count: Object.keys(ledger).length }));
  status("");
  app.dataset.ledgerPublished = "true";
}

// -- decryption -------------------------------------------------------------------------------------

async function boardEntries() {
  const entries = [];
  let url = `${base}board.json?after=0&limit=500`;
  while (url) {
    const page = await getJson(url);
    entries.push(...page.entries);
    url = page.next;
  }
  return entries;
}

async function decrypt(key) {
  const ceremony = await ceremonyStatus();
  renderStatus(ceremony);
  const [published, tally, head, roll] = await Promise.all([
    getJson(`${base}manifest.json`),
    getJson(`${base}tally.json`),
    getJson(`${base}board/head.json`),
    getJson(`${base}roll.json`),
  ]);
  // Per-cohort sums and their release plan, in an election with cohort dimensions (protocol §12).
  const cohortFeed = published.manifest.cohorts ? await getJson(`${base}cohort-tally.json`) : null;
  const entries = await boardEntries();
  status(t("checking_board", { count: entries.length }));
  const { fingerprint, cohorts } = await checkTally(key, ceremony, published, entries, head, roll, tally, {
    onProgress: (done, total) => status(t("checking_ballots", { done, total })),
    cohortFeed,
  });
  log(t("tally_ok", { count: tally.counted }));
  if (cohorts) {
    const groups = cohorts.plan.reduce((sum, release) => sum + (release.groups?.length ?? 0), 0);
    const withheld = cohorts.plan.filter((release) => release.groups === null).length;
    log(t("cohorts_ok", { groups, withheld }));
  }
  status(t("decrypting"));
  await postJson(`${base}decryption`, decryptionMessage(key, ceremony, fingerprint, tally, cohorts), { csrf });
  log(t("decrypted"));
  status("");
  app.dataset.decrypted = "true";
}

async function main() {
  if (!secureContext()) {
    status(t("insecure"));
    return;
  }
  status(t("loading"));
  const ceremony = await ceremonyStatus();
  renderStatus(ceremony);
  status("");
  const stage = app.dataset.stage;
  if (stage === "idle") {
    status(t("idle"));
    return;
  }
  const me = ceremony.trustees.find((trustee) => trustee.index === ceremony.my_index);
  if (stage === "ceremony" && me.commitments === null) generate(ceremony);
  document.getElementById("load-box").hidden = false;
  document.getElementById("load-button").addEventListener("click", async () => {
    const button = document.getElementById("load-button");
    button.disabled = true;
    try {
      const key = await loadKey();
      document.getElementById("passphrase").value = "";
      if (stage === "decryption") await decrypt(key);
      else if (stage === "issuing") await issue(key);
      else if (stage === "ledger") await publishLedger(key);
      else await advance(key);
    } catch (error) {
      status(explain(error));
    } finally {
      button.disabled = false;
    }
  });
}

main().catch((error) => status(explain(error)));
