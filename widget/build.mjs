// Builds the widget into collector/static/widget/:
//   fiilis.js                 the loader at a stable URL (short cache)
//   fiilis.<hash>.js          the loader, content-addressed (immutable), hash = first 12 hex of the sha384
//   fiilis-card.<hash>.js     the card, content-addressed; the loader carries its name and integrity
//   *.js.br, *.js.gz          each of them pre-compressed, served by Accept-Encoding
//   manifest.json             {file, hash, integrity, bytes, gzip_bytes, brotli_bytes, card: {…}}
// Each entry is bundled by esbuild, then compressed further by terser (its variables only). The
// .gz files are zopfli's: still gzip, which every browser reads, ~1.5% smaller than zlib's level 9.
// `node build.mjs --check` rebuilds into a temporary folder and fails if the committed files differ.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { minify } from 'terser';

// @gfx/zopfli's runtime (emscripten) installs process-wide handlers for uncaught errors and
// rejections that print its whole source and exit: the build's and the tests' own errors should
// read as usual, so the handlers it adds are taken off again.
const handlers = (event) => new Set(process.listeners(event));
const before = { uncaughtException: handlers('uncaughtException'), unhandledRejection: handlers('unhandledRejection') };
const { gzipAsync } = await import('@gfx/zopfli');
for (const [event, had] of Object.entries(before)) {
  for (const listener of process.listeners(event)) if (!had.has(listener)) process.off(event, listener);
}

const here = dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = join(here, '..', 'collector', 'static', 'widget');
const { version } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));

// styles.js holds readable CSS; the bundle gets it minified by esbuild's CSS minifier.
const minifiedCss = {
  name: 'minified-css',
  setup(build) {
    build.onLoad({ filter: /[\\/]styles\.js$/ }, async (args) => {
      const { CSS } = await import(pathToFileURL(args.path).href);
      const { code } = await esbuild.transform(CSS, { loader: 'css', minify: true, target: 'chrome90' });
      // esbuild keeps the spaces inside var() fallbacks; our CSS has no ", " in strings
      return { contents: `export const CSS = ${JSON.stringify(code.trim().replace(/, /g, ','))};`, loader: 'js' };
    });
  },
};

const INTERNAL = /^(siteKey|data|item|at|userId|retryAfter|items|flush|retry|beacon|points|low|high|onScore|onComment|onDismiss|mountCard|onPage)$/;

// terser after esbuild's minifier: its compressor inlines single-use functions and joins
// statements, ~200 gzip bytes for loader and card. It renames local variables only: property
// names stay as esbuild's mangleProps left them, shared by the loader and the card file.
const TERSER = {
  ecma: 2020,
  compress: { ecma: 2020, passes: 3, unsafe_arrows: true }, // arrows wherever a function uses no `this`
  mangle: true,
  format: { ecma: 2020, comments: false },
};

/** One entry's bytes: a minified IIFE for es2020 browsers. Same sources, same bytes. */
async function build(entry, define = {}, mangleCache = {}) {
  const result = await esbuild.build({
    entryPoints: [join(here, 'src', entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    charset: 'utf8',
    legalComments: 'none',
    define: { __VERSION__: JSON.stringify(version), ...define },
    // property names that only the widget's own modules use (never stored, sent or shown to a page)
    mangleProps: INTERNAL,
    mangleCache, // shared, so the loader reads the card file's parts by their minified names
    plugins: [minifiedCss],
    write: false,
    logLevel: 'silent',
  });
  const { code } = await minify(result.outputFiles[0].text, TERSER);
  return { code: Buffer.from(code), mangleCache: result.mangleCache };
}

// zopfli is deterministic: the same bytes give the same .gz on every machine
const gzip = async (code) => Buffer.from(await gzipAsync(code, { numiterations: 100 }));
const brotli = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length } });

/** A content-addressed file's name: the first 12 hex of its sha384. */
const named = (prefix, code) => `${prefix}.${createHash('sha384').update(code).digest('hex').slice(0, 12)}.js`;

/** A content-addressed file's description, as the manifest holds it, with the sizes of the
 * compressed files served for it. */
function described(prefix, code, compressed) {
  const sha384 = createHash('sha384').update(code).digest();
  return {
    file: named(prefix, code),
    hash: sha384.toString('hex').slice(0, 12),
    integrity: 'sha384-' + sha384.toString('base64'),
    bytes: code.length,
    gzip_bytes: compressed.gz.length,
    brotli_bytes: compressed.br.length,
  };
}

