import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findScript, readConfig } from '../src/config.js';

const tag = (attrs, nonce) => ({ nonce, getAttribute: (name) => attrs[name] ?? null });

test('the data attributes of the tag are the settings', () => {
  const config = readConfig(
    tag({ src: 'https://feedback.acme.test/widget/fiilis.js', 'data-site-key': 'pk_1', 'data-user-id': 'u42', 'data-user-hash': 'abc', 'data-locale': 'fi' }, 'n0nce'),
    'https://app.acme.test/billing',
  );
  assert.deepEqual(config, { siteKey: 'pk_1', userId: 'u42', userHash: 'abc', locale: 'fi', host: 'https://feedback.acme.test', nonce: 'n0nce' });
});

test('the API host is the origin of the script src, also for a relative src', () => {
  assert.equal(readConfig(tag({ src: 'https://c.test:8443/widget/fiilis.3f2a.js?v=1' }), 'https://app.test/').host, 'https://c.test:8443');
  assert.equal(readConfig(tag({ src: '/widget/fiilis.js' }), 'http://localhost:5000/demo/page').host, 'http://localhost:5000');
});

test('data-host wins over the src, without a trailing slash', () => {
  const config = readConfig(tag({ src: 'https://cdn.test/fiilis.js', 'data-host': 'https://api.acme.test/feedback/' }), 'https://app.test/');
  assert.equal(config.host, 'https://api.acme.test/feedback');
});

test('missing attributes are undefined, not empty strings', () => {
  const config = readConfig(tag({ src: 'https://c.test/fiilis.js', 'data-user-id': '' }), 'https://app.test/');
  assert.equal(config.siteKey, undefined);
  assert.equal(config.userId, undefined);
  assert.equal(config.nonce, undefined);
});

test('without a tag the widget talks to the page origin', () => {
  assert.deepEqual(readConfig(null, 'https://app.test/x'), { siteKey: undefined, userId: undefined, userHash: undefined, locale: undefined, host: '', nonce: undefined });
});

test('document.currentScript is used when set, else the last script whose src names fiilis', () => {
  const current = tag({});
  assert.equal(findScript({}, current), current);
  const a = tag({ src: 'https://c.test/fiilis.js' });
  const b = tag({ src: 'https://c.test/widget/fiilis.abc.js' });
  const doc = { querySelectorAll: (selector) => (selector === 'script[src*="fiilis"]' ? [a, b] : []) };
  assert.equal(findScript(doc, null), b);
  assert.equal(findScript({ querySelectorAll: () => [] }, null), null);
});
