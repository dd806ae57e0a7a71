import { describe, expect, it } from 'vitest';
import { maskPairs, maskRows } from './mask';
import { maskPairsBackward, maskPairsForward, maskRowsBackward, maskRowsForward } from '../reference/mask';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

const o = { atol: 1e-6, rtol: 1e-6 };
const flagsFor = (n: number, seed: number) => {
  const rng = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (rng() < 0.7 ? 1 : 0));
};

describe('maskRows', () => {
  // 103 x 7 = 721 elements: not a multiple of the workgroup size.
  const [M, F] = [103, 7];
  const rng = mulberry32(8);
  const x = randnArray(M * F, rng);
  const dy = randnArray(M * F, rng);
  const mask = flagsFor(M, 9);

  it('forward matches the twin', async () => {
    const e = await testEngine();
    const y = maskRows(e.fromArray(x, [M, F]), e.fromArray(mask, [M]));
    expectClose(await readF64(y), maskRowsForward(x, mask, F), { ...o, what: 'maskRows' });
    e.endStep();
  });

  it('WGSL backward matches the twin and accumulates; the mask gets no gradient', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const mt = e.fromArray(mask, [M], { requiresGrad: true });
    const ref = maskRowsBackward(dy, mask, F);
    for (let pass = 1; pass <= 2; pass++) {
      e.backward(maskRows(xt, mt), e.fromArray(dy, [M, F]));
      expectClose(await readF64(e.gradOf(xt)), ref.map((v) => pass * v), { ...o, what: `dx pass ${pass}` });
    }
    expect(mt.grad).toBeNull();
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const fd = finiteDiffGrad((v) => maskRowsForward(v, mask, F), x, dy);
    expectClose(maskRowsBackward(dy, mask, F), fd, { atol: 1e-7, rtol: 1e-6, what: 'fd maskRows' });
  });

  it('masked rows are exact zeros even when x holds NaN there', async () => {
    const e = await testEngine();
    const y = maskRows(e.fromArray([NaN, Infinity, 2, 3], [2, 2]), e.fromArray([0, 1], [2]));
    expect(Array.from(await y.read())).toEqual([0, 0, 2, 3]);
    expect(() => maskRows(e.zeros([2, 2]), e.zeros([3]))).toThrow(/maskRows: mask \[3\] .* x \[2, 2\]/);
    e.endStep();
  });
});

describe.each([true, false])('maskPairs zeroDiagonal=%s', (zeroDiagonal) => {
  // 3 x 7 x 7 x 5 = 735 elements.
  const [B, N, C] = [3, 7, 5];
  const rng = mulberry32(zeroDiagonal ? 1 : 2);
  const x = randnArray(B * N * N * C, rng);
  const dy = randnArray(B * N * N * C, rng);
  const flags = flagsFor(B * N, 4);

  it('forward matches the twin', async () => {
    const e = await testEngine();
    const y = maskPairs(e.fromArray(x, [B, N, N, C]), e.fromArray(flags, [B, N]), zeroDiagonal);
    expect(y.shape).toEqual([B, N, N, C]);
    expectClose(await readF64(y), maskPairsForward(x, flags, B, N, C, zeroDiagonal), { ...o, what: 'maskPairs' });
    e.endStep();
  });

  it('WGSL backward matches the twin and accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [B, N, N, C], { requiresGrad: true });
    const ft = e.fromArray(flags, [B, N]);
    const ref = maskPairsBackward(dy, flags, B, N, C, zeroDiagonal);
    for (let pass = 1; pass <= 2; pass++) {
      e.backward(maskPairs(xt, ft, zeroDiagonal), e.fromArray(dy, [B, N, N, C]));
      expectClose(await readF64(e.gradOf(xt)), ref.map((v) => pass * v), { ...o, what: `dx pass ${pass}` });
    }
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const [b, n, c] = [2, 4, 3];
    const xs = x.slice(0, b * n * n * c);
    const ds = dy.slice(0, xs.length);
    const fs = Float64Array.from([1, 1, 0, 1, 1, 0, 1, 1]);
    const fd = finiteDiffGrad((v) => maskPairsForward(v, fs, b, n, c, zeroDiagonal), xs, ds);
    expectClose(maskPairsBackward(ds, fs, b, n, c, zeroDiagonal), fd, { atol: 1e-7, rtol: 1e-6, what: 'fd maskPairs' });
  });
});

describe('maskPairs shapes', () => {
  it('rejects flags that do not match', async () => {
    const e = await testEngine();
    expect(() => maskPairs(e.zeros([2, 3, 3, 4]), e.zeros([2, 4]), true)).toThrow(/maskPairs: expected x \[B, N, N, C\] and flags \[B, N\], got x \[2, 3, 3, 4\] and flags \[2, 4\]/);
    e.endStep();
  });
});
