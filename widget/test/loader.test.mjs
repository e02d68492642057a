// The loader against a fake collector: the tag, the queue stub, the calls, the sends.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { key, MANIFEST, openPage, PROMPT, tick } from './page.mjs';

const pages = [];
after(() => Promise.all(pages.map((p) => p.close())));
const open = (options) => {
  const page = openPage(options);
  pages.push(page);
  return page;
};
// values made inside the page belong to its realm: compare them as plain JSON
const plain = (value) => JSON.parse(JSON.stringify(value));
const STUB = 'window.fiilis=window.fiilis||function(){(fiilis.q=fiilis.q||[]).push(arguments)};';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const session = (prompt = PROMPT) => (method, path) => (path === '/v1/widget/session' ? [200, { prompt }] : path.endsWith('/shown') || path.endsWith('/dismissed') ? [204] : [201, {}]);

test('on load the widget opens a session as the user of the tag on this page, with an anonymous id it keeps', async () => {
  const page = open({ attrs: { 'data-site-key': 'pk_live', 'data-user-id': 'u42', 'data-user-hash': 'f00d', 'data-locale': 'fi' } });
  await tick();
  assert.equal(page.calls.length, 1);
  const [call] = page.calls;
  assert.equal(call.url, 'https://feedback.acme.test/v1/widget/session');
  assert.equal(call.method, 'POST');
  const { anonymous_id, ...rest } = call.body;
  assert.deepEqual(rest, { site_key: 'pk_live', user_id: 'u42', user_hash: 'f00d', locale: 'fi', url: 'https://app.acme.test/billing' });
  assert.match(anonymous_id, UUID);
  assert.equal(page.window.localStorage.getItem('fiilis:anon:pk_live'), anonymous_id);
});

test('calls are simple requests: a string body (sent as text/plain), keepalive, no credentials', async () => {
  const page = open();
  await tick();
  const { init } = page.calls[0];
  assert.equal(typeof init.body, 'string');
  assert.equal(init.headers, undefined, 'no custom headers, so no CORS preflight');
  assert.equal(init.keepalive, true);
  assert.equal(init.credentials, 'omit');
});

test('data-host overrides the host taken from the script src', async () => {
  const page = open({ attrs: { 'data-site-key': 'pk_test', 'data-host': 'https://api.acme.test/' } });
  await tick();
  assert.equal(page.calls[0].url, 'https://api.acme.test/v1/widget/session');
});

test('calls made to the stub before load run in order once it loads', async () => {
  const page = open({
    before: (window) => {
      window.eval(STUB);
      window.fiilis('identify', 'u7', { traits: { plan: 'pro' }, userHash: 'h7' });
      window.fiilis('track', 'invoice.paid', { amount: 10 });
    },
  });
  await tick();
  assert.deepEqual(page.calls.map((c) => c.path), ['/v1/widget/events', '/v1/widget/session']);
  const events = page.calls[0].body;
  assert.equal(events.event, 'invoice.paid');
  assert.deepEqual(events.props, { amount: 10 });
  assert.equal(events.user_id, 'u7');
  assert.equal(events.user_hash, 'h7');
  assert.deepEqual(events.traits, { plan: 'pro' });
  assert.equal(events.url, 'https://app.acme.test/billing');
  assert.equal(page.calls[1].body.user_id, 'u7');
});

test('loading the script twice does nothing the second time', async () => {
  const page = open();
  const first = page.window.fiilis;
  page.load();
  await tick();
  assert.equal(page.window.fiilis, first);
  assert.equal(page.calls.length, 1);
  assert.equal(page.document.querySelectorAll('fiilis-widget').length, 0);
});

test('after load the calls are methods too, and fiilis.version is set', async () => {
  const page = open();
  await tick();
  const { fiilis } = page.window;
  assert.match(fiilis.version, /^\d+\.\d+\.\d+/);
  for (const name of ['identify', 'track', 'show', 'reset', 'on', 'preview']) assert.equal(typeof fiilis[name], 'function', name);
  const answer = await fiilis.track('report.exported');
  assert.deepEqual(plain(answer), { prompt: null });
  await fiilis('track', 'report.shared');
  assert.deepEqual(page.calls.slice(1).map((c) => c.body.event), ['report.exported', 'report.shared']);
});

