// Talking to the server over slow, unreliable links: JSON in and out, retries with back-off on
// network failures and 502/503/504 (every request these pages repeat is idempotent by design:
// the same credential request gets the same signature, the same ballot the same receipt), and
// the anonymous mode of the ballot box — `credentials: "omit"`, so no cookie is ever sent.
// `sendBallot` keeps a ballot on the device until it has a receipt or a definite refusal.

export class ServerRefusal extends Error {
  constructor(status, body) {
    super((body && (body.message || body.detail || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export class NetworkFailure extends Error {}

const RETRY_STATUSES = new Set([502, 503, 504]);
const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt) => Math.min(2 ** attempt * 2, 30);

/** The seconds a Retry-After header asks for (capped at 30), or 0. */
function retryAfter(response) {
  const seconds = Number.parseInt(response.headers?.get?.("Retry-After") ?? "", 10);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 30) : 0;
}

/**
 * fetch() JSON with retries. `options`: method, body (JSON-serialisable), csrf (signed-in
 * posts), anonymous (no cookies: the ballot box), retries, onRetry(seconds, attempt).
 */
export async function requestJson(
  url,
  { method = "GET", body, csrf, anonymous = false, retries = 4, onRetry, retryStatus = (status) => RETRY_STATUSES.has(status), sleep = realSleep } = {},
) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (csrf) headers["X-CSRFToken"] = csrf;
  const init = {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    credentials: anonymous ? "omit" : "same-origin",
    cache: "no-store",
    redirect: "error",
    referrerPolicy: "no-referrer",
  };
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (attempt >= retries) throw new NetworkFailure(error.message);
      const seconds = backoff(attempt);
      onRetry?.(seconds, attempt + 1, null);
      await sleep(seconds * 1000);
      continue;
    }
    if (retryStatus(response.status) && attempt < retries) {
      const seconds = Math.max(backoff(attempt), retryAfter(response));
      onRetry?.(seconds, attempt + 1, response.status);
      await sleep(seconds * 1000);
      continue;
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) throw new ServerRefusal(response.status, data);
    return data;
  }
}

export const getJson = (url, options = {}) => requestJson(url, options);
export const postJson = (url, body, options = {}) => requestJson(url, { ...options, method: "POST", body });

/**
 * A refusal by the ballot's own checks: a 4xx carrying one of the ballot box's error codes. Such a
 * ballot will never be accepted. Anything else — a 5xx of any kind, an HTML error page from a
 * proxy, 408/429, a lost connection — says nothing about the ballot: it may even be stored.
 */
export function definiteRefusal(error) {
  return (
    error instanceof ServerRefusal &&
    error.status >= 400 &&
    error.status < 500 &&
    ![408, 425, 429].includes(error.status) &&
    typeof error.body?.error === "string" &&
    error.body.error !== ""
  );
}

/** Server faults and overload: worth sending the same bytes again. */
const transient = (status) => status >= 500 || [408, 425, 429].includes(status);

/**
 * Cast (or resend) a ballot. The ballot is stored under `key` in `store` (localStorage) before
 * anything is sent and removed only on a receipt or a definite refusal: sending the same bytes
 * again returns the receipt if the ballot was stored, so a server fault or a cut link must never
 * cost the voter the copy. Retries with back-off (2 s, 4 s, … capped at 30 s, or longer if the
 * server asks with Retry-After) until `until()` is false — the poll's closing time, after which
 * the server answers a definite refusal or the receipt anyway. `encode(ballot)`, if given, makes
 * the bytes sent (the same every time).
 */
export async function sendBallot(url, ballot, { store, key, onRetry, until = () => true, sleep = realSleep, encode } = {}) {
  store?.setItem(key, JSON.stringify(ballot));
  try {
    const receipt = await requestJson(url, {
      method: "POST",
      body: encode ? encode(ballot) : ballot,
      anonymous: true,
      retries: Number.POSITIVE_INFINITY,
      retryStatus: (status) => transient(status) && until(),
      sleep: async (ms) => {
        if (!until()) throw new NetworkFailure("the poll has closed");
        await sleep(ms);
      },
      onRetry,
    });
    store?.removeItem(key);
    return receipt;
  } catch (error) {
    if (definiteRefusal(error)) store?.removeItem(key);
    throw error;
  }
}
