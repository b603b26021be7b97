// Bench: the memory a loaded token cache holds, msal-ts beside @azure/msal-node and MSAL Python, for caches of 1,000 /
// 10,000 / 100,000 app tokens (one per tenant) and 1,000 / 10,000 signed-in users (an access token, refresh token, id
// token and account each). Each figure comes from a fresh process that deserializes the cache file, drops the text and
// collects garbage (bench/fixtures/memory-child.*; msal-ts's access tokens all indexed, as after a lookup of each):
// the heap the cache retains (V8's heapUsed for Node, after a first
// load that compiles the code; tracemalloc for Python), per entry and against the file's size (goal for msal-ts: heap at
// most 2x the serialized size), and the whole process's RSS after the load and peak RSS (runtime included). Each library reads a file in its own format (msal-node's app tokens
// from msal-node's own writing; the user cache is msal-node's, which all three read).
// MSAL Python comes from PYTHONPATH (default ../shared/peers/python beside the repository) with /usr/bin/python3;
// without it the bench says so and runs the Node libraries. msal-ts is the built dist/ (npm run build first).
// Run: npm run bench -- memory (or node --import tsx bench/memory.ts [--sizes apps:1000,users:1000])
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as msalNode from '@azure/msal-node';
import { msalNodeCache, msalTsCache, type PeerMsalNode } from './fixtures/persisted-child.js';
import { buildCache } from './fixtures/user-cache.js';
import { tenantIds } from './util.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const NODE_CHILD = join(REPO, 'bench', 'fixtures', 'memory-child.mjs');
const PY_CHILD = join(REPO, 'bench', 'fixtures', 'memory-child.py');
const PYTHON = '/usr/bin/python3';
const PYTHONPATH = process.env['PYTHONPATH'] ?? resolve(REPO, '..', 'shared', 'peers', 'python');

interface Scenario {
  kind: 'apps' | 'users';
  count: number;
  /** Entries in the cache (4 per user). */
  entries: number;
}

interface Figures {
  heap: number | null;
  /** msal-ts only: the heap right after the load, before any lookup indexed its access tokens. */
  loadedHeap?: number | undefined;
  /** msal-ts only: the size of what it serializes for this cache. */
  serialized?: number | undefined;
  rss: number;
  peakRss: number;
}

function scenarios(argv: readonly string[]): Scenario[] {
  const at = argv.indexOf('--sizes');
  const list = at >= 0 ? (argv[at + 1] ?? '').split(',') : ['apps:1000', 'apps:10000', 'apps:100000', 'users:1000', 'users:10000'];
  return list.map((item) => {
    const [kind, n] = item.split(':');
    const count = Number(n);
    if ((kind !== 'apps' && kind !== 'users') || !Number.isInteger(count)) throw new Error(`--sizes: ${item}? (apps:N or users:N)`);
    return { kind, count, entries: kind === 'apps' ? count : 4 * count };
  });
}