test('show(surveyId) asks the collector for that survey', async () => {
  const page = open();
  await page.window.fiilis.show('srv_9');
  const call = page.calls.at(-1);
  assert.equal(call.path, '/v1/widget/events');
  assert.equal(call.body.event, '$show');
  assert.equal(call.body.survey_id, 'srv_9');
});

test('a click on a data-fiilis-track element tracks its event', async () => {
  const page = open();
  await tick();
  page.document.getElementById('pay').click();
  await tick();
  assert.equal(page.calls.at(-1).body.event, 'invoice.paid');
});

test('a prompt from the session appears after its delay and is reported shown', async () => {
  const page = open({ answer: session({ ...PROMPT, delay_ms: 60 }) });
  const shown = [];
  page.window.fiilis.on('shown', (p) => shown.push(p.id));
  await tick(20);
  assert.equal(page.shadow(), undefined, 'not before its delay');
  await tick(80);
  assert.ok(page.shadow());
  assert.deepEqual(page.calls.at(-1), { ...page.calls.at(-1), path: '/v1/widget/prompts/prm_1/shown', method: 'POST', body: { token: 'tok.1' } });
  await tick();
  assert.deepEqual(shown, ['prm_1']);
});

test('a score is sent the moment it is picked; the comment follows with the same response id', async () => {
  const page = open({ answer: session() });
  const responses = [];
  page.window.fiilis.on('response', (r) => responses.push(r));
  await tick(10);
  page.shadow().querySelectorAll('[role=radio]')[9].click();
  await tick();
  const post = page.calls.find((c) => c.path === '/v1/widget/responses');
  assert.equal(post.method, 'POST');
  assert.equal(post.body.token, 'tok.1');
  assert.equal(post.body.score, 9);
  assert.equal(post.body.locale, 'en');
  assert.equal(post.body.url, 'https://app.acme.test/billing');
  assert.match(post.body.response_id, UUID);

  page.shadow().querySelector('textarea').value = '  Quick and clear.  ';
  page.shadow().querySelector('.p').click();
  await tick();
  const patch = page.calls.at(-1);
  assert.equal(patch.method, 'PATCH');
  assert.equal(patch.path, '/v1/widget/responses/' + post.body.response_id);
  assert.deepEqual(patch.body, { token: 'tok.1', comment: 'Quick and clear.' });
  assert.deepEqual(plain(responses), [
    { prompt_id: 'prm_1', score: 9 },
    { prompt_id: 'prm_1', score: 9, comment: 'Quick and clear.', reasons: [] },
  ]);
  assert.equal(page.window.localStorage.getItem('fiilis:q:pk_test'), '[]', 'sent items leave the queue');
});

test('a changed score patches the answer; the reasons go with the comment', async () => {
  const reasons = { multiple: true, bands: null, choices: [{ id: 'price', label: 'Price' }, { id: 'speed', label: 'Speed' }] };
  const page = open({ answer: session({ ...PROMPT, reasons }) });
  await tick(10);
  const radios = page.shadow().querySelectorAll('[role=radio]');
  radios[2].click();
  await tick();
  radios[9].click();
  await tick();
  const post = page.calls.find((c) => c.path === '/v1/widget/responses');
  assert.equal(post.body.score, 2);
  const rescore = page.calls.at(-1);
  assert.equal(rescore.method, 'PATCH');
  assert.equal(rescore.path, '/v1/widget/responses/' + post.body.response_id);
  assert.deepEqual(rescore.body, { token: 'tok.1', score: 9 });
  page.shadow().querySelectorAll('[role=group] button')[1].click();
  page.shadow().querySelectorAll('.a button')[1].click(); // Skip: no comment, the reasons still go
  await tick();
  assert.deepEqual(page.calls.at(-1).body, { token: 'tok.1', reasons: ['speed'] });
});

test('Esc before a score dismisses the prompt and reports it', async () => {
  const page = open({ answer: session() });
  const dismissed = [];
  page.window.fiilis.on('dismissed', (p) => dismissed.push(p.id));
  await tick(10);
  const radio = page.shadow().querySelector('[role=radio]');
  radio.focus();
  key(radio, 'Escape');
  await tick();
  assert.equal(page.document.querySelector('fiilis-widget'), null);
  const call = page.calls.at(-1);
  assert.equal(call.path, '/v1/widget/prompts/prm_1/dismissed');
  assert.deepEqual(call.body, { token: 'tok.1' });
  assert.deepEqual(dismissed, ['prm_1']);
});

