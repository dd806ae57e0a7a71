/**
 * Pretraining from the command line, on the same kernels and Trainer as the browser worker.
 *
 *   npm run pretrain -- --preset generative --steps 2000 --out runs/gen.safetensors \
 *     [--resume FILE] [--batch 32] [--lr 5e-4] [--seed 0] [--log runs/gen.jsonl] \
 *     [--checkpoint-every 500] [--log-every 10] [--data public/data/qm9like.bin[,more.bin ...]] [--set gin.dim=32 ...]
 *
 * Several data sets (comma-separated, or --data repeated) are trained on as one: their training
 * splits together, molecules numbered file after file (app/data/concat.ts).
 *     [--init-from FILE] [--ema-decay 0.999] [--ema-every 10]
 *
 * --init-from warm-starts a fresh run from another checkpoint (every tensor whose name and shape
 * match; e.g. an older recipe's weights). The checkpoint keeps a moving average of the weights
 * (decay --ema-decay, 0 for none), which sampling uses.
 *
 * Progress (steps, losses, steps/s, ETA) goes to stderr; the log gets one row per step with every
 * loss term (JSONL, or CSV when the file name ends in .csv). Checkpoints are written atomically
 * (temporary file + rename, the replaced one kept as FILE.prev) every --checkpoint-every steps and
 * at the end. SIGINT (Ctrl-C), SIGTERM and SIGHUP stop after the current step, write a checkpoint
 * and exit 130 / 143 / 129. During a streak of skipped (non-finite) steps no checkpoint replaces
 * the last good one. --out and --log are checked before any step runs.
 */
