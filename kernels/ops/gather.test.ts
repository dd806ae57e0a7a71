import { describe, expect, it } from 'vitest';
import { gatherRows } from './gather';
import { buildCsr } from '../graph';
import { gatherAddBackward, gatherAddForward, gatherBackward, gatherForward } from '../reference/gather';
import { mulberry32, randnArray } from '../random';
import { expectBitIdenticalRuns, expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// Sizes are not multiples of the workgroup size (256); N * F = 481, E * F = 3913.
const N = 37;
const F = 13;
const E = 301;

function randomIndex(n: number, rows: number, rng: () => number): Uint32Array {
  // Skip the last rows so some CSR segments are empty.
  return Uint32Array.from({ length: n }, () => Math.floor(rng() * (rows - 3)));
}

describe('gatherRows', () => {
  const rng = mulberry32(11);
  const x = randnArray(N * F, rng);
  const index = randomIndex(E, N, rng);
  const dy = randnArray(E * F, rng);

  it('forward matches the float64 twin', async () => {
    const e = await testEngine();
    const y = gatherRows(e.fromArray(x, [N, F]), e.fromArray(index, [E], { dtype: 'u32' }), buildCsr(e, index, N));
    expect(y.shape).toEqual([E, F]);
    expectClose(await readF64(y), gatherForward(x, F, index), { atol: 0, rtol: 1e-7, what: 'gather' });
    e.endStep();
  });

  it('WGSL backward matches the twin backward and accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [N, F], { requiresGrad: true });
    const idx = e.fromArray(index, [E], { dtype: 'u32' });
    const csr = buildCsr(e, index, N);
    e.backward(gatherRows(xt, idx, csr), e.fromArray(dy, [E, F]));
    const expected = gatherBackward(dy, F, index, N);
    expectClose(await readF64(e.gradOf(xt)), expected, { atol: 1e-5, rtol: 1e-5, what: 'dgather' });
    e.backward(gatherRows(xt, idx, csr), e.fromArray(dy, [E, F]));
    expectClose(await readF64(e.gradOf(xt)), expected.map((v) => 2 * v), { atol: 1e-5, rtol: 1e-5, what: '2 dgather' });
    e.endStep();
  });

  it('is bit-identical when run twice', async () => {
    const e = await testEngine();
    await expectBitIdenticalRuns(e, () => {
      const xt = e.fromArray(x, [N, F], { requiresGrad: true });
      const y = gatherRows(xt, e.fromArray(index, [E], { dtype: 'u32' }), buildCsr(e, index, N));
      e.backward(y, e.fromArray(dy, [E, F]));
      return [y, e.gradOf(xt)];
    }, 'gatherRows and dx');
  });

  it('twin backward matches central finite differences', () => {
    const n = 6;
    const f = 3;
    const idx = Uint32Array.from([0, 2, 2, 5, 0, 1, 2, 0]);
    const xs = x.slice(0, n * f);
    const seed = dy.slice(0, idx.length * f);
    const fd = finiteDiffGrad((v) => gatherForward(v, f, idx), xs, seed);
    expectClose(gatherBackward(seed, f, idx, n), fd, { atol: 1e-7, rtol: 1e-6, what: 'fd gather' });
    expect(fd.some((v) => v !== 0)).toBe(true);
  });

  it('rejects a CSR that does not match the shapes', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [N, F]);
    const idx = e.fromArray(index, [E], { dtype: 'u32' });
    expect(() => gatherRows(xt, idx, buildCsr(e, index, N + 1))).toThrow(/gatherRows: csrByIndex has 38 segments, expected 37/);
    expect(() => gatherRows(xt, e.fromArray(x.slice(0, E), [E]), buildCsr(e, index, N))).toThrow(/index must be u32/);
    e.endStep();
  });
});

// Y = X[index] + A (a message x_j + e_ij): one pass forward, one dispatch for dX and dA.
describe('gatherRows with an addend', () => {
  const rng = mulberry32(12);
  const x = randnArray(N * F, rng);
  const a = randnArray(E * F, rng);
  const index = randomIndex(E, N, rng);
  const dy = randnArray(E * F, rng);

  it.each([
    ['both', true, true],
    ['x only', true, false],
    ['the addend only', false, true],
  ] as const)('forward and one-dispatch backward (%s) match the twin, and accumulate', async (_, xGrad, aGrad) => {
    const e = await testEngine();
    const xt = e.fromArray(x, [N, F], { requiresGrad: xGrad });
    const at = e.fromArray(a, [E, F], { requiresGrad: aGrad });
    const idx = e.fromArray(index, [E], { dtype: 'u32' });
    const csr = buildCsr(e, index, N);
    const ref = gatherAddBackward(dy, F, index, N);
    for (let pass = 1; pass <= 2; pass++) {
      const y = gatherRows(xt, idx, csr, at);
      expectClose(await readF64(y), gatherAddForward(x, F, index, a), { atol: 1e-6, rtol: 1e-6, what: 'gather + addend' });
      const d0 = e.dispatchCount;
      e.backward(y, e.fromArray(dy, [E, F]));
      expect(e.dispatchCount - d0).toBe(1);
      if (xGrad) expectClose(await readF64(e.gradOf(xt)), ref.dx.map((v) => pass * v), { atol: 1e-5, rtol: 1e-5, what: `dx pass ${pass}` });
      if (aGrad) expectClose(await readF64(e.gradOf(at)), ref.dadd.map((v) => pass * v), { atol: 0, rtol: 1e-7, what: `daddend pass ${pass}` });
      e.tape.clear();
    }
    expect(xt.grad === null).toBe(!xGrad);
    expect(at.grad === null).toBe(!aGrad);
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const n = 6;
    const f = 3;
    const idx = Uint32Array.from([0, 2, 2, 5, 0, 1, 2, 0]);
    const xs = x.slice(0, n * f);
    const as = a.slice(0, idx.length * f);
    const seed = dy.slice(0, idx.length * f);
    const ref = gatherAddBackward(seed, f, idx, n);
    expectClose(ref.dx, finiteDiffGrad((v) => gatherAddForward(v, f, idx, as), xs, seed), { atol: 1e-7, rtol: 1e-6, what: 'fd dx' });
    expectClose(ref.dadd, finiteDiffGrad((v) => gatherAddForward(xs, f, idx, v), as, seed), { atol: 1e-7, rtol: 1e-6, what: 'fd daddend' });
  });
});
