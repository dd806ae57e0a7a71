import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../data/dataset';
import { bondCutoff, BOND_RULE, distanceBonds } from './bondRule';

describe('the one bond-perception policy', () => {
  it(`${BOND_RULE.name}: bonded strictly below 1.2 (r_i + r_j)`, () => {
    const cut = bondCutoff(6, 8);
    expect(cut).toBeCloseTo(1.2 * (0.76 + 0.66), 12);
    expect(distanceBonds([6, 8], [0, 0, 0, cut - 1e-6, 0, 0])).toEqual([[0, 1]]);
    expect(distanceBonds([6, 8], [0, 0, 0, cut, 0, 0])).toEqual([]);
    expect(() => distanceBonds([6, 8], [0, 0, 0])).toThrow(/3 coordinates for 2 atoms/);
  });

  it('reproduces the stored graph of every molecule of both shipped data sets, heavy atoms only', () => {
    for (const name of ['qm9like', 'druglike']) {
      const ds = parseDataset(new Uint8Array(readFileSync(`public/data/${name}.bin`)), `${name}.bin`);
      let wrong = 0;
      for (let m = 0; m < ds.count; m++) {
        const r = ds.molecule(m);
        const z = Array.from({ length: r.numAtoms }, (_, i) => r.atomFeatures[i * 9] + 1);
        const stored = new Set<string>();
        for (let e = 0; e < r.bonds.length; e += 2) stored.add(`${Math.min(r.bonds[e], r.bonds[e + 1])},${Math.max(r.bonds[e], r.bonds[e + 1])}`);
        const perceived = distanceBonds(z, r.positions).map(([a, b]) => `${a},${b}`);
        if (perceived.length !== stored.size || perceived.some((p) => !stored.has(p))) wrong++;
      }
      expect(`${name}: ${wrong} of ${ds.count} molecules differ`).toBe(`${name}: 0 of ${ds.count} molecules differ`);
    }
  });
});