function runNode(library: string, entry: string, file: string): Figures {
  const r = spawnSync(process.execPath, ['--expose-gc', NODE_CHILD, JSON.stringify({ library, entry, file })], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${library} child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Figures;
}

function runPython(file: string): Figures | string {
  const env = { ...process.env, PYTHONPATH };
  const heap = spawnSync(PYTHON, [PY_CHILD, file, 'trace'], { encoding: 'utf8', env });
  if (heap.status !== 0) return `MSAL Python failed: ${(heap.stderr || String(heap.error)).trim().split('\n').pop() ?? ''}`;
  const rss = spawnSync(PYTHON, [PY_CHILD, file, 'rss'], { encoding: 'utf8', env });
  if (rss.status !== 0) return `MSAL Python failed: ${rss.stderr.trim().split('\n').pop() ?? ''}`;
  const h = JSON.parse(heap.stdout) as Figures;
  const m = JSON.parse(rss.stdout) as Figures;
  return { heap: h.heap, rss: m.rss, peakRss: m.peakRss };
}

const mb = (bytes: number): string => `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 2 : 1)} MB`;

async function main(): Promise<void> {
  const dist = join(REPO, 'dist', 'index.js');
  if (!existsSync(dist)) {
    console.error('bench/memory: dist/ is missing; run npm run build first');
    process.exit(1);
  }
  const msalNodeEntry = pathToFileURL(fileURLToPath(import.meta.resolve('@azure/msal-node'))).href;
  const python = spawnSync(PYTHON, ['-c', 'import msal; print(msal.__version__)'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH } });
  const pythonVersion = python.status === 0 ? python.stdout.trim() : undefined;
  console.log("token cache memory: a fresh process per figure; heap retained after deserialize and GC; the process's RSS after and peak RSS");
  console.log(
    `node ${process.version}, @azure/msal-node ${msalNode.version}, ` +
      (pythonVersion === undefined ? `MSAL Python NOT run (${PYTHON} cannot import msal from ${PYTHONPATH})` : `MSAL Python ${pythonVersion} (${PYTHONPATH})`) +
      `, ${os.cpus().length} cpus, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );
  const dir = mkdtempSync(join(os.tmpdir(), 'msal-ts-bench-memory-'));
  try {
    for (const s of scenarios(process.argv.slice(2))) {
      const files: Record<string, string> = {};
      if (s.kind === 'apps') {
        const tenants = tenantIds(s.count);
        writeFileSync((files['msal-ts'] = join(dir, `apps-${s.count}-msal-ts.json`)), msalTsCache(tenants).serialize());
        writeFileSync((files['msal-node'] = join(dir, `apps-${s.count}-msal-node.json`)), await msalNodeCache(msalNode as unknown as PeerMsalNode, tenants));
        files['MSAL Python'] = files['msal-ts'];
      } else {
        const text = await buildCache(s.count);
        writeFileSync((files['msal-ts'] = join(dir, `users-${s.count}.json`)), text);
        files['msal-node'] = files['MSAL Python'] = files['msal-ts'];
      }
      console.log(`\n${s.count.toLocaleString('en-US')} ${s.kind === 'apps' ? 'app tokens' : `users (${s.entries.toLocaleString('en-US')} entries)`}`);
      console.log(
        `${'library'.padEnd(12)} ${'file'.padStart(9)} ${'heap'.padStart(9)} ${'heap/file'.padStart(9)} ${'heap/entry'.padStart(10)} ${'RSS'.padStart(9)} ${'peak RSS'.padStart(9)}`,
      );
      for (const library of ['msal-ts', 'msal-node', 'MSAL Python']) {
        const file = files[library] ?? '';
        const size = statSync(file).size;
        let f: Figures | string;
        if (library === 'msal-ts') f = runNode('msal-ts', pathToFileURL(dist).href, file);
        else if (library === 'msal-node') f = runNode('msal-node', msalNodeEntry, file);
        else f = pythonVersion === undefined ? 'not run' : runPython(file);
        if (typeof f === 'string') {
          console.log(`${library.padEnd(12)} ${mb(size).padStart(9)} ${f}`);
          continue;
        }
        const heap = f.heap ?? NaN;
        console.log(
          `${library.padEnd(12)} ${mb(size).padStart(9)} ${mb(heap).padStart(9)} ${`${(heap / size).toFixed(2)}x`.padStart(9)} ` +
            `${`${Math.round(heap / s.entries)} B`.padStart(10)} ${mb(f.rss).padStart(9)} ${mb(f.peakRss).padStart(9)}` +
            (library === 'msal-ts'
              ? `   goal heap <= 2x file: ${heap <= 2 * size ? 'met' : 'MISSED'}` +
                (f.serialized === undefined || f.serialized === size
                  ? ''
                  : `; ${(heap / f.serialized).toFixed(2)}x its own serialization (${mb(f.serialized)})`) +
                (f.loadedHeap === undefined ? '' : `; before any lookup ${mb(f.loadedHeap)}`)
              : ''),
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
