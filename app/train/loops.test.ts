import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { makeBatch } from '../data/batch';
import { parseDataset, type Dataset } from '../data/dataset';
import { writeDataset } from '../data/write';
import { tinyMolecules } from '../model/testMolecules';
import { decodeCheckpoint, encodeCheckpoint } from '../model/checkpoint';
import { Trainer, TrainingDivergedError, type TrainerOptions } from './loops';
import type { LossTerms } from './lossTerms';

/** A tiny but complete configuration: every network, narrow widths, 10 atom classes. */
const TINY = {
  gin: { numLayers: 2, dim: 16 },
  schnet: { numInteractions: 1, dim: 16, numFilters: 16, numGaussians: 8 },
  score2Dto3D: { numBlocks: 1 },
  score3Dto2D: { nfeat: 16, depthX: 2, numLayers: 2 },
  numAtomClasses: 10,
};

/** Six hand-made molecules packed and parsed through the real data-set format; one in the valid split. */
function tinyDataset(): Dataset {
  const mols = tinyMolecules(7, 11, 3, 6).map((m, i) => ({
    smiles: `M${i}`,
    atomFeatures: m.atomFeatures,
    bonds: m.bonds,
    bondFeatures: m.bondFeatures,
    positions: m.positions!,
    labels: [],
    split: (i === 6 ? 'valid' : 'train') as 'train' | 'valid',
    scaffoldId: 0,
  }));
  return parseDataset(writeDataset(mols, { meta: { name: 'tiny', labelNames: [], labelUnits: [] }, numScaffolds: 1 }), 'tiny.bin');
}

function options(extra: Partial<TrainerOptions> = {}): TrainerOptions {
  return { preset: 'generative', overrides: TINY, batchSize: 3, lr: 1e-3, seed: 5, logEvery: 2, datasetName: 'tiny', ...extra };
}

/** Runs until `steps` steps are done and returns every step's losses (reading back the tail too). */
async function run(t: Trainer, steps: number): Promise<Map<number, LossTerms>> {
  const out = new Map<number, LossTerms>();
  const take = (w: Awaited<ReturnType<Trainer['flush']>>) => w?.losses.forEach((l, i) => out.set(w.firstStep + i, l));
  while (t.steps < steps) take((await t.step()).window);
  take(await t.flush());
  return out;
}

