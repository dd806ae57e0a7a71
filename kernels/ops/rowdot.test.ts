import { describe, expect, it } from 'vitest';
import { rowDot } from './rowdot';
import { rowDotBackward, rowDotForward, rowDotScaledBackward, rowDotScaledForward } from '../reference/rowdot';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// 300 rows (more than one 256-wide workgroup, not a multiple of it) of 19 features.
const M = 300;
const F = 19;

describe('rowDot', () => {
  const rng = mulberry32(17);
  const a = randnArray(M * F, rng);
  const b = randnArray(M * F, rng);
  const dy = randnArray(M, rng);

  it('forward matches the twin', async () => {
    const e = await testEngine();
    const y = rowDot(e.fromArray(a, [M, F]), e.fromArray(b, [M, F]));
    expect(y.shape).toEqual([M]);
    expectClose(await readF64(y), rowDotForward(a, b, F), { atol: 1e-5, rtol: 1e-5, what: 'rowDot' });
    e.endStep();
  });

  it('WGSL backward matches the twin and accumulates', async () => {
    const e = await testEngine();
    const at = e.fromArray(a, [M, F], { requiresGrad: true });
    const bt = e.fromArray(b, [M, F], { requiresGrad: true });
    const ref = rowDotBackward(a, b, dy, F);
    for (let pass = 1; pass <= 2; pass++) {
      e.backward(rowDot(at, bt), e.fromArray(dy, [M]));
      expectClose(await readF64(e.gradOf(at)), ref.da.map((v) => pass * v), { atol: 1e-6, rtol: 1e-5, what: `da pass ${pass}` });
      expectClose(await readF64(e.gradOf(bt)), ref.db.map((v) => pass * v), { atol: 1e-6, rtol: 1e-5, what: `db pass ${pass}` });
    }
    e.endStep();
  });

  it('rowDot(a, a) gets both contributions', async () => {
    const e = await testEngine();
    const at = e.fromArray(a, [M, F], { requiresGrad: true });
    e.backward(rowDot(at, at), e.fromArray(dy, [M]));
    const ref = rowDotBackward(a, a, dy, F);
    expectClose(await readF64(e.gradOf(at)), ref.da.map((v, i) => v + ref.db[i]), { atol: 1e-6, rtol: 1e-5, what: 'd(a.a)' });
    e.endStep();
  });

  // A factor (attention's 1/sqrt(d)) in the same pass; the backward of both inputs is one dispatch.
  it.each([
    ['both', true, true],
    ['a only', true, false],
    ['b only', false, true],
  ] as const)('with a scale: forward and one-dispatch backward (%s) match the twin, and accumulate', async (_, aGrad, bGrad) => {
    const e = await testEngine();
    const s = -0.37;
    const at = e.fromArray(a, [M, F], { requiresGrad: aGrad });
    const bt = e.fromArray(b, [M, F], { requiresGrad: bGrad });
    const ref = rowDotScaledBackward(a, b, dy, F, s);
    for (let pass = 1; pass <= 2; pass++) {
      const y = rowDot(at, bt, s);
      expectClose(await readF64(y), rowDotScaledForward(a, b, F, s), { atol: 1e-5, rtol: 1e-5, what: 'scaled rowDot' });
      const d0 = e.dispatchCount;
      e.backward(y, e.fromArray(dy, [M]));
      expect(e.dispatchCount - d0).toBe(1);
      if (aGrad) expectClose(await readF64(e.gradOf(at)), ref.da.map((v) => pass * v), { atol: 1e-6, rtol: 1e-5, what: `da pass ${pass}` });
      if (bGrad) expectClose(await readF64(e.gradOf(bt)), ref.db.map((v) => pass * v), { atol: 1e-6, rtol: 1e-5, what: `db pass ${pass}` });
      e.tape.clear();
    }
    expect(at.grad === null).toBe(!aGrad);
    expect(bt.grad === null).toBe(!bGrad);
    e.endStep();
  });

  it('scaled twin backward matches central finite differences', () => {
    const n = 7 * 5;
    const [as, bs, ds] = [a.slice(0, n), b.slice(0, n), dy.slice(0, 7)];
    const ref = rowDotScaledBackward(as, bs, ds, 5, 2.5);
    expectClose(ref.da, finiteDiffGrad((v) => rowDotScaledForward(v, bs, 5, 2.5), as, ds), { atol: 1e-7, rtol: 1e-6, what: 'fd da' });
    expectClose(ref.db, finiteDiffGrad((v) => rowDotScaledForward(as, v, 5, 2.5), bs, ds), { atol: 1e-7, rtol: 1e-6, what: 'fd db' });
  });

  it('twin backward matches central finite differences', () => {
    const n = 7 * 5;
    const [as, bs, ds] = [a.slice(0, n), b.slice(0, n), dy.slice(0, 7)];
    const ref = rowDotBackward(as, bs, ds, 5);
    expectClose(ref.da, finiteDiffGrad((v) => rowDotForward(v, bs, 5), as, ds), { atol: 1e-7, rtol: 1e-6, what: 'fd da' });
    expectClose(ref.db, finiteDiffGrad((v) => rowDotForward(as, v, 5), bs, ds), { atol: 1e-7, rtol: 1e-6, what: 'fd db' });
  });

  it('rejects different shapes', async () => {
    const e = await testEngine();
    expect(() => rowDot(e.zeros([3, 4]), e.zeros([3, 5]))).toThrow(/rowDot: inputs have different shapes \[3, 4\] and \[3, 5\]/);
    e.endStep();
  });
});
