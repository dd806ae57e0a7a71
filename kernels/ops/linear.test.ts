import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from './activation';
import { addColumnSums, linear, matmul } from './linear';
import { linearBackward, linearForward, matmulBackward, matmulForward, type LinearAct } from '../reference/linear';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

const ACTS: LinearAct[] = ['none', ...ACTIVATIONS];
// None of these is a multiple of the 4x4 register block or of the 32x32 workgroup tile; the
// skinny ones use the 1x64 / 64x1 workgroup shapes, the 300-row one spans several column-sum chunks.
const SHAPES: [number, number, number][] = [
  [37, 19, 23],
  [300, 70, 5],
  [130, 9, 1],
  [3, 13, 50],
  // Multiples of 4: the fused backward reads rows as vec4.
  [37, 16, 12],
];
const tol = { atol: 2e-5, rtol: 1e-4 };

function data(seed: number, M: number, inF: number, outF: number) {
  const rng = mulberry32(seed);
  return {
    x: randnArray(M * inF, rng),
    w: randnArray(outF * inF, rng, 1 / Math.sqrt(inF)),
    b: randnArray(outF, rng, 0.5),
    dy: randnArray(M * outF, rng),
  };
}

describe.each(ACTS)('linear act=%s', (act) => {
  it.each(SHAPES)('forward matches the twin for [%i, %i] -> %i, with and without bias', async (M, inF, outF) => {
    const e = await testEngine();
    const { x, w, b } = data(11 + M, M, inF, outF);
    const xt = e.fromArray(x, [M, inF]);
    const wt = e.fromArray(w, [outF, inF]);
    const y = linear(xt, wt, e.fromArray(b, [outF]), act);
    expect(y.shape).toEqual([M, outF]);
    expectClose(await readF64(y), linearForward(x, w, b, M, inF, outF, act).y, { ...tol, what: `linear ${act}` });
    const y0 = linear(xt, wt, undefined, act);
    expectClose(await readF64(y0), linearForward(x, w, null, M, inF, outF, act).y, { ...tol, what: `linear ${act} no bias` });
    e.endStep();
  });

  // Both encodings of the backward: one fused dispatch (CPU adapters' default) and separate GEMMs
  // with split-K and column sums (GPUs' default), each with and without a bias and an input gradient.
  it.each(SHAPES)('WGSL backward matches the twin and accumulates for [%i, %i] -> %i (fused and split)', async (M, inF, outF) => {
    const e = await testEngine();
    const { x, w, b, dy } = data(23 + M, M, inF, outF);
    const ref = linearBackward(x, w, b, dy, M, inF, outF, act);
    const saved = e.fusedLinearBackward;
    for (const fused of [true, false]) {
      for (const [withBias, xGrad] of [[true, true], [false, false]]) {
        e.fusedLinearBackward = fused;
        const mode = `${fused ? 'fused' : 'split'}${withBias ? '' : ', no bias, no dx'}`;
        const xt = e.fromArray(x, [M, inF], { requiresGrad: xGrad });
        const wt = e.fromArray(w, [outF, inF], { requiresGrad: true });
        const bt = e.fromArray(b, [outF], { requiresGrad: true });
        const refDw = withBias ? ref.dw : linearBackward(x, w, null, dy, M, inF, outF, act).dw;
        for (let pass = 1; pass <= 2; pass++) {
          const y = linear(xt, wt, withBias ? bt : undefined, act);
          e.backward(y, e.fromArray(dy, [M, outF]));
          const k = pass;
          if (xGrad) expectClose(await readF64(e.gradOf(xt)), ref.dx.map((v) => k * v), { ...tol, what: `dx pass ${pass} (${mode})` });
          expectClose(await readF64(e.gradOf(wt)), refDw.map((v) => k * v), { atol: 1e-4, rtol: 1e-4, what: `dw pass ${pass} (${mode})` });
          if (withBias) expectClose(await readF64(e.gradOf(bt)), ref.db.map((v) => k * v), { atol: 1e-4, rtol: 1e-4, what: `db pass ${pass} (${mode})` });
        }
        expect(xt.grad === null).toBe(!xGrad);
        expect(bt.grad === null).toBe(!withBias);
        e.endStep();
      }
    }
    e.fusedLinearBackward = saved;
  });

  it('twin backward matches central finite differences', () => {
    const [M, inF, outF] = [5, 4, 3];
    const { x, w, b, dy } = data(5, M, inF, outF);
    const ref = linearBackward(x, w, b, dy, M, inF, outF, act);
    const o = { atol: 1e-7, rtol: 1e-6 };
    expectClose(ref.dx, finiteDiffGrad((v) => linearForward(v, w, b, M, inF, outF, act).y, x, dy), { ...o, what: 'fd dx' });
    expectClose(ref.dw, finiteDiffGrad((v) => linearForward(x, v, b, M, inF, outF, act).y, w, dy), { ...o, what: 'fd dw' });
    expectClose(ref.db, finiteDiffGrad((v) => linearForward(x, w, v, M, inF, outF, act).y, b, dy), { ...o, what: 'fd db' });
  });
});