describe('Trainer', () => {
  it('trains on the training split with finite losses, reading back once per window', async () => {
    const e = await testEngine();
    const t = Trainer.create(e, tinyDataset(), options({ logEvery: 3 }));
    const windows: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await t.step();
      expect(r.molecules).toBe(3);
      if (r.window) windows.push(r.steps);
    }
    expect(windows).toEqual([3, 6]);
    const losses = await run(t, 6);
    expect(losses.size).toBe(0); // nothing pending after the window closed at step 6
    const w = await (async () => {
      await t.step();
      return t.flush();
    })();
    expect(w!.firstStep).toBe(6);
    for (const k of ['total', 'contrastive', 'denoise2Dto3D', 'atoms3Dto2D', 'bonds3Dto2D'] as const) expect(Number.isFinite(w!.losses[0][k])).toBe(true);
    expect(w!.skipped).toEqual([]);
    // 7 steps x 3 molecules over 6 training molecules: 3.5 epochs.
    expect(t.epoch).toBe(3);
    t.dispose();
    e.endStep();
  });

  it('resumes from a checkpoint at step k with the same losses at k + j as an uninterrupted run', async () => {
    const e = await testEngine();
    const ds = tinyDataset();
    const straight = Trainer.create(e, ds, options());
    const reference = await run(straight, 8);
    straight.dispose();

    const first = Trainer.create(e, ds, options());
    const before = await run(first, 5); // k = 5: mid-window, mid-epoch
    const { bytes } = await first.checkpoint();
    first.dispose();
    expect(decodeCheckpoint(bytes).step).toBe(5);
    const resumed = Trainer.resume(e, ds, bytes);
    expect(resumed.steps).toBe(5);
    const after = await run(resumed, 8);
    resumed.dispose();
    for (let s = 0; s < 5; s++) expect(before.get(s), `step ${s}`).toEqual(reference.get(s));
    // Same kernels, same reduction order, same draws: bit-identical, not just close.
    for (let s = 5; s < 8; s++) expect(after.get(s), `step ${s}`).toEqual(reference.get(s));
    e.endStep();
  });

  it('skips a poisoned step without touching the weights, reports it and halves the lr', async () => {
    const e = await testEngine();
    const ds = tinyDataset();
    const t = Trainer.create(e, ds, options({ logEvery: 4 }));
    await t.step();
    const weightsBefore = await Promise.all(t.model.parameters().map((p) => e.readF32(p.tensor)));
    const buffersBefore = await Promise.all(t.model.buffers().map((p) => e.readF32(p.tensor)));
    const adamBefore = await t.optimizer.exportState();
    expect(adamBefore.step).toBe(1);
    // A batch with one NaN coordinate: every loss that sees positions turns NaN.
    const poisoned = makeBatch(ds, [0, 1, 2]);
    poisoned.positions[4] = NaN;
    await t.step(poisoned);
    const weightsAfter = await Promise.all(t.model.parameters().map((p) => e.readF32(p.tensor)));
    const buffersAfter = await Promise.all(t.model.buffers().map((p) => e.readF32(p.tensor)));
    t.model.parameters().forEach((p, i) => expect(Array.from(weightsAfter[i]), p.name).toEqual(Array.from(weightsBefore[i])));
    t.model.buffers().forEach((p, i) => expect(Array.from(buffersAfter[i]), p.name).toEqual(Array.from(buffersBefore[i])));
    // Adam skipped the step itself: its moments and applied-update count are as if it never ran
    // (before, its moments decayed and its count advanced on a zeroed gradient).
    const adamAfter = await t.optimizer.exportState();
    expect(adamAfter.step).toBe(1);
    for (const key of ['expAvg', 'expAvgSq'] as const) {
      expect(adamAfter[key].size).toBeGreaterThan(0);
      for (const [name, data] of adamBefore[key]) expect(Array.from(adamAfter[key].get(name)!), `${key} ${name}`).toEqual(Array.from(data));
    }
    // Two healthy steps close the window of 4; the skip is reported there.
    await t.step();
    const r = await t.step();
    const w = r.window!;
    expect(w).not.toBeNull();
    expect(w.skipped).toEqual([{ step: 1, reason: expect.stringMatching(/NaN or infinite/), lr: 5e-4 }]);
    expect(t.lr).toBe(5e-4);
    expect(t.optimizer.lr).toBe(5e-4);
    expect(t.skippedSteps).toBe(1);
    // Four steps run, three applied.
    expect(await t.optimizer.readStepCount()).toBe(3);
    expect(Number.isFinite(w.losses[1].total)).toBe(false);
    for (const i of [0, 2, 3]) expect(Number.isFinite(w.losses[i].total), `step ${i}`).toBe(true);
    // The window mean leaves the skipped step out.
    expect(Number.isFinite(w.mean.total)).toBe(true);
    for (const p of t.model.parameters()) expect((await e.readF32(p.tensor)).every(Number.isFinite), p.name).toBe(true);
    t.dispose();
    e.endStep();
  });

  it('stops with an error after too many skipped steps in a row', async () => {
    const e = await testEngine();
    const ds = tinyDataset();
    const t = Trainer.create(e, ds, options({ logEvery: 1, maxConsecutiveSkips: 2 }));
    const poisoned = makeBatch(ds, [3, 4]);
    poisoned.positions[0] = Infinity;
    const w1 = (await t.step(poisoned)).window!;
    expect(w1.skipped.length).toBe(1);
    expect(w1.diverged).toBeNull();
    const w2 = (await t.step(poisoned)).window!;
    expect(w2.diverged).toMatch(/Training diverged: the last 2 steps/);
    expect(t.lr).toBe(2.5e-4);
    await expect(t.step()).rejects.toThrow(TrainingDivergedError);
    t.dispose();
    e.endStep();
  });

  it('refuses to resume on a data set of another size and from a weights-only checkpoint', async () => {
    const e = await testEngine();
    const ds = tinyDataset();
    const t = Trainer.create(e, ds, options());
    await t.step();
    const { bytes } = await t.checkpoint();
    t.dispose();
    const other = parseDataset(
      writeDataset(
        tinyMolecules(3, 2, 3, 5).map((m, i) => ({ smiles: `X${i}`, atomFeatures: m.atomFeatures, bonds: m.bonds, bondFeatures: m.bondFeatures, positions: m.positions!, labels: [], split: 'train' as const, scaffoldId: 0 })),
        { meta: { name: 'other', labelNames: [], labelUnits: [] }, numScaffolds: 1 },
      ),
      'other.bin',
    );
    expect(() => Trainer.resume(e, other, bytes)).toThrow(/trained on 'tiny' with 6 training molecules; this data set has 3/);
    const weightsOnly = encodeCheckpoint({ ...decodeCheckpoint(bytes), optimizer: null, trainer: null });
    expect(() => Trainer.resume(e, ds, weightsOnly)).toThrow(/weights only/);
    e.endStep();
  });
});
