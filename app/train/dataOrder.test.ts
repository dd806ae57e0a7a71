import { describe, expect, it } from 'vitest';
import { DataOrder, epochPermutation } from './dataOrder';

describe('DataOrder', () => {
  it('visits every molecule exactly once per epoch, running on across epochs', () => {
    const order = new DataOrder(11, 10);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) seen.push(...order.next(3));
    // 30 draws = 3 full epochs; each block of 10 is a permutation.
    for (let e = 0; e < 3; e++) expect([...seen.slice(e * 10, e * 10 + 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order.epoch).toBe(2);
    expect(order.cursor).toBe(10);
  });

  it('never repeats a molecule inside a batch that spans two epochs', () => {
    for (let seed = 0; seed < 50; seed++) {
      const order = new DataOrder(seed, 5);
      for (let s = 0; s < 20; s++) {
        const b = order.next(4);
        expect(new Set(b).size, `seed ${seed} step ${s}: ${Array.from(b)}`).toBe(4);
      }
    }
  });

  it('caps the batch at the data-set size', () => {
    expect(new DataOrder(1, 3).next(8).length).toBe(3);
  });

  it('is a pure function of the seed, and different seeds and epochs give different orders', () => {
    expect(Array.from(new DataOrder(5, 50).next(50))).toEqual(Array.from(new DataOrder(5, 50).next(50)));
    expect(Array.from(epochPermutation(5, 0, 50))).not.toEqual(Array.from(epochPermutation(6, 0, 50)));
    expect(Array.from(epochPermutation(5, 0, 50))).not.toEqual(Array.from(epochPermutation(5, 1, 50)));
  });

  it('resumes from a saved state with the same sequence', () => {
    const a = new DataOrder(9, 7);
    for (let i = 0; i < 5; i++) a.next(3);
    const b = new DataOrder(9, 7, a.state());
    for (let i = 0; i < 10; i++) expect(Array.from(b.next(3))).toEqual(Array.from(a.next(3)));
  });

  it('rejects an empty data set and a saved state of the wrong size', () => {
    expect(() => new DataOrder(1, 0)).toThrow(/0 molecules/);
    expect(() => new DataOrder(1, 4, { epoch: 0, cursor: 0, order: Uint32Array.from([0, 1, 2]) })).toThrow(/3 entries for 4 molecules/);
  });
});
