import { describe, expect, it } from 'vitest';
import { Adam, biasCorrectionTable, type AdamState } from './adam';
import { adamUpdate, type AdamHyper } from '../reference/adam';
import { weightedSquaredError } from '../ops/loss';
import { mulberry32, randnArray } from '../random';
import { expectClose, readF64, testEngine } from '../testing';
import type { Engine } from '../engine';
import type { Tensor } from '../tensor';
import { Arena } from '../arena';

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
    expect(await opt.readStepCount()).toBe(6);
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
    expect(await optB.readStepCount()).toBe(3);
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

  it('a flagged step leaves params, moments and the step count bit-identical; an unflagged one matches the twin', async () => {
    const e = await testEngine();
    const rng = mulberry32(41);
    const init = SIZES.map((n) => randnArray(n, rng));
    const params = makeParams(e, init);
    const opt = new Adam(e, [{ params: [params[0]], lrScale: 1 }, { params: [params[1]], lrScale: 0.5 }], { lr: LR });
    const p64 = init.map((v) => Float64Array.from(v, (x) => Math.fround(x)));
    const m64 = SIZES.map((n) => new Float64Array(n));
    const v64 = SIZES.map((n) => new Float64Array(n));
    // Word 1 is set, words 0 and 2 are clear: the flag is read at its index, not as "any".
    const flags = e.fromArray([0, 5, 0], [3], { dtype: 'u32' });
    const g1 = SIZES.map((n) => randnArray(n, rng));
    opt.zeroGrad();
    setGrads(e, params, g1);
    opt.step({ skipIf: { flags, index: 0 } });
    params.forEach((_, k) => adamUpdate(p64[k], Float32Array.from(g1[k]), m64[k], v64[k], 1, { lr: LR * [1, 0.5][k], beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
    const before = await opt.exportState();
    const paramsBefore = await Promise.all(params.map((p) => e.readF32(p)));
    // A flagged step whose gradients are NaN and Inf (what a bad step produces) must not read them.
    opt.zeroGrad();
    setGrads(e, params, SIZES.map((n) => Float64Array.from({ length: n }, (_, i) => (i % 2 ? NaN : -Infinity))));
    opt.step({ skipIf: { flags, index: 1 } });
    const after = await opt.exportState();
    expectSameState(after, before);
    for (let k = 0; k < params.length; k++) expect(Array.from(await e.readF32(params[k])), `param ${k}`).toEqual(Array.from(paramsBefore[k]));
    // The next unflagged step is update 2 (its bias correction uses t = 2), as in the twin.
    const g2 = SIZES.map((n) => randnArray(n, rng, 0.1));
    opt.zeroGrad();
    setGrads(e, params, g2);
    opt.step({ skipIf: { flags, index: 2 } });
    params.forEach((_, k) => adamUpdate(p64[k], Float32Array.from(g2[k]), m64[k], v64[k], 2, { lr: LR * [1, 0.5][k], beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
    expect(await opt.readStepCount()).toBe(2);
    for (let k = 0; k < params.length; k++) expectClose(await readF64(params[k]), p64[k], { atol: 1e-6, rtol: 1e-5, what: `param ${k}` });
    const state = await opt.exportState();
    expectClose(state.expAvg.get('p0')!, m64[0], { atol: 1e-7, rtol: 1e-5, what: 'exp_avg' });
    expectClose(state.expAvgSq.get('p1')!, v64[1], { atol: 1e-8, rtol: 1e-5, what: 'exp_avg_sq' });
    expect(() => opt.step({ skipIf: { flags, index: 3 } })).toThrow(/skipIf.index 3 is outside/);
    expect(() => opt.step({ skipIf: { flags: params[0], index: 0 } })).toThrow(/must be u32/);
    opt.dispose();
    params.forEach((p) => e.dispose(p));
    e.dispose(flags);
    e.endStep();
  });

  it('a run with a skipped step in the middle equals a run where that step never happened', async () => {
    const e = await testEngine();
    const rng = mulberry32(43);
    const init = SIZES.map((n) => randnArray(n, rng));
    const grads = [0, 1, 2, 3].map(() => SIZES.map((n) => randnArray(n, rng)));
    const poison = SIZES.map((n) => new Float64Array(n).fill(NaN));
    const groupsOf = (ps: Tensor[]) => [{ params: [ps[0]], lrScale: 1 }, { params: [ps[1]], lrScale: 0.3 }];
    // Flags as StepHealth leaves them for a window of 5 steps, step 2 bad.
    const flags = e.fromArray([0, 0, 2, 0, 0], [5], { dtype: 'u32' });
    const a = makeParams(e, init);
    const optA = new Adam(e, groupsOf(a), { lr: LR });
    [grads[0], grads[1], poison, grads[2], grads[3]].forEach((g, slot) => {
      optA.zeroGrad();
      setGrads(e, a, g);
      optA.step({ skipIf: { flags, index: slot } });
    });
    const b = makeParams(e, init);
    const optB = new Adam(e, groupsOf(b), { lr: LR });
    for (const g of grads) {
      optB.zeroGrad();
      setGrads(e, b, g);
      optB.step();
    }
    expectSameState(await optA.exportState(), await optB.exportState());
    expect((await optA.exportState()).step).toBe(4);
    for (let k = 0; k < 2; k++) expect(Array.from(await e.readF32(a[k])), `param ${k}`).toEqual(Array.from(await e.readF32(b[k])));
    [optA, optB].forEach((o) => o.dispose());
    [...a, ...b, flags].forEach((t) => e.dispose(t));
    e.endStep();
  });

  it('takes bias corrections from a float64 table that ends where both reach 1 in f32, also after a resume past it', async () => {
    const table = biasCorrectionTable(0.9, 0.999);
    const rows = table.length / 2;
    for (const t of [1, 2, 10, 1000, rows]) {
      expect(table[2 * (t - 1)]).toBe(Math.fround(1 / (1 - 0.9 ** t)));
      expect(table[2 * (t - 1) + 1]).toBe(Math.fround(1 / Math.sqrt(1 - 0.999 ** t)));
    }
    expect([table[2 * rows - 2], table[2 * rows - 1]]).toEqual([1, 1]);
    expect(table[2 * rows - 3]).toBeGreaterThan(1); // the row before is not saturated yet
    // beta2 = 0.999: 0.999^t must fall under ~1.2e-7 before 1/sqrt(1 - 0.999^t) rounds to 1.
    expect(rows).toBeGreaterThan(15000);
    expect(rows).toBeLessThan(17000);
    expect(biasCorrectionTable(0, 0)).toEqual(Float32Array.of(1, 1));
    expect(() => biasCorrectionTable(0.9, 1 - 1e-7)).toThrow(/beta2 .* is too close to 1/);

    // Resumed far past the table: the kernel must use the step count it reads from the GPU.
    const e = await testEngine();
    const rng = mulberry32(47);
    const init = randnArray(300, rng);
    const [p] = makeParams(e, [init]);
    const opt = new Adam(e, [{ params: [p], lrScale: 1 }], { lr: LR });
    const m = randnArray(300, rng, 0.1).map(Math.fround);
    const v = randnArray(300, rng, 0.1).map((x) => Math.fround(x * x));
    const t0 = rows + 100;
    opt.importState({ type: 'Adam', step: t0, lr: LR, betas: [0.9, 0.999], eps: 1e-8, expAvg: new Map([['p0', Float32Array.from(m)]]), expAvgSq: new Map([['p0', Float32Array.from(v)]]) });
    const g = randnArray(300, rng);
    setGrads(e, [p], [g]);
    opt.step();
    const p64 = Float64Array.from(init, Math.fround);
    adamUpdate(p64, Float32Array.from(g), Float64Array.from(m), Float64Array.from(v), t0 + 1, { lr: LR, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    expectClose(await readF64(p), p64, { atol: 1e-6, rtol: 1e-5, what: 'param after a step past the table' });
    expect(await opt.readStepCount()).toBe(t0 + 1);
    const saved = await opt.exportState();
    expect(() => opt.importState({ ...saved, step: 2 ** 32 })).toThrow(/step must be an integer in \[0, 2\^32\)/);
    opt.dispose();
    e.dispose(p);
    e.endStep();
  });

  it('arena mode (one dispatch over packed parameters) is bit-identical to one dispatch per tensor, skips a tensor without a gradient, and matches the twin', async () => {
    const e = await testEngine();
    const rng = mulberry32(41);
    // 1000 and 37 plus a tensor that never gets a gradient; 70 crosses a 64-float chunk.
    const sizes = [1000, 37, 70];
    const init = sizes.map((n) => randnArray(n, rng));
    const loose = makeParams(e, init);
    const packed = makeParams(e, init);
    const arena = Arena.pack(e, packed, { name: 'adam-test', grads: true });
    const groupsOf = (ps: Tensor[]) => [{ params: [ps[0], ps[2]], lrScale: 1 }, { params: [ps[1]], lrScale: 0.1 }];
    const optLoose = new Adam(e, groupsOf(loose), { lr: LR });
    const optArena = new Adam(e, groupsOf(packed), { lr: LR });
    const p64 = init.map((v) => Float64Array.from(v, (x) => Math.fround(x)));
    const m64 = sizes.map((n) => new Float64Array(n));
    const v64 = sizes.map((n) => new Float64Array(n));
    const dispatches: number[] = [];
    for (let t = 1; t <= 5; t++) {
      if (t === 3) {
        optLoose.setLr(LR / 4);
        optArena.setLr(LR / 4);
      }
      const lr = t >= 3 ? LR / 4 : LR;
      const grads = sizes.slice(0, 2).map((n) => randnArray(n, rng, 10 ** ((t % 3) - 1)));
      for (const [opt, ps] of [[optLoose, loose], [optArena, packed]] as const) {
        opt.zeroGrad();
        setGrads(e, ps.slice(0, 2), grads);
        const d0 = e.dispatchCount;
        opt.step();
        if (opt === optArena) dispatches.push(e.dispatchCount - d0);
      }
      [0, 1].forEach((k) => adamUpdate(p64[k], Float32Array.from(grads[k]), m64[k], v64[k], t, { lr: lr * [1, 0.1][k], beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
    }
    // One update over the arena and the step count's advance.
    expect(dispatches).toEqual([2, 2, 2, 2, 2]);
    for (let k = 0; k < sizes.length; k++) {
      expect(Array.from(await e.readF32(packed[k])), `param ${k}`).toEqual(Array.from(await e.readF32(loose[k])));
    }
    expect(Array.from(await e.readF32(packed[2]))).toEqual(Array.from(init[2], Math.fround));
    for (const k of [0, 1]) expectClose(await readF64(packed[k]), p64[k], { atol: 1e-6, rtol: 1e-5, what: `param ${k}` });
    const [sl, sa] = [await optLoose.exportState(), await optArena.exportState()];
    expect(sa.step).toBe(5);
    for (const name of ['p0', 'p1', 'p2']) {
      expect(Array.from(sa.expAvg.get(name)!), name).toEqual(Array.from(sl.expAvg.get(name)!));
      expect(Array.from(sa.expAvgSq.get(name)!), name).toEqual(Array.from(sl.expAvgSq.get(name)!));
    }
    // Import into a fresh arena optimiser, then one more step on both: still identical.
    const again = makeParams(e, init);
    Arena.pack(e, again, { name: 'adam-test-2', grads: true });
    for (let k = 0; k < 3; k++) e.copy(packed[k], again[k]);
    const optAgain = new Adam(e, groupsOf(again), { lr: LR });
    optAgain.importState(sa);
    const g = sizes.slice(0, 2).map((n) => randnArray(n, rng));
    for (const [opt, ps] of [[optArena, packed], [optAgain, again]] as const) {
      opt.zeroGrad();
      setGrads(e, ps.slice(0, 2), g);
      opt.step();
    }
    for (let k = 0; k < 3; k++) expect(Array.from(await e.readF32(again[k])), `resumed ${k}`).toEqual(Array.from(await e.readF32(packed[k])));
    for (const opt of [optLoose, optArena, optAgain]) opt.dispose();
    for (const p of [...loose, ...packed, ...again]) e.dispose(p);
    expect(arena.values).toBeTruthy();
    e.endStep();
  });
});

/** Step count, lr, betas, eps and every moment equal bit for bit. */
function expectSameState(a: AdamState, b: AdamState): void {
  expect({ ...a, expAvg: null, expAvgSq: null }).toEqual({ ...b, expAvg: null, expAvgSq: null });
  for (const key of ['expAvg', 'expAvgSq'] as const) {
    expect([...a[key].keys()]).toEqual([...b[key].keys()]);
    for (const [name, data] of a[key]) expect(Array.from(data), `${key} ${name}`).toEqual(Array.from(b[key].get(name)!));
  }
}
