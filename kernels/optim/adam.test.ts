import { describe, expect, it } from 'vitest';
import { Adam } from './adam';
import { adamUpdate, type AdamHyper } from '../reference/adam';
import { weightedSquaredError } from '../ops/loss';
import { mulberry32, randnArray } from '../reference/random';
import { expectClose, readF64, testEngine } from '../testing';
import type { Engine } from '../engine';
import type { Tensor } from '../tensor';

// 1000 and 37 are not multiples of the workgroup size (256).
const SIZES = [1000, 37];
const SCALES = [1, 0.1];
const LR = 0.01;

/** Writes host gradients into each parameter's gradient buffer. */
function setGrads(e: Engine, params: Tensor[], grads: Float64Array[]): void {
  const gs = params.map((p) => e.gradOf(p));
  // The gradient's zero-fill is encoded; submit it before the queue write lands.
  e.submit();
  gs.forEach((g, i) => e.write(g, Float32Array.from(grads[i])));
}

function makeParams(e: Engine, init: Float64Array[]): Tensor[] {
  return init.map((v, i) => e.fromArray(v, [v.length], { requiresGrad: true, persistent: true, name: `p${i}` }));
}

describe('Adam', () => {
  it('matches the float64 twin over several steps, with per-group lr scales and an lr change', async () => {
    const e = await testEngine();
    const rng = mulberry32(17);
    const init = SIZES.map((n) => randnArray(n, rng));
    const params = makeParams(e, init);
    const opt = new Adam(e, [{ params: [params[0]], lrScale: SCALES[0] }, { params: [params[1]], lrScale: SCALES[1] }], { lr: LR });
    const p64 = init.map((v) => Float64Array.from(v, (x) => Math.fround(x)));
    const m64 = SIZES.map((n) => new Float64Array(n));
    const v64 = SIZES.map((n) => new Float64Array(n));
    for (let t = 1; t <= 6; t++) {
      if (t === 4) opt.setLr(LR / 2);
      const lr = t >= 4 ? LR / 2 : LR;
      // Gradients of varied scale, some exactly zero.
      const grads = SIZES.map((n) => randnArray(n, rng, 10 ** ((t % 3) - 1)).map((g, i) => (i % 11 === 0 ? 0 : g)));
      opt.zeroGrad();
      setGrads(e, params, grads);
      opt.step();
      params.forEach((_, k) => {
        const h: AdamHyper = { lr: lr * SCALES[k], beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        adamUpdate(p64[k], Float32Array.from(grads[k]), m64[k], v64[k], t, h);
      });
    }
    expect(opt.stepCount).toBe(6);
    for (let k = 0; k < params.length; k++) {
      expectClose(await readF64(params[k]), p64[k], { atol: 1e-6, rtol: 1e-5, what: `param ${k}` });
      // Each group moved by about lr · scale per step, not more.
      const moved = (await readF64(params[k])).map((v, i) => Math.abs(v - init[k][i]));
      expect(Math.max(...moved)).toBeLessThan(6 * LR * SCALES[k] * 1.01);
    }
    const state = await opt.exportState();
    expectClose(state.expAvg.get('p1')!, m64[1], { atol: 1e-6, rtol: 1e-5, what: 'exp_avg' });
    expectClose(state.expAvgSq.get('p0')!, v64[0], { atol: 1e-7, rtol: 1e-5, what: 'exp_avg_sq' });
    opt.dispose();
    params.forEach((p) => e.dispose(p));
    e.endStep();
  });

  it('minimises a quadratic through the autograd tape', async () => {
    const e = await testEngine();
    const rng = mulberry32(23);
    const M = 50;
    const F = 3;
    const target = randnArray(M * F, rng);
    const weights = Float64Array.from({ length: M }, (_, i) => 0.5 + (i % 4));
    const p = e.fromArray(randnArray(M * F, rng, 1.5), [M, F], { requiresGrad: true, persistent: true, name: 'x' });
    const opt = new Adam(e, [{ params: [p], lrScale: 1 }], { lr: 0.1 });
    const lossAt = async () => (await readF64(weightedSquaredError(p, e.fromArray(target, [M, F]), e.fromArray(weights, [M]))))[0];
    const first = await lossAt();
    for (let s = 0; s < 300; s++) {
      opt.zeroGrad();
      const loss = weightedSquaredError(p, e.fromArray(target, [M, F]), e.fromArray(weights, [M]));
      e.backward(loss);
      opt.step();
      e.endStep();
    }
    const last = await lossAt();
    expect(last).toBeLessThan(first * 1e-3);
    expectClose(await readF64(p), target, { atol: 1e-3, rtol: 0, what: 'minimiser' });
    opt.dispose();
    e.dispose(p);
    e.endStep();
  });

  it('zeroGrad clears gradients; a parameter without a gradient is left alone', async () => {
    const e = await testEngine();
    const [a, b] = makeParams(e, [Float64Array.of(1, 2, 3), Float64Array.of(4, 5)]);
    const opt = new Adam(e, [{ params: [a, b], lrScale: 1 }], { lr: 0.5 });
    setGrads(e, [a], [Float64Array.of(1, -1, 0)]);
    opt.zeroGrad();
    expect(Array.from(await readF64(a.grad!))).toEqual([0, 0, 0]);
    setGrads(e, [a], [Float64Array.of(1, -1, 0)]);
    opt.step();
    // First step: m̂ = g, v̂ = g², so each coordinate moves by lr · sign(g).
    expectClose(await readF64(a), [0.5, 2.5, 3], { atol: 1e-5, rtol: 0, what: 'first step' });
    expect(Array.from(await readF64(b))).toEqual([4, 5]);
    expect(() => new Adam(e, [{ params: [a, a], lrScale: 1 }], { lr: 0.1 })).toThrow(/appears twice/);
    expect(() => new Adam(e, [{ params: [e.zeros([2])], lrScale: 1 }], { lr: 0.1 })).toThrow(/is not persistent/);
    opt.dispose();
    [a, b].forEach((t) => e.dispose(t));
    e.endStep();
  });

  it('exportState / importState resume training bit-exactly', async () => {
    const e = await testEngine();
    const rng = mulberry32(31);
    const init = SIZES.map((n) => randnArray(n, rng));
    const grads = [1, 2, 3, 4, 5].map(() => SIZES.map((n) => randnArray(n, rng)));
    const groupsOf = (ps: Tensor[]) => [{ params: [ps[0]], lrScale: 1 }, { params: [ps[1]], lrScale: 0.3 }];
    const a = makeParams(e, init);
    const optA = new Adam(e, groupsOf(a), { lr: LR });
    for (let s = 0; s < 3; s++) {
      optA.zeroGrad();
      setGrads(e, a, grads[s]);
      optA.step();
    }
    const state = await optA.exportState();
    expect(state.step).toBe(3);
    // A fresh optimiser on a copy of the current weights, resumed from the saved state.
    const b = makeParams(e, await Promise.all(a.map(async (p) => Float64Array.from(await readF64(p)))));
    const optB = new Adam(e, groupsOf(b), { lr: 1 });
    optB.importState(state);
    expect(optB.stepCount).toBe(3);
    expect(optB.lr).toBe(LR);
    for (let s = 3; s < 5; s++) {
      for (const [opt, ps] of [[optA, a], [optB, b]] as const) {
        opt.zeroGrad();
        setGrads(e, ps, grads[s]);
        opt.step();
      }
    }
    for (let k = 0; k < 2; k++) expect(Array.from(await readF64(b[k]))).toEqual(Array.from(await readF64(a[k])));
    const bad = { ...state, expAvg: new Map(state.expAvg) };
    bad.expAvg.set('p1', new Float32Array(3));
    expect(() => optB.importState(bad)).toThrow(/exp_avg of 'p1' has 3 values, the parameter has 37/);
    bad.expAvg.delete('p0');
    expect(() => optB.importState(bad)).toThrow(/exp_avg of parameter 'p0' is missing/);
    expect(() => optB.importState({ ...state, betas: [0.8, 0.999] })).toThrow(/saved betas/);
    [optA, optB].forEach((o) => o.dispose());
    [...a, ...b].forEach((t) => e.dispose(t));
    e.endStep();
  });
});
