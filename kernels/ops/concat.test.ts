import { describe, expect, it } from 'vitest';
import { concat, split } from './concat';
import { concatBackward, concatForward, splitBackward, splitForward } from '../reference/concat';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// 91 rows; widths whose products with the rows are not multiples of the workgroup size (256).
const ROWS = 91;
const WIDTHS = [5, 1, 12, 7];
const TOTAL = WIDTHS.reduce((s, w) => s + w, 0);
const o = { atol: 0, rtol: 0 };

describe('concat', () => {
  const rng = mulberry32(5);
  const parts = WIDTHS.map((w) => randnArray(ROWS * w, rng));
  const dy = randnArray(ROWS * TOTAL, rng);

  it('forward matches the twin (exactly: it only copies)', async () => {
    const e = await testEngine();
    const y = concat(parts.map((p, k) => e.fromArray(p, [ROWS, WIDTHS[k]])));
    expect(y.shape).toEqual([ROWS, TOTAL]);
    expectClose(await readF64(y), Float32Array.from(concatForward(parts, WIDTHS, ROWS)), { ...o, what: 'concat' });
    e.endStep();
  });

  it('WGSL backward matches the twin, accumulates and skips parts without grad', async () => {
    const e = await testEngine();
    const ts = parts.map((p, k) => e.fromArray(p, [ROWS, WIDTHS[k]], { requiresGrad: k !== 1 }));
    const ref = concatBackward(Float32Array.from(dy), WIDTHS, ROWS);
    for (let pass = 1; pass <= 2; pass++) {
      e.backward(concat(ts), e.fromArray(dy, [ROWS, TOTAL]));
      for (const [k, t] of ts.entries()) {
        if (k === 1) continue;
        expectClose(await readF64(e.gradOf(t)), ref[k].map((v) => pass * v), { atol: 1e-6, rtol: 1e-6, what: `dpart ${k} pass ${pass}` });
      }
    }
    expect(ts[1].grad).toBeNull();
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const small = parts.map((p, k) => p.slice(0, 3 * WIDTHS[k]));
    const seed = dy.slice(0, 3 * TOTAL);
    const ref = concatBackward(seed, WIDTHS, 3);
    for (let k = 0; k < WIDTHS.length; k++) {
      const fd = finiteDiffGrad((v) => concatForward(small.map((p, j) => (j === k ? v : p)), WIDTHS, 3), small[k], seed);
      expectClose(ref[k], fd, { atol: 1e-7, rtol: 1e-6, what: `fd part ${k}` });
    }
  });

  it('keeps leading axes and rejects mismatched rows', async () => {
    const e = await testEngine();
    const y = concat([e.zeros([2, 3, 4]), e.zeros([2, 3, 1])]);
    expect(y.shape).toEqual([2, 3, 5]);
    expect(() => concat([e.zeros([4, 3]), e.zeros([5, 3])])).toThrow(/concat: part 1 \[5, 3\] does not match part 0 \[4, 3\]/);
    e.endStep();
  });
});

describe('split', () => {
  const rng = mulberry32(6);
  const x = randnArray(ROWS * TOTAL, rng);
  const dparts = WIDTHS.map((w) => randnArray(ROWS * w, rng));

  it('forward matches the twin (exactly)', async () => {
    const e = await testEngine();
    const ps = split(e.fromArray(x, [ROWS, TOTAL]), WIDTHS);
    const ref = splitForward(Float32Array.from(x), WIDTHS, ROWS);
    for (const [k, p] of ps.entries()) {
      expect(p.shape).toEqual([ROWS, WIDTHS[k]]);
      expectClose(await readF64(p), ref[k], { ...o, what: `part ${k}` });
    }
    e.endStep();
  });

  it('WGSL backward matches the twin and accumulates, unused parts count as zero', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [ROWS, TOTAL], { requiresGrad: true });
    // Part 2 gets no gradient at all: the twin sees zeros there.
    const used = dparts.map((d, k) => (k === 2 ? new Float64Array(d.length) : Float32Array.from(d)));
    const ref = splitBackward(used, WIDTHS, ROWS);
    for (let pass = 1; pass <= 2; pass++) {
      const ps = split(xt, WIDTHS);
      for (const [k, p] of ps.entries()) if (k !== 2) p.grad = e.fromArray(dparts[k], p.shape);
      e.tape.runBackward();
      expectClose(await readF64(e.gradOf(xt)), ref.map((v) => pass * v), { atol: 1e-6, rtol: 1e-6, what: `dx pass ${pass}` });
    }
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const xs = x.slice(0, 3 * TOTAL);
    const seeds = dparts.map((d, k) => d.slice(0, 3 * WIDTHS[k]));
    const flatSeed = concatForward(seeds, WIDTHS, 3);
    const fd = finiteDiffGrad((v) => concatForward(splitForward(v, WIDTHS, 3), WIDTHS, 3), xs, flatSeed);
    expectClose(splitBackward(seeds, WIDTHS, 3), fd, { atol: 1e-7, rtol: 1e-6, what: 'fd split' });
  });

  it('rejects sizes that do not partition the last axis', async () => {
    const e = await testEngine();
    expect(() => split(e.zeros([4, 6]), [2, 3])).toThrow(/split: sizes \[2, 3\] do not partition the last axis of x \[4, 6\]/);
    e.endStep();
  });
});

