/**
 * Writing V2000 molblocks from the molecule model: Kekulé bond orders for aromatic systems (V2000
 * bond type 4 is a query type and loses [nH]-style hydrogens), charges, radicals, and the
 * valence field where RDKit's implicit-H model would otherwise get the H count wrong.
 */
import { allowedValences } from './elements';
import { ATOM_FEATURES } from './featurize';
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

/**
 * Kekulé orders (1/2/3) for every bond: aromatic bonds become single or double so that each
 * aromatic atom that lacks one unit of valence gets exactly one double bond (a perfect matching
 * on the aromatic subgraph, found by depth-first search; fused rings need not be bipartite).
 */
export function kekulize(mol: ChemMolecule): Uint8Array {
  const n = mol.atoms.length;
  const orders = new Uint8Array(mol.bonds.length);
  const aromaticBondsOf: number[][] = Array.from({ length: n }, () => []);
  const fixed = new Array<number>(n).fill(0);
  mol.bonds.forEach((b, i) => {
    if (b.order === 4) {
      orders[i] = 1;
      aromaticBondsOf[b.a].push(i);
      aromaticBondsOf[b.b].push(i);
    } else {
      orders[i] = b.order;
    }
    fixed[b.a] += orders[i];
    fixed[b.b] += orders[i];
  });
  const needsDouble = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) {
    if (aromaticBondsOf[i].length === 0) continue;
    const used = fixed[i] + hydrogenCount(mol, i) + radicalCount(mol, i);
    const valences = allowedValences(mol.atoms[i].atomicNumber, mol.atoms[i].charge);
    const v = valences.find((x) => x >= used);
    needsDouble[i] = v !== undefined && v > used;
  }
  const matched = new Array<boolean>(n).fill(false);
  const order = [...Array(n).keys()].filter((i) => needsDouble[i]);
  // Most constrained atom first keeps the search shallow.
  order.sort((x, y) => aromaticBondsOf[x].length - aromaticBondsOf[y].length);
  const search = (k: number): boolean => {
    while (k < order.length && matched[order[k]]) k++;
    if (k === order.length) return true;
    const i = order[k];
    for (const bi of aromaticBondsOf[i]) {
      const b = mol.bonds[bi];
      const j = b.a === i ? b.b : b.a;
      if (!needsDouble[j] || matched[j]) continue;
      matched[i] = matched[j] = true;
      orders[bi] = 2;
      if (search(k + 1)) return true;
      matched[i] = matched[j] = false;
      orders[bi] = 1;
    }
    return false;
  };
  if (!search(0)) {
    const left = order.filter((i) => !matched[i]).map((i) => `${mol.atoms[i].element}${i + 1}`);
    throw new ChemError(`cannot kekulise the aromatic system (no double-bond placement for ${left.join(', ') || 'its atoms'})`);
  }
  return orders;
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

/**
 * A V2000 molblock. With 3D `positions` (the molecule's own unless given) RDKit perceives
 * chirality and double-bond geometry from them when it reads the block back; without, all
 * coordinates are zero and the block carries the graph only.
 */
export function toMolblock(mol: ChemMolecule, positions: Float32Array | Float64Array | undefined = mol.positions, name = mol.name ?? ''): string {
  const n = mol.atoms.length;
  if (n > 999 || mol.bonds.length > 999) throw new ChemError(`V2000 holds at most 999 atoms and bonds; this molecule has ${n} atoms, ${mol.bonds.length} bonds`);
  if (positions && positions.length !== n * 3) {
    throw new ChemError(`positions have ${positions.length} values; expected ${n * 3} for ${n} atoms`);
  }
  const orders = kekulize(mol);
  const bondSum = new Array<number>(n).fill(0);
  mol.bonds.forEach((b, i) => {
    bondSum[b.a] += orders[i];
    bondSum[b.b] += orders[i];
  });
  const lines: string[] = [name.replace(/[\r\n]/g, ' ').slice(0, 80), programLine(positions ? '3D' : '2D'), ''];
  lines.push(`${i3(n)}${i3(mol.bonds.length)}  0  0  0  0  0  0  0  0999 V2000`);
  const charges: [number, number][] = [];
  const radicals: [number, number][] = [];
  mol.atoms.forEach((a, i) => {
    const x = positions ? positions[i * 3] : 0;
    const y = positions ? positions[i * 3 + 1] : 0;
    const z = positions ? positions[i * 3 + 2] : 0;
    const h = hydrogenCount(mol, i);
    const rad = radicalCount(mol, i);
    // RDKit fills implicit H up to the smallest allowed valence; pin the valence where that
    // would give a different count (and always for radicals).
    const implied = allowedValences(a.atomicNumber, a.charge).find((v) => v >= bondSum[i]);
    const impliedH = implied === undefined ? -1 : implied - bondSum[i];
    const total = bondSum[i] + h;
    const vvv = rad > 0 || impliedH !== h ? (total === 0 ? 15 : total) : 0;
    lines.push(`${f10(x)}${f10(y)}${f10(z)} ${a.element.padEnd(3)} 0  0  0  0  0${i3(vvv)}  0  0  0  0  0  0`);
    if (a.charge !== 0) charges.push([i + 1, a.charge]);
    if (rad > 0) radicals.push([i + 1, rad === 1 ? 2 : 3]); // V2000: 2 = doublet, 3 = triplet
  });
  mol.bonds.forEach((b, i) => lines.push(`${i3(b.a + 1)}${i3(b.b + 1)}${i3(orders[i])}  0`));
  for (const [tag, list] of [['CHG', charges], ['RAD', radicals]] as const) {
    for (let s = 0; s < list.length; s += 8) {
      const chunk = list.slice(s, s + 8);
      lines.push(`M  ${tag}${i3(chunk.length)}${chunk.map(([i, v]) => ` ${i3(i)} ${i3(v)}`).join('')}`);
    }
  }
  lines.push('M  END');
  return lines.join('\n') + '\n';
}
