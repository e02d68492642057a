// Talking to the collector. Nothing here throws: every call ends in a value.
import { store, uuid, warn } from './browser.js';
import { enqueue, plan, settle, verdict, wake } from './queue.js';

/**
 * One call. The JSON body goes as text/plain (a "simple" request: no CORS preflight for POST),
 * without credentials. Resolves to {status, data, retryAfter}; status 0 (alone) means the network failed.
 */
export async function request(host, method, path, body) {
  try {
    const res = await fetch(host + path, { method, body: JSON.stringify(body), keepalive: true, credentials: 'omit' });
    return { status: res.status, data: await res.json().catch(() => null), retryAfter: res.headers.get('Retry-After') * 1000 || 0 };
  } catch {
    return { status: 0 };
  }
}

/** One console warning for a refused call, quoting the collector's own message. */
export function warnRefused(what, res) {
  const error = res.data?.error || {};
  warn(what, res.status ? `refused (${res.status} ${error.code}): ${error.message}` : 'failed: no answer from the collector');
}

/**
 * The write queue: every send is stored in localStorage first (key `fiilis:q:<site key>`), then
 * flushed in order per prompt, with backoff on network errors, 429 and 5xx.
 */
export function createOutbox(host, siteKey, send = request) {
  const key = 'fiilis:q:' + siteKey;
  let busy;
  let timer;
  const load = () => {
    try {
      const items = JSON.parse(store.get(key));
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  };
  const save = (items) => store.set(key, JSON.stringify(items));

  async function flush() {
    if (busy) return;
    busy = true;
    clearTimeout(timer);
    let next;
    while ((next = plan(load(), Date.now())).item) {
      const { id, method, path, body } = next.item;
      const res = await send(host, method, path, body);
      save(settle(load(), id, res.status, Date.now(), Math.random, res.retryAfter));
      if (verdict(res.status) === 'drop') warnRefused(method + ' ' + path, res);
    }
    busy = false;
    if (next.at !== null) timer = setTimeout(flush, next.at - Date.now());
  }

  return {
    items: load,
    flush,
    add(method, path, body, group) {
      save(enqueue(load(), { id: uuid(), group, method, path, body, tries: 0, due: 0 }));
      return flush();
    },
    /** On load and on `online`: try everything now. */
    retry() {
      save(wake(load(), Date.now()));
      return flush();
    },
    /** On pagehide: the POSTs go by sendBeacon too. They stay queued: a resend is idempotent. */
    beacon() {
      for (const { method, path, body } of load()) {
        if (method === 'POST') navigator.sendBeacon?.(host + path, JSON.stringify(body)); // text/plain, as fetch sends it
      }
    },
  };
}
