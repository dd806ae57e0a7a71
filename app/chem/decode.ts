/**
 * 3D->2D output to a molecule (docs/method.md §3.7, the suggested decode): atom types by argmax over X,
 * bond orders by rounding the symmetrised A to {0..4} (4 = aromatic) with a zero diagonal; then
 * a Kekulé form, a V2000 molblock and RDKit sanitisation. An invalid graph gives the reason
 * (the first problem found, or RDKit's own message).
 *
 * Aromatic codes are kekulised here rather than written as V2000 bond type 4: RDKit reads type 4
 * as a query bond and cannot give a pyrrole-type N its hydrogen, so rings like pyrrole would fail.
 * Our kekuliser lets an aromatic N/P (and O/S, which never need one) go without a double bond.
 */
import { allowedValences, hasElectronData, symbolOf, symbolOrNumber, TEN_CLASS_ELEMENTS } from './elements';
import { parseRDKitMol } from './molecule';
import { programLine } from './molfile';
import { parseMol, type RDKit } from './rdkit';

/** Undirected bond with order 1..3, or 4 for aromatic. */
export interface GraphBond {
  a: number;
  b: number;
  order: number;
}

export interface DecodedGraph {
  numAtoms: number;
  /** Class index per atom (argmax of X). */
  classes: number[];
  /** Atomic number per atom; 0 for the 10-class 'other' class. */
  atomicNumbers: number[];
  /** u8 [n * n] symmetric bond-order codes 0..4, zero diagonal. */
  codes: Uint8Array;
}

/** Atomic number of a 3D->2D class (0 for the 10-class 'other'). */
export function classToAtomicNumber(cls: number, numClasses: number): number {
  // 119 classes are Z - 1 for Z = 1..118 plus OGB's last 'misc' class (118), which is no element.
  if (numClasses === 119) return cls >= 0 && cls < 118 ? cls + 1 : 0;
  if (numClasses === 10) return cls < TEN_CLASS_ELEMENTS.length ? TEN_CLASS_ELEMENTS[cls] : 0;
  throw new Error(`decode: unsupported number of atom classes ${numClasses}`);
}

/** Bond code of a continuous (already symmetrised) adjacency value: nearest of 0..4. */
export function roundBondCode(v: number): number {
  if (!Number.isFinite(v)) return 0;
  return Math.min(4, Math.max(0, Math.round(v)));
}

/**
 * Decode one graph from dense outputs: `x` rows of `numClasses` values and `a` rows of `stride`
 * values (stride = Nmax of the batch), both starting at this graph's first row.
 */
export function decodeGraph(x: ArrayLike<number>, a: ArrayLike<number>, n: number, numClasses: number, stride = n, xOffset = 0, aOffset = 0): DecodedGraph {
  if (x.length < xOffset + n * numClasses) throw new Error(`decodeGraph: X has ${x.length - xOffset} values, need ${n} x ${numClasses}`);
  if (a.length < aOffset + (n - 1) * stride + n) throw new Error(`decodeGraph: A has ${a.length - aOffset} values, need ${n} rows of stride ${stride}`);
  const classes: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      const v = x[xOffset + i * numClasses + c];
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    classes.push(best);
  }
  const codes = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (a[aOffset + i * stride + j] + a[aOffset + j * stride + i]);
      const code = roundBondCode(v);
      codes[i * n + j] = code;
      codes[j * n + i] = code;
    }
  }
  return { numAtoms: n, classes, atomicNumbers: classes.map((c) => classToAtomicNumber(c, numClasses)), codes };
}