test('the close button dismisses too', async () => {
  const page = open({ answer: session() });
  await tick(10);
  page.shadow().querySelector('.x').click();
  await tick();
  assert.equal(page.calls.at(-1).path, '/v1/widget/prompts/prm_1/dismissed');
});

test('after a score, Esc only closes the card: nothing is dismissed', async () => {
  const page = open({ answer: session() });
  await tick(10);
  page.shadow().querySelectorAll('[role=radio]')[2].click();
  key(page.shadow().querySelector('textarea'), 'Escape');
  await tick();
  assert.equal(page.document.querySelector('fiilis-widget'), null);
  assert.ok(!page.calls.some((c) => c.path.endsWith('/dismissed')));
});

test('at most one prompt per page view', async () => {
  const page = open({ answer: (method, path) => (path === '/v1/widget/events' ? [200, { prompt: PROMPT }] : [204]) });
  await tick();
  await page.window.fiilis.track('a');
  await tick(10);
  const second = await page.window.fiilis.track('b');
  assert.equal(second.reason, 'already_shown');
  assert.equal(page.calls.filter((c) => c.path === '/v1/widget/events').length, 1);
  assert.equal(page.document.querySelectorAll('fiilis-widget').length, 1);
});

test('an identity refusal is one console warning with the server message, never an exception', async () => {
  const refusal = { error: { type: 'permission_error', code: 'identity_refused', message: 'user_hash does not match user_id (identity check failed).', request_id: 'req_1' } };
  const page = open({ attrs: { 'data-site-key': 'pk_test', 'data-user-id': 'u1', 'data-user-hash': 'wrong' }, answer: () => [403, refusal] });
  await tick();
  assert.equal(page.warnings.length, 1);
  assert.match(page.warnings[0], /^\[fiilis\].*403.*identity/);
  assert.match(page.warnings[0], /user_hash does not match/);
  const answer = await page.window.fiilis.track('x');
  assert.equal(answer.prompt, null);
  assert.equal(answer.error.code, 'identity_refused');
});

test('a network failure on a read is a value and a warning', async () => {
  const page = open({ answer: () => [0] });
  const answer = await page.window.fiilis.track('x');
  assert.deepEqual(plain(answer), { prompt: null, error: { code: 'network_error' } });
  assert.ok(page.warnings.every((w) => w.startsWith('[fiilis]')));
});

test('a score that cannot be sent waits in localStorage for the next try', async () => {
  let online = true;
  const page = open({ answer: (method, path) => (!online ? [0] : path === '/v1/widget/session' ? [200, { prompt: PROMPT }] : [204]) });
  await tick(10);
  online = false;
  page.shadow().querySelectorAll('[role=radio]')[10].click();
  await tick();
  const queued = JSON.parse(page.window.localStorage.getItem('fiilis:q:pk_test'));
  assert.deepEqual(queued.map((i) => [i.method, i.path, i.body.score, i.tries]), [['POST', '/v1/widget/responses', 10, 1]]);
  online = true;
  page.window.dispatchEvent(new page.window.Event('online'));
  await tick();
  assert.equal(page.window.localStorage.getItem('fiilis:q:pk_test'), '[]');
});

test('on pagehide queued POSTs go out by sendBeacon', async () => {
  const beacons = [];
  const page = open({
    answer: (method, path) => (path === '/v1/widget/session' ? [200, { prompt: PROMPT }] : [0]),
    before: (window) => {
      // a string body goes as text/plain;charset=UTF-8 (the Beacon spec), a simple request
      window.navigator.sendBeacon = (url, body) => beacons.push([url, typeof body]) > 0;
    },
  });
  await tick(10);
  page.shadow().querySelectorAll('[role=radio]')[4].click();
  await tick();
  page.window.dispatchEvent(new page.window.Event('pagehide'));
  assert.deepEqual(beacons, [
    ['https://feedback.acme.test/v1/widget/prompts/prm_1/shown', 'string'],
    ['https://feedback.acme.test/v1/widget/responses', 'string'],
  ]);
});

