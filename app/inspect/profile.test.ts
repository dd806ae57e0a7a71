import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { relu } from '../../kernels/ops/activation';
import { parseDataset, type Dataset } from '../data/dataset';
import { writeDataset } from '../data/write';
import { resolveConfig } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { tinyMolecules } from '../model/testMolecules';
import { familyOf, profileSamplingStep, profileTrainingStep, summariseProfile } from './profile';

const TINY = { gin: { dim: 8, numLayers: 1 }, schnet: { dim: 8, numFilters: 8, numGaussians: 6, numInteractions: 1 }, score2Dto3D: { hidden: 8, heads: 2, headDim: 4, numBlocks: 1, convsPerBlock: 1, coeffHidden: 8 }, score3Dto2D: { nfeat: 8 }, numAtomClasses: 10 };

function tinyDataset(): Dataset {
  const mols = tinyMolecules(5, 3, 3, 6).map((m, i) => ({
    smiles: `M${i}`, atomFeatures: m.atomFeatures, bonds: m.bonds, bondFeatures: m.bondFeatures, positions: m.positions!,
    labels: [], split: (i === 4 ? 'valid' : 'train') as 'train' | 'valid', scaffoldId: 0,
  }));
  return parseDataset(writeDataset(mols, { meta: { name: 'tiny', labelNames: [], labelUnits: [] }, numScaffolds: 1 }), 'tiny.bin');
}

describe('Engine profile modes', () => {
  it('count-only mode counts every dispatch per label and times nothing', async () => {
    const e = await testEngine();
    const x = e.fromArray([-1, 2, -3, 4], [4]);
    e.startProfile({ timestamps: false });
    const d0 = e.dispatchCount;
    const y = relu(relu(relu(x)));
    const out = await e.readF32(y);
    const report = await e.stopProfile();
    e.endStep();
    expect(Array.from(out)).toEqual([0, 2, 0, 4]);
    expect(report.timestamps).toBe(false);
    expect(report.dispatches).toBe(e.dispatchCount - d0);
    expect(report.dispatches).toBe(3);
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0].count).toBe(3);
    expect(report.gpuMs).toBe(0);
  });

  it("'auto' times dispatches exactly when the device has timestamp queries", async () => {
    const e = await testEngine();
    const x = e.fromArray(new Float32Array(4096).fill(-1), [4096]);
    e.startProfile({ timestamps: 'auto' });
    await e.readF32(relu(relu(x)));
    const report = await e.stopProfile();
    e.endStep();
    expect(report.timestamps).toBe(e.device.features.has('timestamp-query'));
    expect(report.dispatches).toBe(2);
    if (report.timestamps) expect(report.gpuMs).toBeGreaterThan(0);
    console.log('timestamp-query on this adapter:', report.timestamps, 'gpuMs', report.gpuMs);
  });
});

describe('profile summaries', () => {
  it('groups labels into op families and sorts by time, or by count when untimed', () => {
    expect(familyOf('bmm gemm_nn')).toBe('bmm');
    expect(familyOf('segment.sum fwd')).toBe('segment');
    const rows = [
      { label: 'bmm gemm_nn', count: 4, gpuMs: 3, encodeMs: 0 },
      { label: 'bmm gemm_tn', count: 2, gpuMs: 5, encodeMs: 0 },
      { label: 'relu fwd', count: 9, gpuMs: 1, encodeMs: 0 },
    ];
    const timed = summariseProfile({ rows, dispatches: 15, clears: 1, copies: 2, gpuMs: 9, timestamps: true }, 'x', 10);
    expect(timed.families).toEqual([{ family: 'bmm', gpuMs: 8, count: 6 }, { family: 'relu', gpuMs: 1, count: 9 }]);
    expect(timed.kernels.map((k) => k.label)).toEqual(['bmm gemm_tn', 'bmm gemm_nn', 'relu fwd']);
    const counted = summariseProfile({ rows: rows.map((r) => ({ ...r, gpuMs: 0 })), dispatches: 15, clears: 1, copies: 2, gpuMs: 0, timestamps: false }, 'x', 10);
    expect(counted.families.map((f) => f.family)).toEqual(['relu', 'bmm']);
    expect(counted.kernels[0].label).toBe('relu fwd');
  });
});

describe('profiling a training step and a sampling step', () => {
  it('profiles one step of each on a tiny model; dispatch counts add up', async () => {
    const e = await testEngine();
    const train = await profileTrainingStep(e, tinyDataset(), { preset: 'generative', overrides: TINY, batchSize: 2, seed: 3, logEvery: 1, datasetName: 'tiny' });
    expect(train.dispatches).toBeGreaterThan(50);
    expect(train.families.reduce((s, f) => s + f.count, 0)).toBe(train.dispatches);
    expect(train.kernels.reduce((s, k) => s + k.count, 0)).toBe(train.dispatches);
    // Training includes an optimiser update, which sampling never does.
    expect(train.families.some((f) => /adam/i.test(f.family))).toBe(true);
    const model = new MoleculeSDE(e, resolveConfig('generative', TINY), 1);
    const [mol] = tinyMolecules(1, 8, 5, 5);
    const sample = await profileSamplingStep(e, model, mol, 2, 'a tiny model');
    expect(sample.dispatches).toBeGreaterThan(5);
    expect(sample.families.some((f) => /adam/i.test(f.family))).toBe(false);
    expect(sample.kernels.reduce((s, k) => s + k.count, 0)).toBe(sample.dispatches);
    console.log('train', train.dispatches, 'dispatches,', train.gpuMs.toFixed(1), 'ms; sample', sample.dispatches, 'dispatches,', sample.gpuMs.toFixed(1), 'ms');
  });
});
