import { describe, expect, it } from 'vitest';
import { bmm, splitK } from './bmm';
import { bmmBackward, bmmBiasBackward, bmmBiasForward, bmmForward } from '../reference/bmm';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// [B, M, K] x [B, K, N] shapes from the 3D->2D branch: Â (N x N) times XW, Q Kᵀ with 4-wide heads,
// and a skinny one (N = 3, the 1x64 workgroup shape). None is a multiple of the 4x4 block.
const SHAPES: [number, number, number, number][] = [
  [3, 13, 13, 10],
  [5, 9, 4, 9],
  [2, 70, 6, 3],
  // Long K into a small output: split-K (partial products per K chunk, then an in-order sum).
  [2, 5, 700, 6],
];
const TRANS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];
const tol = { atol: 2e-5, rtol: 1e-4 };

describe.each(TRANS)('bmm transA=%s transB=%s', (transA, transB) => {
  const setup = (B: number, M: number, K: number, N: number, seed: number) => {
    const aDims: [number, number] = transA ? [K, M] : [M, K];
    const bDims: [number, number] = transB ? [N, K] : [K, N];
    const rng = mulberry32(seed);
    return {
      aDims,
      bDims,
      dims: { a: aDims, b: bDims, transA, transB },
      a: randnArray(B * M * K, rng),
      b: randnArray(B * K * N, rng),
      dy: randnArray(B * M * N, rng),
    };
  };

  it.each(SHAPES)('forward matches the twin for B=%i M=%i K=%i N=%i', async (B, M, K, N) => {
    const e = await testEngine();
    const s = setup(B, M, K, N, 1 + M);
    const y = bmm(e.fromArray(s.a, [B, ...s.aDims]), e.fromArray(s.b, [B, ...s.bDims]), { transA, transB });
    expect(y.shape).toEqual([B, M, N]);
    expectClose(await readF64(y), bmmForward(s.a, s.b, B, s.dims), { ...tol, what: 'bmm' });
    e.endStep();
  });

  it.each(SHAPES)('WGSL backward matches the twin and accumulates for B=%i M=%i K=%i N=%i', async (B, M, K, N) => {
    const e = await testEngine();
    const s = setup(B, M, K, N, 2 + M);
    const at = e.fromArray(s.a, [B, ...s.aDims], { requiresGrad: true });
    const bt = e.fromArray(s.b, [B, ...s.bDims], { requiresGrad: true });
    const ref = bmmBackward(s.a, s.b, s.dy, B, s.dims);
    for (let pass = 1; pass <= 2; pass++) {
      e.backward(bmm(at, bt, { transA, transB }), e.fromArray(s.dy, [B, M, N]));
      expectClose(await readF64(e.gradOf(at)), ref.da.map((v) => pass * v), { ...tol, what: `da pass ${pass}` });
      expectClose(await readF64(e.gradOf(bt)), ref.db.map((v) => pass * v), { ...tol, what: `db pass ${pass}` });
    }
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const [B, M, K, N] = [2, 3, 4, 5];
    const s = setup(B, M, K, N, 9);
    const ref = bmmBackward(s.a, s.b, s.dy, B, s.dims);
    const o = { atol: 1e-7, rtol: 1e-6 };
    expectClose(ref.da, finiteDiffGrad((v) => bmmForward(v, s.b, B, s.dims), s.a, s.dy), { ...o, what: 'fd da' });
    expectClose(ref.db, finiteDiffGrad((v) => bmmForward(s.a, v, B, s.dims), s.b, s.dy), { ...o, what: 'fd db' });
  });
});

