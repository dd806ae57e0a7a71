import { describe, expect, it } from 'vitest';
import { dropout } from './dropout';
import { dropoutBackward, dropoutForward, dropoutMask } from '../reference/dropout';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// 1001 = 77 x 13 is not a multiple of the workgroup size (256).
const SHAPE = [77, 13];
const N = 1001;
const rng = mulberry32(21);
const x = randnArray(N, rng).map((v) => (v === 0 ? 1 : v));
const dy = randnArray(N, rng);

describe('dropout', () => {
  it('forward matches the twin (same mask, same scale)', async () => {
    const e = await testEngine();
    for (const p of [0.1, 0.5, 0.9]) {
      const y = await readF64(dropout(e.fromArray(x, SHAPE), p, 1234, 5));
      expectClose(y, dropoutForward(x, p, 1234, 5), { atol: 1e-6, rtol: 1e-6, what: `dropout p=${p}` });
      // Zeros exactly where the mask drops, and about a fraction p of them (binomial sd 0.016 at N = 1001).
      const mask = dropoutMask(N, p, 1234, 5);
      expect(y.every((v, i) => (v === 0) === (mask[i] === 0))).toBe(true);
      const dropped = y.filter((v) => v === 0).length / N;
      expect(Math.abs(dropped - p)).toBeLessThan(0.06);
    }
    e.endStep();
  });

  it('WGSL backward uses the same mask as forward and matches the twin', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, SHAPE, { requiresGrad: true });
    const y = dropout(xt, 0.3, 99, 2);
    e.backward(y, e.fromArray(dy, SHAPE));
    const dx = await readF64(e.gradOf(xt));
    const yv = await readF64(y);
    expectClose(dx, dropoutBackward(dy, 0.3, 99, 2), { atol: 1e-6, rtol: 1e-6, what: 'ddropout' });
    expect(dx.every((v, i) => (v === 0) === (yv[i] === 0))).toBe(true);
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const xs = x.slice(0, 50);
    const seed = dy.slice(0, 50);
    const fd = finiteDiffGrad((v) => dropoutForward(v, 0.4, 7, 1), xs, seed);
    expectClose(dropoutBackward(seed, 0.4, 7, 1), fd, { atol: 1e-7, rtol: 1e-6, what: 'fd dropout' });
    expect(fd.some((v) => v === 0) && fd.some((v) => v !== 0)).toBe(true);
  });

  it('is the identity when p = 0, and gradients pass straight through', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, SHAPE, { requiresGrad: true });
    const y = dropout(xt, 0, 1, 1);
    expect(y).toBe(xt);
    expect(Array.from(await readF64(y))).toEqual(Array.from(Float32Array.from(x)));
    e.endStep();
  });

  it('different streams give different masks; the same triple the same one', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, SHAPE);
    const a = await readF64(dropout(xt, 0.5, 3, 0));
    const b = await readF64(dropout(xt, 0.5, 3, 0));
    const c = await readF64(dropout(xt, 0.5, 3, 1));
    expect(Array.from(b)).toEqual(Array.from(a));
    const differ = a.filter((v, i) => (v === 0) !== (c[i] === 0)).length;
    expect(differ).toBeGreaterThan(N / 4);
    expect(() => dropout(xt, 1, 3, 0)).toThrow(/dropout: p must be in \[0, 1\), got 1/);
    expect(() => dropout(xt, 0.5, 3.5, 0)).toThrow(/dropout: seed must be an integer/);
    e.endStep();
  });
});
