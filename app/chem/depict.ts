/**
 * 2D depiction with rdkit-js: SVG (optionally with highlighted atoms and bonds, in the model's
 * indices) and 2D coordinates for the editor's "tidy".
 *
 * The model's own SMILES carries its stereo but has a different atom order; the depiction is drawn
 * from it (so wedges show), and model indices are mapped onto it by a substructure match.
 */
import type { ChemMolecule } from './molecule';
import { toMolblock } from './molfile';
import { ChemError, parseMol, type RDKit, type RDMol } from './rdkit';

export interface DepictOptions {
  width?: number;
  height?: number;
  highlightAtoms?: number[];
  highlightBonds?: number[];
}

/** perm[i] = index in `target` of the model's atom i (graph match, stereo ignored). */
function mapModelOnto(rd: RDKit, mol: ChemMolecule, target: RDMol): number[] {
  const graph = parseMol(rd, toMolblock(mol, undefined), { removeHs: false }, 'molecule');
  try {
    const match = JSON.parse(target.get_substruct_match(graph)) as { atoms?: number[] };
    if (!match.atoms || match.atoms.length !== mol.atoms.length) {
      throw new ChemError(`depiction: the model of ${mol.smiles} does not match its own SMILES`);
    }
    return match.atoms;
  } finally {
    graph.delete();
  }
}

function bondIndex(rdMol: RDMol, a: number, b: number): number {
  const json = JSON.parse(rdMol.get_json()) as { molecules: { bonds?: { atoms: [number, number] }[] }[] };
  return (json.molecules[0].bonds ?? []).findIndex((bd) => (bd.atoms[0] === a && bd.atoms[1] === b) || (bd.atoms[0] === b && bd.atoms[1] === a));
}

/** SVG of the molecule (or a SMILES string), highlights given in the model's indices. */
export function depictSvg(rd: RDKit, mol: ChemMolecule | string, options: DepictOptions = {}): string {
  const { width = 300, height = 220, highlightAtoms = [], highlightBonds = [] } = options;
  const smiles = typeof mol === 'string' ? mol : mol.smiles;
  const m = parseMol(rd, smiles, {}, 'SMILES');
  try {
    m.set_new_coords(true);
    let atoms = highlightAtoms;
    let bonds = highlightBonds;
    if (typeof mol !== 'string' && (atoms.length || bonds.length)) {
      const perm = mapModelOnto(rd, mol, m);
      for (const i of atoms) if (!(i >= 0 && i < mol.atoms.length)) throw new ChemError(`highlight atom ${i} is out of range (0..${mol.atoms.length - 1})`);
      for (const i of bonds) if (!(i >= 0 && i < mol.bonds.length)) throw new ChemError(`highlight bond ${i} is out of range (0..${mol.bonds.length - 1})`);
      atoms = atoms.map((i) => perm[i]);
      bonds = bonds.map((i) => bondIndex(m, perm[mol.bonds[i].a], perm[mol.bonds[i].b]));
    }
    return m.get_svg_with_highlights(JSON.stringify({ width, height, atoms, bonds }));
  } finally {
    m.delete();
  }
}

/** RDKit 2D coordinates [n x 2] in the model's atom order (CoordGen when `coordgen`). */
export function coords2D(rd: RDKit, mol: ChemMolecule, coordgen = true): Float32Array {
  const m = parseMol(rd, mol.smiles, {}, 'SMILES');
  try {
    m.set_new_coords(coordgen);
    const perm = mapModelOnto(rd, mol, m);
    const xy = m.get_coords() as number[][];
    const out = new Float32Array(mol.atoms.length * 2);
    perm.forEach((t, i) => {
      out[i * 2] = xy[t][0];
      out[i * 2 + 1] = xy[t][1];
    });
    return out;
  } finally {
    m.delete();
  }
}