test('reset() forgets the user and starts a new anonymous id', async () => {
  const page = open({ attrs: { 'data-site-key': 'pk_test', 'data-user-id': 'u1' } });
  await tick();
  const before = page.calls[0].body.anonymous_id;
  page.window.fiilis.reset();
  await page.window.fiilis.track('x');
  const body = page.calls.at(-1).body;
  assert.equal(body.user_id, undefined);
  assert.notEqual(body.anonymous_id, before);
  assert.match(body.anonymous_id, UUID);
});

test('identify after load asks for a waiting prompt of that user', async () => {
  const page = open();
  await tick();
  await page.window.fiilis.identify('u9', { userHash: 'h9' });
  const call = page.calls.at(-1);
  assert.equal(call.path, '/v1/widget/session');
  assert.equal(call.body.user_id, 'u9');
});

test('on() returns a function that removes the listener; unknown events warn', async () => {
  const page = open({ answer: session() });
  const seen = [];
  const off = page.window.fiilis.on('shown', () => seen.push(1));
  off();
  await tick(20);
  assert.deepEqual(seen, []);
  page.window.fiilis.on('clicked', () => {});
  assert.match(page.warnings.at(-1), /clicked/);
});

test('without a site key nothing is sent, and it is said once', async () => {
  const page = open({ attrs: {} });
  await tick();
  assert.equal(page.calls.length, 0);
  const answer = await page.window.fiilis.track('x');
  assert.equal(answer.error.code, 'no_site_key');
  assert.equal(page.warnings.length, 1);
  assert.match(page.warnings[0], /data-site-key/);
});

test('a secret key in data-site-key is refused before any request, with one warning', async () => {
  const page = open({ attrs: { 'data-site-key': 'sk_live_abc' } });
  await tick();
  await page.window.fiilis.track('invoice.paid');
  page.document.querySelector('#pay').click();
  await tick();
  assert.equal(page.calls.length, 0);
  assert.equal(page.warnings.length, 1);
  assert.match(page.warnings[0], /^\[fiilis\] .*secret key.*pk_/);
});

test('a refused origin or site key is said once; later calls send nothing', async () => {
  const refusal = { error: { code: 'origin_not_allowed', message: 'The origin https://app.acme.test is not allowed for pk_test: add it under Settings → Allowed origins.' } };
  const page = open({ answer: () => [403, refusal] });
  await tick();
  const answer = await page.window.fiilis.track('invoice.paid');
  assert.equal(answer.error.code, 'origin_not_allowed');
  assert.equal(page.calls.length, 1);
  assert.equal(page.warnings.length, 1);
  assert.match(page.warnings[0], /403 origin_not_allowed.*https:\/\/app\.acme\.test.*Settings → Allowed origins/);
});

test('after an identity refusal a new identify() asks again', async () => {
  let signed = false;
  const refusal = { error: { code: 'identity_mismatch', message: 'user_hash is not the HMAC.' } };
  const page = open({ attrs: { 'data-site-key': 'pk_test', 'data-user-id': 'u1', 'data-user-hash': 'bad' }, answer: () => (signed ? [200, { prompt: null }] : [403, refusal]) });
  await tick();
  signed = true;
  await page.window.fiilis.identify('u1', { userHash: 'good' });
  assert.equal(page.calls.length, 2);
  assert.equal(page.calls[1].body.user_hash, 'good');
});

test('a prompt whose answer still waits in the queue is not asked again', async () => {
  const queued = [{ id: 'q1', group: 'prm_1', method: 'POST', path: '/v1/widget/responses', body: { score: 2 }, tries: 3, due: 0 }];
  const page = open({
    answer: (method, path) => (path === '/v1/widget/session' ? [200, { prompt: PROMPT }] : [0]),
    before: (window) => window.localStorage.setItem('fiilis:q:pk_test', JSON.stringify(queued)),
  });
  await tick(20);
  assert.equal(page.document.querySelector('fiilis-widget'), null);
  assert.ok(page.calls.some((c) => c.path === '/v1/widget/responses'), 'the waiting answer is retried on load');
});

test('a 200 without a JSON body resolves to no prompt', async () => {
  const page = open({ answer: () => [200, undefined] });
  const answer = await page.window.fiilis.track('x');
  assert.deepEqual(plain(answer), { prompt: null });
});

test('an unknown call warns instead of throwing', () => {
  const page = open();
  assert.equal(page.window.fiilis('launch'), undefined);
  assert.match(page.warnings.at(-1), /\[fiilis\] launch/);
});

