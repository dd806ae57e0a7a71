import { describe, expect, it } from 'vitest';
import { bceWithLogits, l1Loss, sum, weightedSquaredError } from './loss';
import { bceBackward, bceForward, l1Backward, l1Forward, sumBackward, sumForward, wseBackward, wseForward } from '../reference/loss';
import { mulberry32, randnArray, uniformArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// Sizes that are not multiples of the workgroup (256) nor of the reduction chunk (256).
const M = 300;
const F = 7;
const G = 0.75; // upstream gradient, to check that backward scales by it

const rng = mulberry32(11);
const x = randnArray(M * F, rng, 2);
const tgt = randnArray(M * F, rng, 2);
const logits = randnArray(M, rng, 3);
const labels = Float64Array.from({ length: M }, () => (rng() < 0.5 ? 0 : 1));
const weights = uniformArray(M, rng, 0.1, 2);
// Keep |p - t| away from 0 for L1's kink in finite differences.
const l1Target = Float64Array.from(x, (v, i) => v + (tgt[i] >= 0 ? 0.3 + tgt[i] : tgt[i] - 0.3));

describe('sum', () => {
  it('forward matches the twin, over several reduction passes, bit-identically twice', async () => {
    const e = await testEngine();
    // 70001 > 256 * 256: three passes.
    for (const n of [1, 255, 1000, 70001]) {
      const v = randnArray(n, mulberry32(n));
      const t = e.fromArray(v, [n]);
      const a = await readF64(sum(t));
      const b = await readF64(sum(t));
      expect(a[0], `sum of ${n} run twice`).toBe(b[0]);
      expectClose(a, sumForward(v), { atol: 1e-4, rtol: 1e-5, what: `sum of ${n}` });
    }
    expect(Array.from(await readF64(sum(e.zeros([0]))))).toEqual([0]);
    e.endStep();
  });

  it('WGSL backward matches the twin backward and accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    e.backward(sum(xt), e.fromArray([G], [1]));
    e.backward(sum(xt), e.fromArray([G], [1]));
    expectClose(await readF64(e.gradOf(xt)), sumBackward(M * F, 2 * G), { what: 'dsum' });
    e.endStep();
  });

  it('twin backward matches finite differences', () => {
    const v = x.slice(0, 20);
    expectClose(sumBackward(20, G), finiteDiffGrad((u) => sumForward(u), v, [G]), { atol: 1e-7, rtol: 1e-6, what: 'fd sum' });
  });
});

describe('bceWithLogits', () => {
  it('forward matches the twin and is stable for large logits', async () => {
    const e = await testEngine();
    const got = await readF64(bceWithLogits(e.fromArray(logits, [M]), e.fromArray(labels, [M])));
    expectClose(got, bceForward(logits, labels), { atol: 1e-6, rtol: 1e-5, what: 'bce' });
    const big = Float64Array.of(80, -80, 30, -30);
    const lab = Float64Array.of(0, 1, 1, 0);
    const gotBig = await readF64(bceWithLogits(e.fromArray(big, [4]), e.fromArray(lab, [4])));
    expectClose(gotBig, bceForward(big, lab), { atol: 1e-5, rtol: 1e-5, what: 'bce large logits' });
    e.endStep();
  });

  it('WGSL backward matches the twin backward (logits and targets)', async () => {
    const e = await testEngine();
    const z = e.fromArray(logits, [M], { requiresGrad: true });
    const t = e.fromArray(labels, [M], { requiresGrad: true });
    e.backward(bceWithLogits(z, t), e.fromArray([G], [1]));
    const ref = bceBackward(logits, labels, G);
    expectClose(await readF64(e.gradOf(z)), ref.dLogits, { atol: 1e-7, rtol: 1e-5, what: 'dlogits' });
    expectClose(await readF64(e.gradOf(t)), ref.dTargets, { atol: 1e-7, rtol: 1e-5, what: 'dtargets' });
    e.endStep();
  });

  it('twin backward matches finite differences', () => {
    const z = logits.slice(0, 30);
    const t = labels.slice(0, 30).map((v, i) => (i % 3 === 0 ? 0.3 : v));
    const ref = bceBackward(z, t, G);
    expectClose(ref.dLogits, finiteDiffGrad((u) => bceForward(u, t), z, [G]), { atol: 1e-8, rtol: 1e-5, what: 'fd dlogits' });
    expectClose(ref.dTargets, finiteDiffGrad((u) => bceForward(z, u), t, [G]), { atol: 1e-8, rtol: 1e-5, what: 'fd dtargets' });
  });
});

