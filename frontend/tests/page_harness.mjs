// A stand-in for the browser around one voting page script (not a test file itself): just
// enough DOM for the script's start-up, an in-memory localStorage, and a fetch that records
// every request (url and init) and answers from a table. Each *.test.mjs file runs in its own
// process, so one page script per test file.

export function element(id = "") {
  const listeners = {};
  return {
    id,
    dataset: {},
    hidden: true,
    disabled: false,
    textContent: "",
    value: "",
    href: "",
    files: [],
    listeners,
    addEventListener(type, fn) {
      (listeners[type] ??= []).push(fn);
    },
    querySelector: () => null,
    querySelectorAll: () => [],
    closest: () => null,
    append() {},
    replaceChildren() {},
    remove() {},
    click() {},
  };
}

/**
 * Install the page's globals. `dataset` is the data- attributes of `appId`; `routes` maps a URL
 * to { status, body } or to a function (url, init) → { status, body }. Returns { elements,
 * requests, storage }.
 */
export function installPage({ appId, dataset, routes, lang = "en" }) {
  const elements = new Map();
  const byId = (id) => {
    if (!elements.has(id)) elements.set(id, element(id));
    return elements.get(id);
  };
  Object.assign(byId(appId).dataset, dataset);
  const store = new Map();
  const requests = [];
  globalThis.document = {
    documentElement: { lang },
    body: element("body"),
    getElementById: byId,
    querySelectorAll: () => [],
    createElement: () => element(),
    createTextNode: (text) => text,
  };
  globalThis.window = { confirm: () => false, print() {}, location: { reload() {} } };
  globalThis.isSecureContext = true;
  globalThis.localStorage = {
    getItem: (key) => (store.has(key) ? store.get(key) : null),
    setItem: (key, value) => store.set(key, String(value)),
    removeItem: (key) => store.delete(key),
  };
  globalThis.fetch = async (url, init = {}) => {
    requests.push({ url, init });
    const route = routes[url];
    const answer = typeof route === "function" ? route(url, init) : route ?? { status: 404, body: { error: "not_found" } };
    return {
      status: answer.status,
      ok: answer.status >= 200 && answer.status < 300,
      json: async () => structuredClone(answer.body),
    };
  };
  return { elements, requests, storage: store, byId };
}

/** Resolve once `predicate()` holds (polling), or fail after `ms`. */
export async function until(predicate, ms = 20000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > ms) throw new Error("timed out waiting for the page");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
