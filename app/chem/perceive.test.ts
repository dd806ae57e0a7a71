import { describe, expect, it } from 'vitest';
import { getRDKit } from './rdkit';
import { distanceBonds, perceiveMolecule } from './perceive';
import { loadFixtureMolecules, moleculeCodes } from '../sde/testFixtures';

describe('distance-based bond perception (the 3D->2D baseline)', () => {
  it('recovers connectivity and bond orders of MMFF geometries, aromatic rings included', async () => {
    const rd = await getRDKit();
    const mols = loadFixtureMolecules(rd);
    expect(mols.size).toBe(11);
    for (const [name, mol] of mols) {
      const zs = mol.atoms.map((a) => a.atomicNumber);
      const pairs = distanceBonds(zs, mol.positions!);
      expect(pairs.map(([a, b]) => `${a}-${b}`).sort(), `${name} connectivity`).toEqual(mol.bonds.map((b) => `${Math.min(b.a, b.b)}-${Math.max(b.a, b.b)}`).sort());
      const p = perceiveMolecule(rd, zs, mol.positions!);
      expect(p.check.reason, name).toBeNull();
      expect(Array.from(p.check.sanitizedCodes!), `${name} bond orders`).toEqual(Array.from(moleculeCodes(mol)));
      expect(p.check.smiles, name).toBe(mol.smiles);
    }
  });

  it('stretching a bond past 1.2 x the covalent radii breaks it', async () => {
    const zs = [6, 8];
    expect(distanceBonds(zs, [0, 0, 0, 1.4, 0, 0])).toEqual([[0, 1]]);
    expect(distanceBonds(zs, [0, 0, 0, 1.2 * (0.76 + 0.66) + 0.01, 0, 0])).toEqual([]);
  });
});
