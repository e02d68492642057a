// A single-page app: the route may change while a prompt waits out its delay.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openPage, PROMPT, tick } from './page.mjs';

const pages = [];
after(() => Promise.all(pages.map((p) => p.close())));
const open = (options) => {
  const page = openPage(options);
  pages.push(page);
  return page;
};
const BILLING = { ...PROMPT, delay_ms: 30, pages: ['/billing/*'] };
const answers = (prompts) => (method, path) => (path === '/v1/widget/events' ? [200, { prompt: prompts.shift() || null }] : path.endsWith('/shown') ? [204] : [200, { prompt: null }]);
const shown = (page) => page.calls.filter((c) => c.path.endsWith('/shown'));

test('a prompt for the billing pages shows when the app is still on one after the delay', async () => {
  const page = open({ answer: answers([BILLING]) });
  page.window.history.pushState({}, '', '/billing/invoices');
  await page.window.fiilis.track('invoice.paid');
  page.window.history.pushState({}, '', '/billing/invoices/42');
  await tick(60);
  assert.ok(page.shadow()?.querySelector('[role=radio]'), 'the card with its scale');
  assert.equal(shown(page).length, 1);
});

test('after a route change away from billing during the delay: no card, not reported shown, and the page view may take another prompt', async () => {
  const page = open({ answer: answers([BILLING, { ...PROMPT, id: 'prm_2', token: 'tok.2' }]) });
  page.window.history.pushState({}, '', '/billing/invoices');
  await page.window.fiilis.track('invoice.paid');
  page.window.history.pushState({}, '', '/settings');
  await tick(60);
  assert.equal(page.shadow(), undefined, 'no card');
  assert.equal(shown(page).length, 0, 'not reported shown: the prompt stays pending');

  const next = await page.window.fiilis.track('profile.saved');
  assert.equal(next.prompt.id, 'prm_2');
  await tick(10);
  assert.deepEqual(shown(page).map((c) => c.path), ['/v1/widget/prompts/prm_2/shown']);
});

test('going back with the browser before the delay ends shows the card on the billing page', async () => {
  const page = open({ answer: answers([BILLING]) });
  page.window.history.pushState({}, '', '/billing/invoices');
  page.window.history.pushState({}, '', '/settings');
  await page.window.fiilis.track('invoice.paid');
  page.window.history.back();
  await tick(60);
  assert.equal(page.window.location.pathname, '/billing/invoices');
  assert.ok(page.shadow()?.querySelector('[role=radio]'));
  assert.equal(shown(page).length, 1);
});
