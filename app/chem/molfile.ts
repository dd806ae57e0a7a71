/**
 * The lab's one V2000 molblock writer (`writeMolblock`), and `toMolblock` for the molecule model:
 * Kekulé bond orders for aromatic systems (kekule.ts; V2000 bond type 4 is a query type and loses
 * [nH]-style hydrogens), charges, radicals, and the valence field where RDKit's implicit-H model
 * would otherwise get the H count wrong. Every molblock the lab writes (files, SDF records, the
 * decoded and perceived graphs, XYZ input, the editor's drawing) goes through `writeMolblock`.
 */
import { allowedValences } from './elements';
import { ATOM_FEATURES } from './featurize';
import { kekulize as kekulizeGraph } from './kekule';
import type { ChemMolecule } from './molecule';
import { ChemError } from './rdkit';

export function hydrogenCount(mol: ChemMolecule, atom: number): number {
  const h = mol.atomFeatures[atom * ATOM_FEATURES + 4];
  if (h > 8) throw new ChemError(`atom ${atom + 1} has a hydrogen count outside 0..8 (misc); cannot write it`);
  return h;
}

export function radicalCount(mol: ChemMolecule, atom: number): number {
  const r = mol.atomFeatures[atom * ATOM_FEATURES + 5];
  if (r > 4) throw new ChemError(`atom ${atom + 1} has a radical count outside 0..4 (misc); cannot write it`);
  return r;
}

/** Kekulé orders (1/2/3) for every bond of a molecule whose hydrogen counts are known (kekule.ts). */
export function kekulize(mol: ChemMolecule): Uint8Array {
  const atoms = mol.atoms.map((a, i) => ({ atomicNumber: a.atomicNumber, charge: a.charge, hydrogens: hydrogenCount(mol, i), radicals: radicalCount(mol, i) }));
  const r = kekulizeGraph(atoms, mol.bonds);
  if ('reason' in r) throw new ChemError(r.reason);
  return Uint8Array.from(r.orders);
}

/** Header line 2: the dimension code must sit in columns 21-22 (after program name and date). */
export const programLine = (dim: '2D' | '3D') => `  MolSDE  ${' '.repeat(10)}${dim}`;

/**
 * A V2000 coordinate: 10 columns with 4 decimals, so -9999.9999 .. 99999.9999. A value that does
 * not fit would shift every later column and give a file no reader (ours included) accepts.
 */
export const f10 = (v: number): string => {
  if (!Number.isFinite(v)) throw new ChemError(`coordinate ${v} is not finite; cannot write it`);
  const s = v.toFixed(4);
  if (s.length > 10) throw new ChemError(`coordinate ${v.toExponential(3)} Å does not fit the molfile's 10 columns; cannot write it`);
  return s.padStart(10);
};
const i3 = (v: number): string => String(v).padStart(3);

export interface MolblockAtom {
  element: string;
  /** Formal charge, written as M  CHG. */
  charge?: number;
  /** Unpaired electrons (1 doublet, 2 triplet), written as M  RAD. */
  radicals?: number;
  /** The V2000 valence field (0 = default, 15 = zero valence). */
  valence?: number;
}

export interface MolblockBond {
  a: number;
  b: number;
  /** 1..3 (the lab never writes the query type 4: kekulise first). */
  order: number;
  /** The V2000 bond stereo field (1 wedge, 6 hash, 3 either double bond; 0 none). */
  stereo?: number;
}

/**
 * A V2000 molblock. `positions` ([n x 3]) are written as they are (zero without); `dim` is the
 * header's dimension code (3D when positions are given, unless said otherwise).
 */
