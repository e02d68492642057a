import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveLocale, strings } from '../src/i18n.js';
import { scaleOf } from '../src/scale.js';

test('locales resolve by their language part', () => {
  assert.equal(resolveLocale('fi'), 'fi');
  assert.equal(resolveLocale('fi-FI'), 'fi');
  assert.equal(resolveLocale('sv_SE'), 'sv');
  assert.equal(resolveLocale('SV'), 'sv');
  assert.equal(resolveLocale('en-GB'), 'en');
});

test('an unknown locale falls back to the next candidate, and finally to English', () => {
  assert.equal(resolveLocale('de', 'fi'), 'fi');
  assert.equal(resolveLocale('de'), 'en');
  assert.equal(resolveLocale(undefined, null, ''), 'en');
  assert.equal(resolveLocale(), 'en');
});

test('every locale has every string, with a pair of end labels per kind', () => {
  for (const locale of ['en', 'fi', 'sv']) {
    const t = strings(locale);
    for (const key of ['close', 'send', 'skip', 'thanks', 'placeholder']) assert.ok(t[key] && !t[key].includes('|'), `${locale}.${key}`);
    for (const kind of ['csat', 'ces', 'nps']) {
      assert.equal(t[kind].length, 2, `${locale}.${kind}`);
      assert.ok(t[kind].every(Boolean), `${locale}.${kind}`);
    }
  }
});

test('the built-in strings are translated', () => {
  assert.equal(strings('en').close, 'Close');
  assert.equal(strings('fi').close, 'Sulje');
  assert.equal(strings('sv').close, 'Stäng');
  assert.deepEqual(strings('en').nps, ['Not likely', 'Very likely']);
  assert.equal(strings('fi').thanks, 'Kiitos palautteestasi!');
});

test('CSAT is 1–5, CES 1–7 and NPS 0–10', () => {
  const t = strings('en');
  assert.deepEqual(scaleOf({ kind: 'csat' }, t).points, [1, 2, 3, 4, 5]);
  assert.deepEqual(scaleOf({ kind: 'ces' }, t).points, [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(scaleOf({ kind: 'nps' }, t).points, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test("the collector's scale is drawn: a CES survey on 1–5 shows 1–5", () => {
  const t = strings('en');
  assert.deepEqual(scaleOf({ kind: 'ces', scale: { min: 1, max: 5 } }, t).points, [1, 2, 3, 4, 5]);
  assert.deepEqual(scaleOf({ kind: 'csat', scale: { min: 1, max: 7 } }, t).points, [1, 2, 3, 4, 5, 6, 7]);
  // A scale that cannot be one falls back to the kind's.
  assert.deepEqual(scaleOf({ kind: 'ces', scale: { min: 5, max: 1 } }, t).points.length, 7);
  assert.deepEqual(scaleOf({ kind: 'nps', scale: { min: '0', max: 1e9 } }, t).points.length, 11);
});

test("end labels come from the collector's scale, else from the built-in strings of the kind", () => {
  const fi = strings('fi');
  const given = scaleOf({ kind: 'nps', scale: { min: 0, max: 10, low_label: 'Ei ikinä', high_label: 'Ehdottomasti' } }, fi);
  assert.deepEqual([given.low, given.high], ['Ei ikinä', 'Ehdottomasti']);
  const builtIn = scaleOf({ kind: 'ces', scale: { min: 1, max: 7 } }, fi);
  assert.deepEqual([builtIn.low, builtIn.high], fi.ces);
  const en = scaleOf({ kind: 'csat' }, strings('en'));
  assert.deepEqual([en.low, en.high], ['Very dissatisfied', 'Very satisfied']);
});

test('an unknown kind is shown as CSAT', () => {
  assert.deepEqual(scaleOf({ kind: 'stars' }, strings('en')).points, [1, 2, 3, 4, 5]);
});
