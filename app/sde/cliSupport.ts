/**
 * Shared plumbing of the sampling CLIs (app/cli/sample.ts, topology.ts, eval.ts): flag parsing
 * with messages that name the flag, the Dawn engine, and checkpoint loading with a clear error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createNodeGpuContext, describeAdapter } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { modelFromCheckpoint, type LoadedModel } from '../model/loadModel';

export const DEFAULT_CHECKPOINT = 'public/checkpoints/default.safetensors';

export class UsageError extends Error {}

export type FlagSpec = Record<string, 'string' | 'int' | 'number' | 'boolean'>;

/** Parses `--name value` / `--flag` pairs (and -n as --n); unknown flags are errors. */
export function parseFlags(argv: readonly string[], spec: FlagSpec, aliases: Record<string, string> = {}): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (aliases[arg]) arg = aliases[arg];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${argv[i]}'`);
    const name = arg.slice(2);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag ${arg}`);
    if (kind === 'boolean') {
      out[name] = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${arg} needs a value`);
    if (kind === 'string') out[name] = v;
    else {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) throw new UsageError(`${arg} needs ${kind === 'int' ? 'an integer' : 'a number'}, got '${v}'`);
      out[name] = n;
    }
  }
  return out;
}

export async function openEngine(): Promise<{ engine: Engine; adapter: string }> {
  const ctx = await createNodeGpuContext();
  return { engine: new Engine(ctx), adapter: describeAdapter(ctx.info) };
}

export function loadCheckpointFile(engine: Engine, path: string): LoadedModel {
  if (!existsSync(path)) {
    throw new Error(
      path === DEFAULT_CHECKPOINT
        ? `no checkpoint at ${path}: pass --checkpoint FILE, or train one (npm run pretrain -- --steps N --out ${path})`
        : `checkpoint ${path} does not exist`,
    );
  }
  try {
    return modelFromCheckpoint(engine, readFileSync(path));
  } catch (e) {
    throw new Error(`cannot load ${path}: ${(e as Error).message}`);
  }
}

/** What each shipped data set covers; a molecule outside it gets a warning (the tab shows the same). */
const TRAINING_DOMAINS: Record<string, { maxHeavyAtoms: number; elements: readonly string[]; label: string }> = {
  qm9like: { maxHeavyAtoms: 9, elements: ['C', 'N', 'O', 'F'], label: 'QM9-like: at most 9 heavy atoms of C, N, O, F' },
  druglike: { maxHeavyAtoms: 32, elements: ['B', 'C', 'N', 'O', 'F', 'Si', 'P', 'S', 'Cl', 'Br', 'I'], label: 'drug-like: at most 32 heavy atoms' },
};

/** A warning when `elements` (one per heavy atom) fall outside the checkpoint's training data, else null. */
export function trainingDomainWarning(datasetName: string | null, elements: readonly string[]): string | null {
  const d = datasetName ? TRAINING_DOMAINS[datasetName] : undefined;
  if (!d) return null;
  const odd = [...new Set(elements.filter((e) => !d.elements.includes(e)))];
  const problems = [...(odd.length ? [`it has ${odd.join(', ')}`] : []), ...(elements.length > d.maxHeavyAtoms ? [`it has ${elements.length} heavy atoms`] : [])];
  if (problems.length === 0) return null;
  return `warning: this molecule is outside what the checkpoint was trained on (${d.label}; ${problems.join('; ')}). Expect poor results.`;
}

/** Runs a CLI main: usage errors exit 2 with the usage text, other errors exit 1 with the message. */
export function runCli(tool: string, usage: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      if (e instanceof Error && e.name === 'OutputError') {
        // A refused output (exists, is an input, not writable): nothing was written or lost.
        process.stderr.write(`${tool}: ${e.message}\n`);
        process.exit(2);
      }
      if (e instanceof UsageError) {
        process.stderr.write(`${tool}: ${e.message}\n${usage}\n`);
        process.exit(2);
      }
      process.stderr.write(`${tool}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
