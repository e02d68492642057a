// The widget's page matcher agrees with the collector's on one table of cases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { onPage } from '../src/browser.js';

const { cases } = JSON.parse(readFileSync(new URL('../../tests/unit/page_rules.json', import.meta.url), 'utf8'));
// how the collector sends a rule in a prompt (PageRule.as_glob)
const glob = (op, value) => (op === 'starts_with' ? value + '*' : op === 'contains' ? '*' + value + '*' : value);

test('page rules match the path, and the query or fragment only when they ask, as the collector does', () => {
  for (const [op, value, url, matches] of cases) {
    assert.equal(onPage([glob(op, value)], new URL(url)), matches, `${op} ${value} on ${url}`);
  }
});

test('a prompt without page rules shows on any page, one with several on a page any of them matches', () => {
  const here = new URL('https://app.example/settings');
  assert.equal(onPage(undefined, here), true);
  assert.equal(onPage(['/billing/*'], here), false);
  assert.equal(onPage(['/billing/*', '/settings'], here), true);
});

test('a glob with many stars over a long path is answered at once, without backtracking', () => {
  const long = new URL('https://app.example/' + 'a'.repeat(2000));
  assert.equal(onPage(['/' + 'a*'.repeat(8) + 'b'], long), false);
  assert.equal(onPage(['/' + 'a*'.repeat(8)], long), true);
});
