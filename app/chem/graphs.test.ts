import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../kernels/random';
import { assertWithinLimits, directedBonds, extendedEdges, neighbours, radiusPairs } from './graphs';

const chain6 = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5];
const benzene = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 0, 5];

/** All-pairs shortest paths by Floyd-Warshall: an independent definition of hop distance. */
function floyd(n: number, bonds: number[]): number[][] {
  const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)));
  for (let k = 0; k < bonds.length; k += 2) d[bonds[k]][bonds[k + 1]] = d[bonds[k + 1]][bonds[k]] = 1;
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i][j] = Math.min(d[i][j], d[i][k] + d[k][j]);
  return d;
}

const pairs = (e: { src: Uint32Array; dst: Uint32Array }) => Array.from(e.src, (s, k) => `${s}-${e.dst[k]}`);

describe('directedBonds', () => {
  it('lists each bond both ways, bond b at edges 2b and 2b + 1', () => {
    const d = directedBonds(3, [0, 1, 1, 2]);
    expect(pairs(d)).toEqual(['0-1', '1-0', '1-2', '2-1']);
  });
  it('rejects bonds that are not pairs of distinct atoms in range', () => {
    expect(() => directedBonds(3, [0, 3])).toThrow(/bond 0 \(0, 3\) is not a pair of distinct atoms in \[0, 3\)/);
    expect(() => directedBonds(3, [1, 1])).toThrow(/bond 0 \(1, 1\)/);
    expect(() => directedBonds(3, [0, 1, 2])).toThrow(/not pairs/);
    expect(() => directedBonds(300, [])).toThrow(/numAtoms 300/);
  });
});

describe('extendedEdges', () => {
  it('chain of 6: the 28 ordered pairs within 4 bonds; the two ends (5 bonds apart) excluded', () => {
    const e = extendedEdges(6, chain6, 4);
    expect(e.src.length).toBe(28);
    expect(pairs(e)).not.toContain('0-5');
    expect(pairs(e)).not.toContain('5-0');
    expect(pairs(e)).toContain('0-4');
    expect(Array.from(e.hops).filter((h) => h === 4).length).toBe(4); // 0-4, 4-0, 1-5, 5-1
  });
  it('benzene: every ordered pair (ring diameter 3); 2 hops leaves out the para pairs', () => {
    expect(extendedEdges(6, benzene, 4).src.length).toBe(30);
    const two = extendedEdges(6, benzene, 2);
    expect(two.src.length).toBe(24);
    expect(pairs(two)).not.toContain('0-3');
  });
  it('agrees with Floyd-Warshall on random graphs, sorted by source then target', () => {
    const rng = mulberry32(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + Math.floor(rng() * 14);
      const bonds: number[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rng() < 0.2) bonds.push(i, j);
      const hops = 1 + Math.floor(rng() * 5);
      const d = floyd(n, bonds);
      const want: string[] = [];
      const wantHops: number[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && d[i][j] <= hops) {
        want.push(`${i}-${j}`);
        wantHops.push(d[i][j]);
      }
      const got = extendedEdges(n, bonds, hops);
      expect(pairs(got)).toEqual(want);
      expect(Array.from(got.hops)).toEqual(wantHops);
    }
  });
  it('a lone atom has no edges; bad maxHops is refused', () => {
    expect(extendedEdges(1, []).src.length).toBe(0);
    expect(() => extendedEdges(3, [0, 1], 0)).toThrow(/maxHops 0/);
  });
});

describe('neighbours', () => {
  it('sorted adjacency', () => {
    expect(neighbours(4, [2, 0, 0, 1, 3, 0])).toEqual([[1, 2, 3], [0], [0], [0]]);
  });
});

describe('radiusPairs', () => {
  const line = [0, 0, 0, 1.5, 0, 0, 3, 0, 0, 4.5, 0, 0];
  it('a 10 Å cutoff connects every ordered pair of a small molecule, no self loops', () => {
    expect(radiusPairs(line, 4, 10).src.length).toBe(12);
  });
  it('matches brute force at a short cutoff', () => {
    expect(pairs(radiusPairs(line, 4, 2))).toEqual(['0-1', '1-0', '1-2', '2-1', '2-3', '3-2']);
    expect(pairs(radiusPairs(line, 4, 3.2))).toEqual(['0-1', '0-2', '1-0', '1-2', '1-3', '2-0', '2-1', '2-3', '3-1', '3-2']);
  });
  it('refuses bad input', () => {
    expect(() => radiusPairs([0, 0], 1)).toThrow(/2 coordinates for 1 atoms/);
    expect(() => radiusPairs([0, 0, 0, NaN, 0, 0], 2)).toThrow(/atoms 0 and 1 have non-finite coordinates/);
    expect(() => radiusPairs(line, 4, 0)).toThrow(/cutoff 0/);
  });
});

describe('assertWithinLimits', () => {
  const qm9 = { maxAtoms: 9, atomicNumbers: [6, 7, 8, 9] };
  it('passes a molecule inside the limits', () => {
    expect(() => assertWithinLimits('CCO', [6, 6, 8], qm9)).not.toThrow();
  });
  it('names the largest molecule allowed and the allowed elements', () => {
    expect(() => assertWithinLimits('decane', new Array(10).fill(6), qm9)).toThrow(/decane has 10 heavy atoms; the largest molecule allowed has 9/);
    expect(() => assertWithinLimits('CS', [6, 16], qm9)).toThrow(/CS: atom 1 is S \(Z = 16\); allowed elements are C, N, O, F/);
    expect(() => assertWithinLimits('empty', [], qm9)).toThrow(/no heavy atoms/);
  });
});
