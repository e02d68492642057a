// Builds the widget into collector/static/widget/:
//   fiilis.js                 the loader at a stable URL (short cache)
//   fiilis.<hash>.js          the loader, content-addressed (immutable), hash = first 12 hex of the sha384
//   fiilis-card.<hash>.js     the card, content-addressed; the loader carries its name and integrity
//   *.js.br, *.js.gz          each of them pre-compressed, served by Accept-Encoding
//   manifest.json             {file, hash, integrity, bytes, gzip_bytes, brotli_bytes, card: {…}}
// `node build.mjs --check` rebuilds into a temporary folder and fails if the committed files differ.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

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

const INTERNAL = /^(siteKey|userId|retryAfter|items|flush|retry|beacon|points|low|high|onScore|onComment|onDismiss|mountCard|onPage)$/;

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
  return { code: Buffer.from(result.outputFiles[0].contents), mangleCache: result.mangleCache };
}

const gzip = (code) => gzipSync(code, { level: 9 });
const brotli = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length } });

/** A content-addressed file's description, as the manifest holds it. */
function described(prefix, code) {
  const sha384 = createHash('sha384').update(code).digest();
  const hash = sha384.toString('hex').slice(0, 12);
  return {
    file: `${prefix}.${hash}.js`,
    hash,
    integrity: 'sha384-' + sha384.toString('base64'),
    bytes: code.length,
    gzip_bytes: gzip(code).length,
    brotli_bytes: brotli(code).length,
  };
}

/** The card, then the loader that knows the card's name and integrity: {loader, card}. */
export async function bundle() {
  const { code: card, mangleCache } = await build('card-file.js');
  // sha256 is enough for SRI, and shorter in the loader than the sha384 of the loader's own tag
  const sri = 'sha256-' + createHash('sha256').update(card).digest('base64');
  const define = { __CARD_FILE__: JSON.stringify(described('fiilis-card', card).file), __CARD_SRI__: JSON.stringify(sri) };
  const { code: loader } = await build('index.js', define, mangleCache);
  return { loader, card };
}

/** The files to write, by name: the loader twice, the card, each also as .br and .gz, and the manifest. */
export function artifacts({ loader, card }) {
  const manifest = { ...described('fiilis', loader), card: described('fiilis-card', card) };
  const files = { 'fiilis.js': loader, [manifest.file]: loader, [manifest.card.file]: card };
  for (const [name, code] of Object.entries(files)) {
    files[name + '.br'] = brotli(code);
    files[name + '.gz'] = gzip(code);
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
export function write(dir, files, { keep = true } = {}) {
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
    if (!existsSync(join(releases, name + '.gz'))) writeFileSync(join(releases, name + '.gz'), gzip(code));
  }
}

// Compressed files compare by what they decompress to: another zlib may pick other bytes.
const SAME = { '.br': brotliDecompressSync, '.gz': gunzipSync };

/** Names of files that differ between a fresh build and `dir` (empty when the build is current). */
export async function differences(dir = OUT_DIR) {
  const tmp = mkdtempSync(join(tmpdir(), 'fiilis-widget-'));
  try {
    write(tmp, artifacts(await bundle()), { keep: false });
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
    const files = artifacts(await bundle());
    write(OUT_DIR, files);
    const manifest = JSON.parse(files['manifest.json']);
    for (const { file, bytes, gzip_bytes, brotli_bytes } of [manifest, manifest.card]) {
      console.log(`${file}: ${bytes} bytes, ${gzip_bytes} gzip (level 9), ${brotli_bytes} brotli`);
    }
  }
}
