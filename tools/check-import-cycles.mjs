#!/usr/bin/env node
/**
 * Folder-level import graph of the application: lists which top-level folders of app/ and of
 * kernels/ import which, and exits 1 if that graph has a cycle (a file-level cycle inside one
 * folder is allowed; a cycle between folders means two folders are really one, or the lower one
 * reaches up). Run by `npm run typecheck`, so CI runs it.
 *
 *   node tools/check-import-cycles.mjs           # check (production files only)
 *   node tools/check-import-cycles.mjs --list    # also print every edge and one file that makes it
 *   node tools/check-import-cycles.mjs --with-tests   # count *.test.ts files too (informational)
 *
 * A node is `app/<folder>` or `kernels/<folder>` (a file directly in app/ or kernels/ is the node
 * `app` or `kernels`). Only relative imports (static `import ... from`, `export ... from`,
 * `import('...')`, `new URL('...', import.meta.url)` and `new Worker(new URL(...))`) count.
 *
 * Second rule: kernels/reference/ (the float64 test oracle) is imported only by tests. A file counts
 * as test code when it is a *.test.ts, or when it has importers and every one of them is test code
 * (a test helper such as app/sde/samplerReference.ts); entry points have no importers and count as
 * production.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOTS = ['app', 'kernels'];
const EXT = /\.(ts|tsx|mts|mjs|js)$/;
// Tests sit beside the code they test and may reach any folder (a chemistry test may read the data
// set); only production files make the graph unless --with-tests asks for them too.
const WITH_TESTS = process.argv.includes('--with-tests');
const TEST = /\.test\.tsx?$/;

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (EXT.test(name) && (WITH_TESTS || !TEST.test(name))) out.push(p);
  }
  return out;
}

/** `app/model/x.ts` -> `app/model`; `app/main.tsx` -> `app`; outside app/ and kernels/ -> null. */
function nodeOf(file) {
  const parts = relative(root, file).split(sep);
  if (!ROOTS.includes(parts[0])) return null;
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

const IMPORT_RE = [
  /\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bnew URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g,
];

/** Strips // and block comments so an import written in a comment does not count. */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The file a relative spec names (specs omit `.ts`), or the bare path when none exists (e.g. `?raw`). */
function resolveFile(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec.replace(/\?.*$/, ''));
  for (const cand of [base, `${base}.ts`, `${base}.tsx`, `${base}.mjs`, join(base, 'index.ts')]) {
    if (existsSync(cand) && statSync(cand).isFile()) return cand;
  }
  return base;
}

const allFiles = ROOTS.flatMap((top) => walkAll(join(root, top), []));
function walkAll(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walkAll(p, out);
    else if (EXT.test(name)) out.push(p);
  }
  return out;
}
const fileImports = new Map(); // file -> [resolved file]
for (const file of allFiles) {
  const src = stripComments(readFileSync(file, 'utf8'));
  const targets = [];
  for (const re of IMPORT_RE) for (const m of src.matchAll(re)) if (m[1].startsWith('.')) targets.push(resolveFile(file, m[1]));
  fileImports.set(file, targets);
}

const edges = new Map(); // from -> Map(to -> example "file -> spec")
for (const top of ROOTS) {
  for (const file of walk(join(root, top), [])) {
    const from = nodeOf(file);
    const src = stripComments(readFileSync(file, 'utf8'));
    for (const re of IMPORT_RE) {
      for (const m of src.matchAll(re)) {
        const spec = m[1];
        if (!spec.startsWith('.')) continue;
        const to = nodeOf(resolve(dirname(file), spec));
        if (!to || to === from) continue;
        if (!edges.has(from)) edges.set(from, new Map());
        const m2 = edges.get(from);
        if (!m2.has(to)) m2.set(to, `${relative(root, file)} -> ${spec}`);
      }
    }
  }
}

if (process.argv.includes('--list')) {
  for (const from of [...edges.keys()].sort()) {
    for (const [to, why] of [...edges.get(from)].sort()) console.log(`${from} -> ${to}    (${why})`);
  }
}

// Tarjan's strongly connected components: any component with more than one node is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function strong(v) {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) cycles.push(comp.sort());
  }
}
const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]);
for (const v of [...nodes].sort()) if (!idx.has(v)) strong(v);

// Test code: *.test.ts, then (to a fixpoint) files whose importers are all test code.
const importers = new Map();
for (const [file, targets] of fileImports) for (const t of targets) {
  if (!importers.has(t)) importers.set(t, new Set());
  importers.get(t).add(file);
}
const testCode = new Set(allFiles.filter((f) => TEST.test(f)));
for (let grew = true; grew; ) {
  grew = false;
  for (const f of allFiles) {
    if (testCode.has(f)) continue;
    const by = importers.get(f);
    if (by && by.size > 0 && [...by].every((i) => testCode.has(i))) {
      testCode.add(f);
      grew = true;
    }
  }
}
const referenceDir = join(root, 'kernels', 'reference') + sep;
const oracleLeaks = [];
for (const [file, targets] of fileImports) {
  if (testCode.has(file) || file.startsWith(referenceDir)) continue;
  for (const t of targets) if (t.startsWith(referenceDir)) oracleLeaks.push(`${relative(root, file)} -> ${relative(root, t)}`);
}
if (oracleLeaks.length) {
  console.error('check-import-cycles: production code imports the test oracle kernels/reference/:');
  for (const l of oracleLeaks) console.error(`  ${l}`);
}

if (cycles.length) {
  console.error('check-import-cycles: folder-level import cycle(s):');
  for (const comp of cycles) {
    console.error(`  {${comp.join(', ')}}`);
    for (const a of comp) {
      for (const [b, why] of edges.get(a) ?? []) if (comp.includes(b)) console.error(`    ${a} -> ${b}    (${why})`);
    }
  }
}
if (cycles.length || oracleLeaks.length) process.exit(1);
console.log(`check-import-cycles: ${nodes.size} folders, ${[...edges.values()].reduce((s, m) => s + m.size, 0)} edges, no cycle; kernels/reference/ imported by tests only`);
