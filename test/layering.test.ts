// The folders of src/ are layers: a folder imports only from layers below it, never from one above or beside it, so
// the lower layers can be read, tested and loaded without the upper ones. docs/layout.md draws the same order.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';

// Lowest first. A folder (or top-level file) may import from any unit of a lower layer, and from itself.
const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'version'],
  ['logger', 'util'],
  ['http', 'interactive', 'emulator'],
  ['protocol', 'authority', 'cache'],
  ['app', 'extensions', 'distributed'],
  ['managed-identity'],
  ['azure', 'cli'],
  ['index'],
];
const SRC = resolve('src');

function layerOf(unit: string): number {
  const i = LAYERS.findIndex((layer) => layer.includes(unit));
  if (i === -1) throw new Error(`src/${unit} is in no layer of test/layering.test.ts: place it`);
  return i;
}

/** The folder (or file, without .ts) directly under src/ that holds a path. */
function unitOf(file: string): string {
  const first = relative(SRC, file).split(sep)[0] ?? '';
  return first.replace(/\.[jt]s$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

interface Edge {
  from: string;
  to: string;
}

/** Every relative import of src/ (static, re-export, type-only and dynamic) that crosses from one unit to another. */
function crossingImports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), match[1] ?? '');
      if (unitOf(target) !== unitOf(file)) edges.push({ from: relative('.', file), to: relative('.', target) });
    }
  }
  return edges;
}

describe('layering of src/', () => {
  const edges = crossingImports();

  it('reads the import graph (a parser that found nothing would pass everything)', () => {
    assert.ok(edges.length > 100, `only ${edges.length} crossing imports found`);
    assert.ok(edges.some((e) => e.from.includes(`app${sep}`) && e.to.includes(`cache${sep}`)));
  });

  it('no folder imports from a layer above it or beside it', () => {
    const upward = edges.filter((e) => layerOf(unitOf(resolve(e.to))) >= layerOf(unitOf(resolve(e.from)))).map((e) => `${e.from} -> ${e.to}`);
    assert.deepEqual(upward, []);
  });

  it('nothing but cli/ imports the emulator', () => {
    const users = edges.filter((e) => unitOf(resolve(e.to)) === 'emulator' && unitOf(resolve(e.from)) !== 'cli').map((e) => `${e.from} -> ${e.to}`);
    assert.deepEqual(users, []);
  });
});
