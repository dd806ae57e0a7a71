/** Loads app/sde/fixtures/molecules.sdf (heavy-atom MMFF geometries) for the tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSdf } from '../chem/io';
import type { ChemMolecule } from '../chem/molecule';
import type { RDKit } from '../chem/rdkit';

export function loadFixtureMolecules(rd: RDKit): Map<string, ChemMolecule> {
  const text = readFileSync(fileURLToPath(new URL('./fixtures/molecules.sdf', import.meta.url)), 'utf8');
  const { molecules, errors } = readSdf(rd, text);
  if (errors.length) throw new Error(`fixtures: ${errors.map((e) => e.reason).join('; ')}`);
  return new Map(molecules.map((m) => [m.molecule.name ?? `record ${m.record}`, m.molecule]));
}

/** Bond codes (4 = aromatic) of a molecule, [n * n]. */
export function moleculeCodes(mol: ChemMolecule): Uint8Array {
  const n = mol.atoms.length;
  const codes = new Uint8Array(n * n);
  for (const b of mol.bonds) {
    codes[b.a * n + b.b] = b.order;
    codes[b.b * n + b.a] = b.order;
  }
  return codes;
}
