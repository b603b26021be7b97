// Reports functions in src/ that are longer than a line budget or take more positional parameters than a budget.
// Usage: node scripts/function-sizes.mjs [--max-lines N] [--max-params N] [--all] [path-prefix ...]
//   Lines count from the function's first line to its last, nested functions included (so a long outer function
//   is not hidden by splitting its body into closures). A destructured object parameter counts as one.
//   --all lists every function with its numbers instead of only those over budget.
// Exits 1 when a function under the given prefixes (default: src/) is over budget, so it can gate a check.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} needs a whole number`);
  args.splice(i, 2);
  return value;
}
const maxLines = option('--max-lines', 80);
const maxParams = option('--max-params', 5);
const all = args.includes('--all');
const prefixes = args.filter((a) => !a.startsWith('--')).map((p) => p.replaceAll('/', sep));
if (prefixes.length === 0) prefixes.push('src');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function nameOf(node, sf) {
  if (node.name !== undefined) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(sf);
  }
  const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  return `(anonymous at line ${line})`;
}

const rows = [];
for (const file of walk('src')) {
  if (!prefixes.some((p) => file.startsWith(p))) continue;
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const params = node.parameters.filter((p) => p.name.getText(sf) !== 'this').length;
      rows.push({ file: relative('.', file), name: nameOf(node, sf), line: start + 1, lines: end - start + 1, params });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

const over = rows.filter((r) => r.lines > maxLines || r.params > maxParams);
const shown = all ? rows : over;
shown.sort((a, b) => b.lines - a.lines || b.params - a.params);
for (const r of shown) {
  console.log(`${String(r.lines).padStart(5)} lines ${String(r.params).padStart(2)} params  ${r.file}:${r.line} ${r.name}`);
}
const longest = rows.reduce((m, r) => Math.max(m, r.lines), 0);
const widest = rows.reduce((m, r) => Math.max(m, r.params), 0);
console.log(
  `${rows.length} functions under ${prefixes.join(', ')}; ${over.length} over ${maxLines} lines or ${maxParams} ` +
    `positional parameters; longest ${longest} lines, most parameters ${widest}`,
);
process.exit(over.length === 0 ? 0 : 1);
