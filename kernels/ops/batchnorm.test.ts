import { describe, expect, it } from 'vitest';
import { batchNorm } from './batchnorm';
import {
  batchNormEvalBackward,
  batchNormEvalForward,
  batchNormReluTrainBackward,
  batchNormReluTrainForward,
  batchNormTrainBackward,
  batchNormTrainForward,
  updateRunningStats,
} from '../reference/batchnorm';
import { mulberry32, randnArray, uniformArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';
import type { Engine } from '../engine';

// 150 rows, 70 features: 70 spans two per-feature workgroups (64) and 10500 elements are not a multiple of 256.
const M = 150;
const F = 70;
const EPS = 1e-5;
const MOMENTUM = 0.1;
const rng = mulberry32(5);
// Per-feature offsets and scales, so normalisation and the two-pass variance matter.
const x = randnArray(M * F, rng).map((v, i) => v * (1 + (i % F) / 20) + ((i % F) % 7) - 3);
const gamma = randnArray(F, rng).map((v) => 1 + 0.3 * v);
const beta = randnArray(F, rng, 0.5);
const rm0 = randnArray(F, rng, 0.5);
const rv0 = uniformArray(F, rng, 0.5, 2);
const dy = randnArray(M * F, rng);

function makeState(e: Engine) {
  return { runningMean: e.fromArray(rm0, [F]), runningVar: e.fromArray(rv0, [F]), momentum: MOMENTUM, eps: EPS };
}

describe('batchNorm', () => {
  it('training forward matches the twin and updates running stats with the unbiased variance', async () => {
    const e = await testEngine();
    const state = makeState(e);
    const y = batchNorm(e.fromArray(x, [M, F]), e.fromArray(gamma, [F]), e.fromArray(beta, [F]), state, true);
    expectClose(await readF64(y), batchNormTrainForward(x, gamma, beta, M, F, EPS), { atol: 1e-5, rtol: 1e-4, what: 'bn train' });
    const ref = updateRunningStats(rm0, rv0, x, M, F, MOMENTUM);
    expectClose(await readF64(state.runningMean), ref.runningMean, { atol: 1e-5, rtol: 1e-5, what: 'runningMean' });
    expectClose(await readF64(state.runningVar), ref.runningVar, { atol: 1e-5, rtol: 1e-5, what: 'runningVar' });
    e.endStep();
  });

  it('evaluation forward uses the running stats and leaves them alone', async () => {
    const e = await testEngine();
    const state = makeState(e);
    const y = batchNorm(e.fromArray(x, [M, F]), e.fromArray(gamma, [F]), e.fromArray(beta, [F]), state, false);
    expectClose(await readF64(y), batchNormEvalForward(x, gamma, beta, rm0, rv0, M, F, EPS), { atol: 1e-5, rtol: 1e-4, what: 'bn eval' });
    expect(Array.from(await readF64(state.runningVar))).toEqual(Array.from(Float32Array.from(rv0)));
    e.endStep();
  });

  it('WGSL training backward matches the twin backward and accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const gt = e.fromArray(gamma, [F], { requiresGrad: true });
    const bt = e.fromArray(beta, [F], { requiresGrad: true });
    e.backward(batchNorm(xt, gt, bt, makeState(e), true), e.fromArray(dy, [M, F]));
    const ref = batchNormTrainBackward(x, gamma, dy, M, F, EPS);
    expectClose(await readF64(e.gradOf(xt)), ref.dx, { atol: 1e-5, rtol: 1e-3, what: 'dx' });
    expectClose(await readF64(e.gradOf(gt)), ref.dgamma, { atol: 1e-4, rtol: 1e-4, what: 'dgamma' });
    expectClose(await readF64(e.gradOf(bt)), ref.dbeta, { atol: 1e-4, rtol: 1e-4, what: 'dbeta' });
    e.backward(batchNorm(xt, gt, bt, makeState(e), true), e.fromArray(dy, [M, F]));
    expectClose(await readF64(e.gradOf(gt)), ref.dgamma.map((v) => 2 * v), { atol: 1e-4, rtol: 1e-4, what: '2 dgamma' });
    e.endStep();
  });

  it('WGSL evaluation backward matches the twin backward', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const gt = e.fromArray(gamma, [F], { requiresGrad: true });
    const bt = e.fromArray(beta, [F], { requiresGrad: true });
    e.backward(batchNorm(xt, gt, bt, makeState(e), false), e.fromArray(dy, [M, F]));
    const ref = batchNormEvalBackward(x, gamma, rm0, rv0, dy, M, F, EPS);
    expectClose(await readF64(e.gradOf(xt)), ref.dx, { atol: 1e-5, rtol: 1e-4, what: 'eval dx' });
    expectClose(await readF64(e.gradOf(gt)), ref.dgamma, { atol: 1e-4, rtol: 1e-4, what: 'eval dgamma' });
    expectClose(await readF64(e.gradOf(bt)), ref.dbeta, { atol: 1e-4, rtol: 1e-4, what: 'eval dbeta' });
    e.endStep();
  });

  it('column reductions are bit-identical run to run', async () => {
    const e = await testEngine();
    const run = async () => {
      const xt = e.fromArray(x, [M, F], { requiresGrad: true });
      const gt = e.fromArray(gamma, [F], { requiresGrad: true });
      e.backward(batchNorm(xt, gt, e.fromArray(beta, [F]), makeState(e), true), e.fromArray(dy, [M, F]));
      return [...(await readF64(e.gradOf(gt))), ...(await readF64(e.gradOf(xt)))];
    };
    expect(await run()).toEqual(await run());
    e.endStep();
  });

  it('twin backward matches central finite differences (training and evaluation)', () => {
    const m = 6;
    const f = 3;
    const xs = Float64Array.from({ length: m * f }, (_, i) => x[Math.floor(i / f) * F + (i % f)]);
    const g = gamma.slice(0, f);
    const b = beta.slice(0, f);
    const seed = dy.slice(0, m * f);
    const opts = { atol: 1e-6, rtol: 1e-5 };
    const tr = batchNormTrainBackward(xs, g, seed, m, f, EPS);
    expectClose(tr.dx, finiteDiffGrad((v) => batchNormTrainForward(v, g, b, m, f, EPS), xs, seed), { ...opts, what: 'fd train dx' });
    expectClose(tr.dgamma, finiteDiffGrad((v) => batchNormTrainForward(xs, v, b, m, f, EPS), g, seed), { ...opts, what: 'fd train dgamma' });
    expectClose(tr.dbeta, finiteDiffGrad((v) => batchNormTrainForward(xs, g, v, m, f, EPS), b, seed), { ...opts, what: 'fd train dbeta' });
    const rm = rm0.slice(0, f);
    const rv = rv0.slice(0, f);
    const ev = batchNormEvalBackward(xs, g, rm, rv, seed, m, f, EPS);
    expectClose(ev.dx, finiteDiffGrad((v) => batchNormEvalForward(v, g, b, rm, rv, m, f, EPS), xs, seed), { ...opts, what: 'fd eval dx' });
    expectClose(ev.dgamma, finiteDiffGrad((v) => batchNormEvalForward(xs, v, b, rm, rv, m, f, EPS), g, seed), { ...opts, what: 'fd eval dgamma' });
  });

  it('rejects training on one row and mismatched shapes', async () => {
    const e = await testEngine();
    const st = makeState(e);
    expect(() => batchNorm(e.zeros([1, F]), e.zeros([F]), e.zeros([F]), st, true)).toThrow(/batchNorm: training needs more than one row per feature, got x \[1, 70\]/);
    expect(() => batchNorm(e.zeros([4, F]), e.zeros([F]), e.zeros([F + 1]), st, false)).toThrow(/batchNorm: beta has shape \[71\], expected \[70\]/);
    e.endStep();
  });
});

