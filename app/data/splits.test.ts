import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../kernels/random';
import { randomSplit, scaffoldSplit, splitDataset, storedSplit, type Split } from './splits';

function expectPartition(s: Split, n: number) {
  const all = [...s.train, ...s.valid, ...s.test].sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: n }, (_, i) => i)); // disjoint and complete
}

/** Scaffold ids with a realistic skew: one huge acyclic group (id 0), some mid-size, many singletons. */
function skewedScaffolds(n: number, seed: number): Uint32Array {
  const rng = mulberry32(seed);
  return Uint32Array.from({ length: n }, () => {
    const u = rng();
    if (u < 0.25) return 0;
    if (u < 0.6) return 1 + Math.floor(rng() * 20);
    return 21 + Math.floor(rng() * 5000);
  });
}

describe('randomSplit', () => {
  it('is a deterministic 80/10/10 partition per seed', () => {
    const a = randomSplit(1000, 5), b = randomSplit(1000, 5), c = randomSplit(1000, 6);
    expectPartition(a, 1000);
    expect([a.train.length, a.valid.length, a.test.length]).toEqual([800, 100, 100]);
    expect(Array.from(b.test)).toEqual(Array.from(a.test));
    expect(Array.from(c.test)).not.toEqual(Array.from(a.test));
  });
  it('honours other fractions and refuses bad ones', () => {
    const s = randomSplit(10, 1, [0.5, 0.3, 0.2]);
    expect([s.train.length, s.valid.length, s.test.length]).toEqual([5, 3, 2]);
    expect(() => randomSplit(10, 1, [0.5, 0.5, 0.5])).toThrow(/summing to 1/);
  });
});

describe('scaffoldSplit', () => {
  const ids = skewedScaffolds(2000, 3);

  it('keeps every scaffold inside one part', () => {
    const s = scaffoldSplit(ids, 9);
    expectPartition(s, ids.length);
    const part = new Map<number, string>();
    for (const [name, idx] of Object.entries(s)) {
      for (const i of idx as Uint32Array) {
        const prev = part.get(ids[i]);
        if (prev !== undefined) expect(prev).toBe(name);
        part.set(ids[i], name);
      }
    }
    // The huge scaffold (a quarter of the set) goes to train, never valid/test.
    expect(part.get(0)).toBe('train');
  });
  it('is deterministic by seed, and the seed matters', () => {
    expect(Array.from(scaffoldSplit(ids, 9).valid)).toEqual(Array.from(scaffoldSplit(ids, 9).valid));
    expect(Array.from(scaffoldSplit(ids, 10).valid)).not.toEqual(Array.from(scaffoldSplit(ids, 9).valid));
  });
  it('fills train to its target and keeps valid within its target', () => {
    const s = scaffoldSplit(ids, 9);
    expect(s.train.length).toBeLessThanOrEqual(1600);
    expect(s.train.length).toBeGreaterThan(1550);
    expect(s.valid.length).toBeLessThanOrEqual(200);
  });
});

describe('storedSplit and splitDataset', () => {
  const fake = { count: 6, splitCodes: Uint8Array.from([0, 2, 1, 0, 2, 0]), scaffoldIds: Uint32Array.from([0, 1, 1, 2, 0, 3]) };
  it('reads the build split back', () => {
    const s = storedSplit(fake);
    expect([Array.from(s.train), Array.from(s.valid), Array.from(s.test)]).toEqual([[0, 3, 5], [2], [1, 4]]);
    expect(splitDataset(fake, { kind: 'stored' })).toEqual(s);
  });
  it('dispatches random and scaffold specs', () => {
    expectPartition(splitDataset(fake, { kind: 'random', seed: 1 }), 6);
    expectPartition(splitDataset(fake, { kind: 'scaffold', seed: 1 }), 6);
  });
});