export function writeMolblock(
  atoms: readonly MolblockAtom[],
  bonds: readonly MolblockBond[],
  opts: { positions?: ArrayLike<number>; dim?: '2D' | '3D'; name?: string } = {},
): string {
  const n = atoms.length;
  if (n > 999 || bonds.length > 999) throw new ChemError(`V2000 holds at most 999 atoms and bonds; this molecule has ${n} atoms, ${bonds.length} bonds`);
  const { positions } = opts;
  if (positions && positions.length !== n * 3) throw new ChemError(`positions have ${positions.length} values; expected ${n * 3} for ${n} atoms`);
  const dim = opts.dim ?? (positions ? '3D' : '2D');
  const lines: string[] = [(opts.name ?? '').replace(/[\r\n]/g, ' ').slice(0, 80), programLine(dim), ''];
  lines.push(`${i3(n)}${i3(bonds.length)}  0  0  0  0  0  0  0  0999 V2000`);
  const charges: [number, number][] = [];
  const radicals: [number, number][] = [];
  atoms.forEach((a, i) => {
    const [x, y, z] = positions ? [positions[i * 3], positions[i * 3 + 1], positions[i * 3 + 2]] : [0, 0, 0];
    lines.push(`${f10(x)}${f10(y)}${f10(z)} ${a.element.padEnd(3)} 0  0  0  0  0${i3(a.valence ?? 0)}  0  0  0  0  0  0`);
    if (a.charge) charges.push([i + 1, a.charge]);
    if (a.radicals) radicals.push([i + 1, a.radicals === 1 ? 2 : 3]); // V2000: 2 = doublet, 3 = triplet
  });
  bonds.forEach((b) => {
    if (!(b.order >= 1 && b.order <= 3)) throw new ChemError(`bond ${b.a + 1}-${b.b + 1} has order ${b.order}; write Kekulé orders 1..3`);
    lines.push(`${i3(b.a + 1)}${i3(b.b + 1)}${i3(b.order)}${i3(b.stereo ?? 0)}`);
  });
  for (const [tag, list] of [['CHG', charges], ['RAD', radicals]] as const) {
    for (let s = 0; s < list.length; s += 8) {
      const chunk = list.slice(s, s + 8);
      lines.push(`M  ${tag}${i3(chunk.length)}${chunk.map(([i, v]) => ` ${i3(i)} ${i3(v)}`).join('')}`);
    }
  }
  lines.push('M  END');
  return lines.join('\n') + '\n';
}

/**
 * The molecule model as a V2000 molblock. With 3D `positions` (the molecule's own unless given)
 * RDKit perceives chirality and double-bond geometry from them when it reads the block back;
 * without, all coordinates are zero and the block carries the graph only.
 */
export function toMolblock(mol: ChemMolecule, positions: Float32Array | Float64Array | undefined = mol.positions, name = mol.name ?? ''): string {
  const n = mol.atoms.length;
  if (n > 999 || mol.bonds.length > 999) throw new ChemError(`V2000 holds at most 999 atoms and bonds; this molecule has ${n} atoms, ${mol.bonds.length} bonds`);
  const orders = kekulize(mol);
  const bondSum = new Array<number>(n).fill(0);
  mol.bonds.forEach((b, i) => {
    bondSum[b.a] += orders[i];
    bondSum[b.b] += orders[i];
  });
  const atoms = mol.atoms.map((a, i): MolblockAtom => {
    const h = hydrogenCount(mol, i);
    const rad = radicalCount(mol, i);
    // RDKit fills implicit H up to the smallest allowed valence; pin the valence where that
    // would give a different count (and always for radicals).
    const implied = allowedValences(a.atomicNumber, a.charge).find((v) => v >= bondSum[i]);
    const impliedH = implied === undefined ? -1 : implied - bondSum[i];
    const total = bondSum[i] + h;
    return { element: a.element, charge: a.charge, radicals: rad, valence: rad > 0 || impliedH !== h ? (total === 0 ? 15 : total) : 0 };
  });
  return writeMolblock(atoms, mol.bonds.map((b, i) => ({ a: b.a, b: b.b, order: orders[i] })), { positions, name });
}