// batchNorm(..., 'relu'): max(0, BN(x)) in the normalising pass; its backward masks dy by y > 0.
describe('batchNorm with a fused ReLU', () => {
  it('training forward and backward (two dispatches, dγ and dβ from the sums pass) match the twin, and accumulate', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const gt = e.fromArray(gamma, [F], { requiresGrad: true });
    const bt = e.fromArray(beta, [F], { requiresGrad: true });
    const ref = batchNormReluTrainBackward(x, gamma, beta, dy, M, F, EPS);
    for (let pass = 1; pass <= 2; pass++) {
      const y = batchNorm(xt, gt, bt, makeState(e), true, 'relu');
      const yv = await readF64(y);
      expectClose(yv, batchNormReluTrainForward(x, gamma, beta, M, F, EPS), { atol: 1e-5, rtol: 1e-4, what: 'relu(bn)' });
      expect(yv.some((v) => v === 0) && yv.some((v) => v > 0)).toBe(true);
      const d0 = e.dispatchCount;
      e.backward(y, e.fromArray(dy, [M, F]));
      expect(e.dispatchCount - d0).toBe(2);
      const k = pass;
      expectClose(await readF64(e.gradOf(xt)), ref.dx.map((v) => k * v), { atol: 1e-5, rtol: 1e-3, what: `dx pass ${pass}` });
      expectClose(await readF64(e.gradOf(gt)), ref.dgamma.map((v) => k * v), { atol: 1e-4, rtol: 1e-4, what: `dgamma pass ${pass}` });
      expectClose(await readF64(e.gradOf(bt)), ref.dbeta.map((v) => k * v), { atol: 1e-4, rtol: 1e-4, what: `dbeta pass ${pass}` });
      e.tape.clear();
    }
    e.endStep();
  });

  it('evaluation forward is max(0, the running-stats form)', async () => {
    const e = await testEngine();
    const y = batchNorm(e.fromArray(x, [M, F]), e.fromArray(gamma, [F]), e.fromArray(beta, [F]), makeState(e), false, 'relu');
    expectClose(await readF64(y), batchNormEvalForward(x, gamma, beta, rm0, rv0, M, F, EPS).map((v) => Math.max(v, 0)), { atol: 1e-5, rtol: 1e-4, what: 'relu(bn eval)' });
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const m = 6;
    const f = 3;
    const xs = Float64Array.from({ length: m * f }, (_, i) => x[i]);
    const gs = Float64Array.from(gamma.slice(0, f));
    const bs = Float64Array.from(beta.slice(0, f));
    const seed = Float64Array.from(dy.slice(0, m * f));
    const ref = batchNormReluTrainBackward(xs, gs, bs, seed, m, f, EPS);
    const o = { atol: 1e-6, rtol: 1e-5 };
    expectClose(ref.dx, finiteDiffGrad((v) => batchNormReluTrainForward(v, gs, bs, m, f, EPS), xs, seed), { ...o, what: 'fd dx' });
    expectClose(ref.dgamma, finiteDiffGrad((v) => batchNormReluTrainForward(xs, v, bs, m, f, EPS), gs, seed), { ...o, what: 'fd dgamma' });
    expectClose(ref.dbeta, finiteDiffGrad((v) => batchNormReluTrainForward(xs, gs, v, m, f, EPS), bs, seed), { ...o, what: 'fd dbeta' });
  });
});
