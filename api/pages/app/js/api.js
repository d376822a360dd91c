// The public API (SPEC §4), with the party's key from this device. Every error is an ApiError
// carrying the server's `error` code and `detail` sentence; a request that never reached the
// server (offline, connection lost) is an ApiError with status 0 and code "offline".

const KEY = "cashew.key";

export class ApiError extends Error {
  constructor(status, code, detail, fields = []) {
    super(detail || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fields = fields;
  }
}

export function savedKey() {
  return localStorage.getItem(KEY);
}

export function saveKey(key) {
  localStorage.setItem(KEY, key);
}

export function forgetKey() {
  localStorage.removeItem(KEY);
}

// A random Idempotency-Key (SPEC §4): the same one is sent again on every retry of one request.
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "app-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// `api(path, {method, body, idempotencyKey, raw})`: the JSON answer (or the Response itself with
// `raw`, for PDFs); throws ApiError. `path` is relative to the server, e.g. "/api/v1/farms".
export async function api(path, { method = "GET", body, idempotencyKey, raw = false, key = savedKey() } = {}) {
  const headers = { Accept: "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "offline", String(err && err.message ? err.message : err));
  }
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch (_) {
      problem = {};
    }
    throw new ApiError(response.status, problem.error || `http_${response.status}`, problem.detail || response.statusText, problem.fields || []);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}
