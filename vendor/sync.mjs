// Copies the pinned third-party browser files the collector serves into collector/static/vendor/.
//   swagger-ui/  swagger-ui-bundle.js, swagger-ui.css and their licence texts (the API reference page)
// `node sync.mjs --check` fails if the committed copies differ from the pinned package's files, so
// the files in git are always exactly what package-lock.json names (no edits, no stale copy).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, '..', 'collector', 'static', 'vendor');

const COPIES = {
  'swagger-ui': {
    from: join(here, 'node_modules', 'swagger-ui-dist'),
    files: ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE', 'swagger-ui-bundle.js.LICENSE.txt'],
  },
};

const check = process.argv.includes('--check');
const problems = [];
for (const [dir, { from, files }] of Object.entries(COPIES)) {
  const out = join(OUT, dir);
  const { version } = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
  const wanted = { ...Object.fromEntries(files.map((f) => [f, readFileSync(join(from, f))])), VERSION: Buffer.from(`${version}\n`) };
  if (check) {
    let present = [];
    try {
      present = readdirSync(out);
    } catch {
      problems.push(`${dir}/ is missing`);
      continue;
    }
    for (const [name, bytes] of Object.entries(wanted)) {
      if (!present.includes(name)) problems.push(`${dir}/${name} is missing`);
      else if (!readFileSync(join(out, name)).equals(bytes)) problems.push(`${dir}/${name} differs from the pinned package (${version})`);
    }
    for (const name of present) if (!(name in wanted)) problems.push(`${dir}/${name} is not from the package`);
  } else {
    mkdirSync(out, { recursive: true });
    for (const [name, bytes] of Object.entries(wanted)) writeFileSync(join(out, name), bytes);
    console.log(`${dir}/ ← ${Object.keys(wanted).length} files of version ${version}`);
  }
}
if (problems.length) {
  console.error(`collector/static/vendor/ is not the pinned copy (run \`cd vendor && npm run sync\`):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
