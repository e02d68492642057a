// Builds the widget bundle into collector/static/widget/:
//   fiilis.js            stable URL (short cache)
//   fiilis.<hash>.js     content-addressed (immutable), hash = first 12 hex of the sha384
//   manifest.json        {file, hash, integrity, bytes, gzip_bytes} read by the collector
// `node build.mjs --check` rebuilds into a temporary folder and fails if the committed files differ.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
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

/** The bundle's bytes: a minified IIFE for es2020 browsers. Same sources, same bytes. */
export async function bundle() {
  const result = await esbuild.build({
    entryPoints: [join(here, 'src', 'index.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    charset: 'utf8',
    legalComments: 'none',
    define: { __VERSION__: JSON.stringify(version) },
    plugins: [minifiedCss],
    write: false,
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0].contents);
}

/** The files to write, by name: the bundle twice and the manifest. */
export function artifacts(code) {
  const sha384 = createHash('sha384').update(code).digest();
  const hash = sha384.toString('hex').slice(0, 12);
  const file = `fiilis.${hash}.js`;
  const manifest = {
    file,
    hash,
    integrity: 'sha384-' + sha384.toString('base64'),
    bytes: code.length,
    gzip_bytes: gzipSync(code, { level: 9 }).length,
  };
  return { 'fiilis.js': code, [file]: code, 'manifest.json': Buffer.from(JSON.stringify(manifest, null, 2) + '\n') };
}

/**
 * Writes the artifacts into `dir`. Bundles of earlier builds move to `dir/releases/`: pasted tags pin
 * a bundle by its integrity hash, so the collector keeps serving every bundle it ever shipped.
 */
export function write(dir, files, { keep = true } = {}) {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (/^fiilis\.[0-9a-f]+\.js$/.test(name) && !(name in files)) {
      if (keep) {
        mkdirSync(join(dir, 'releases'), { recursive: true });
        renameSync(join(dir, name), join(dir, 'releases', name));
      } else rmSync(join(dir, name));
    }
  }
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
}

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
    const names = new Set([...readdirSync(tmp), ...readdirSync(dir).filter((n) => /^fiilis\..*js$|^manifest\.json$/.test(n))]);
    return [...names].filter((name) => {
      const a = read(tmp, name);
      const b = read(dir, name);
      return !a || !b || !a.equals(b);
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
    console.log(`${manifest.file}: ${manifest.bytes} bytes, ${manifest.gzip_bytes} gzip (level 9)`);
  }
}
