import { describe, expect, it } from 'vitest';
import { gcnNormalize } from './gcn';
import { gcnBackward, gcnForward } from '../reference/gcn';
import { mulberry32, randnArray, uniformArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

/**
 * A learned-adjacency stack: off-diagonal weights in [0, 0.6); every third row negative enough
 * that its degree is below 1 (the clamp max(1, deg) is active there); the diagonal holds junk that
 * A' overwrites. With `padded`, the last node of each graph is isolated (degree exactly 1).
 */
function adjacency(B: number, N: number, seed: number, padded: boolean): Float64Array {
  const rng = mulberry32(seed);
  const a = uniformArray(B * N * N, rng, 0, 0.6);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const k = (b * N + i) * N + j;
        if (i === j) a[k] = 5 * rng() - 2;
        else if (i % 3 === 0) a[k] = -0.3 * rng() - 0.01;
        if (padded && i !== j && (i === N - 1 || j === N - 1)) a[k] = 0;
      }
  return a;
}

describe('gcnNormalize', () => {
  // 3 x 11 x 11 = 363 entries, 33 nodes: not multiples of the workgroup size.
  const [B, N] = [3, 11];
  const a = adjacency(B, N, 21, true);
  const dy = randnArray(B * N * N, mulberry32(22));

  it('forward matches the twin', async () => {
    const e = await testEngine();
    const y = await readF64(gcnNormalize(e.fromArray(a, [B, N, N])));
    expectClose(y, gcnForward(a, B, N), { atol: 1e-6, rtol: 1e-5, what: 'gcnNormalize' });
    // An isolated node keeps only its self loop, with weight 1.
    const last = ((1 * N + N - 1) * N) + N - 1;
    expect(y[last]).toBe(1);
    e.endStep();
  });

  it('WGSL backward matches the twin, accumulates, and leaves the diagonal without gradient', async () => {
    const e = await testEngine();
    const at = e.fromArray(a, [B, N, N], { requiresGrad: true });
    const ref = gcnBackward(a, dy, B, N);
    for (let pass = 1; pass <= 2; pass++) {
      e.backward(gcnNormalize(at), e.fromArray(dy, [B, N, N]));
      const da = await readF64(e.gradOf(at));
      expectClose(da, ref.map((v) => pass * v), { atol: 1e-5, rtol: 1e-4, what: `da pass ${pass}` });
      for (let b = 0; b < B; b++) for (let i = 0; i < N; i++) expect(da[(b * N + i) * N + i]).toBe(0);
    }
    e.endStep();
  });

  it('twin backward matches central finite differences, clamped rows included', () => {
    // No isolated node here: its degree sits exactly on the kink of max(1, .).
    const [b, n] = [2, 6];
    const as = adjacency(b, n, 23, false);
    const ds = randnArray(b * n * n, mulberry32(24));
    const fd = finiteDiffGrad((v) => gcnForward(v, b, n), as, ds);
    const ref = gcnBackward(as, ds, b, n);
    expectClose(ref, fd, { atol: 1e-7, rtol: 1e-6, what: 'fd gcnNormalize' });
    // Both regimes occur: some rows clamped (deg < 1), some not.
    const rowSum = (bb: number, i: number) => {
      let s = 1;
      for (let j = 0; j < n; j++) if (j !== i) s += as[(bb * n + i) * n + j];
      return s;
    };
    expect(rowSum(0, 0)).toBeLessThan(1);
    expect(rowSum(0, 1)).toBeGreaterThan(1);
  });

  it('rejects non-square stacks', async () => {
    const e = await testEngine();
    expect(() => gcnNormalize(e.zeros([2, 3, 4]))).toThrow(/gcnNormalize: expected a \[B, N, N\], got \[2, 3, 4\]/);
    e.endStep();
  });
});
