// Quick exit (config/templates/quick_exit.html explains it to the person). The link works
// without JavaScript (it opens the neutral page); with it, the page is *replaced* so that Back
// does not return to it, and, if the person asked for it on the help page, this browser's traces
// of the site are cleared first — except the voting credential, without which they could not vote.

const PREFERENCE = "mashwara/v1/quick-exit/clear";
const KEEP = ["mashwara/v1/credential/", PREFERENCE];

function storage(name) {
  try {
    return globalThis[name] ?? null;
  } catch {
    return null;
  }
}

export function clearDevice(doc = document) {
  const local = storage("localStorage");
  if (local) {
    const keys = [];
    for (let i = 0; i < local.length; i += 1) keys.push(local.key(i));
    for (const key of keys) if (!KEEP.some((kept) => key.startsWith(kept))) local.removeItem(key);
  }
  storage("sessionStorage")?.clear();
  for (const cookie of doc.cookie.split(";")) {
    const name = cookie.split("=")[0].trim();
    if (name) doc.cookie = `${name}=; Max-Age=0; path=/`;
  }
}

function leave(event) {
  const link = event.currentTarget;
  event.preventDefault();
  if (storage("localStorage")?.getItem(PREFERENCE) === "1") {
    clearDevice();
    // The session and HttpOnly cookies are the server's to end; keepalive lets the request
    // finish after this page is gone.
    const token = document.querySelector("input[name='csrfmiddlewaretoken']")?.value ?? "";
    try {
      fetch(link.dataset.clearUrl, { method: "POST", keepalive: true, credentials: "same-origin", headers: { "X-CSRFToken": token } });
    } catch {
      // Leaving matters more than clearing.
    }
  }
  window.location.replace(link.href);
}

function start() {
  for (const link of document.querySelectorAll("a[data-quick-exit]")) link.addEventListener("click", leave);
  const box = document.getElementById("quick-exit-clear");
  if (box) {
    document.getElementById("quick-exit-nojs")?.setAttribute("hidden", "");
    box.checked = storage("localStorage")?.getItem(PREFERENCE) === "1";
    box.addEventListener("change", () => {
      if (box.checked) storage("localStorage")?.setItem(PREFERENCE, "1");
      else storage("localStorage")?.removeItem(PREFERENCE);
    });
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
