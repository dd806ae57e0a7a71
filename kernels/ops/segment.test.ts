import { describe, expect, it } from 'vitest';
import { segmentMax, segmentMean, segmentSum } from './segment';
import { buildCsr } from '../graph';
import type { Tensor } from '../tensor';
import type { Csr } from '../graph';
import { segmentBackward, segmentForward, type SegmentReduce } from '../reference/segment';
import { mulberry32, randnArray } from '../random';
import { expectBitIdenticalRuns, expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// Sizes are not multiples of the workgroup size (256): S * F = 533, E * F = 3913.
const S = 41;
const F = 13;
const E = 301;

const OPS: Record<SegmentReduce, (x: Tensor, csr: Csr) => Tensor> = { sum: segmentSum, mean: segmentMean, max: segmentMax };

/** Keys that leave some segments empty (the last three and every seventh). */
function randomKeys(n: number, segments: number, rng: () => number): Uint32Array {
  return Uint32Array.from({ length: n }, () => {
    let s = Math.floor(rng() * (segments - 3));
    if (s % 7 === 3) s++;
    return s;
  });
}

describe.each(['sum', 'mean', 'max'] as const)('segment %s', (kind) => {
  const rng = mulberry32(kind.length * 101 + 5);
  // f32-representable inputs so that the GPU and the twin see the same values (and the same argmax).
  const x = randnArray(E * F, rng).map(Math.fround);
  const keys = randomKeys(E, S, rng);
  const dy = randnArray(S * F, rng);
  const op = OPS[kind];

  it('forward matches the float64 twin, with empty segments giving 0', async () => {
    const e = await testEngine();
    const y = op(e.fromArray(x, [E, F]), buildCsr(e, keys, S));
    expect(y.shape).toEqual([S, F]);
    const got = await readF64(y);
    expectClose(got, segmentForward(x, F, keys, S, kind), { atol: 1e-5, rtol: 1e-5, what: `segment ${kind}` });
    expect(Array.from(got.slice((S - 1) * F))).toEqual(new Array(F).fill(0));
    e.endStep();
  });

  it('WGSL backward matches the twin backward and accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [E, F], { requiresGrad: true });
    const csr = buildCsr(e, keys, S);
    e.backward(op(xt, csr), e.fromArray(dy, [S, F]));
    const expected = segmentBackward(x, dy, F, keys, S, kind);
    expectClose(await readF64(e.gradOf(xt)), expected, { atol: 1e-6, rtol: 1e-5, what: `d segment ${kind}` });
    e.backward(op(xt, csr), e.fromArray(dy, [S, F]));
    expectClose(await readF64(e.gradOf(xt)), expected.map((v) => 2 * v), { atol: 1e-6, rtol: 1e-5, what: `2 d segment ${kind}` });
    e.endStep();
  });

  it('is bit-identical when run twice', async () => {
    const e = await testEngine();
    await expectBitIdenticalRuns(e, () => {
      const xt = e.fromArray(x, [E, F], { requiresGrad: true });
      const y = op(xt, buildCsr(e, keys, S));
      e.backward(y, e.fromArray(dy, [S, F]));
      return [y, e.gradOf(xt)];
    }, `segment ${kind} and its gradient`);
  });

  it('twin backward matches central finite differences', () => {
    const s = 5;
    const f = 3;
    const k = Uint32Array.from([0, 2, 2, 4, 0, 1, 2, 0, 4]);
    const xs = x.slice(0, k.length * f);
    const seed = dy.slice(0, s * f);
    const fd = finiteDiffGrad((v) => segmentForward(v, f, k, s, kind), xs, seed);
    expectClose(segmentBackward(xs, seed, f, k, s, kind), fd, { atol: 1e-7, rtol: 1e-6, what: `fd segment ${kind}` });
    expect(fd.some((v) => v !== 0)).toBe(true);
  });
});

describe('segmentMax ties', () => {
  it('routes the gradient to the first (lowest id) argmax', async () => {
    const e = await testEngine();
    const rng = mulberry32(99);
    // Small integers: many ties inside each segment.
    const x = Float64Array.from({ length: E * F }, () => Math.floor(rng() * 3));
    const keys = randomKeys(E, S, rng);
    const dy = randnArray(S * F, rng);
    const xt = e.fromArray(x, [E, F], { requiresGrad: true });
    e.backward(segmentMax(xt, buildCsr(e, keys, S)), e.fromArray(dy, [S, F]));
    const got = await readF64(e.gradOf(xt));
    expectClose(got, segmentBackward(x, dy, F, keys, S, 'max'), { atol: 1e-6, rtol: 1e-5, what: 'd segment max ties' });
    // Exactly one element per non-empty (segment, feature) receives the gradient.
    expect(got.filter((v) => v !== 0).length).toBe(new Set(keys).size * F);
    e.endStep();
  });

  it('rejects a CSR over a different number of elements', async () => {
    const e = await testEngine();
    const xt = e.fromArray(new Float64Array(6), [3, 2]);
    expect(() => segmentSum(xt, buildCsr(e, [0, 1], 2))).toThrow(/segmentSum: csr orders 2 elements, expected 3/);
    e.endStep();
  });
});
