import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getRDKit } from '../../chem/rdkit';
import { readSdf, readSmiles } from '../../chem/io';
import { ALL_EXAMPLES } from './examples';

/** public/data/examples.sdf (tools/reference_geometries.py) holds a 3D geometry of every example. */
describe('shipped example geometries', () => {
  it('cover every example molecule, heavy atoms only, with plausible bond lengths', async () => {
    const rd = await getRDKit();
    const sdf = readSdf(rd, readFileSync('public/data/examples.sdf', 'utf8'));
    expect(sdf.errors).toEqual([]);
    const bySmiles = new Map(sdf.molecules.map((m) => [m.molecule.smiles, m.molecule]));
    for (const ex of ALL_EXAMPLES) {
      const want = readSmiles(rd, ex.smiles);
      const got = bySmiles.get(want.smiles);
      expect(got, `${ex.name} (${want.smiles})`).toBeDefined();
      expect(got!.name).toBe(ex.name);
      expect(got!.atoms.length).toBe(want.atoms.length);
      expect(got!.atoms.every((a) => a.element !== 'H')).toBe(true);
      const x = got!.positions!;
      for (const b of got!.bonds) {
        const d = Math.hypot(x[3 * b.a] - x[3 * b.b], x[3 * b.a + 1] - x[3 * b.b + 1], x[3 * b.a + 2] - x[3 * b.b + 2]);
        expect(d, `${ex.name} bond ${b.a}-${b.b}`).toBeGreaterThan(1.1);
        expect(d, `${ex.name} bond ${b.a}-${b.b}`).toBeLessThan(1.6);
      }
    }
    expect(sdf.molecules).toHaveLength(ALL_EXAMPLES.length);
  });
});
