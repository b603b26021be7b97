// What a cache-hit process loads from dist/: the static import closure of dist/index.js and dist/extensions.js, with
// the size of each output file and, with --sources, the source files each one holds (from build/metafile.json, which
// `npm run build` writes). Issue 17: a process that serves a token from a persisted cache should load only what the
// hit needs. Usage: `node scripts/hit-closure.mjs [--sources]`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const seen = new Set();
function walk(file) {
  if (seen.has(file)) return;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*"(\.[^"]+)"/g)) walk(resolve(dirname(file), m[1]));
}
for (const entry of ['dist/index.js', 'dist/extensions.js']) walk(resolve(entry));

const meta = existsSync('build/metafile.json') ? JSON.parse(readFileSync('build/metafile.json', 'utf8')) : undefined;
const sources = process.argv.includes('--sources');
const bySource = [];
let bytes = 0;
for (const file of seen) {
  const out = relative(process.cwd(), file);
  const size = statSync(file).size;
  bytes += size;
  console.log(`${String(size).padStart(7)}  ${out}`);
  const inputs = meta?.outputs[out]?.inputs ?? {};
  for (const [src, v] of Object.entries(inputs)) bySource.push([v.bytesInOutput, src]);
}
console.log(`${seen.size} modules, ${bytes} bytes`);
if (sources) for (const [b, src] of bySource.sort((x, y) => y[0] - x[0])) console.log(`${String(b).padStart(7)}  ${src}`);
