// The queue as the widget runs it: stored first, flushed in order, retried, sent by beacon.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { createOutbox } from '../src/net.js';

// Outside a browser `localStorage` is missing, so the outbox keeps its queue in memory.
// Each test uses its own site key, hence its own queue.
let n = 0;
const siteKey = () => 'pk_test_' + ++n;

/** A fake collector: answers from a script of statuses, records every call. */
function collector(...statuses) {
  const calls = [];
  const send = async (host, method, path, body) => {
    calls.push({ host, method, path, body });
    const status = statuses.length ? statuses.shift() : 200;
    return { status, data: status >= 400 ? { error: { code: 'x', message: 'refused' } } : null, retryAfter: 0 };
  };
  return { calls, send };
}

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
afterEach(() => mock.timers.reset());

test('a score is sent, then its comment, then the queue is empty', async () => {
  const { calls, send } = collector(201, 200);
  const outbox = createOutbox('https://c.test', siteKey(), send);
  outbox.add('POST', '/v1/widget/responses', { token: 't', response_id: 'r1', score: 5 }, 'p1');
  await outbox.add('PATCH', '/v1/widget/responses/r1', { token: 't', comment: 'great' }, 'p1');
  await outbox.flush();
  assert.deepEqual(calls.map((c) => c.method + ' ' + c.path), ['POST /v1/widget/responses', 'PATCH /v1/widget/responses/r1']);
  assert.equal(calls[0].host, 'https://c.test');
  assert.deepEqual(outbox.items(), []);
});

test('the comment is not sent while its score is failing', async () => {
  const { calls, send } = collector(503);
  const outbox = createOutbox('', siteKey(), send);
  outbox.add('POST', '/v1/widget/responses', { response_id: 'r1', score: 2 }, 'p1');
  await outbox.add('PATCH', '/v1/widget/responses/r1', { comment: 'slow' }, 'p1');
  assert.deepEqual(calls.map((c) => c.method), ['POST']);
  assert.deepEqual(outbox.items().map((i) => [i.method, i.tries]), [['POST', 1], ['PATCH', 0]]);
});

test('a failed send is retried after its backoff', async () => {
  const { calls, send } = collector(0, 201);
  const outbox = createOutbox('', siteKey(), send);
  await outbox.add('POST', '/v1/widget/responses', { response_id: 'r1', score: 9 }, 'p1');
  assert.equal(calls.length, 1);
  mock.timers.tick(1000); // the first backoff is at most one second
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls.length, 2);
  assert.deepEqual(outbox.items(), []);
});

test('a 4xx other than 429 drops the item and warns', async (t) => {
  const warnings = t.mock.method(console, 'warn', () => {});
  const { send } = collector(422);
  const outbox = createOutbox('', siteKey(), send);
  await outbox.add('POST', '/v1/widget/prompts/p1/shown', { token: 'bad' }, 'p1');
  assert.deepEqual(outbox.items(), []);
  assert.equal(warnings.mock.callCount(), 1);
  assert.match(warnings.mock.calls[0].arguments.join(' '), /\[fiilis\].*422.*refused/);
});

test('a 429 keeps the item for later', async () => {
  const { send } = collector(429);
  const outbox = createOutbox('', siteKey(), send);
  await outbox.add('POST', '/v1/widget/prompts/p1/dismissed', { token: 't' }, 'p1');
  assert.equal(outbox.items().length, 1);
});

test('retry() sends waiting items at once, without waiting out their backoff', async () => {
  const { calls, send } = collector(503, 503, 201);
  const outbox = createOutbox('', siteKey(), send);
  await outbox.add('POST', '/v1/widget/responses', { score: 1 }, 'p1');
  await outbox.retry();
  await outbox.retry();
  assert.equal(calls.length, 3);
  assert.deepEqual(outbox.items(), []);
});

test('beacon() hands every queued POST to sendBeacon as text/plain, never a PATCH', async (t) => {
  const beacons = [];
  globalThis.navigator = { sendBeacon: (url, body) => beacons.push({ url, body }) || true };
  try {
    const { send } = collector(0, 0);
    const outbox = createOutbox('https://c.test', siteKey(), send);
    await outbox.add('POST', '/v1/widget/responses', { response_id: 'r1', score: 4 }, 'p1');
    await outbox.add('PATCH', '/v1/widget/responses/r1', { comment: 'bye' }, 'p1');
    outbox.beacon();
    assert.deepEqual(beacons.map((b) => b.url), ['https://c.test/v1/widget/responses']);
    // a string, which sendBeacon sends as text/plain;charset=UTF-8 (no preflight), as fetch does
    assert.equal(typeof beacons[0].body, 'string');
    assert.deepEqual(JSON.parse(beacons[0].body), { response_id: 'r1', score: 4 });
    assert.equal(outbox.items().length, 2, 'beaconed items stay queued: a resend is idempotent');
  } finally {
    delete globalThis.navigator;
  }
});
