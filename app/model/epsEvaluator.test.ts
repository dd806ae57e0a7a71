import { describe, expect, it } from 'vitest';
import { makeBatch } from '../data/batch';
import { resolveConfig } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { uploadBatch } from './batchGpu';
import { tinyMolecules } from './testMolecules';
import { TINY_OVERRIDES } from './testCheckpoint';
import { expectClose, testEngine } from '../../kernels/testing';
import { mulberry32, randnArray } from '../../kernels/random';

describe('MoleculeSDE.epsEvaluator2Dto3D', () => {
  for (const preset of ['generative', 'paper'] as const) {
    it(`gives eps2Dto3D's values bit for bit, across times and repeated times (${preset})`, async () => {
      const e = await testEngine();
      const model = new MoleculeSDE(e, resolveConfig(preset, TINY_OVERRIDES), 3);
      const host = makeBatch(tinyMolecules(5, 11));
      const batch = uploadBatch(e, host, { persistent: true });
      const h2 = e.keep(model.encode2D(batch));
      const rng = mulberry32(5);
      const N = host.nodeOffsets[host.numGraphs];
      const B = host.numGraphs;
      const evaluator = model.epsEvaluator2Dto3D(batch, h2);
      try {
        // The corrector and the predictor of a PC step evaluate twice at one time, then the time changes.
        for (const t of [0.9, 0.9, 0.4, 0.05]) {
          const x = e.fromArray(randnArray(3 * N, rng), [N, 3]);
          const tvec = e.fromArray(new Float32Array(B).fill(t), [B]);
          const direct = await e.readF32(model.eps2Dto3D(batch, h2, x, tvec, t));
          const cached = await e.readF32(evaluator.eps(x, tvec, t));
          expect(direct.every(Number.isFinite)).toBe(true);
          expect(Array.from(cached)).toEqual(Array.from(direct));
          // Steps end (transients return to the pool) between times, as in the sampler.
          e.endStep();
        }
      } finally {
        evaluator.dispose();
        e.dispose(h2);
        batch.dispose();
        e.endStep();
      }
    });
  }

  // Heads wider than the fused TransformerConv holds (40 > TRANSFORMER_CONV_MAX_HEAD_DIM) must
  // still evaluate without gradients: that forward takes the op-by-op path.
  const wide = { ...TINY_OVERRIDES, score2Dto3D: { hidden: 40, heads: 1, headDim: 40 } };
  for (const [what, overrides] of [['8 heads x 4', TINY_OVERRIDES], ['1 head x 40', wide]] as const) {
    it(`the eval path without gradients matches the op-by-op path (${what})`, async () => {
      const e = await testEngine();
      const model = new MoleculeSDE(e, resolveConfig('generative', overrides), 4);
      const host = makeBatch(tinyMolecules(6, 12));
      const batch = uploadBatch(e, host);
      const N = host.nodeOffsets[host.numGraphs];
      const rng = mulberry32(6);
      const h2 = model.encode2D(batch);
      const xt = e.fromArray(randnArray(3 * N, rng), [N, 3]);
      const t = e.fromArray(new Float32Array(host.numGraphs).fill(0.3), [host.numGraphs]);
      const inputs = { batch, h2, xt, t, training: false };
      const fused = await e.readF32(e.noGrad(() => model.score2Dto3D.forward(inputs)));
      // Recording (outside noGrad) selects the op-by-op path that training differentiates.
      const opByOp = await e.readF32(model.score2Dto3D.forward(inputs));
      e.tape.clear();
      expect(fused.every(Number.isFinite)).toBe(true);
      expectClose(fused, opByOp, { atol: 1e-5, rtol: 1e-4, what: 'fused vs op-by-op eps' });
      e.endStep();
    });
  }
});
