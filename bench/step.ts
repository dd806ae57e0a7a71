/**
 * `npm run bench -- --step`: a training step and a sampling run of this tree next to the previous
 * release, in one run (absolute times on a shared CPU adapter drift by 2x between runs; the ratio
 * of two back-to-back measurements does not).
 *
 *   npm run bench -- --step [--base=3f3123d] [--base-dir=DIR] [--steps=5] [--sample-steps=500]
 *     [--only=train|sample] [--presets=generative,paper] [--molecules=c1cnoc1,aspirin]
 *
 * The previous release is a detached `git worktree` of --base (default 3f3123d, the commit before
 * the throughput work) in DIR (default: the OS temp folder), with this tree's node_modules hardlinked
 * into it (`cp -al`); it is created on the first run and reused after. Each measurement runs in its
 * own Node process, the release's then this tree's, using each tree's own code:
 *
 * - training step: `bench/profileStep.ts --data public/data/qm9like.bin --batch 32 --preset P
 *   --steps N --profiles 1` of each tree; its "step: median" line and the profiled step's
 *   dispatches and buffer clears.
 * - sampling: `app/cli/sample.ts --smiles S -n 4 --steps K --seed 1` of each tree with the
 *   release's shipped checkpoint (the same weights for both), timed by the CLI's own "K steps in
 *   X s" line; dispatches and clears come from bench/counters.mjs, preloaded into the CLI, and are
 *   divided by K (setup included, so slightly above the per-step figure).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function argValue(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const here = process.cwd();
const base = argValue('base', '3f3123d');
const baseDir = resolve(argValue('base-dir', join(tmpdir(), `moleculesde-release-${base}`)));
const steps = Number(argValue('steps', '5'));
const sampleSteps = Number(argValue('sample-steps', '500'));
const only = argValue('only', '');
const presets = argValue('presets', 'generative,paper').split(',').filter(Boolean);
const MOLECULES: Record<string, string> = { c1cnoc1: 'c1cnoc1', aspirin: 'CC(=O)Oc1ccccc1C(=O)O' };
const molecules = argValue('molecules', 'c1cnoc1,aspirin').split(',').filter(Boolean);
for (const m of molecules) if (!MOLECULES[m]) throw new Error(`bench --step: unknown molecule '${m}' (known: ${Object.keys(MOLECULES).join(', ')})`);
if (!Number.isInteger(steps) || steps < 1) throw new Error(`bench --step: --steps must be a positive integer, got ${steps}`);
if (!Number.isInteger(sampleSteps) || sampleSteps < 1) throw new Error(`bench --step: --sample-steps must be a positive integer, got ${sampleSteps}`);

const log = (line: string) => console.error(`[bench --step] ${line}`);

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed with status ${r.status}:\n${out.slice(-3000)}`);
  return out;
}

/** The release's worktree, created (with this tree's node_modules hardlinked) if it is not there. */
function ensureRelease(): void {
  if (!existsSync(join(baseDir, 'package.json'))) {
    log(`creating a worktree of ${base} in ${baseDir}`);
    run('git', ['worktree', 'add', '--detach', baseDir, base], here);
  }
  if (!existsSync(join(baseDir, 'node_modules'))) run('cp', ['-al', join(here, 'node_modules'), join(baseDir, 'node_modules')], here);
}

interface Row {
  case: string;
  tree: 'release' | 'this';
  ms: number;
  /** What `ms` is: a median step, or one whole sampling run. */
  what: string;
  dispatches: number;
  clears: number;
  adapter: string;
}

function match(out: string, re: RegExp, what: string): RegExpMatchArray {
  const m = out.match(re);
  if (!m) throw new Error(`bench --step: no ${what} line in the output:\n${out.slice(-2000)}`);
  return m;
}

function trainingRow(tree: string, label: Row['tree'], preset: string): Row {
  const out = run(process.execPath, [
    '--import', './app/cli/register.mjs', 'bench/profileStep.ts',
    '--data', join(here, 'public/data/qm9like.bin'), '--batch', '32', '--preset', preset, '--steps', String(steps), '--profiles', '1', '--top', '1',
  ], tree);
  const median = Number(match(out, /step: median (\d+) ms/, "'step: median'")[1]);
  const counts = match(out, /(\d+) dispatches, (\d+) buffer clears/, 'dispatch count');
  const adapter = match(out, /adapter: (.*)/, 'adapter')[1];
  return { case: `train ${preset}, batch 32`, tree: label, ms: median, what: `median of ${steps} steps`, dispatches: Number(counts[1]), clears: Number(counts[2]), adapter };
}

function samplingRow(tree: string, label: Row['tree'], name: string, scratch: string): Row {
  const outFile = join(scratch, `${label}-${name}.sdf`);
  const out = run(process.execPath, [
    '--import', './app/cli/register.mjs', '--import', join(here, 'bench/counters.mjs'), 'app/cli/sample.ts',
    '--smiles', MOLECULES[name], '-n', '4', '--steps', String(sampleSteps), '--seed', '1', '--out', outFile,
    '--checkpoint', join(baseDir, 'public/checkpoints/default.safetensors'),
  ], tree, { BENCH_ROOT: tree });
  const seconds = Number(match(out, /(\d+) steps in ([\d.]+) s/, "'steps in'")[2]);
  const counts = match(out, /counters: dispatches (\d+) clears (\d+)/, 'counters');
  const adapter = out.match(/sample: .*; (mesa.*|[^;]*adapter[^;]*)$/m)?.[1] ?? '';
  return {
    case: `sample ${name}, 4 conformers, ${sampleSteps} PC steps`, tree: label, ms: seconds * 1000, what: 'whole run',
    dispatches: Number(counts[1]) / sampleSteps, clears: Number(counts[2]) / sampleSteps, adapter,
  };
}

ensureRelease();
const scratch = mkdtempSync(join(tmpdir(), 'moleculesde-bench-'));
const rows: Row[] = [];
const t0 = performance.now();
try {
  if (only !== 'sample') {
    for (const preset of presets) {
      for (const [tree, label] of [[baseDir, 'release'], [here, 'this']] as const) {
        log(`training step, ${preset}, ${label}`);
        rows.push(trainingRow(tree, label, preset));
      }
    }
  }
  if (only !== 'train') {
    for (const name of molecules) {
      for (const [tree, label] of [[baseDir, 'release'], [here, 'this']] as const) {
        log(`sampling ${name}, ${label}`);
        rows.push(samplingRow(tree, label, name, scratch));
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
console.log(`\n## Training step and sampling: this tree vs release ${base}, one run\n`);
console.log(`adapter: ${rows.find((r) => r.adapter)?.adapter ?? 'unknown'}; wall time of the bench ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
console.log('| case | tree | ms | measured | dispatches / step | clears / step | speed-up |');
console.log('|---|---|---:|---|---:|---:|---:|');
for (let i = 0; i < rows.length; i++) {
  const r = rows[i];
  const ref = r.tree === 'this' ? rows.find((q) => q.case === r.case && q.tree === 'release') : undefined;
  const ratio = ref ? `**${(ref.ms / r.ms).toFixed(2)}x**` : '';
  console.log(`| ${r.case} | ${r.tree === 'this' ? 'this tree' : `release ${base}`} | ${fmt(r.ms)} | ${r.what} | ${fmt(r.dispatches)} | ${fmt(r.clears)} | ${ratio} |`);
}
