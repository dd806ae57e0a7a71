import { describe, expect, it } from 'vitest';
import { layerNorm } from './layernorm';
import { layerNormBackward, layerNormForward, layerNormResidualBackward, layerNormResidualForward } from '../reference/layernorm';
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

// y = residual + LN(x): the transformer's "u + LN(f(u))" in one pass, and one backward dispatch.
describe('layerNorm with a residual', () => {
  const res = randnArray(M * F, mulberry32(4));
  const tol = { atol: 1e-5, rtol: 1e-4 };

  it('forward matches the twin; backward (one dispatch) matches it, overwrites, then accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const gt = e.fromArray(gamma, [F], { requiresGrad: true });
    const bt = e.fromArray(beta, [F], { requiresGrad: true });
    const rt = e.fromArray(res, [M, F], { requiresGrad: true });
    const ref = layerNormResidualBackward(x, gamma, dy, M, F);
    for (let pass = 1; pass <= 2; pass++) {
      const y = layerNorm(xt, gt, bt, 1e-5, rt);
      expectClose(await readF64(y), layerNormResidualForward(x, gamma, beta, res, M, F), { ...tol, what: 'y' });
      const d0 = e.dispatchCount;
      e.backward(y, e.fromArray(dy, [M, F]));
      expect(e.dispatchCount - d0).toBe(1);
      const k = pass;
      expectClose(await readF64(e.gradOf(xt)), ref.dx.map((v) => k * v), { ...tol, what: `dx pass ${pass}` });
      expectClose(await readF64(e.gradOf(rt)), ref.dresidual.map((v) => k * v), { ...tol, what: `dresidual pass ${pass}` });
      expectClose(await readF64(e.gradOf(gt)), ref.dgamma.map((v) => k * v), { atol: 1e-4, rtol: 1e-4, what: `dgamma pass ${pass}` });
      expectClose(await readF64(e.gradOf(bt)), ref.dbeta.map((v) => k * v), { atol: 1e-4, rtol: 1e-4, what: `dbeta pass ${pass}` });
      e.tape.clear();
    }
    e.endStep();
  });

  it('only the residual needs a gradient, or only x', async () => {
    const e = await testEngine();
    const ref = layerNormResidualBackward(x, gamma, dy, M, F);
    const rt = e.fromArray(res, [M, F], { requiresGrad: true });
    e.backward(layerNorm(e.fromArray(x, [M, F]), e.fromArray(gamma, [F]), e.fromArray(beta, [F]), 1e-5, rt), e.fromArray(dy, [M, F]));
    expectClose(await readF64(e.gradOf(rt)), ref.dresidual, { ...tol, what: 'dresidual alone' });
    e.endStep();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const rc = e.fromArray(res, [M, F]);
    e.backward(layerNorm(xt, e.fromArray(gamma, [F]), e.fromArray(beta, [F]), 1e-5, rc), e.fromArray(dy, [M, F]));
    expectClose(await readF64(e.gradOf(xt)), ref.dx, { ...tol, what: 'dx alone' });
    expect(rc.grad).toBeNull();
    e.endStep();
  });

  it('x as its own residual gets both gradients (separate add)', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const y = layerNorm(xt, e.fromArray(gamma, [F]), e.fromArray(beta, [F]), 1e-5, xt);
    expectClose(await readF64(y), layerNormResidualForward(x, gamma, beta, x, M, F), { ...tol, what: 'y' });
    e.backward(y, e.fromArray(dy, [M, F]));
    const ref = layerNormResidualBackward(x, gamma, dy, M, F);
    expectClose(await readF64(e.gradOf(xt)), ref.dx.map((v, i) => v + ref.dresidual[i]), { ...tol, what: 'dx + dresidual' });
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const m = 4;
    const xs = x.slice(0, m * F);
    const rs = res.slice(0, m * F);
    const seed = dy.slice(0, m * F);
    const ref = layerNormResidualBackward(xs, gamma, seed, m, F);
    const opts = { atol: 1e-6, rtol: 1e-5 };
    expectClose(ref.dx, finiteDiffGrad((v) => layerNormResidualForward(v, gamma, beta, rs, m, F), xs, seed), { ...opts, what: 'fd dx' });
    expectClose(ref.dresidual, finiteDiffGrad((v) => layerNormResidualForward(xs, gamma, beta, v, m, F), rs, seed), { ...opts, what: 'fd dresidual' });
    expectClose(ref.dgamma, finiteDiffGrad((v) => layerNormResidualForward(xs, v, beta, rs, m, F), Float64Array.from(gamma), seed), { ...opts, what: 'fd dgamma' });
    expectClose(ref.dbeta, finiteDiffGrad((v) => layerNormResidualForward(xs, gamma, v, rs, m, F), Float64Array.from(beta), seed), { ...opts, what: 'fd dbeta' });
  });
});