// concatParts.wgsl: up to eight parts per dispatch. Eleven parts (two dispatches), with zero-width
// parts at the start, in the middle and at a group boundary.
describe('concat / split over many parts', () => {
  const MANY = [0, 3, 1, 0, 4, 2, 1, 5, 0, 2, 3];
  const MANY_TOTAL = MANY.reduce((s, w) => s + w, 0);
  const rng = mulberry32(7);
  const parts = MANY.map((w) => randnArray(ROWS * w, rng));
  const dy = randnArray(ROWS * MANY_TOTAL, rng);

  it('concat forward and backward match the twin in two dispatches each way', async () => {
    const e = await testEngine();
    const ts = parts.map((p, k) => e.fromArray(p, [ROWS, MANY[k]], { requiresGrad: k !== 4 }));
    const d0 = e.dispatchCount;
    const y = concat(ts);
    expect(e.dispatchCount - d0).toBe(2);
    expectClose(await readF64(y), Float32Array.from(concatForward(parts, MANY, ROWS)), { ...o, what: 'concat of 11' });
    e.tape.clear();
    const ref = concatBackward(Float32Array.from(dy), MANY, ROWS);
    for (let pass = 1; pass <= 2; pass++) {
      const d1 = e.dispatchCount;
      e.backward(concat(ts), e.fromArray(dy, [ROWS, MANY_TOTAL]));
      expect(e.dispatchCount - d1).toBe(4);
      for (const [k, t] of ts.entries()) {
        if (k === 4) continue;
        expectClose(await readF64(e.gradOf(t)), ref[k].map((v) => pass * v), { ...o, what: `dpart ${k} pass ${pass}` });
      }
    }
    expect(ts[4].grad).toBeNull();
    e.endStep();
  });

  it('a part repeated in one concat gets the sum of both slices (per-part fallback)', async () => {
    const e = await testEngine();
    const a = e.fromArray(parts[1], [ROWS, 3], { requiresGrad: true });
    const b = e.fromArray(parts[2], [ROWS, 1], { requiresGrad: true });
    const g = randnArray(ROWS * 7, rng);
    e.backward(concat([a, b, a]), e.fromArray(g, [ROWS, 7]));
    const [ga, gb, ga2] = concatBackward(Float32Array.from(g), [3, 1, 3], ROWS);
    // Two float32 additions of the same two values: exact in the order written.
    expectClose(await readF64(e.gradOf(a)), Float32Array.from(ga.map((v, i) => Math.fround(v + ga2[i]))), { ...o, what: 'da' });
    expectClose(await readF64(e.gradOf(b)), gb, { ...o, what: 'db' });
    e.endStep();
  });

  it('split into eleven parts: forward, and a backward that overwrites when every part has a gradient', async () => {
    const e = await testEngine();
    const x = concatForward(parts, MANY, ROWS);
    const xt = e.fromArray(x, [ROWS, MANY_TOTAL], { requiresGrad: true });
    const ps = split(xt, MANY);
    const ref = splitForward(Float32Array.from(x), MANY, ROWS);
    for (const [k, p] of ps.entries()) expectClose(await readF64(p), ref[k], { ...o, what: `part ${k}` });
    const dparts = MANY.map((w) => randnArray(ROWS * w, rng));
    for (const [k, p] of ps.entries()) p.grad = e.fromArray(dparts[k], p.shape);
    const d0 = e.dispatchCount;
    e.tape.runBackward();
    expect(e.dispatchCount - d0).toBe(2);
    expectClose(await readF64(e.gradOf(xt)), splitBackward(dparts.map((d) => Float32Array.from(d)), MANY, ROWS), { ...o, what: 'dx' });
    e.endStep();
  });
});
