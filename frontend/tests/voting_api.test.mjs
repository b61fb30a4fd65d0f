// The ballot box client keeps the pending ballot through every server fault (500, 503, HTML
// error pages, a lost connection) and drops it only on a receipt or on a refusal by the ballot's
// own checks (a 4xx with an error code).
import assert from "node:assert/strict";
import { test } from "node:test";

import { NetworkFailure, ServerRefusal, definiteRefusal, sendBallot } from "../src/voting/api.js";

class MemoryStore {
  constructor() {
    this.items = new Map();
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
const html = (status) => new Response("<h1>Server Error (500)</h1>", { status, headers: { "Content-Type": "text/html" } });
const RECEIPT = { tracker: "ab".repeat(32), position: 7, hour: "2026-12-03T17:00:00Z", head: { count: 7 } };
const BALLOT = { credential: { key: "k" }, signature: "s" };

/** Answer fetch() with `answers` in turn (an Error is thrown as a network failure). */
function serve(answers) {
  const seen = [];
  globalThis.fetch = async (url, init) => {
    seen.push({ url, init });
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return typeof answer === "function" ? answer() : answer;
  };
  return seen;
}

function harness(answers, options = {}) {
  const store = new MemoryStore();
  const seen = serve(answers);
  const waits = [];
  const retries = [];
  const promise = sendBallot("/ballot-box/x/cast", BALLOT, {
    store,
    key: "pending",
    sleep: async (ms) => {
      waits.push(ms);
    },
    onRetry: (seconds, attempt) => retries.push([seconds, attempt]),
    ...options,
  });
  return { store, seen, waits, retries, promise };
}

test("a series of 500s and 503s never drops the ballot, and the receipt does", async () => {
  const answers = [html(500), json(503, { error: "unavailable" }, { "Retry-After": "5" }), html(502), new TypeError("cut"), json(500, {}), json(503, {}), json(503, {}), () => json(200, RECEIPT)];
  const { store, seen, waits, retries, promise } = harness(answers);
  assert.deepEqual(await promise, RECEIPT);
  assert.equal(seen.length, answers.length);
  // The same bytes every time, without cookies.
  assert.ok(seen.every((s) => s.init.body === JSON.stringify(BALLOT) && s.init.credentials === "omit"));
  assert.deepEqual(waits, [2, 5, 8, 16, 30, 30, 30].map((s) => s * 1000));
  assert.deepEqual(retries.map(([, attempt]) => attempt), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(store.getItem("pending"), null);
});

test("the ballot stays stored while the faults go on", async () => {
  let calls = 0;
  const store = new MemoryStore();
  serve([() => html(500)]);
  await assert.rejects(
    sendBallot("/c", BALLOT, {
      store,
      key: "pending",
      until: () => ++calls < 40,
      sleep: async () => {
        assert.equal(store.getItem("pending"), JSON.stringify(BALLOT));
      },
    }),
    (error) => error instanceof ServerRefusal || error instanceof NetworkFailure,
  );
  assert.ok(calls >= 20, "it kept trying while the poll was open");
  assert.equal(store.getItem("pending"), JSON.stringify(BALLOT), "kept when it gave up");
});

test("a lost connection until the poll closes keeps the ballot", async () => {
  let open = 10;
  const { store, promise } = harness([new TypeError("offline")], { until: () => open-- > 0 });
  await assert.rejects(promise, NetworkFailure);
  assert.equal(store.getItem("pending"), JSON.stringify(BALLOT));
});

test("a 422 from the ballot's own checks drops it at once", async () => {
  const { store, seen, promise } = harness([json(422, { error: "bad_proof", message: "A proof in the ballot does not verify." })]);
  await assert.rejects(promise, (error) => error instanceof ServerRefusal && error.status === 422);
  assert.equal(seen.length, 1);
  assert.equal(store.getItem("pending"), null);
});

test("a 409 poll_closed is definite; an HTML 404 or a 429 is not", async () => {
  const closed = harness([json(409, { error: "poll_closed" })]);
  await assert.rejects(closed.promise, ServerRefusal);
  assert.equal(closed.store.getItem("pending"), null);

  const proxy = harness([new Response("<h1>Not Found</h1>", { status: 404 })]);
  await assert.rejects(proxy.promise, ServerRefusal);
  assert.equal(proxy.store.getItem("pending"), JSON.stringify(BALLOT));

  const busy = harness([json(429, { error: "rate_limited" }), () => json(201, RECEIPT)]);
  assert.deepEqual(await busy.promise, RECEIPT);
  assert.equal(busy.store.getItem("pending"), null);
});

test("definiteRefusal", () => {
  assert.ok(definiteRefusal(new ServerRefusal(422, { error: "bad_signature" })));
  assert.ok(!definiteRefusal(new ServerRefusal(500, { error: "x" })));
  assert.ok(!definiteRefusal(new ServerRefusal(503, { error: "unavailable" })));
  assert.ok(!definiteRefusal(new ServerRefusal(400, null)));
  assert.ok(!definiteRefusal(new NetworkFailure("x")));
});
