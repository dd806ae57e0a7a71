/**
 * Fine-tuning from a CSV, on the same code as the tab's Fine-tune panel:
 *
 *   npm run finetune -- --csv FILE --smiles-column smiles --label-column label [--label-column y2 ...]
 *     [--task classification|regression] [--split scaffold|random | --split-column NAME] [--checkpoint FILE|none]
 *     [--seeds 3] [--seed 0] [--epochs 50] [--batch 32] [--lr 1e-3] [--dropout 0.5] [--patience 10]
 *     [--out results.json] [--predictions preds.csv]
 *
 * One arm per call (the checkpoint's GIN, or the same GIN from scratch with --checkpoint none),
 * seeds seed .. seed + seeds - 1. Prints the kept/dropped rows, a per-seed table and mean ± std;
 * writes JSON { task, metric, checkpoint, test: { mean, std, perSeed }, valid: {...}, ... }.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createNodeGpuContext, describeAdapter } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { getRDKit } from '../chem/rdkit';
import { decodeCheckpoint } from '../model/checkpoint';
import { parseCsv, toCsv } from '../finetune/csv';
import { readLabelledSet, type TaskKind } from '../finetune/table';
import { prepareSet, runArm, splitOf } from '../finetune/experiment';
import { DEFAULT_FINETUNE, type FinetuneOptions, type Init } from '../finetune/train';
import type { SplitKind } from '../finetune/scaffold';

interface Args {
  csv: string;
  smilesColumn: string;
  labelColumns: string[];
  task: TaskKind | undefined;
  split: SplitKind;
  splitColumn: string | undefined;
  checkpoint: string;
  seeds: number;
  seed: number;
  out: string | null;
  predictions: string | null;
  options: FinetuneOptions;
}

const USAGE = `usage: npm run finetune -- --csv FILE --label-column NAME [--label-column NAME ...] [--smiles-column smiles]
       [--task classification|regression] [--split scaffold|random|column] [--split-column NAME]
       [--checkpoint FILE|none] [--seeds 3]
       [--seed 0] [--epochs 50] [--batch 32] [--lr 1e-3] [--dropout 0.5] [--patience 10]
       [--out results.json] [--predictions FILE.csv]`;

function fail(message: string): never {
  process.stderr.write(`finetune: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function num(flag: string, v: string, integer: boolean): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) fail(`${flag} needs ${integer ? 'an integer' : 'a number'}, got '${v}'`);
  return n;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    csv: '', smilesColumn: 'smiles', labelColumns: [], task: undefined, split: 'scaffold', splitColumn: undefined, checkpoint: 'public/checkpoints/default.safetensors',
    seeds: 3, seed: 0, out: null, predictions: null, options: { ...DEFAULT_FINETUNE },
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--csv': a.csv = value(); break;
      case '--smiles-column': a.smilesColumn = value(); break;
      case '--label-column': a.labelColumns.push(...value().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--task': {
        const t = value();
        if (t !== 'classification' && t !== 'regression') fail(`--task must be classification or regression, got '${t}'`);
        a.task = t;
        break;
      }
      case '--split': {
        const s = value();
        if (s !== 'scaffold' && s !== 'random' && s !== 'column') fail(`--split must be scaffold, random or column, got '${s}'`);
        a.split = s;
        break;
      }
      case '--split-column': a.splitColumn = value(); break;
      case '--checkpoint': a.checkpoint = value(); break;
      case '--seeds': a.seeds = num(flag, value(), true); break;
      case '--seed': a.seed = num(flag, value(), true); break;
      case '--epochs': a.options.epochs = num(flag, value(), true); break;
      case '--batch': a.options.batchSize = num(flag, value(), true); break;
      case '--lr': a.options.lr = num(flag, value(), false); break;
      case '--dropout': a.options.dropout = num(flag, value(), false); break;
      case '--patience': a.options.patience = num(flag, value(), true); break;
      case '--out': a.out = value(); break;
      case '--predictions': a.predictions = value(); break;
      case '--help': case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default: fail(`unknown argument '${flag}'`);
    }
  }
  if (!a.csv) fail('--csv is required');
  if (a.labelColumns.length === 0) fail('--label-column is required (repeat it, or separate names by commas, for several tasks)');
  if (a.split === 'column' && !a.splitColumn) fail('--split column needs --split-column NAME (a column of train / valid / test)');
  if (a.splitColumn && a.split !== 'column') a.split = 'column';
  if (a.seeds < 1) fail('--seeds must be at least 1');
  if (a.seed < 0) fail('--seed must not be negative');
  if (a.options.epochs < 1) fail('--epochs must be at least 1');
  if (a.options.batchSize < 2) fail('--batch must be at least 2 (BatchNorm needs two rows)');
  if (!(a.options.lr > 0)) fail('--lr must be positive');
  if (!(a.options.dropout >= 0 && a.options.dropout < 1)) fail('--dropout must lie in [0, 1)');
  if (a.options.patience < 0) fail('--patience must not be negative');
  return a;
}

const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let text: string;
  try {
    text = readFileSync(args.csv, 'utf8');
  } catch (err) {
    fail(`cannot read ${args.csv}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const rd = await getRDKit();
  const table = parseCsv(text);
  const set = readLabelledSet(rd, table, { smilesColumn: args.smilesColumn, labelColumns: args.labelColumns, splitColumn: args.splitColumn }, { task: args.task });
  process.stderr.write(
    `finetune: ${args.csv}: ${set.summary.rows} rows, ${set.summary.kept} kept, ${set.summary.dropped} dropped; task ${set.task}` +
      `${args.task && args.task !== set.detectedTask ? ` (forced; the labels look like ${set.detectedTask})` : ''}\n`,
  );
  for (const e of set.errors.slice(0, 20)) process.stderr.write(`  ${e.reason}\n`);
  if (set.errors.length > 20) process.stderr.write(`  ... and ${set.errors.length - 20} more\n`);
  for (const t of set.summary.tasks) {
    process.stderr.write(`  ${t.column}: ${t.labelled} labelled, ${t.missing} missing` +
      (set.task === 'classification' ? `, ${t.positives} positive / ${t.negatives} negative\n` : `, mean ${f4(t.mean!)} std ${f4(t.std!)}\n`));
  }
  const prepared = prepareSet(rd, set);
  const split = splitOf(prepared, args.split, args.seed);
  process.stderr.write(`finetune: ${args.split} split ${split.train.length} / ${split.valid.length} / ${split.test.length} (train / valid / test)\n`);

  let init: Init;
  if (args.checkpoint === 'none') {
    init = { kind: 'scratch', gin: { numLayers: 3, dim: 64 }, label: 'none' };
  } else {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(args.checkpoint);
    } catch (err) {
      fail(`cannot read the checkpoint ${args.checkpoint}: ${err instanceof Error ? err.message : String(err)}`);
    }
    init = { kind: 'checkpoint', checkpoint: decodeCheckpoint(bytes), label: args.checkpoint };
  }

  const ctx = await createNodeGpuContext();
  const engine = new Engine(ctx);
  process.stderr.write(`finetune: adapter ${describeAdapter(ctx.info)}; init ${init.label}; epochs ${args.options.epochs}, batch ${args.options.batchSize}, lr ${args.options.lr}, dropout ${args.options.dropout}, patience ${args.options.patience}\n`);
  const seeds = Array.from({ length: args.seeds }, (_, k) => args.seed + k);
  const arm = await runArm(engine, prepared, split, init, args.options, seeds, {
    onEpoch: (k, r) => {
      process.stderr.write(`  seed ${seeds[k]} epoch ${r.epoch}: train loss ${f4(r.trainLoss)}, valid ${f4(r.valid.metric)}${r.test ? `, test ${f4(r.test.metric)}` : ''}\n`);
    },
  });
  engine.destroy();

  const metric = arm.metric;
  const rows = arm.runs.map((r) => `| ${r.seed} | ${r.bestEpoch}/${r.epochsRun} | ${f4(r.valid.metric)} | ${f4(r.test.metric)} |${set.task === 'regression' ? ` ${f4(r.test.mae!)} | ${f4(r.test.r2!)} |` : ''} ${r.seconds.toFixed(1)} |`);
  const head = `| seed | best epoch / run | valid ${metric} | test ${metric} |${set.task === 'regression' ? ' test mae | test r2 |' : ''} seconds |`;
  process.stdout.write(`\n${head}\n|${'---|'.repeat(head.split('|').length - 2)}\n${rows.join('\n')}\n`);
  process.stdout.write(`\ncheckpoint ${init.label}: test ${metric} ${f4(arm.test.mean)} ± ${f4(arm.test.std)}, valid ${f4(arm.valid.mean)} ± ${f4(arm.valid.std)} (${seeds.length} seeds)\n`);

  if (args.out) {
    const result = {
      task: set.task,
      metric,
      checkpoint: init.label,
      csv: args.csv,
      smilesColumn: set.smilesColumn,
      labelColumns: set.labelColumns,
      split: { kind: args.split, train: split.train.length, valid: split.valid.length, test: split.test.length },
      rows: { total: set.summary.rows, kept: set.summary.kept, dropped: set.summary.dropped },
      options: args.options,
      seeds,
      test: arm.test,
      valid: arm.valid,
      ...(arm.testMae ? { testMae: arm.testMae, testR2: arm.testR2 } : {}),
      runs: arm.runs.map((r) => ({ seed: r.seed, bestEpoch: r.bestEpoch, epochsRun: r.epochsRun, seconds: r.seconds, valid: r.valid, test: r.test, curve: r.curve })),
    };
    mkdirSync(dirname(args.out) || '.', { recursive: true });
    writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`finetune: wrote ${args.out}\n`);
  }
  if (args.predictions) {
    const T = set.labelColumns.length;
    const header = ['line', 'smiles', ...set.labelColumns.flatMap((c) => [c, ...arm.runs.map((r) => `${c}_pred_seed${r.seed}`)])];
    const out = Array.from(split.test, (row, k) => [
      prepared.lines[row], prepared.smiles[row],
      ...set.labelColumns.flatMap((_, t) => [Number.isNaN(prepared.data.labels[row * T + t]) ? '' : prepared.data.labels[row * T + t], ...arm.runs.map((r) => r.testPredictions[k * T + t])]),
    ]);
    writeFileSync(args.predictions, toCsv(header, out));
    process.stderr.write(`finetune: wrote ${args.predictions}\n`);
  }
}

main().catch((err: unknown) => {
  const expected = err instanceof Error && ['CheckpointError', 'CsvError', 'ChemError'].includes(err.name);
  const text = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(`\nfinetune: ${text}\n`);
  process.exit(1);
});
