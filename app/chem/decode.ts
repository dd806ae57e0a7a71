/**
 * 3D->2D output to a molecule (docs/method.md §3.7, the suggested decode): atom types by argmax over X,
 * bond orders by rounding the symmetrised A to {0..4} (4 = aromatic) with a zero diagonal; then
 * a Kekulé form, a V2000 molblock and RDKit sanitisation. An invalid graph gives the reason
 * (the first problem found, or RDKit's own message).
 *
 * Aromatic codes are kekulised (kekule.ts) rather than written as V2000 bond type 4: RDKit reads
 * type 4 as a query bond and cannot give a pyrrole-type N its hydrogen, so rings like pyrrole would
 * fail. For these graphs an aromatic N/P may go without a double bond (and O/S never take one).
 */
import { allowedValences, hasElectronData, symbolOf, symbolOrNumber, TEN_CLASS_ELEMENTS } from './elements';
import { parseRDKitMol } from './molecule';
import { kekulize, type KekuleResult } from './kekule';
import { writeMolblock } from './molfile';
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
 * Kekulé orders (1..3) for a decoded heavy-atom graph (neutral atoms, hydrogen counts unknown):
 * the lab's kekuliser (kekule.ts) with N/P allowed to keep an H instead of a double bond
 * (pyrrole-like) and O/S never taking one (furan). Returns the orders or why none exists.
 */
export function kekulizeBonds(atomicNumbers: readonly number[], bonds: readonly GraphBond[]): KekuleResult {
  return kekulize(atomicNumbers.map((z) => ({ atomicNumber: z, charge: 0, hydrogens: null, radicals: 0 })), bonds);
}

/** A V2000 molblock of a neutral heavy-atom graph with Kekulé orders 1..3 (implicit H by RDKit). */
export function graphMolblock(atomicNumbers: readonly number[], bonds: readonly GraphBond[], orders: readonly number[], positions?: ArrayLike<number>, name = ''): string {
  return writeMolblock(
    atomicNumbers.map((z) => ({ element: symbolOf(z) })),
    bonds.map((b, i) => ({ a: b.a, b: b.b, order: orders[i] })),
    { positions, name },
  );
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
