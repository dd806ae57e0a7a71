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
 * (temporary file + rename) every --checkpoint-every steps and at the end; Ctrl-C stops after the
 * current step and writes a final checkpoint.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createNodeGpuContext, describeAdapter } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { parseDataset, type Dataset } from '../data/dataset';
import { concatDatasets } from '../data/concat';
import type { PresetName } from '../model/config';
import { Trainer, TrainingDivergedError, type LogWindow } from '../train/loops';
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
  initFrom: string | null;
  emaDecay: number;
  emaEvery: number;
}

const USAGE = `usage: npm run pretrain -- --steps N --out FILE [--preset paper|generative] [--resume FILE]
       [--batch 32] [--lr LR] [--seed 0] [--log FILE.jsonl|FILE.csv] [--checkpoint-every N]
       [--log-every 10] [--data public/data/qm9like.bin[,public/data/druglike.bin]] [--set path.to.setting=value ...]
       [--init-from FILE] [--ema-decay 0.999] [--ema-every 10]`;

function fail(message: string): never {
  process.stderr.write(`pretrain: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseNumber(flag: string, v: string, integer: boolean): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) fail(`${flag} needs ${integer ? 'an integer' : 'a number'}, got '${v}'`);
  return n;
}

/** --set gin.dim=32 -> { gin: { dim: 32 } } (numbers, booleans and strings by their look). */
function setOverride(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) fail(`--set needs path=value, got '${assignment}'`);
  const path = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  const value: unknown = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  let node = target;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
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

  constructor(path: string, append: boolean) {
    mkdirSync(dirname(path) || '.', { recursive: true });
    this.csv = path.endsWith('.csv');
    const existed = append && existsSync(path);
    this.stream = createWriteStream(path, { flags: append ? 'a' : 'w' });
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
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
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
  if (args.resume) {
    trainer = Trainer.resume(engine, dataset, readFileSync(args.resume), { logEvery: args.logEvery, datasetName, emaDecay: args.emaDecay, emaEvery: args.emaEvery });
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

  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write('\npretrain: stopping after this step (Ctrl-C again to quit without saving)\n');
  });

  const report = (w: LogWindow | null) => {
    if (!w) return;
    log?.write(w);
    for (const s of w.skipped) process.stderr.write(`${tty ? '\n' : ''}pretrain: step ${s.step} skipped (${s.reason}); lr backed off to ${s.lr.toExponential(2)}\n`);
    const line = progressLine(trainer.steps, args.steps, w, trainer.lr);
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  const save = async () => {
    const { bytes: ckpt, window } = await trainer.checkpoint();
    report(window);
    writeAtomically(args.out, ckpt);
    process.stderr.write(`${tty ? '\n' : ''}pretrain: wrote ${args.out} at step ${trainer.steps} (${(ckpt.length / 1e6).toFixed(2)} MB)\n`);
  };

  try {
    while (trainer.steps < args.steps && !stopping) {
      const r = await trainer.step();
      report(r.window);
      if (args.checkpointEvery > 0 && trainer.steps % args.checkpointEvery === 0 && trainer.steps < args.steps) await save();
    }
    await save();
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

main().catch((err: unknown) => {
  // Bad input (a corrupt checkpoint or data set, a bad setting) gets its message; bugs get a stack.
  const expected = err instanceof Error && ['CheckpointError', 'DatasetError'].includes(err.name);
  const text = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(`\npretrain: ${text}\n`);
  process.exit(1);
});
