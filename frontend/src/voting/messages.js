// Interface strings come translated from the page (Django's catalogue, rendered into a hidden
// list as <li data-key="…">), so the scripts carry no text of their own in any language.
// Placeholders are Python's %(name)s.

import { localDigits } from "./election.js";

let catalogue = null;

function load() {
  catalogue = new Map();
  for (const item of document.querySelectorAll("#voting-messages [data-key]")) catalogue.set(item.dataset.key, item.textContent);
  return catalogue;
}

export function has(key) {
  return (catalogue ?? load()).has(key);
}

/** The catalogue's text for `key` with its %(name)s filled in; numbers in the page's digits. */
export function t(key, params = {}) {
  const text = (catalogue ?? load()).get(key) ?? key;
  const value = (item) => (typeof item === "number" ? localDigits(String(item), globalThis.document?.documentElement?.lang) : String(item));
  return text.replace(/%\((\w+)\)s/g, (_, name) => (name in params ? value(params[name]) : ""));
}

/** Show the element(s) of `root` whose data-show equals `state`, hide the others. */
export function showState(root, state) {
  for (const element of root.querySelectorAll("[data-show]")) element.hidden = element.dataset.show !== state;
}

export function setText(id, text) {
  const element = document.getElementById(id);
  if (element) element.textContent = text;
}

/** Offer `text` as a file download (a blob URL, no server round trip). */
export function download(filename, text, type = "text/plain") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The crypto needs WebCrypto, which browsers offer only in secure contexts. */
export function secureContext() {
  return Boolean(globalThis.isSecureContext && globalThis.crypto?.subtle);
}