describe('linear', () => {
  it('computes only the gradients that are asked for, and keeps leading axes', async () => {
    const e = await testEngine();
    const [M, inF, outF] = [2 * 7, 6, 5];
    const { x, w, b, dy } = data(3, M, inF, outF);
    const xt = e.fromArray(x, [2, 7, inF]);
    const wt = e.fromArray(w, [outF, inF], { requiresGrad: true });
    const bt = e.fromArray(b, [outF]);
    const y = linear(xt, wt, bt, 'silu');
    expect(y.shape).toEqual([2, 7, outF]);
    e.backward(y, e.fromArray(dy, [2, 7, outF]));
    expect(xt.grad).toBeNull();
    expect(bt.grad).toBeNull();
    expectClose(await readF64(e.gradOf(wt)), linearBackward(x, w, b, dy, M, inF, outF, 'silu').dw, { atol: 1e-4, rtol: 1e-4, what: 'dw' });
    e.endStep();
  });

  it('rejects mismatched shapes with a message naming the op and shapes', async () => {
    const e = await testEngine();
    const x = e.zeros([4, 3]);
    expect(() => linear(x, e.zeros([5, 2]))).toThrow(/linear: x \[4, 3\] .*weight \[5, 2\]/);
    expect(() => linear(x, e.zeros([5, 3]), e.zeros([4]), 'relu')).toThrow(/linear\+relu: bias has shape \[4\], expected \[5\]/);
    e.endStep();
  });

  // Two passes over chunks of rows (GPUs), or one pass per column on CPU adapters (one dispatch).
  it.each([
    [false, 2],
    [true, 1],
  ])('column sums span several chunks (one-pass CPU form: %s)', async (onePass, dispatches) => {
    const e = await testEngine();
    const saved = e.fusedLinearBackward;
    e.fusedLinearBackward = onePass;
    try {
      const [rows, cols] = [200, 7];
      const x = randnArray(rows * cols, mulberry32(9));
      const out = e.fromArray(Array.from({ length: cols }, (_, j) => j), [cols]);
      const d0 = e.dispatchCount;
      addColumnSums('test', e.fromArray(x, [rows, cols]), out);
      expect(e.dispatchCount - d0).toBe(dispatches);
      const expected = Array.from({ length: cols }, (_, j) => {
        let s = j;
        for (let i = 0; i < rows; i++) s += x[i * cols + j];
        return s;
      });
      expectClose(await readF64(out), expected, { atol: 1e-4, rtol: 1e-5, what: 'column sums' });
    } finally {
      e.fusedLinearBackward = saved;
    }
    e.endStep();
  });
});

describe.each([
  [false, false],
  [true, false],
  [false, true],
  [true, true],
])('matmul transA=%s transB=%s', (transA, transB) => {
  const [M, K, N] = [21, 10, 18];
  const aDims: [number, number] = transA ? [K, M] : [M, K];
  const bDims: [number, number] = transB ? [N, K] : [K, N];
  const dims = { a: aDims, b: bDims, transA, transB };
  const rng = mulberry32(77);
  const a = randnArray(M * K, rng);
  const b = randnArray(K * N, rng);
  const dy = randnArray(M * N, rng);

  it('forward matches the twin', async () => {
    const e = await testEngine();
    const y = matmul(e.fromArray(a, aDims), e.fromArray(b, bDims), { transA, transB });
    expect(y.shape).toEqual([M, N]);
    expectClose(await readF64(y), matmulForward(a, b, dims), { ...tol, what: 'matmul' });
    e.endStep();
  });

  it('WGSL backward matches the twin', async () => {
    const e = await testEngine();
    const at = e.fromArray(a, aDims, { requiresGrad: true });
    const bt = e.fromArray(b, bDims, { requiresGrad: true });
    e.backward(matmul(at, bt, { transA, transB }), e.fromArray(dy, [M, N]));
    const ref = matmulBackward(a, b, dy, dims);
    expectClose(await readF64(e.gradOf(at)), ref.da, { ...tol, what: 'da' });
    expectClose(await readF64(e.gradOf(bt)), ref.db, { ...tol, what: 'db' });
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const ref = matmulBackward(a, b, dy, dims);
    const o = { atol: 1e-7, rtol: 1e-6 };
    expectClose(ref.da, finiteDiffGrad((v) => matmulForward(v, b, dims), a, dy), { ...o, what: 'fd da' });
    expectClose(ref.db, finiteDiffGrad((v) => matmulForward(a, v, dims), b, dy), { ...o, what: 'fd db' });
  });
});

describe('matmul', () => {
  it('rejects mismatched inner dimensions', async () => {
    const e = await testEngine();
    expect(() => matmul(e.zeros([3, 4]), e.zeros([5, 2]))).toThrow(/matmul: inner dimensions differ: a \[3, 4\] and b \[5, 2\]/);
    e.endStep();
  });
});
