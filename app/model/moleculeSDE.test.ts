import { describe, expect, it } from 'vitest';
import { makeBatch } from '../data/batch';
import { resolveConfig } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { uploadBatch } from './batchGpu';
import { tinyMolecules } from './testMolecules';
import { testEngine } from '../../kernels/testing';

describe('MoleculeSDE losses', () => {
  it.each(['paper', 'generative'] as const)('%s: all four losses are finite and every parameter gets a gradient', async (preset) => {
    const e = await testEngine();
    const config = resolveConfig(preset, { gin: { dim: 16 }, schnet: { dim: 16, numFilters: 16, numGaussians: 8 }, score3Dto2D: { nfeat: 16 }, numAtomClasses: 10 });
    const model = new MoleculeSDE(e, config, 1);
    const batch = uploadBatch(e, makeBatch(tinyMolecules(4, 3)));
    const t0 = performance.now();
    const L = model.losses(batch, { seed: 5, step: 0 });
    e.backward(L.total);
    const values = await Promise.all([L.total, L.contrastive, L.denoise2Dto3D, L.atoms3Dto2D, L.bonds3Dto2D].map(async (t) => (await e.readF32(t))[0]));
    console.log(preset, values, `${(performance.now() - t0).toFixed(0)} ms`, e.dispatchCount);
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    const [total, cl, d23, ax, ab] = values;
    expect(total).toBeCloseTo(cl + d23 + 0.5 * (ax + ab), 4);
    const missing: string[] = [];
    for (const p of model.parameters()) {
      const g = p.tensor.grad ? await e.readF32(p.tensor.grad) : null;
      if (!g || !g.some((v) => v !== 0)) missing.push(p.name);
    }
    expect(missing).toEqual([]);
    e.endStep();
  });
});
