import { describe, expect, it } from 'vitest';
import { buildCsrOnDevice, embeddingSum, packIndices, packTables } from './embedding';
import { buildCsr, buildCsrArrays } from '../graph';
import { embeddingSumBackward, embeddingSumForward } from '../reference/embedding';
import { mulberry32, randnArray } from '../random';
import { expectBitIdenticalRuns, expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// The 9 OGB atom feature vocabularies (docs/method.md §4.1): 174 packed rows.
const ATOM_VOCAB = [119, 5, 12, 12, 10, 6, 6, 2, 2];
// Sizes are not multiples of the workgroup size (256): N * F = 583, V * F = 1914, N * T = 477.
const N = 53;
const F = 11;
const packed = packTables(ATOM_VOCAB);
const V = packed.total;
const T = ATOM_VOCAB.length;

describe('packTables / packIndices', () => {
  it('lays the tables end to end and offsets raw indices', () => {
    expect(V).toBe(174);
    expect(Array.from(packed.offsets)).toEqual([0, 119, 124, 136, 148, 158, 164, 170, 172]);
    const raw = [5, 4, 0, 11, 9, 5, 5, 1, 1];
    expect(Array.from(packIndices(raw, packed))).toEqual(raw.map((v, t) => v + packed.offsets[t]));
  });

  it('rejects values outside a vocabulary and bad sizes', () => {
    expect(() => packIndices([0, 5, 0, 0, 0, 0, 0, 0, 0], packed)).toThrow(/row 0 feature 1 has value 5, outside \[0, 5\)/);
    expect(() => packIndices([0, 1], packed)).toThrow(/2 values do not form rows of 9 features/);
    expect(() => packTables([3, 0])).toThrow(/vocabulary 1 has invalid size 0/);
  });
});

describe('embeddingSum', () => {
  const rng = mulberry32(31);
  // Atomic numbers skewed to the first 20 rows so most of that table's rows are unused (empty).
  const raw = Array.from({ length: N * T }, (_, j) => {
    const t = j % T;
    return t === 0 ? Math.floor(rng() * 20) : Math.floor(rng() * ATOM_VOCAB[t]);
  });
  const index = packIndices(raw, packed);
  const table = randnArray(V * F, rng);
  const dh = randnArray(N * F, rng);

  it('forward matches the float64 twin', async () => {
    const e = await testEngine();
    const h = embeddingSum(e.fromArray(table, [V, F]), e.fromArray(index, [N, T], { dtype: 'u32' }));
    expect(h.shape).toEqual([N, F]);
    expectClose(await readF64(h), embeddingSumForward(table, F, index, T), { atol: 1e-5, rtol: 1e-5, what: 'embedding' });
    e.endStep();
  });

  it.each([
    ['a host CSR', true],
    ['a device-built CSR', false],
  ])('WGSL backward with %s matches the twin backward and accumulates', async (_, hostCsr) => {
    const e = await testEngine();
    const tt = e.fromArray(table, [V, F], { requiresGrad: true });
    const idx = e.fromArray(index, [N, T], { dtype: 'u32' });
    const csr = hostCsr ? buildCsr(e, index, V) : undefined;
    e.backward(embeddingSum(tt, idx, csr), e.fromArray(dh, [N, F]));
    const expected = embeddingSumBackward(dh, F, index, T, V);
    expectClose(await readF64(e.gradOf(tt)), expected, { atol: 1e-5, rtol: 1e-5, what: 'dtable' });
    e.backward(embeddingSum(tt, idx, csr), e.fromArray(dh, [N, F]));
    expectClose(await readF64(e.gradOf(tt)), expected.map((v) => 2 * v), { atol: 1e-5, rtol: 1e-5, what: '2 dtable' });
    e.endStep();
  });

  it('builds the same CSR on the device as buildCsrArrays on the host', async () => {
    const e = await testEngine();
    const csr = buildCsrOnDevice(e.fromArray(index, [N * T], { dtype: 'u32' }), V);
    const want = buildCsrArrays(index, V);
    expect(Array.from(await csr.offsets.read())).toEqual(Array.from(want.offsets));
    expect(Array.from(await csr.order.read())).toEqual(Array.from(want.order));
    e.endStep();
  });

  it('is bit-identical when run twice', async () => {
    const e = await testEngine();
    await expectBitIdenticalRuns(e, () => {
      const tt = e.fromArray(table, [V, F], { requiresGrad: true });
      const h = embeddingSum(tt, e.fromArray(index, [N, T], { dtype: 'u32' }));
      e.backward(h, e.fromArray(dh, [N, F]));
      return [h, e.gradOf(tt)];
    }, 'embeddingSum and dtable');
  });

  it('twin backward matches central finite differences', () => {
    const v = 7;
    const f = 3;
    const slots = 2;
    const idx = Uint32Array.from([0, 3, 3, 6, 1, 3, 0, 0]);
    const tab = table.slice(0, v * f);
    const seed = dh.slice(0, (idx.length / slots) * f);
    const fd = finiteDiffGrad((x) => embeddingSumForward(x, f, idx, slots), tab, seed);
    expectClose(embeddingSumBackward(seed, f, idx, slots, v), fd, { atol: 1e-7, rtol: 1e-6, what: 'fd embedding' });
    expect(fd.some((x) => x !== 0)).toBe(true);
  });

  it('rejects a CSR with the wrong number of table rows', async () => {
    const e = await testEngine();
    const tt = e.fromArray(table, [V, F], { requiresGrad: true });
    const idx = e.fromArray(index, [N, T], { dtype: 'u32' });
    expect(() => embeddingSum(tt, idx, buildCsr(e, index, V + 1))).toThrow(/embeddingSum: csrByRow has 175 segments, expected 174/);
    e.endStep();
  });
});
