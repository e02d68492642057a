// The committed build: small, reproducible, pre-compressed, and described by its manifest.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { differences, OUT_DIR } from '../build.mjs';

// The budgets measure what is served: the committed .gz files (zopfli's, see build.mjs), which a
// browser that sends Accept-Encoding: gzip gets. Brotli's .br files are smaller still.
const LOADER_BUDGET = 3072; // bytes of fiilis.js.gz: what every page view downloads
// the loader and the card together: what a page view with a prompt downloads. The goal (issue #21)
// is the single bundle's 6144 of before; compressed apart, the two files lose ~190 bytes against
// one, and the split added ~250 of loading code and hash. This holds what terser, zopfli and the
// shorter code won (6190, from 6546).
const BUDGET = 6200;
const manifest = JSON.parse(readFileSync(join(OUT_DIR, 'manifest.json'), 'utf8'));
const loader = readFileSync(join(OUT_DIR, 'fiilis.js'));
const card = readFileSync(join(OUT_DIR, manifest.card.file));
const served = (name) => readFileSync(join(OUT_DIR, name + '.gz')).length;
const gzipped = (code) => gzipSync(code, { level: 9 }).length;

test(`the loader is at most ${LOADER_BUDGET} bytes gzipped`, () => {
  console.log(`fiilis.js: ${loader.length} bytes, ${served('fiilis.js')} bytes gzip as served, budget ${LOADER_BUDGET}`);
  assert.ok(served('fiilis.js') <= LOADER_BUDGET, `the loader is ${served('fiilis.js')} bytes gzipped, over the ${LOADER_BUDGET} byte budget`);
});

test(`the loader and the card together are at most ${BUDGET} bytes gzipped`, () => {
  const both = served('fiilis.js') + served(manifest.card.file);
  console.log(`${manifest.card.file}: ${card.length} bytes, ${served(manifest.card.file)} bytes gzip as served; with the loader ${both}, budget ${BUDGET}`);
  assert.ok(both <= BUDGET, `loader + card are ${both} bytes gzipped, over the ${BUDGET} byte budget`);
});

test('each served .gz is no bigger than zlib at level 9 would make it', () => {
  for (const [name, code] of [['fiilis.js', loader], [manifest.file, loader], [manifest.card.file, card]]) {
    assert.ok(served(name) <= gzipped(code), `${name}.gz: ${served(name)} bytes, zlib -9 gives ${gzipped(code)}`);
  }
});

test('rebuilding from widget/src gives the committed bytes', async () => {
  assert.deepEqual(await differences(), [], 'run `npm run build` in widget/ and commit collector/static/widget');
});

test('the manifest names the content-addressed loader and card with their sha384 integrity', () => {
  for (const [entry, code, prefix] of [[manifest, loader, 'fiilis'], [manifest.card, card, 'fiilis-card']]) {
    const sha384 = createHash('sha384').update(code).digest();
    assert.equal(entry.hash, sha384.toString('hex').slice(0, 12));
    assert.equal(entry.file, `${prefix}.${entry.hash}.js`);
    assert.equal(entry.integrity, 'sha384-' + sha384.toString('base64'));
    assert.equal(entry.bytes, code.length);
    assert.equal(entry.gzip_bytes, served(entry.file));
    assert.ok(existsSync(join(OUT_DIR, entry.file)));
  }
  assert.ok(readFileSync(join(OUT_DIR, manifest.file)).equals(loader));
});

test('the loader pins the card it loads by the integrity of the card file', () => {
  const sri = 'sha256-' + createHash('sha256').update(card).digest('base64');
  assert.ok(loader.includes(`"${manifest.card.file}"`), 'its name');
  assert.ok(loader.includes(`"${sri}"`), 'its integrity');
});

test('every served file, of this build and of earlier ones, has a brotli and a gzip copy of exactly its bytes', () => {
  const dirs = [OUT_DIR, join(OUT_DIR, 'releases')];
  const files = dirs.flatMap((dir) => readdirSync(dir).filter((n) => n.endsWith('.js')).map((n) => join(dir, n)));
  assert.ok(files.length >= 3);
  for (const file of files) {
    const code = readFileSync(file);
    assert.ok(brotliDecompressSync(readFileSync(file + '.br')).equals(code), file + '.br');
    assert.ok(gunzipSync(readFileSync(file + '.gz')).equals(code), file + '.gz');
  }
});

test('the bundles run in es2020 browsers and hold no CDN or markup injection', () => {
  for (const code of [loader.toString(), card.toString()]) {
    assert.ok(code.startsWith('(()=>{'), 'an IIFE');
    assert.doesNotMatch(code, /innerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    assert.doesNotMatch(code, /https?:\/\//, 'no hard-coded hosts');
  }
});
