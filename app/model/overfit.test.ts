import { describe, expect, it } from 'vitest';
import { makeBatch } from '../data/batch';
import { resolveConfig } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { uploadBatch } from './batchGpu';
import { tinyMolecules } from './testMolecules';
import { testEngine } from '../../kernels/testing';
import { Adam } from '../../kernels/optim/adam';

describe('overfitting a fixed batch', () => {
  it('the total loss on 8 molecules falls at least tenfold within a few hundred Adam steps', async () => {
    const e = await testEngine();
    // Small widths; both lr scales 1 so that every part trains at the same rate.
    const config = resolveConfig('paper', {
      gin: { dim: 32 }, schnet: { dim: 32, numFilters: 32, numGaussians: 12 }, score3Dto2D: { nfeat: 32 },
      numAtomClasses: 10, lrScale3D: 1, lr: 3e-3,
    });
    const model = new MoleculeSDE(e, config, 0);
    const host = makeBatch(tinyMolecules(8, 1, 3, 6));
    const adam = new Adam(e, model.optimizerGroups(), { lr: config.lr });
    // The same (seed, step) every time: same noise, times, permutations and dropout masks, so the
    // objective is a fixed function of the weights.
    const randomness = { seed: 9, step: 0 };
    const history: number[] = [];
    const steps = 60;
    for (let s = 0; s < steps; s++) {
      const batch = uploadBatch(e, host);
      adam.zeroGrad();
      const L = model.losses(batch, randomness);
      e.backward(L.total);
      adam.step();
      // Reading back every few steps also lets Dawn retire finished work (a long run of submits
      // that never yields to the event loop exhausts it).
      if (s % 10 === 0 || s === steps - 1) history.push((await e.readF32(L.total))[0]);
      e.endStep();
    }
    console.log('total loss every 10 steps', history.map((v) => v.toFixed(4)).join(' '));
    for (const v of history) expect(Number.isFinite(v)).toBe(true);
    expect(history[history.length - 1]).toBeLessThanOrEqual(history[0] / 10);
  });
});