// -- the card file, and page views that need no collector -------------------------------------------

test('a page view with no prompt never fetches the card file', async () => {
  const page = open();
  await page.window.fiilis.track('report.exported');
  await tick(20);
  assert.deepEqual(page.scripts, []);
});

test('the first prompt fetches the card file once, next to the loader and pinned by its integrity', async () => {
  const answer = (method, path) => session()(method, path.replace('https://api.acme.test', ''));
  const page = open({ answer, attrs: { 'data-site-key': 'pk_test', 'data-host': 'https://api.acme.test' } });
  await tick(10);
  assert.ok(page.shadow(), 'the card shows');
  await page.window.fiilis.preview(PROMPT);
  assert.equal(page.scripts.length, 1, 'fetched once');
  const [tag] = page.scripts;
  assert.equal(tag.src, 'https://feedback.acme.test/widget/' + MANIFEST.card.file, 'from where the loader came, not the API host');
  assert.match(tag.integrity, /^sha(256|384)-[A-Za-z0-9+/]+=*$/);
  assert.equal(tag.crossOrigin, 'anonymous');
});

test('a card file that does not load shows no card, reports nothing shown, and is tried again by the next prompt', async () => {
  const answer = (method, path) => (path === '/v1/widget/events' ? [200, { prompt: PROMPT }] : session()(method, path));
  const page = open({ answer });
  const append = page.document.head.append;
  page.document.head.append = (el) => setTimeout(() => el.onerror()); // blocked, or not the file its integrity names
  await tick(10);
  assert.equal(page.shadow(), undefined);
  assert.ok(!page.calls.some((c) => c.path.endsWith('/shown')));
  assert.ok(page.warnings.some((w) => w.includes('the card did not load')), page.warnings.join());
  page.document.head.append = append;
  await page.window.fiilis.show('srv_1');
  await tick(10);
  assert.ok(page.shadow(), 'the next prompt loads it');
});

test("an anonymous visitor's later page views send nothing: the empty session is remembered for a day", async () => {
  const first = open();
  await tick();
  assert.deepEqual(first.calls.map((c) => c.path), ['/v1/widget/session']);
  const stamp = Number(first.window.localStorage.getItem('fiilis:s:pk_test'));
  assert.ok(stamp > Date.now() - 60e3, 'remembered');
  const later = open({ before: (w) => w.localStorage.setItem('fiilis:s:pk_test', String(stamp)) });
  await tick(10);
  assert.deepEqual(later.calls, [], 'a warm page view asks nothing');
  const nextDay = open({ before: (w) => w.localStorage.setItem('fiilis:s:pk_test', String(Date.now() - 864e5 - 1)) });
  await tick();
  assert.deepEqual(nextDay.calls.map((c) => c.path), ['/v1/widget/session'], 'a day later it asks again');
});

test('a signed-in user still opens a session on every page view: the backend may have a prompt waiting', async () => {
  const remembered = (w) => w.localStorage.setItem('fiilis:s:pk_test', String(Date.now()));
  const page = open({ attrs: { 'data-site-key': 'pk_test', 'data-user-id': 'u42', 'data-user-hash': 'f00d' }, before: remembered });
  await tick();
  assert.deepEqual(page.calls.map((c) => c.path), ['/v1/widget/session']);
});

test('a refused session is not remembered: the next page view asks again and warns again', async () => {
  const refused = () => [403, { error: { code: 'origin_not_allowed', message: 'Add the origin.' } }];
  const page = open({ answer: refused, before: (w) => w.localStorage.setItem('fiilis:s:pk_test', String(Date.now() - 864e5 - 1)) });
  await tick();
  assert.equal(page.window.localStorage.getItem('fiilis:s:pk_test'), '');
  assert.equal(page.warnings.length, 1);
});

test("an event whose answer was lost to a navigation is still sent on the next page view, whatever the session's memory", async () => {
  const page = open({
    before: (w) => {
      w.localStorage.setItem('fiilis:s:pk_test', String(Date.now()));
      w.localStorage.setItem('fiilis:t:pk_test', JSON.stringify(['invoice.paid', { amount: 5 }, Date.now() - 1000]));
    },
  });
  await tick();
  assert.deepEqual(page.calls.map((c) => [c.path, c.body.event]), [['/v1/widget/events', 'invoice.paid']]);
});