/** The card, then the loader that knows the card's name and integrity: {loader, card}. */
export async function bundle() {
  const { code: card, mangleCache } = await build('card-file.js');
  // sha256 is enough for SRI, and shorter in the loader than the sha384 of the loader's own tag
  const sri = 'sha256-' + createHash('sha256').update(card).digest('base64');
  const define = { __CARD_FILE__: JSON.stringify(named('fiilis-card', card)), __CARD_SRI__: JSON.stringify(sri) };
  const { code: loader } = await build('index.js', define, mangleCache);
  return { loader, card };
}

/** The files to write, by name: the loader twice, the card, each also as .br and .gz, and the manifest. */
export async function artifacts({ loader, card }) {
  const compress = async (code) => ({ br: brotli(code), gz: await gzip(code) });
  const [ofLoader, ofCard] = await Promise.all([compress(loader), compress(card)]);
  const manifest = { ...described('fiilis', loader, ofLoader), card: described('fiilis-card', card, ofCard) };
  const files = {};
  for (const [name, code, compressed] of [['fiilis.js', loader, ofLoader], [manifest.file, loader, ofLoader], [manifest.card.file, card, ofCard]]) {
    files[name] = code;
    files[name + '.br'] = compressed.br;
    files[name + '.gz'] = compressed.gz;
  }
  files['manifest.json'] = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  return files;
}

// the content-addressed files of any build, compressed or not
const BUILT = /^fiilis(-card)?\.[0-9a-f]+\.js(\.br|\.gz)?$/;

/**
 * Writes the artifacts into `dir`. Files of earlier builds move to `dir/releases/`: pasted tags pin
 * a loader by its integrity hash, and that loader its card, so the collector keeps serving every
 * file it ever shipped (compressed too: releases of before compression get their .br and .gz here).
 */
export async function write(dir, files, { keep = true } = {}) {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (BUILT.test(name) && !(name in files)) {
      if (keep) {
        mkdirSync(join(dir, 'releases'), { recursive: true });
        renameSync(join(dir, name), join(dir, 'releases', name));
      } else rmSync(join(dir, name));
    }
  }
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  const releases = join(dir, 'releases');
  if (!keep || !existsSync(releases)) return;
  for (const name of readdirSync(releases)) {
    if (!/\.js$/.test(name)) continue;
    const code = readFileSync(join(releases, name));
    if (!existsSync(join(releases, name + '.br'))) writeFileSync(join(releases, name + '.br'), brotli(code));
    if (!existsSync(join(releases, name + '.gz'))) writeFileSync(join(releases, name + '.gz'), await gzip(code));
  }
}

// Compressed files compare by what they decompress to: another zlib may pick other bytes.
const SAME = { '.br': brotliDecompressSync, '.gz': gunzipSync };

/** Names of files that differ between a fresh build and `dir` (empty when the build is current). */
export async function differences(dir = OUT_DIR) {
  const tmp = mkdtempSync(join(tmpdir(), 'fiilis-widget-'));
  try {
    await write(tmp, await artifacts(await bundle()), { keep: false });
    const read = (d, name) => {
      try {
        return readFileSync(join(d, name));
      } catch {
        return null;
      }
    };
    const names = new Set([...readdirSync(tmp), ...readdirSync(dir).filter((n) => BUILT.test(n) || n === 'fiilis.js' || n === 'manifest.json')]);
    return [...names].filter((name) => {
      const a = read(tmp, name);
      const b = read(dir, name);
      if (!a || !b) return true;
      const open = SAME[name.slice(-3)];
      try {
        return open ? !open(a).equals(open(b)) : !a.equals(b);
      } catch {
        return true;
      }
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = await differences();
    if (stale.length) {
      console.error(`collector/static/widget is not the build of widget/src (differs: ${stale.join(', ')}). Run: npm run build`);
      process.exit(1);
    }
    console.log('collector/static/widget matches a fresh build');
  } else {
    const files = await artifacts(await bundle());
    await write(OUT_DIR, files);
    const manifest = JSON.parse(files['manifest.json']);
    for (const { file, bytes, gzip_bytes, brotli_bytes } of [manifest, manifest.card]) {
      console.log(`${file}: ${bytes} bytes, ${gzip_bytes} gzip (zopfli), ${brotli_bytes} brotli`);
    }
  }
}
