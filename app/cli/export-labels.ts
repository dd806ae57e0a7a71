/**
 * Exports a labelled downstream CSV from a packed data set the project owns, for fine-tuning
 * experiments (eval/finetune.md):
 *
 *   npm run export-labels -- --data public/data/qm9like.bin --train 1000 --valid 200 --test all \
 *     [--seed 0] --out runs/qm9like-gap.csv
 *
 * Columns: smiles, one column per label of the data set (named as its metadata names them, e.g.
 * gap_eV), and split (train / valid / test). Train and valid rows are seeded samples of the data
 * set's stored train and valid splits; test rows are its stored test split (all, or a seeded
 * sample). Use with `npm run finetune -- --split-column split`.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseDataset } from '../data/dataset';
import { storedSplit } from '../data/splits';
import { mulberry32, permutation } from '../../kernels/random';
import { toCsv } from '../finetune/csv';

const USAGE = 'usage: npm run export-labels -- --data FILE.bin --out FILE.csv [--train 1000] [--valid 200] [--test all|N] [--seed 0]';

function fail(message: string): never {
  process.stderr.write(`export-labels: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = { data: 'public/data/qm9like.bin', out: '', train: 1000, valid: 200, test: -1, seed: 0 };
for (let i = 0; i < args.length; i++) {
  const v = args[i + 1];
  if (v === undefined) fail(`${args[i]} needs a value`);
  const count = (s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) fail(`${args[i]} needs a non-negative integer, got '${s}'`);
    return n;
  };
  switch (args[i]) {
    case '--data': opt.data = v; break;
    case '--out': opt.out = v; break;
    case '--train': opt.train = count(v); break;
    case '--valid': opt.valid = count(v); break;
    case '--test': opt.test = v === 'all' ? -1 : count(v); break;
    case '--seed': opt.seed = count(v); break;
    default: fail(`unknown argument '${args[i]}'`);
  }
  i++;
}
if (!opt.out) fail('--out is required');

const ds = parseDataset(readFileSync(opt.data), basename(opt.data));
if (ds.header.numLabels === 0) fail(`${opt.data} has no labels`);
const split = storedSplit(ds);
/** A seeded sample of `ids` (all of them when n < 0 or n >= their count), ascending. */
const sample = (ids: Uint32Array, n: number, salt: number) => {
  if (n < 0 || n >= ids.length) return Array.from(ids);
  const perm = permutation(ids.length, mulberry32((opt.seed * 7919 + salt) >>> 0));
  return Array.from(perm.subarray(0, n), (k) => ids[k]).sort((a, b) => a - b);
};
const names = ds.meta.labelNames.map((n, k) => `${n}${ds.meta.labelUnits[k] ? `_${ds.meta.labelUnits[k]}` : ''}`.replace(/[^A-Za-z0-9_]+/g, '_'));
const rows: (string | number)[][] = [];
for (const [part, ids] of [['train', sample(split.train, opt.train, 1)], ['valid', sample(split.valid, opt.valid, 2)], ['test', sample(split.test, opt.test, 3)]] as const) {
  for (const i of ids) {
    const m = ds.molecule(i);
    rows.push([m.smiles, ...Array.from(m.labels, (v) => Number(v.toPrecision(7))), part]);
  }
}
mkdirSync(dirname(opt.out) || '.', { recursive: true });
writeFileSync(opt.out, toCsv(['smiles', ...names, 'split'], rows));
process.stderr.write(`export-labels: wrote ${opt.out}: ${rows.length} rows (${names.join(', ')}) from ${opt.data}\n`);
