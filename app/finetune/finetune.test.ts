import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { getRDKit } from '../chem/rdkit';
import { decodeCheckpoint } from '../model/checkpoint';
import { parseCsv } from './csv';
import { readLabelledSet } from './table';
import { prepareSet, runArm } from './experiment';
import { FinetuneModel } from './model';
import { finetuneRun, type FinetuneOptions, type Init } from './train';
import type { Split } from '../data/splits';

const SMILES = ['CCO', 'CCN', 'CCC', 'c1ccccc1', 'c1ccncc1', 'CC(=O)O', 'C1CCCCC1', 'CCOC', 'c1ccoc1', 'NCCO', 'CC#N', 'OC1CCCC1'];

/** Same rows for train, valid and test: a run that fits its training rows shows it on "test". */
const ALL: Split = (() => {
  const ids = Uint32Array.from(SMILES, (_, i) => i);
  return { train: ids, valid: ids, test: ids };
})();

const SCRATCH: Init = { kind: 'scratch', gin: { numLayers: 2, dim: 16 }, label: 'none' };
const OPTS: FinetuneOptions = { epochs: 60, batchSize: 12, lr: 1e-2, dropout: 0, patience: 0 };

async function prepared(csv: string) {
  const rd = await getRDKit();
  return prepareSet(rd, readLabelledSet(rd, parseCsv(csv), { smilesColumn: 'smiles', labelColumns: csv.split('\n')[0].split(',').slice(1) }));
}

describe('fine-tuning (GPU)', () => {
  it('overfits a tiny regression set: RMSE falls far below the label spread', async () => {
    const e = await testEngine();
    // Label: heavy-atom count, a graph property the GIN can fit.
    const p = await prepared(`smiles,y\n${SMILES.map((s, i) => `${s},${p0(i)}`).join('\n')}\n`);
    const run = await finetuneRun(e, p.data, ALL, SCRATCH, OPTS, 1);
    const std = Math.sqrt(SMILES.reduce((a, _, i) => a + (p0(i) - mean0()) ** 2, 0) / SMILES.length);
    expect(run.curve[0].trainLoss).toBeGreaterThan(run.curve.at(-1)!.trainLoss * 5);
    expect(run.test.rmse!).toBeLessThan(0.25 * std);
    expect(run.test.r2!).toBeGreaterThan(0.9);
  }, 120_000);

  it('overfits a two-task classification set with missing labels: ROC-AUC 1 on both tasks', async () => {
    const e = await testEngine();
    // Task a: has a ring; task b: contains N (missing for every third row).
    const rows = SMILES.map((s, i) => `${s},${/1/.test(s) ? 1 : 0},${i % 3 === 2 ? '' : /n|N/.test(s) ? 1 : 0}`);
    const p = await prepared(`smiles,a,b\n${rows.join('\n')}\n`);
    expect(p.data.task).toBe('classification');
    const run = await finetuneRun(e, p.data, ALL, SCRATCH, OPTS, 2);
    expect(run.test.perTask).toEqual([1, 1]);
    expect(run.curve.at(-1)!.trainLoss).toBeLessThan(0.2);
  }, 120_000);

  it('same seed, same numbers; another seed, other numbers', async () => {
    const e = await testEngine();
    const p = await prepared(`smiles,y\n${SMILES.map((s, i) => `${s},${p0(i)}`).join('\n')}\n`);
    const opts = { ...OPTS, epochs: 3, dropout: 0.5 };
    const a = await runArm(e, p, ALL, SCRATCH, opts, [5, 6]);
    const b = await runArm(e, p, ALL, SCRATCH, opts, [5, 6]);
    expect(b.test.perSeed).toEqual(a.test.perSeed);
    expect(b.runs[0].curve.map((c) => c.trainLoss)).toEqual(a.runs[0].curve.map((c) => c.trainLoss));
    expect(a.test.perSeed[0]).not.toBe(a.test.perSeed[1]);
  }, 120_000);

  it('loads the encoder of the shipped checkpoint bit for bit and refuses a mismatched one', async () => {
    const e = await testEngine();
    const c = decodeCheckpoint(readFileSync('public/checkpoints/default.safetensors'));
    const g = c.config.gin as { numLayers: number; dim: number };
    const model = new FinetuneModel(e, { numLayers: g.numLayers, dim: g.dim, dropout: 0.5 }, 2, 0);
    const copied = model.loadEncoder(c);
    expect(copied).toBeGreaterThan(10);
    for (const { name, tensor } of [...model.parameters(), ...model.buffers()]) {
      if (!name.startsWith('gin.')) continue;
      expect(Buffer.from((await e.readF32(tensor)).buffer).equals(Buffer.from((c.weights.get(name)!.data as Float32Array).buffer)), name).toBe(true);
    }
    const wrong = new FinetuneModel(e, { numLayers: g.numLayers, dim: g.dim * 2, dropout: 0 }, 1, 0);
    expect(() => wrong.loadEncoder(c)).toThrow(/encoder tensor 'gin\.atom_encoder\.weight' has shape/);
    e.endStep();
  }, 120_000);
});

function p0(i: number): number {
  return SMILES[i].replace(/[^A-Za-z]/g, '').length;
}
function mean0(): number {
  return SMILES.reduce((a, _, i) => a + p0(i), 0) / SMILES.length;
}
