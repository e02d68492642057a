// The send queue as plain values. An item is
//   {id, group, method, path, body, tries, due}
// where `group` is the prompt it belongs to: items of one prompt go strictly in order (a comment
// PATCH never overtakes its score POST); different prompts do not wait for each other.

// Nothing expires by age: a stale item's prompt token has expired, the collector answers 4xx, and
// the item is dropped.
export const MAX_ITEMS = 50;

/** Append an item; past MAX_ITEMS the oldest are dropped. */
export function enqueue(items, item) {
  return [...items, item].slice(-MAX_ITEMS);
}

/** On load and when the network comes back: everything is worth one more try right away. */
export function wake(items, now) {
  return items.map((item) => ({ ...item, due: Math.min(item.due, now) }));
}

/** Delay before the next try after `tries` failures: exponential from 1 s to 1 h, "equal jitter", never before Retry-After. */
export function backoff(tries, random = Math.random, retryAfterMs = 0) {
  const ceiling = Math.min(3600e3, 1000 * 2 ** tries);
  return Math.max(retryAfterMs, ceiling / 2 + (random() * ceiling) / 2);
}

/** What an HTTP status means for a queued item (0: the network failed). */
export function verdict(status) {
  return status > 199 && status < 300 ? 'sent' : status && status < 500 && status !== 429 ? 'drop' : 'retry';
}

/** The item to send now (due and first in line for its prompt), else when to look again. */
export function plan(items, now) {
  const seen = new Set();
  let at = null;
  for (const item of items) {
    if (seen.has(item.group)) continue;
    if (item.due <= now) return { item };
    seen.add(item.group);
    at = Math.min(at ?? item.due, item.due);
  }
  return { item: null, at };
}

/** The queue after the answer `status` for item `id`. A refused score takes its comment with it. */
export function settle(items, id, status, now, random = Math.random, retryAfterMs = 0) {
  const item = items.find((i) => i.id === id);
  const result = verdict(status);
  if (!item) return items;
  if (result === 'retry') {
    return items.map((i) => (i === item ? { ...i, tries: i.tries + 1, due: now + backoff(i.tries, random, retryAfterMs) } : i));
  }
  const scoreLost = result === 'drop' && item.path === '/v1/widget/responses';
  return items.filter((i) => i !== item && !(scoreLost && i.group === item.group));
}
