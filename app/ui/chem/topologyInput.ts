/**
 * Inputs of the 3D -> 2D task: heavy atoms with 3D coordinates, from an SDF/molfile, an XYZ file
 * or a sampled conformer. The model only needs elements and coordinates; the input graph is kept
 * to compare the recovered bonds with. Bare heavy-atom XYZ files have no graph: their bonds are
 * perceived from distances (covalent radii), as single bonds, and labelled as perceived.
 */
import { readSdf } from '../../chem/io';
import type { ChemMolecule } from '../../chem/molecule';
import { toMolblock, writeMolblock } from '../../chem/molfile';
import { perceiveBonds, readXyz, xyzToMolecule } from '../../chem/xyz';
import type { TopologyInput } from '../state/topologyStore';
import { chem } from './bridge';
import { moleculeOf } from './conformers';

const LIMITS = { maxHeavyAtoms: 64, elements: ['B', 'C', 'N', 'O', 'F', 'Si', 'P', 'S', 'Cl', 'Br', 'I'] };

function fromMolecule(mol: ChemMolecule, positions: Float32Array, source: string): TopologyInput {
  return {
    molblock: toMolblock(mol, positions, mol.name ?? source),
    elements: mol.atoms.map((a) => a.element),
    positions,
    bonds: mol.bonds.map((b) => ({ a: b.a, b: b.b, order: b.order })),
    bondsPerceived: false,
    smiles: mol.smiles,
    source,
  };
}

/** A heavy-atom V2000 block from elements, coordinates and (perceived) single bonds. */
function bareMolblock(elements: string[], positions: Float32Array, bonds: { a: number; b: number }[], title: string): string {
  return writeMolblock(elements.map((element) => ({ element })), bonds.map((b) => ({ ...b, order: 1 })), { positions, name: title });
}

export async function topologyInputFromFile(name: string, text: string): Promise<{ input: TopologyInput; notes: string[] }> {
  const rd = await chem();
  const notes: string[] = [];
  if (/\.xyz$/i.test(name) || /^\s*\d+\s*\n/.test(text)) {
    const res = readXyz(text);
    if (!res.frames.length) throw new Error(res.errors.map((e) => e.reason).join('; ') || 'no frames in the XYZ file');
    const frame = res.frames[0];
    if (res.frames.length > 1) notes.push(`${name} has ${res.frames.length} frames; using the first.`);
    notes.push(...res.errors.map((e) => e.reason));
    if (frame.atomicNumbers.includes(1)) {
      const mol = xyzToMolecule(rd, frame, LIMITS);
      return { input: fromMolecule(mol, mol.positions!, `${name}, frame 1`), notes };
    }
    const elements = frame.elements;
    const bonds = perceiveBonds(frame.atomicNumbers, frame.positions);
    notes.push('The XYZ file has no hydrogens: its bonds were perceived from distances (shown as single bonds) for the comparison.');
    return {
      input: {
        molblock: bareMolblock(elements, frame.positions, bonds, frame.comment || name),
        elements,
        positions: frame.positions,
        bonds: bonds.map((b) => ({ ...b, order: 1 })),
        bondsPerceived: true,
        smiles: null,
        source: `${name}, frame 1`,
      },
      notes,
    };
  }
  const res = readSdf(rd, text, LIMITS);
  notes.push(...res.errors.map((e) => e.reason));
  const entry = res.molecules.find((m) => m.molecule.positions);
  if (!entry) throw new Error(res.molecules.length ? `${name} has no record with 3D coordinates` : res.errors.map((e) => e.reason).join('; ') || `${name} holds no molecule`);
  if (res.molecules.length > 1) notes.push(`${name} has ${res.molecules.length} records; using record ${entry.record}.`);
  return { input: fromMolecule(entry.molecule, entry.molecule.positions!, `${name}, record ${entry.record}`), notes };
}

export async function topologyInputFromConformer(molblock: string, positions: Float32Array, label: string): Promise<TopologyInput> {
  const mol = await moleculeOf(molblock);
  return fromMolecule(mol, positions, label);
}
