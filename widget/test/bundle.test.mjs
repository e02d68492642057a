// The committed bundle: small, reproducible, and described by its manifest.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { differences, OUT_DIR } from '../build.mjs';

const BUDGET = 6144; // bytes, gzip level 9
const bundle = readFileSync(join(OUT_DIR, 'fiilis.js'));

test(`the bundle is at most ${BUDGET} bytes gzipped`, () => {
  const size = gzipSync(bundle, { level: 9 }).length;
  console.log(`fiilis.js: ${bundle.length} bytes, ${size} bytes gzip (level 9), budget ${BUDGET}`);
  assert.ok(size <= BUDGET, `fiilis.js is ${size} bytes gzipped, over the ${BUDGET} byte budget`);
});

test('rebuilding from widget/src gives the committed bytes', async () => {
  assert.deepEqual(await differences(), [], 'run `npm run build` in widget/ and commit collector/static/widget');
});

test('the manifest names the content-addressed copy and its sha384 integrity', () => {
  const manifest = JSON.parse(readFileSync(join(OUT_DIR, 'manifest.json'), 'utf8'));
  const sha384 = createHash('sha384').update(bundle).digest();
  assert.equal(manifest.hash, sha384.toString('hex').slice(0, 12));
  assert.equal(manifest.file, `fiilis.${manifest.hash}.js`);
  assert.equal(manifest.integrity, 'sha384-' + sha384.toString('base64'));
  assert.equal(manifest.bytes, bundle.length);
  assert.equal(manifest.gzip_bytes, gzipSync(bundle, { level: 9 }).length);
  assert.ok(existsSync(join(OUT_DIR, manifest.file)));
  assert.ok(readFileSync(join(OUT_DIR, manifest.file)).equals(bundle));
});

test('the bundle runs in es2020 browsers and holds no CDN or markup injection', () => {
  const code = bundle.toString();
  assert.ok(code.startsWith('(()=>{'), 'an IIFE');
  assert.doesNotMatch(code, /innerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  assert.doesNotMatch(code, /https?:\/\//, 'no hard-coded hosts');
});
