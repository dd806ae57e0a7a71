import { describe, expect, it } from 'vitest';
import { layerNorm } from './layernorm';
import { layerNormBackward, layerNormForward } from '../reference/layernorm';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// 300 rows and 19 features: neither is a multiple of the workgroup size (256); 300 > 256 spans two groups.
const M = 300;
const F = 19;
const rng = mulberry32(3);
// A row offset makes the two-pass variance matter.
const x = randnArray(M * F, rng, 2).map((v, i) => v + (Math.floor(i / F) % 5) * 3);
const gamma = randnArray(F, rng).map((v) => 1 + 0.3 * v);
const beta = randnArray(F, rng, 0.5);
const dy = randnArray(M * F, rng);

describe('layerNorm', () => {
  it('forward matches the float64 twin', async () => {
    const e = await testEngine();
    const y = layerNorm(e.fromArray(x, [M, F]), e.fromArray(gamma, [F]), e.fromArray(beta, [F]));
    expectClose(await readF64(y), layerNormForward(x, gamma, beta, M, F), { atol: 1e-5, rtol: 1e-4, what: 'layerNorm' });
    expect(() => layerNorm(e.fromArray(x, [M, F]), e.zeros([F + 1]), e.fromArray(beta, [F]))).toThrow(
      /layerNorm: gamma has shape \[20\], expected \[19\]/,
    );
    e.endStep();
  });

  it('WGSL backward matches the twin backward and accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const gt = e.fromArray(gamma, [F], { requiresGrad: true });
    const bt = e.fromArray(beta, [F], { requiresGrad: true });
    e.backward(layerNorm(xt, gt, bt), e.fromArray(dy, [M, F]));
    const ref = layerNormBackward(x, gamma, dy, M, F);
    expectClose(await readF64(e.gradOf(xt)), ref.dx, { atol: 1e-5, rtol: 1e-4, what: 'dx' });
    expectClose(await readF64(e.gradOf(gt)), ref.dgamma, { atol: 1e-4, rtol: 1e-4, what: 'dgamma' });
    expectClose(await readF64(e.gradOf(bt)), ref.dbeta, { atol: 1e-4, rtol: 1e-4, what: 'dbeta' });
    e.backward(layerNorm(xt, gt, bt), e.fromArray(dy, [M, F]));
    expectClose(await readF64(e.gradOf(bt)), ref.dbeta.map((v) => 2 * v), { atol: 1e-4, rtol: 1e-4, what: '2 dbeta' });
    e.endStep();
  });

  it('column sums for dγ, dβ are bit-identical run to run', async () => {
    const e = await testEngine();
    const run = async () => {
      const gt = e.fromArray(gamma, [F], { requiresGrad: true });
      e.backward(layerNorm(e.fromArray(x, [M, F]), gt, e.fromArray(beta, [F])), e.fromArray(dy, [M, F]));
      return Array.from(await readF64(e.gradOf(gt)));
    };
    expect(await run()).toEqual(await run());
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const m = 4;
    const xs = x.slice(0, m * F);
    const seed = dy.slice(0, m * F);
    const ref = layerNormBackward(xs, gamma, seed, m, F);
    const opts = { atol: 1e-6, rtol: 1e-5 };
    expectClose(ref.dx, finiteDiffGrad((v) => layerNormForward(v, gamma, beta, m, F), xs, seed), { ...opts, what: 'fd dx' });
    expectClose(ref.dgamma, finiteDiffGrad((v) => layerNormForward(xs, v, beta, m, F), Float64Array.from(gamma), seed), { ...opts, what: 'fd dgamma' });
    expectClose(ref.dbeta, finiteDiffGrad((v) => layerNormForward(xs, gamma, v, m, F), Float64Array.from(beta), seed), { ...opts, what: 'fd dbeta' });
  });
});