export function bondsOfCodes(codes: Uint8Array, n: number): GraphBond[] {
  const bonds: GraphBond[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (codes[i * n + j] > 0) bonds.push({ a: i, b: j, order: codes[i * n + j] });
  return bonds;
}

export function codesOfBonds(bonds: readonly GraphBond[], n: number): Uint8Array {
  const codes = new Uint8Array(n * n);
  for (const b of bonds) {
    codes[b.a * n + b.b] = b.order;
    codes[b.b * n + b.a] = b.order;
  }
  return codes;
}

/**
 * Kekulé orders (1..3) for bonds with aromatic code 4: a matching on the aromatic subgraph in which
 * every aromatic atom that still has a free valence unit takes exactly one double bond, except N/P
 * (which may keep the unit as an H, pyrrole-like) and atoms with no free unit (furan O). Returns
 * the orders or the reason no placement exists.
 */
export function kekulizeBonds(atomicNumbers: readonly number[], bonds: readonly GraphBond[]): { orders: number[] } | { reason: string } {
  const n = atomicNumbers.length;
  const orders = bonds.map((b) => (b.order === 4 ? 1 : b.order));
  const aromaticOf: number[][] = Array.from({ length: n }, () => []);
  const used = new Array<number>(n).fill(0);
  bonds.forEach((b, i) => {
    used[b.a] += orders[i];
    used[b.b] += orders[i];
    if (b.order === 4) {
      aromaticOf[b.a].push(i);
      aromaticOf[b.b].push(i);
    }
  });
  // 2: must take a double bond; 1: may (N, P: else it keeps an H); 0: must not.
  const need = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    if (aromaticOf[i].length === 0) continue;
    const z = atomicNumbers[i];
    const max = Math.max(...allowedValences(z, 0));
    if (used[i] + 1 > max) continue;
    need[i] = z === 7 || z === 15 ? 1 : z === 8 || z === 16 || z === 34 || z === 52 ? 0 : 2;
  }
  const matched = new Array<boolean>(n).fill(false);
  const order = [...Array(n).keys()].filter((i) => need[i] > 0).sort((p, q) => need[q] - need[p] || aromaticOf[p].length - aromaticOf[q].length);
  let budget = 200_000; // search nodes; aromatic systems here are tiny
  const search = (k: number): boolean => {
    if (--budget < 0) return false;
    while (k < order.length && matched[order[k]]) k++;
    if (k === order.length) return true;
    const i = order[k];
    for (const bi of aromaticOf[i]) {
      const b = bonds[bi];
      const j = b.a === i ? b.b : b.a;
      if (need[j] === 0 || matched[j]) continue;
      matched[i] = matched[j] = true;
      orders[bi] = 2;
      if (search(k + 1)) return true;
      matched[i] = matched[j] = false;
      orders[bi] = 1;
    }
    // An optional atom may stay single-bonded (it keeps a hydrogen).
    return need[i] === 1 && search(k + 1);
  };
  if (!search(0)) {
    const left = order.filter((i) => need[i] === 2 && !matched[i]).map((i) => `${symbolOf(atomicNumbers[i])}${i + 1}`);
    return { reason: `cannot kekulise the aromatic bonds (no double-bond placement for ${left.join(', ') || 'its atoms'})` };
  }
  return { orders };
}

const pad3 = (v: number) => String(v).padStart(3);

/** A V2000 molblock of a neutral heavy-atom graph with Kekulé orders 1..3 (implicit H by RDKit). */
export function graphMolblock(atomicNumbers: readonly number[], bonds: readonly GraphBond[], orders: readonly number[], positions?: ArrayLike<number>, name = ''): string {
  const n = atomicNumbers.length;
  if (n > 999 || bonds.length > 999) throw new Error(`graphMolblock: V2000 holds at most 999 atoms and bonds (${n}, ${bonds.length})`);
  const lines = [name.replace(/[\r\n]/g, ' ').slice(0, 80), programLine(positions ? '3D' : '2D'), ''];
  lines.push(`${pad3(n)}${pad3(bonds.length)}  0  0  0  0  0  0  0  0999 V2000`);
  atomicNumbers.forEach((z, i) => {
    const c = [0, 1, 2].map((k) => (positions ? positions[i * 3 + k] : 0).toFixed(4).padStart(10)).join('');
    lines.push(`${c} ${symbolOf(z).padEnd(3)} 0  0  0  0  0  0  0  0  0  0  0  0`);
  });
  bonds.forEach((b, i) => lines.push(`${pad3(b.a + 1)}${pad3(b.b + 1)}${pad3(orders[i])}  0`));
  lines.push('M  END');
  return lines.join('\n') + '\n';
}

