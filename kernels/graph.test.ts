import { describe, expect, it } from 'vitest';
import { buildCsr, buildCsrArrays } from './graph';
import { mulberry32 } from './random';
import { testEngine } from './testing';

/** The CSR the definition gives: ids sorted by (key, id), and per-key counts. */
function csrBySorting(keys: Uint32Array, segments: number) {
  const ids = Array.from(keys, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
  const offsets = new Uint32Array(segments + 1);
  for (let s = 0; s < segments; s++) offsets[s + 1] = offsets[s] + keys.filter((k) => k === s).length;
  return { order: Uint32Array.from(ids), offsets };
}

describe('buildCsrArrays', () => {
  it('groups ids by key, ascending inside a segment, with empty segments', () => {
    const rng = mulberry32(3);
    const segments = 23;
    // Keys never reach the last 4 segments, and segment 0 is skipped too.
    const keys = Uint32Array.from({ length: 517 }, () => 1 + Math.floor(rng() * (segments - 5)));
    const got = buildCsrArrays(keys, segments);
    const want = csrBySorting(keys, segments);
    expect(Array.from(got.offsets)).toEqual(Array.from(want.offsets));
    expect(Array.from(got.order)).toEqual(Array.from(want.order));
    expect(got.offsets[0]).toBe(0);
    expect(got.offsets[segments]).toBe(keys.length);
    for (let s = 0; s < segments; s++) {
      for (let k = got.offsets[s]; k < got.offsets[s + 1]; k++) expect(keys[got.order[k]]).toBe(s);
    }
  });

  it('handles no elements and no segments', () => {
    expect(Array.from(buildCsrArrays(new Uint32Array(0), 3).offsets)).toEqual([0, 0, 0, 0]);
    expect(buildCsrArrays(new Uint32Array(0), 0).order.length).toBe(0);
  });

  it('rejects keys that are out of range', () => {
    expect(() => buildCsrArrays(Uint32Array.from([0, 4, 1]), 4)).toThrow(/key 4 of element 1 is out of range \[0, 4\)/);
    expect(() => buildCsrArrays([0, 1.5], 4)).toThrow(/key 1.5 of element 1/);
    expect(() => buildCsrArrays([0], -1)).toThrow(/numSegments/);
  });
});

describe('buildCsr', () => {
  it('uploads offsets and order as u32 tensors', async () => {
    const e = await testEngine();
    const keys = Uint32Array.from([2, 0, 2, 1, 0, 2]);
    const csr = buildCsr(e, keys, 4);
    expect(csr.numSegments).toBe(4);
    expect(csr.offsets.dtype).toBe('u32');
    expect(csr.offsets.shape).toEqual([5]);
    expect(Array.from(await csr.offsets.read())).toEqual([0, 2, 3, 6, 6]);
    expect(Array.from(await csr.order.read())).toEqual([1, 4, 3, 0, 2, 5]);
    e.endStep();
  });
});
