// The outbox (SPEC §6.6): writes kept on this device (IndexedDB) until the server has them.
//
// Each entry is {idempotencyKey, path, body, partyId, createdAt, state, error, label}: `state` is
// "waiting" (not sent yet, or sent with no answer) or "refused" (the server said no: `error`
// holds its code and sentence, for the farmer to fix or discard). An entry keeps its
// Idempotency-Key for its whole life, so sending it again after a lost answer records nothing
// twice: the server replays its first answer (SPEC §4).

const DB = "cashew";
const STORE = "outbox";

let opened;

function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "idempotencyKey" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => {
        opened = undefined;
        reject(request.error);
      };
    });
  }
  return opened;
}

async function run(mode, work) {
  const store = (await db()).transaction(STORE, mode).objectStore(STORE);
  return new Promise((resolve, reject) => {
    const request = work(store);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Every entry of a party (all parties' without one), oldest first.
export async function entries(partyId) {
  const all = await run("readonly", (store) => store.getAll());
  return all.filter((e) => !partyId || e.partyId === partyId).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function put(entry) {
  return run("readwrite", (store) => store.put(entry));
}

export function remove(idempotencyKey) {
  return run("readwrite", (store) => store.delete(idempotencyKey));
}

export function clear() {
  return run("readwrite", (store) => store.clear());
}

// A new entry, stored before anything is sent.
export async function add({ idempotencyKey, path, body, partyId, label }) {
  const entry = { idempotencyKey, path, body, partyId, label, createdAt: new Date().toISOString(), state: "waiting", error: null };
  await put(entry);
  return entry;
}

// A lost connection (status 0), a server in trouble or a rate limit: try again later.
function transient(err) {
  return err.status === 0 || err.status >= 500 || err.status === 408 || err.status === 429;
}

let chain = Promise.resolve();

// Send the party's waiting entries, oldest first, each with its own key. Stops at the first
// that cannot reach the server. Resolves to {sent: [{entry, answer}], refused: [entry], offline}.
// One flush at a time: a call while one runs starts once it has ended.
export function flush(api, partyId) {
  const next = chain.then(() => send(api, partyId));
  chain = next.catch(() => {});
  return next;
}

async function send(api, partyId) {
  const result = { sent: [], refused: [], offline: false };
  for (const entry of await entries(partyId)) {
    if (entry.state !== "waiting") continue;
    try {
      const answer = await api(entry.path, { method: "POST", body: entry.body, idempotencyKey: entry.idempotencyKey });
      await remove(entry.idempotencyKey);
      result.sent.push({ entry, answer });
    } catch (err) {
      if (transient(err)) {
        result.offline = true;
        break;
      }
      entry.state = "refused";
      entry.error = { status: err.status, code: err.code, detail: err.detail, fields: err.fields || [] };
      await put(entry);
      result.refused.push(entry);
    }
  }
  if (result.sent.length || result.refused.length) window.dispatchEvent(new CustomEvent("cashew:outbox", { detail: result }));
  return result;
}