import { mkdirSync, readFileSync, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { createNodeGpuContext, describeAdapter } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { parseDataset, type Dataset } from '../data/dataset';
import { concatDatasets } from '../data/concat';
import { resolveConfig, type PresetName } from '../model/config';
import { checkFiniteWeights } from '../model/loadModel';
import { decodeCheckpoint } from '../model/checkpoint';
import { OutputError, checkOutput, checkWritableFolder, writeCheckpointRotating, writeFileAtomic } from './outputs';
import { Trainer, TrainingDivergedError, trainingIndices, type LogWindow } from '../train/loops';
import { LOSS_TERMS } from '../train/health';

interface Args {
  preset: PresetName;
  steps: number;
  out: string;
  resume: string | null;
  batch: number;
  lr: number | undefined;
  seed: number;
  log: string | null;
  checkpointEvery: number;
  logEvery: number;
  data: string[];
  overrides: Record<string, unknown>;
  force: boolean;
  initFrom: string | null;
  emaDecay: number;
  emaEvery: number;
}

const USAGE = `usage: npm run pretrain -- --steps N --out FILE [--preset paper|generative] [--resume FILE]
       [--batch 32] [--lr LR] [--seed 0] [--log FILE.jsonl|FILE.csv] [--checkpoint-every N]
       [--log-every 10] [--data public/data/qm9like.bin[,public/data/druglike.bin]] [--set path.to.setting=value ...]
       [--init-from FILE] [--ema-decay 0.999] [--ema-every 10] [--force]`;

function fail(message: string): never {
  process.stderr.write(`pretrain: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseNumber(flag: string, v: string, integer: boolean): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) fail(`${flag} needs ${integer ? 'an integer' : 'a number'}, got '${v}'`);
  return n;
}

/**
 * --set gin.dim=32 -> { gin: { dim: 32 } } (numbers, booleans and strings by their look). The path
 * is a list of plain identifiers: `__proto__`, `constructor` and `prototype` would reach
 * Object.prototype through the assignment, so they (and empty segments) are refused.
 */
export function setOverride(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) fail(`--set needs path=value, got '${assignment}'`);
  const path = assignment.slice(0, eq).split('.');
  for (const key of path) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || key === '__proto__' || key === 'constructor' || key === 'prototype') {
      fail(`--set: '${key}' in '${assignment.slice(0, eq)}' is not a setting name`);
    }
  }
  const raw = assignment.slice(eq + 1);
  const value: unknown = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!Object.hasOwn(node, key)) node[key] = {};
    const next = node[key];
    if (typeof next !== 'object' || next === null) fail(`--set: ${path.slice(0, path.indexOf(key) + 1).join('.')} is set to a value and also used as a group`);
    node = next as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    preset: 'generative',
    steps: 0,
    out: '',
    resume: null,
    batch: 32,
    lr: undefined,
    seed: 0,
    log: null,
    checkpointEvery: 0,
    logEvery: 10,
    data: [],
    overrides: {},
    force: false,
    initFrom: null,
    emaDecay: 0.999,
    emaEvery: 10,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--preset': {
        const p = value();
        if (p !== 'paper' && p !== 'generative') fail(`--preset must be 'paper' or 'generative', got '${p}'`);
        a.preset = p;
        break;
      }
      case '--steps': a.steps = parseNumber(flag, value(), true); break;
      case '--out': a.out = value(); break;
      case '--resume': a.resume = value(); break;
      case '--batch': a.batch = parseNumber(flag, value(), true); break;
      case '--lr': a.lr = parseNumber(flag, value(), false); break;
      case '--seed': a.seed = parseNumber(flag, value(), true); break;
      case '--log': a.log = value(); break;
      case '--checkpoint-every': a.checkpointEvery = parseNumber(flag, value(), true); break;
      case '--log-every': a.logEvery = parseNumber(flag, value(), true); break;
      case '--data': a.data.push(...value().split(',').map((f) => f.trim()).filter(Boolean)); break;
      case '--set': setOverride(a.overrides, value()); break;
      case '--force': a.force = true; break;
      case '--init-from': a.initFrom = value(); break;
      case '--ema-decay': a.emaDecay = parseNumber(flag, value(), false); break;
      case '--ema-every': a.emaEvery = parseNumber(flag, value(), true); break;
      case '--help': case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default: fail(`unknown argument '${flag}'`);
    }
  }
  if (!(a.steps > 0)) fail('--steps must be a positive integer (the total step count, counted from step 0 when resuming)');
  if (!a.out) fail('--out is required');
  if (a.batch < 1) fail('--batch must be positive');
  if (a.logEvery < 1) fail('--log-every must be positive');
  if (a.checkpointEvery < 0) fail('--checkpoint-every must not be negative');
  if (a.lr !== undefined && !(a.lr > 0)) fail('--lr must be positive');
  if (!(a.emaDecay >= 0 && a.emaDecay < 1)) fail('--ema-decay must lie in [0, 1) (0: no moving average)');
  if (a.emaEvery < 1) fail('--ema-every must be positive');
  if (a.initFrom && a.resume) fail('--init-from starts a fresh run; it cannot be combined with --resume');
  if (a.data.length === 0) a.data.push('public/data/qm9like.bin');
  if (a.seed < 0 || a.seed > 0xffffffff) fail(`--seed must be an integer in 0..${0xffffffff}, got ${a.seed}`);
  if (!a.resume) {
    try {
      resolveConfig(a.preset, a.overrides);
    } catch (e) {
      fail(`--set: ${(e as Error).message}`);
    }
  } else if (Object.keys(a.overrides).length > 0) {
    fail('--set cannot change the model of a resumed run (the checkpoint\'s config wins); drop --set or start a new run');
  }
  return a;
}

// ---------------------------------------------------------------- output

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

const SHORT: Record<(typeof LOSS_TERMS)[number], string> = { total: 'total', contrastive: 'CL', denoise2Dto3D: '2D>3D', atoms3Dto2D: 'X', bonds3Dto2D: 'A' };

function progressLine(step: number, total: number, w: LogWindow, lr: number): string {
  const width = 24;
  const done = Math.min(width, Math.round((width * step) / total));
  const bar = `[${'#'.repeat(done)}${'-'.repeat(width - done)}]`;
  const losses = LOSS_TERMS.map((k) => `${SHORT[k]} ${w.mean[k].toPrecision(4)}`).join(' ');
  const eta = (total - step) / w.stepsPerSecond;
  return `${bar} ${step}/${total} | ${losses} | lr ${lr.toExponential(1)} | ${w.stepsPerSecond.toFixed(2)} steps/s ${w.moleculesPerSecond.toFixed(0)} mol/s | ETA ${formatDuration(eta)}`;
}

class LossLog {
  private stream: WriteStream;
  private csv: boolean;
  /** The stream's first error (disk full, removed folder): training stops and saves. */
  failure: Error | null = null;

  constructor(path: string, append: boolean) {
    mkdirSync(dirname(path) || '.', { recursive: true });
    this.csv = path.endsWith('.csv');
    const existed = append && existsSync(path);
    this.stream = createWriteStream(path, { flags: append ? 'a' : 'w' });
    this.stream.on('error', (e) => {
      this.failure ??= e;
    });
    if (this.csv && !existed) this.stream.write(`step,${LOSS_TERMS.join(',')},lr,skipped\n`);
    // Each row: the step's loss terms, the lr it ran with, and why it was skipped (if it was).
  }

  write(w: LogWindow): void {
    const skippedAt = new Map(w.skipped.map((s) => [s.step, s]));
    w.losses.forEach((row, i) => {
      const step = w.firstStep + i;
      const skip = skippedAt.get(step);
      if (this.csv) {
        this.stream.write(`${step},${LOSS_TERMS.map((k) => row[k]).join(',')},${w.lr},${skip ? JSON.stringify(skip.reason) : ''}\n`);
      } else {
        // JSON has no NaN: non-finite terms are written as strings.
        const terms = Object.fromEntries(LOSS_TERMS.map((k) => [k, Number.isFinite(row[k]) ? row[k] : String(row[k])]));
        this.stream.write(`${JSON.stringify({ step, ...terms, lr: w.lr, ...(skip ? { skipped: skip.reason } : {}) })}\n`);
      }
    });
  }

  close(): Promise<void> {
    if (this.failure || this.stream.destroyed) return Promise.resolve();
    return new Promise((done) => this.stream.end(done));
  }
}

/** Exit codes of a run stopped by a signal: 128 + the signal's number, as a shell reports it. */
export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Checks --out / --log before any work: not an input, not a folder, writable, not clobbering. */
function checkRunOutputs(args: Args): void {
  const same = (p: string | null) => p !== null && resolve(p) === resolve(args.out);
  // Resuming from --out itself rewrites it on purpose (the old one is kept as .prev).
  checkOutput(args.out, { flag: '--out', inputs: [...args.data, args.log, args.initFrom], force: args.force, mayReplace: same(args.resume) });
  if (args.log) {
    // A resumed run appends to its log; a new run refuses an existing log unless --force.
    checkOutput(args.log, { flag: '--log', inputs: [...args.data, args.resume, args.out], force: args.force, mayReplace: Boolean(args.resume) });
  }
  checkWritableFolder(dirname(args.out) || '.', '--out');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  checkRunOutputs(args);
  let resumeBytes: Uint8Array | null = null;
  if (args.resume) {
    try {
      resumeBytes = readFileSync(args.resume);
    } catch (e) {
      fail(`cannot read --resume ${args.resume}: ${(e as Error).message}`);
    }
    checkFiniteWeights(decodeCheckpoint(resumeBytes));
  }
  const ctx = await createNodeGpuContext();
  const engine = new Engine(ctx);
  process.stderr.write(`pretrain: adapter ${describeAdapter(ctx.info)}\n`);

  if (args.data.length === 0) args.data.push('public/data/qm9like.bin');
  const parts: Dataset[] = args.data.map((file) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      fail(`cannot read the data set ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return parseDataset(bytes, basename(file));
  });
  const datasetName = args.data.map((f) => basename(f).replace(/\.bin$/, '')).join('+');
  const dataset = concatDatasets(parts, datasetName);

  let trainer: Trainer;
  if (args.resume && resumeBytes) {
    const saved = decodeCheckpoint(resumeBytes).trainer;
    const molecules = trainingIndices(dataset).length;
    const newDataOrder = saved !== null && saved.dataset.molecules !== molecules;
    if (newDataOrder) {
      process.stderr.write(
        `pretrain: note: ${args.resume} was trained on '${saved.dataset.name}' with ${saved.dataset.molecules} training molecules; ${args.data.join(' + ')} has ${molecules}. ` +
          `Weights, Adam state, lr, step and seed continue; the data order restarts epoch ${saved.epoch} as this data set's seeded permutation, ` +
          `so the run is not bit-identical to one that never stopped.\n`,
      );
    }
    trainer = Trainer.resume(engine, dataset, resumeBytes, { logEvery: args.logEvery, datasetName, newDataOrder, emaDecay: args.emaDecay, emaEvery: args.emaEvery });
    process.stderr.write(`pretrain: resumed ${args.resume} at step ${trainer.steps} (seed ${trainer.options.seed}, batch ${trainer.options.batchSize}, lr ${trainer.lr}; the checkpoint's settings win)\n`);
  } else {
    trainer = Trainer.create(engine, dataset, {
      preset: args.preset,
      overrides: args.overrides,
      batchSize: args.batch,
      lr: args.lr,
      seed: args.seed,
      logEvery: args.logEvery,
      datasetName,
      emaDecay: args.emaDecay,
      emaEvery: args.emaEvery,
    });
    if (args.initFrom) {
      const { loaded, kept } = trainer.initFrom(readFileSync(args.initFrom));
      process.stderr.write(`pretrain: warm start from ${args.initFrom}: ${loaded.length} tensors loaded, ${kept.length} kept their initialisation${kept.length ? ` (${kept.slice(0, 6).join(', ')}${kept.length > 6 ? ', ...' : ''})` : ''}
`);
    }
  }
  process.stderr.write(
    `pretrain: preset ${trainer.config.preset}, ${trainer.parameterCount().toLocaleString('en')} parameters, ` +
      `${datasetName} (${args.data.join(', ')}; ${dataset.count.toLocaleString('en')} molecules), batch ${trainer.options.batchSize}, lr ${trainer.lr}\n`,
  );
  const log = args.log ? new LossLog(args.log, Boolean(args.resume)) : null;
  const tty = process.stderr.isTTY;

  // SIGINT, SIGTERM (timeout, containers, schedulers) and SIGHUP (a closed terminal) all finish the
  // current step and save; a second signal quits at once without saving.
  let stopping: keyof typeof SIGNAL_EXIT | null = null;
  for (const sig of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
    process.on(sig, () => {
      if (stopping) process.exit(SIGNAL_EXIT[sig]);
      stopping = sig;
      process.stderr.write(`\npretrain: ${sig}: stopping after this step and saving (send it again to quit without saving)\n`);
    });
  }

  const report = (w: LogWindow | null) => {
    if (!w) return;
    log?.write(w);
    for (const s of w.skipped) process.stderr.write(`${tty ? '\n' : ''}pretrain: step ${s.step} skipped (${s.reason}); lr backed off to ${s.lr.toExponential(2)}\n`);
    const line = progressLine(trainer.steps, args.steps, w, trainer.lr);
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  // A checkpoint replaces --out (the old one becomes --out.prev) only when the weights are healthy:
  // during a streak of skipped steps, or with a non-finite weight, it goes to --out.unhealthy so the
  // last good checkpoint is never overwritten and nothing is lost.
  let savedAt = -1;
  const save = async () => {
    if (savedAt === trainer.steps) return; // the periodic checkpoint of this very step is on disk
    savedAt = trainer.steps;
    const { bytes: ckpt, window } = await trainer.checkpoint();
    report(window);
    let unhealthy = trainer.skipStreak > 0 ? `the last ${trainer.skipStreak} steps were skipped (non-finite)` : null;
    if (!unhealthy) {
      try {
        checkFiniteWeights(decodeCheckpoint(ckpt));
      } catch (e) {
        unhealthy = (e as Error).message;
      }
    }
    if (unhealthy) {
      writeFileAtomic(`${args.out}.unhealthy`, ckpt);
      process.stderr.write(`${tty ? '\n' : ''}pretrain: ${unhealthy}; wrote ${args.out}.unhealthy at step ${trainer.steps} and kept ${args.out} (the last good checkpoint)\n`);
      return;
    }
    writeCheckpointRotating(args.out, ckpt);
    process.stderr.write(`${tty ? '\n' : ''}pretrain: wrote ${args.out} at step ${trainer.steps} (${(ckpt.length / 1e6).toFixed(2)} MB)\n`);
  };

  try {
    while (trainer.steps < args.steps && !stopping && !log?.failure) {
      const r = await trainer.step();
      report(r.window);
      if (args.checkpointEvery > 0 && trainer.steps % args.checkpointEvery === 0 && trainer.steps < args.steps) await save();
    }
    await save();
    if (log?.failure) {
      process.stderr.write(`\npretrain: the log ${args.log} failed (${log.failure.message}); stopped at step ${trainer.steps} and saved\n`);
      process.exitCode = 1;
    }
    if (stopping) process.exitCode = SIGNAL_EXIT[stopping];
  } catch (err) {
    if (err instanceof TrainingDivergedError) {
      process.stderr.write(`\npretrain: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  } finally {
    await log?.close();
    trainer.dispose();
    engine.destroy();
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => {
  // Bad input (a corrupt checkpoint or data set, a bad setting, a refused output) gets its
  // message; bugs (TypeError, RangeError, ...) get a stack.
  const expected = err instanceof Error && ['CheckpointError', 'DatasetError', 'OutputError', 'Error'].includes(err.name);
  if (err instanceof OutputError) {
    process.stderr.write(`pretrain: ${err.message}\n`);
    process.exit(2);
  }
  const text = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(`\npretrain: ${text}\n`);
  process.exit(1);
});
