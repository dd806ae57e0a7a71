/**
 * The trajectory view's per-atom and per-frame quantities, on inputs worked out by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readSmiles } from '../chem/io';
import { getRDKit, type RDKit } from '../chem/rdkit';
import { atomStepSizes, frameBondError, rowNorms3 } from './trajectory';

let rd: RDKit;
beforeAll(async () => {
  rd = await getRDKit();
});

describe('per-atom quantities', () => {
  it('rowNorms3: Euclidean norm of each row of 3 (3-4-0 gives 5)', () => {
    expect(Array.from(rowNorms3([3, 4, 0, 0, 0, 2, 1, 2, 2]))).toEqual([5, 2, 3]);
    expect(() => rowNorms3([1, 2])).toThrow(/not rows of 3/);
  });

  it('atomStepSizes: displacement per atom of the chosen conformer, a drift of the whole molecule not counted', () => {
    // Two conformers of 2 atoms, sample-major. Conformer 1 moves atom 0 by +1 in x and atom 1 by
    // -1 in x (no net drift): each atom moved 1 Å. Then the whole conformer shifts by (5, 5, 5).
    const prev = new Float32Array([9, 9, 9, 9, 9, 9, 0, 0, 0, 2, 0, 0]);
    const cur = new Float32Array([0, 0, 0, 0, 0, 0, -1 + 5, 5, 5, 3 + 5, 5, 5]);
    expect(Array.from(atomStepSizes(prev, cur, 2, 1))).toEqual([1, 1]);
    // Atom 0 moves 3-4-0 relative to atom 1 (centring splits it: each atom moves half of it).
    const a = new Float32Array([0, 0, 0, 1, 0, 0]);
    const b = new Float32Array([3, 4, 0, 1, 0, 0]);
    const s = atomStepSizes(a, b, 2, 0);
    expect(s[0]).toBeCloseTo(2.5, 6);
    expect(s[1]).toBeCloseTo(2.5, 6);
    expect(() => atomStepSizes(a, b, 2, 1)).toThrow(/outside/);
  });
});

describe('frameBondError', () => {
  it('median and max of |d - expected| over the bonds (C-C 1.53 Å) and the clash count', () => {
    // Butane along x with bonds 1.63, 1.53, 1.23 Å: errors 0.1, 0, 0.3 -> median 0.1, max 0.3.
    const butane = readSmiles(rd, 'CCCC');
    const x = [0, 0, 0, 1.63, 0, 0, 3.16, 0, 0, 4.39, 0, 0];
    const r = frameBondError(butane, x);
    expect(r.bonds).toBe(3);
    expect(r.median).toBeCloseTo(0.1, 6);
    expect(r.max).toBeCloseTo(0.3, 6);
    expect(r.clashes).toBe(0);
    // Folded into a 1.5 Å square: C0-C3 (1-4) at 1.5 Å is a clash; every bond is 0.03 Å short.
    const square = frameBondError(butane, [0, 0, 0, 1.5, 0, 0, 1.5, 1.5, 0, 0, 1.5, 0]);
    expect(square.clashes).toBe(1);
    expect(square.median).toBeCloseTo(0.03, 6);
    expect(square.max).toBeCloseTo(0.03, 6);
  });

  it('an even number of bonds takes the mean of the middle two', () => {
    // Pentane: bond errors 0.1, 0.2, 0.3, 0.4 (stretched) -> median 0.25.
    const pentane = readSmiles(rd, 'CCCCC');
    const lengths = [1.63, 1.73, 1.83, 1.93];
    const x = [0, 0, 0];
    let at = 0;
    for (const l of lengths) x.push((at += l), 0, 0);
    const r = frameBondError(pentane, x);
    expect(r.median).toBeCloseTo(0.25, 6);
    expect(r.max).toBeCloseTo(0.4, 6);
  });
});