describe('weightedSquaredError', () => {
  it('forward matches the twin and is bit-identical twice', async () => {
    const e = await testEngine();
    const p = e.fromArray(x, [M, F]);
    const t = e.fromArray(tgt, [M, F]);
    const w = e.fromArray(weights, [M]);
    const a = await readF64(weightedSquaredError(p, t, w));
    const b = await readF64(weightedSquaredError(p, t, w));
    expect(a[0]).toBe(b[0]);
    expectClose(a, wseForward(x, tgt, weights), { atol: 1e-4, rtol: 1e-5, what: 'wse' });
    expect(() => weightedSquaredError(p, t, e.zeros([M + 1]))).toThrow(/weightedSquaredError: rowWeight has shape \[301\], expected \[300\]/);
    e.endStep();
  });

  it('WGSL backward matches the twin backward (pred, target, weights)', async () => {
    const e = await testEngine();
    const p = e.fromArray(x, [M, F], { requiresGrad: true });
    const t = e.fromArray(tgt, [M, F], { requiresGrad: true });
    const w = e.fromArray(weights, [M], { requiresGrad: true });
    e.backward(weightedSquaredError(p, t, w), e.fromArray([G], [1]));
    const ref = wseBackward(x, tgt, weights, G);
    expectClose(await readF64(e.gradOf(p)), ref.dPred, { atol: 1e-5, rtol: 1e-5, what: 'dpred' });
    expectClose(await readF64(e.gradOf(t)), ref.dTarget, { atol: 1e-5, rtol: 1e-5, what: 'dtarget' });
    expectClose(await readF64(e.gradOf(w)), ref.dWeight, { atol: 1e-5, rtol: 1e-5, what: 'dweight' });
    e.endStep();
  });

  it('only inputs that require grad get gradients', async () => {
    const e = await testEngine();
    const p = e.fromArray(x, [M, F], { requiresGrad: true });
    const t = e.fromArray(tgt, [M, F]);
    const w = e.fromArray(weights, [M]);
    e.backward(weightedSquaredError(p, t, w), e.fromArray([G], [1]));
    expect(t.grad).toBeNull();
    expect(w.grad).toBeNull();
    expectClose(await readF64(e.gradOf(p)), wseBackward(x, tgt, weights, G).dPred, { atol: 1e-5, rtol: 1e-5, what: 'dpred' });
    e.endStep();
  });

  it('twin backward matches finite differences', () => {
    const m = 5;
    const p = x.slice(0, m * F);
    const t = tgt.slice(0, m * F);
    const w = weights.slice(0, m);
    const ref = wseBackward(p, t, w, G);
    const opts = { atol: 1e-6, rtol: 1e-6 };
    expectClose(ref.dPred, finiteDiffGrad((u) => wseForward(u, t, w), p, [G]), { ...opts, what: 'fd dpred' });
    expectClose(ref.dTarget, finiteDiffGrad((u) => wseForward(p, u, w), t, [G]), { ...opts, what: 'fd dtarget' });
    expectClose(ref.dWeight, finiteDiffGrad((u) => wseForward(p, t, u), w, [G]), { ...opts, what: 'fd dweight' });
  });
});

describe('l1Loss', () => {
  it('forward matches the twin', async () => {
    const e = await testEngine();
    const got = await readF64(l1Loss(e.fromArray(x, [M, F]), e.fromArray(l1Target, [M, F])));
    expectClose(got, l1Forward(x, l1Target), { atol: 1e-6, rtol: 1e-5, what: 'l1' });
    e.endStep();
  });

  it('WGSL backward matches the twin backward (pred and target)', async () => {
    const e = await testEngine();
    const p = e.fromArray(x, [M, F], { requiresGrad: true });
    const t = e.fromArray(l1Target, [M, F], { requiresGrad: true });
    e.backward(l1Loss(p, t), e.fromArray([G], [1]));
    const ref = l1Backward(x, l1Target, G);
    expectClose(await readF64(e.gradOf(p)), ref.dPred, { atol: 1e-9, rtol: 1e-5, what: 'dpred' });
    expectClose(await readF64(e.gradOf(t)), ref.dTarget, { atol: 1e-9, rtol: 1e-5, what: 'dtarget' });
    e.endStep();
  });

  it('twin backward matches finite differences', () => {
    const p = x.slice(0, 30);
    const t = l1Target.slice(0, 30);
    const ref = l1Backward(p, t, G);
    expectClose(ref.dPred, finiteDiffGrad((u) => l1Forward(u, t), p, [G]), { atol: 1e-8, rtol: 1e-5, what: 'fd dpred' });
    expectClose(ref.dTarget, finiteDiffGrad((u) => l1Forward(p, u), t, [G]), { atol: 1e-8, rtol: 1e-5, what: 'fd dtarget' });
  });
});
