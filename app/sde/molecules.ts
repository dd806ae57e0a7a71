/**
 * Glue between the chemistry model (ChemMolecule), data-set records and the batcher: sampling
 * needs a BatchMolecule (features, bonds), the metrics need a ChemMolecule (elements, bond
 * orders, stereo) in the same atom order.
 */
import type { BatchMolecule } from '../data/batch';
import type { MoleculeRecord } from '../data/dataset';
import { readSmiles } from '../chem/io';
import type { ChemMolecule, MoleculeLimits } from '../chem/molecule';
import { ChemError, type RDKit } from '../chem/rdkit';

export function batchMoleculeOf(mol: ChemMolecule, positions: Float32Array | undefined = mol.positions): BatchMolecule {
  const bonds = new Uint32Array(2 * mol.bonds.length);
  mol.bonds.forEach((b, i) => bonds.set([Math.min(b.a, b.b), Math.max(b.a, b.b)], 2 * i));
  return {
    smiles: mol.smiles,
    numAtoms: mol.atoms.length,
    atomFeatures: mol.atomFeatures,
    bonds,
    bondFeatures: mol.bondFeatures,
    positions,
  };
}

/**
 * The ChemMolecule of a data-set record: RDKit's parse of its SMILES, whose atom order is the
 * record's (FORMAT.md "Atom order"), with the record's geometry. Throws when the orders disagree.
 */
export function chemOfRecord(rd: RDKit, record: MoleculeRecord, limits?: MoleculeLimits): ChemMolecule {
  const mol = readSmiles(rd, record.smiles, limits);
  const what = `molecule ${record.index} (${record.smiles})`;
  if (mol.atoms.length !== record.numAtoms) throw new ChemError(`${what}: the SMILES has ${mol.atoms.length} heavy atoms, the record ${record.numAtoms}`);
  for (let i = 0; i < record.numAtoms; i++) {
    if (mol.atoms[i].atomicNumber !== record.atomFeatures[9 * i] + 1) throw new ChemError(`${what}: atom ${i + 1} differs between the SMILES and the record`);
  }
  return { ...mol, positions: Float32Array.from(record.positions) };
}

/** Bond-order codes [n * n] (OGB bond type + 1: single 1 .. aromatic 4) of a record. */
export function recordCodes(record: Pick<MoleculeRecord, 'numAtoms' | 'numBonds' | 'bonds' | 'bondFeatures'>): Uint8Array {
  const n = record.numAtoms;
  const codes = new Uint8Array(n * n);
  for (let b = 0; b < record.numBonds; b++) {
    const [i, j] = [record.bonds[2 * b], record.bonds[2 * b + 1]];
    const code = record.bondFeatures[3 * b] + 1;
    codes[i * n + j] = code;
    codes[j * n + i] = code;
  }
  return codes;
}