// The GCN form Â (X W) + b: the bias rides in the GEMM's epilogue, its gradient is a column sum.
describe('bmm with a bias', () => {
  const [B, M, K, N] = [4, 9, 9, 7];
  const rng = mulberry32(31);
  const a = randnArray(B * M * K, rng);
  const b = randnArray(B * K * N, rng);
  const bias = randnArray(N, rng);
  const dy = randnArray(B * M * N, rng);
  const dims = { a: [M, K] as [number, number], b: [K, N] as [number, number] };

  it('forward (one dispatch) and backward match the twin, and accumulate', async () => {
    const e = await testEngine();
    const at = e.fromArray(a, [B, M, K], { requiresGrad: true });
    const bt = e.fromArray(b, [B, K, N], { requiresGrad: true });
    const biasT = e.fromArray(bias, [N], { requiresGrad: true });
    const ref = bmmBiasBackward(a, b, N, dy, B, dims);
    for (let pass = 1; pass <= 2; pass++) {
      const d0 = e.dispatchCount;
      const y = bmm(at, bt, { bias: biasT });
      expect(e.dispatchCount - d0).toBe(1);
      expectClose(await readF64(y), bmmBiasForward(a, b, bias, B, dims), { ...tol, what: 'bmm + bias' });
      e.backward(y, e.fromArray(dy, [B, M, N]));
      expectClose(await readF64(e.gradOf(at)), ref.da.map((v) => pass * v), { ...tol, what: `da pass ${pass}` });
      expectClose(await readF64(e.gradOf(bt)), ref.db.map((v) => pass * v), { ...tol, what: `db pass ${pass}` });
      expectClose(await readF64(e.gradOf(biasT)), ref.dbias.map((v) => pass * v), { ...tol, what: `dbias pass ${pass}` });
      e.tape.clear();
    }
    e.endStep();
  });

  it('a bias that alone needs a gradient gets it', async () => {
    const e = await testEngine();
    const biasT = e.fromArray(bias, [N], { requiresGrad: true });
    e.backward(bmm(e.fromArray(a, [B, M, K]), e.fromArray(b, [B, K, N]), { bias: biasT }), e.fromArray(dy, [B, M, N]));
    expectClose(await readF64(e.gradOf(biasT)), bmmBiasBackward(a, b, N, dy, B, dims).dbias, { ...tol, what: 'dbias' });
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const [b2, m2, k2, n2] = [2, 3, 4, 5];
    const d2 = { a: [m2, k2] as [number, number], b: [k2, n2] as [number, number] };
    const r = mulberry32(32);
    const [a2, bb2, bias2, dy2] = [randnArray(b2 * m2 * k2, r), randnArray(b2 * k2 * n2, r), randnArray(n2, r), randnArray(b2 * m2 * n2, r)];
    const ref = bmmBiasBackward(a2, bb2, n2, dy2, b2, d2);
    const o = { atol: 1e-7, rtol: 1e-6 };
    expectClose(ref.da, finiteDiffGrad((v) => bmmBiasForward(v, bb2, bias2, b2, d2), a2, dy2), { ...o, what: 'fd da' });
    expectClose(ref.db, finiteDiffGrad((v) => bmmBiasForward(a2, v, bias2, b2, d2), bb2, dy2), { ...o, what: 'fd db' });
    expectClose(ref.dbias, finiteDiffGrad((v) => bmmBiasForward(a2, bb2, v, b2, d2), bias2, dy2), { ...o, what: 'fd dbias' });
  });

  it('rejects a bias that does not match the output columns', async () => {
    const e = await testEngine();
    expect(() => bmm(e.zeros([2, 3, 4]), e.zeros([2, 4, 5]), { bias: e.zeros([4]) })).toThrow(/bmm: bias \[4\] does not match the output's 5 columns/);
    e.endStep();
  });
});

describe('bmm', () => {
  it('Q Kᵀ of a tensor with itself sums both gradient paths', async () => {
    const e = await testEngine();
    const [B, N, C] = [3, 11, 4];
    const rng = mulberry32(4);
    const q = randnArray(B * N * C, rng);
    const dy = randnArray(B * N * N, rng);
    const qt = e.fromArray(q, [B, N, C], { requiresGrad: true });
    e.backward(bmm(qt, qt, { transB: true }), e.fromArray(dy, [B, N, N]));
    const ref = bmmBackward(q, q, dy, B, { a: [N, C], b: [N, C], transB: true });
    expectClose(await readF64(e.gradOf(qt)), ref.da.map((v, i) => v + ref.db[i]), { ...tol, what: 'dq' });
    e.endStep();
  });

  it('split-K chunks cover K exactly and only split small outputs with long K', () => {
    for (const [groups, K, batch] of [[1, 8464, 1], [4, 2202, 1], [3, 300, 1], [2, 700, 2], [1, 255, 1], [64, 10000, 1]]) {
      const { splits, kChunk } = splitK(groups, K, batch);
      expect(splits * kChunk).toBeGreaterThanOrEqual(K);
      expect((splits - 1) * kChunk).toBeLessThan(K);
      if (splits > 1) expect(kChunk).toBeGreaterThanOrEqual(128);
    }
    expect(splitK(1, 255, 1).splits).toBe(1);
    expect(splitK(64, 10000, 1).splits).toBe(1);
    expect(splitK(1, 8464, 1).splits).toBeGreaterThan(1);
  });

  it('a split-K product and its gradients are bit-identical when run twice', async () => {
    const e = await testEngine();
    const [B, M, K, N] = [1, 16, 3000, 12];
    const rng = mulberry32(21);
    const a = randnArray(B * M * K, rng);
    const b = randnArray(B * K * N, rng);
    const dy = randnArray(B * M * N, rng);
    const run = async () => {
      const at = e.fromArray(a, [B, K, M], { requiresGrad: true });
      const bt = e.fromArray(b, [B, K, N], { requiresGrad: true });
      const y = bmm(at, bt, { transA: true });
      e.backward(y, e.fromArray(dy, [B, M, N]));
      const out = [await y.read(), await e.gradOf(at).read(), await e.gradOf(bt).read()];
      e.endStep();
      return out;
    };
    const first = await run();
    const second = await run();
    for (let i = 0; i < 3; i++) expect(Array.from(second[i])).toEqual(Array.from(first[i]));
    const ref = bmmForward(a, b, B, { a: [K, M], b: [K, N], transA: true });
    expectClose(Array.from(first[0]), ref, { atol: 1e-4, rtol: 1e-4, what: 'split-K forward' });
  });

  it('rejects mismatched batches and inner dimensions', async () => {
    const e = await testEngine();
    expect(() => bmm(e.zeros([2, 3, 4]), e.zeros([3, 4, 5]))).toThrow(/bmm: .* got \[2, 3, 4\] and \[3, 4, 5\]/);
    expect(() => bmm(e.zeros([2, 3, 4]), e.zeros([2, 5, 4]))).toThrow(/bmm: inner dimensions differ: a \[2, 3, 4\] and b \[2, 5, 4\] \(4 vs 5\)/);
    e.endStep();
  });
});
