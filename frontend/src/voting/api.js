// Talking to the server over slow, unreliable links: JSON in and out, retries with back-off on
// network failures and 502/503/504 (every request these pages repeat is idempotent by design:
// the same credential request gets the same signature, the same ballot the same receipt), and
// the anonymous mode of the ballot box — `credentials: "omit"`, so no cookie is ever sent.

export class ServerRefusal extends Error {
  constructor(status, body) {
    super((body && (body.message || body.detail || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export class NetworkFailure extends Error {}

const RETRY_STATUSES = new Set([502, 503, 504]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * fetch() JSON with retries. `options`: method, body (JSON-serialisable), csrf (signed-in
 * posts), anonymous (no cookies: the ballot box), retries, onRetry(seconds, attempt).
 */
export async function requestJson(url, { method = "GET", body, csrf, anonymous = false, retries = 4, onRetry } = {}) {
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
      const seconds = Math.min(2 ** attempt * 2, 30);
      onRetry?.(seconds, attempt + 1);
      await sleep(seconds * 1000);
      continue;
    }
    if (RETRY_STATUSES.has(response.status) && attempt < retries) {
      const seconds = Math.min(2 ** attempt * 2, 30);
      onRetry?.(seconds, attempt + 1);
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
