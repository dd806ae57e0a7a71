import { describe, expect, it } from 'vitest';
import { symmetrize } from './symmetrize';
import { symmetrizeBackward, symmetrizeForward } from '../reference/symmetrize';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// 3 x 9 x 9 x 5 = 1215 elements: not a multiple of the workgroup size.
const [B, N, C] = [3, 9, 5];
const o = { atol: 1e-6, rtol: 1e-6 };

describe.each(['sum', 'mean'] as const)('symmetrize %s', (mode) => {
  const rng = mulberry32(mode === 'sum' ? 12 : 13);
  const x = randnArray(B * N * N * C, rng);
  const dy = randnArray(B * N * N * C, rng);

  it('forward matches the twin and is symmetric', async () => {
    const e = await testEngine();
    const y = await readF64(symmetrize(e.fromArray(x, [B, N, N, C]), mode));
    expectClose(y, symmetrizeForward(x, B, N, C, mode), { ...o, what: `symmetrize ${mode}` });
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) expect(y[((2 * N + i) * N + j) * C + 3]).toBe(y[((2 * N + j) * N + i) * C + 3]);
    e.endStep();
  });

  it('WGSL backward matches the twin and accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [B, N, N, C], { requiresGrad: true });
    const ref = symmetrizeBackward(dy, B, N, C, mode);
    for (let pass = 1; pass <= 2; pass++) {
      e.backward(symmetrize(xt, mode), e.fromArray(dy, [B, N, N, C]));
      expectClose(await readF64(e.gradOf(xt)), ref.map((v) => pass * v), { ...o, what: `dx pass ${pass}` });
    }
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const [b, n, c] = [2, 4, 3];
    const xs = x.slice(0, b * n * n * c);
    const ds = dy.slice(0, xs.length);
    const fd = finiteDiffGrad((v) => symmetrizeForward(v, b, n, c, mode), xs, ds);
    expectClose(symmetrizeBackward(ds, b, n, c, mode), fd, { atol: 1e-7, rtol: 1e-6, what: 'fd symmetrize' });
  });
});

describe('symmetrize shapes', () => {
  it('rejects non-square pair tensors', async () => {
    const e = await testEngine();
    expect(() => symmetrize(e.zeros([2, 3, 4, 1]), 'sum')).toThrow(/symmetrize\(sum\): expected x \[B, N, N, C\], got \[2, 3, 4, 1\]/);
    e.endStep();
  });
});
