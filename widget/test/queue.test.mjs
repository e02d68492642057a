import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoff, enqueue, MAX_ITEMS, plan, settle, verdict, wake } from '../src/queue.js';

const item = (id, group, extra = {}) => ({ id, group, method: 'POST', path: '/v1/widget/prompts/' + group + '/shown', body: {}, tries: 0, due: 0, ...extra });
const score = (id, group) => item(id, group, { path: '/v1/widget/responses', body: { response_id: 'r-' + group } });
const comment = (id, group) => item(id, group, { method: 'PATCH', path: '/v1/widget/responses/r-' + group, body: { comment: 'hi' } });

test('the queue keeps at most 50 items, dropping the oldest', () => {
  let items = [];
  for (let i = 0; i < 60; i++) items = enqueue(items, item('i' + i, 'p'));
  assert.equal(items.length, MAX_ITEMS);
  assert.equal(MAX_ITEMS, 50);
  assert.equal(items[0].id, 'i10');
  assert.equal(items.at(-1).id, 'i59');
});

test('enqueue does not change the list it is given', () => {
  const items = [item('a', 'p')];
  enqueue(items, item('b', 'p'));
  assert.equal(items.length, 1);
});

test('statuses: 2xx is sent, 429 / 5xx / network errors are retried, other 4xx are dropped', () => {
  for (const s of [200, 201, 204]) assert.equal(verdict(s), 'sent');
  for (const s of [0, 429, 500, 502, 503]) assert.equal(verdict(s), 'retry');
  for (const s of [400, 401, 403, 404, 409, 410, 413, 422]) assert.equal(verdict(s), 'drop');
});

test('backoff doubles from one second, with jitter between half and all of the step', () => {
  assert.equal(backoff(0, () => 0), 500);
  assert.equal(backoff(0, () => 1), 1000);
  assert.equal(backoff(3, () => 0), 4000);
  assert.equal(backoff(3, () => 1), 8000);
  for (let tries = 0; tries < 8; tries++) {
    const d = backoff(tries);
    assert.ok(d >= 1000 * 2 ** tries / 2 && d <= 1000 * 2 ** tries, `try ${tries}: ${d}`);
  }
});

test('backoff stops growing at one hour', () => {
  assert.equal(backoff(30, () => 1), 3600e3);
  assert.equal(backoff(1000, () => 1), 3600e3);
});

test('backoff never retries before Retry-After', () => {
  assert.equal(backoff(0, () => 1, 30e3), 30e3);
  assert.equal(backoff(10, () => 1, 30e3), 1024e3);
});

test('a comment waits while the score of its prompt is still queued', () => {
  const items = [score('s', 'p1'), comment('c', 'p1')];
  assert.equal(plan(items, 0).item.id, 's');
  const waiting = [{ ...items[0], due: 5000 }, items[1]];
  assert.deepEqual(plan(waiting, 1000), { item: null, at: 5000 });
  assert.equal(plan(waiting, 5000).item.id, 's');
});

test('a waiting prompt does not hold up another prompt', () => {
  const items = [{ ...score('s1', 'p1'), due: 9000 }, comment('c1', 'p1'), score('s2', 'p2')];
  assert.equal(plan(items, 0).item.id, 's2');
});

test('an empty queue has nothing to send and nothing to wait for', () => {
  assert.deepEqual(plan([], 0), { item: null, at: null });
});

test('success removes the item', () => {
  const items = [score('s', 'p1'), comment('c', 'p1')];
  assert.deepEqual(settle(items, 's', 201, 0).map((i) => i.id), ['c']);
});

test('a retried item counts the try and waits its backoff', () => {
  const [next] = settle([score('s', 'p1')], 's', 503, 10_000, () => 1);
  assert.equal(next.tries, 1);
  assert.equal(next.due, 11_000);
  const [later] = settle([next], 's', 0, 20_000, () => 1);
  assert.equal(later.tries, 2);
  assert.equal(later.due, 22_000);
});

test('429 waits at least Retry-After', () => {
  const [next] = settle([score('s', 'p1')], 's', 429, 0, () => 0, 60_000);
  assert.equal(next.due, 60_000);
});

test('a refused score takes its comment with it, other prompts stay', () => {
  const items = [score('s1', 'p1'), comment('c1', 'p1'), score('s2', 'p2')];
  assert.deepEqual(settle(items, 's1', 409, 0).map((i) => i.id), ['s2']);
});

test('a refused "shown" does not drop the score that follows it', () => {
  const items = [item('sh', 'p1'), score('s1', 'p1')];
  assert.deepEqual(settle(items, 'sh', 404, 0).map((i) => i.id), ['s1']);
});

test('settling an item another tab already removed changes nothing', () => {
  const items = [score('s', 'p1')];
  assert.equal(settle(items, 'gone', 201, 0), items);
});

test('waking makes every item due now, keeping its try count', () => {
  const items = wake([{ ...score('s', 'p1'), due: 99_000, tries: 4 }, { ...score('t', 'p2'), due: 10 }], 50);
  assert.deepEqual(items.map((i) => [i.due, i.tries]), [[50, 4], [10, 0]]);
});
