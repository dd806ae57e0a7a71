import { describe, expect, it } from 'vitest';
import { segmentSoftmax } from './softmax';
import { buildCsr } from '../graph';
import { segmentSoftmaxBackward, segmentSoftmaxForward } from '../reference/softmax';
import { mulberry32, randnArray } from '../random';
import { expectBitIdenticalRuns, expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// Sizes are not multiples of the workgroup size (256): S * H = 485, E * H = 1505.
const S = 97;
const H = 5;
const E = 301;

describe('segmentSoftmax', () => {
  const rng = mulberry32(23);
  // Skip the last segments so some are empty; single-element segments occur too.
  const keys = Uint32Array.from({ length: E }, () => Math.floor(rng() * (S - 4)));
  // Large per-segment offsets (up to ~190) would overflow exp in f32 without the max shift.
  const scores = Float64Array.from(randnArray(E * H, rng, 2), (v, j) => Math.fround(v + 2 * (keys[Math.floor(j / H)] % 96)));
  const dA = randnArray(E * H, rng);

  it('forward matches the float64 twin and sums to 1 per segment and head', async () => {
    const e = await testEngine();
    const alpha = await readF64(segmentSoftmax(e.fromArray(scores, [E, H]), buildCsr(e, keys, S)));
    expectClose(alpha, segmentSoftmaxForward(scores, H, keys, S), { atol: 1e-6, rtol: 1e-5, what: 'alpha' });
    const sums = new Float64Array(S * H);
    for (let j = 0; j < E * H; j++) sums[keys[Math.floor(j / H)] * H + (j % H)] += alpha[j];
    for (const s of new Set(keys)) for (let h = 0; h < H; h++) expect(sums[s * H + h]).toBeCloseTo(1, 5);
    e.endStep();
  });

  it('WGSL backward matches the twin backward and accumulates', async () => {
    const e = await testEngine();
    const st = e.fromArray(scores, [E, H], { requiresGrad: true });
    const csr = buildCsr(e, keys, S);
    e.backward(segmentSoftmax(st, csr), e.fromArray(dA, [E, H]));
    const expected = segmentSoftmaxBackward(scores, dA, H, keys, S);
    expectClose(await readF64(e.gradOf(st)), expected, { atol: 1e-6, rtol: 1e-4, what: 'dscores' });
    e.backward(segmentSoftmax(st, csr), e.fromArray(dA, [E, H]));
    expectClose(await readF64(e.gradOf(st)), expected.map((v) => 2 * v), { atol: 1e-6, rtol: 1e-4, what: '2 dscores' });
    e.endStep();
  });

  it('is bit-identical when run twice', async () => {
    const e = await testEngine();
    await expectBitIdenticalRuns(e, () => {
      const st = e.fromArray(scores, [E, H], { requiresGrad: true });
      const alpha = segmentSoftmax(st, buildCsr(e, keys, S));
      e.backward(alpha, e.fromArray(dA, [E, H]));
      return [alpha, e.gradOf(st)];
    }, 'segment softmax and dscores');
  });

  it('twin backward matches central finite differences', () => {
    const k = Uint32Array.from([0, 2, 2, 3, 0, 1, 2, 0]);
    const h = 2;
    const s = randnArray(k.length * h, mulberry32(5), 2);
    const seed = dA.slice(0, k.length * h);
    const fd = finiteDiffGrad((v) => segmentSoftmaxForward(v, h, k, 4), s, seed);
    expectClose(segmentSoftmaxBackward(s, seed, h, k, 4), fd, { atol: 1e-7, rtol: 1e-6, what: 'fd softmax' });
    expect(fd.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it('rejects a CSR over a different number of edges', async () => {
    const e = await testEngine();
    expect(() => segmentSoftmax(e.fromArray(scores, [E, H]), buildCsr(e, keys.slice(1), S))).toThrow(
      /segmentSoftmax: csr orders 300 elements, expected 301/,
    );
    e.endStep();
  });
});