export interface MoleculeCheck {
  valid: boolean;
  /** RDKit canonical SMILES (isomeric when positions were given) of a valid graph. */
  smiles: string | null;
  /** The same without stereo: what graph identity is judged on. */
  graphSmiles: string | null;
  reason: string | null;
  molblock: string | null;
  /** Bond-order codes after RDKit's aromaticity perception (4 = aromatic), when valid. */
  sanitizedCodes: Uint8Array | null;
}

const invalid = (reason: string, molblock: string | null = null): MoleculeCheck => ({ valid: false, smiles: null, graphSmiles: null, reason, molblock, sanitizedCodes: null });

/** Kekulise, write and sanitise a graph with RDKit; a valid graph gets its SMILES. */
export function checkMolecule(rd: RDKit, atomicNumbers: readonly number[], bonds: readonly GraphBond[], positions?: ArrayLike<number>): MoleculeCheck {
  const n = atomicNumbers.length;
  if (n === 0) return invalid('the graph has no atoms');
  for (let i = 0; i < n; i++) {
    const z = atomicNumbers[i];
    if (z === 0) return invalid(`atom ${i + 1} decodes to the 'other' element class`);
    if (!hasElectronData(z)) return invalid(`atom ${i + 1} decodes to ${symbolOrNumber(z)}, which is not an organic element the lab supports`);
  }
  for (const b of bonds) {
    if (!(b.order >= 1 && b.order <= 4)) return invalid(`bond ${b.a + 1}-${b.b + 1} has code ${b.order}, not 1..4`);
  }
  const kek = kekulizeBonds(atomicNumbers, bonds);
  if ('reason' in kek) return invalid(kek.reason);
  const molblock = graphMolblock(atomicNumbers, bonds, kek.orders, positions);
  let mol;
  try {
    mol = parseMol(rd, molblock, { removeHs: false }, 'decoded graph');
  } catch (e) {
    return invalid((e as Error).message.replace(/^invalid decoded graph: /, ''), molblock);
  }
  try {
    const smiles = mol.get_smiles();
    const graphSmiles = mol.get_smiles(JSON.stringify({ doIsomericSmiles: false }));
    const parsed = parseRDKitMol(mol, 'decoded graph');
    if (parsed.graph.atoms.length !== n) return invalid(`RDKit kept ${parsed.graph.atoms.length} of ${n} atoms`, molblock);
    const sanitized = codesOfBonds(parsed.graph.bonds.map((b) => ({ a: b.a, b: b.b, order: b.aromatic ? 4 : b.kekule })), n);
    return { valid: true, smiles, graphSmiles, reason: null, molblock, sanitizedCodes: sanitized };
  } catch (e) {
    return invalid((e as Error).message, molblock);
  } finally {
    mol.delete();
  }
}

export interface DecodedMolecule extends DecodedGraph, MoleculeCheck {}

/** decodeGraph then checkMolecule. */
export function decodeMolecule(
  rd: RDKit, x: ArrayLike<number>, a: ArrayLike<number>, n: number, numClasses: number,
  opts: { stride?: number; xOffset?: number; aOffset?: number; positions?: ArrayLike<number> } = {},
): DecodedMolecule {
  const g = decodeGraph(x, a, n, numClasses, opts.stride ?? n, opts.xOffset ?? 0, opts.aOffset ?? 0);
  return { ...g, ...checkMolecule(rd, g.atomicNumbers, bondsOfCodes(g.codes, n), opts.positions) };
}
