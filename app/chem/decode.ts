/**
 * 3D->2D output to a molecule (docs/method.md §3.7, the suggested decode): atom types by argmax over X,
 * bond orders by rounding the symmetrised A to {0..4} (4 = aromatic) with a zero diagonal; then
 * a Kekulé form, a V2000 molblock and RDKit sanitisation. An invalid graph gives the reason
 * (the first problem found, or RDKit's own message).
 *
 * When the rounded graph is not a molecule, a valency correction (docs/method.md §3.8, on by
 * default, `valencyCorrection: false` turns it off) lowers the least confident bond orders until it
 * is; the result says whether the graph was valid as decoded and which bonds were lowered.
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
  /** [n * n] the symmetrised continuous adjacency the codes were rounded from (confidence). */
  values: Float32Array;
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
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (a[aOffset + i * stride + j] + a[aOffset + j * stride + i]);
      const code = roundBondCode(v);
      codes[i * n + j] = code;
      codes[j * n + i] = code;
      values[i * n + j] = v;
      values[j * n + i] = v;
    }
  }
  return { numAtoms: n, classes, atomicNumbers: classes.map((c) => classToAtomicNumber(c, numClasses)), codes, values };
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

/** A bond order the valency correction changed (codes as in DecodedGraph: 0 none .. 4 aromatic). */
export interface BondChange {
  a: number;
  b: number;
  from: number;
  to: number;
}

/** One step down in bond order: triple -> double -> single -> none, aromatic -> single. */
const LOWER_CODE = [0, 0, 1, 2, 1] as const;

/**
 * How sure the rounding was of a bond's code: the distance of its continuous value above the
 * boundary with the code below (v - (code - 0.5)). Small = it nearly rounded one lower.
 */
function keepMargin(value: number, code: number): number {
  return Number.isFinite(value) ? value - (code - 0.5) : 0;
}

/** Atoms whose bonds (aromatic counted as 1, the least an aromatic bond takes) exceed their largest allowed valence. */
function overValentAtoms(atomicNumbers: readonly number[], codes: Uint8Array): Set<number> {
  const n = atomicNumbers.length;
  const over = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (!hasElectronData(atomicNumbers[i])) continue;
    let used = 0;
    for (let j = 0; j < n; j++) used += codes[i * n + j] === 4 ? 1 : codes[i * n + j];
    if (used > Math.max(...allowedValences(atomicNumbers[i], 0))) over.add(i);
  }
  return over;
}

/** Aromatic bonds of the connected aromatic systems that cannot be kekulised on their own. */
function unkekulisableAromaticBonds(atomicNumbers: readonly number[], bonds: readonly GraphBond[]): GraphBond[] {
  const n = atomicNumbers.length;
  const parent = [...Array(n).keys()];
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (const b of bonds) if (b.order === 4) parent[find(b.a)] = find(b.b);
  const systems = new Map<number, GraphBond[]>();
  for (const b of bonds) if (b.order === 4) systems.set(find(b.a), [...(systems.get(find(b.a)) ?? []), b]);
  const others = bonds.filter((b) => b.order !== 4);
  const failing: GraphBond[] = [];
  for (const system of systems.values()) {
    if ('reason' in kekulizeBonds(atomicNumbers, [...others, ...system])) failing.push(...system);
  }
  return failing;
}

/**
 * Valency correction (docs/method.md §3.8; the "valency correction" of MoFlow and GDSS, which lower
 * bond orders until every valence is allowed): while the graph is not a molecule, lower one bond
 * by one step, the one whose decoded value was least sure of its code, chosen among
 * 1. the bonds of over-valent atoms, else
 * 2. the aromatic bonds of aromatic systems that cannot be kekulised (aromatic -> single), else
 * 3. every bond.
 * Every step lowers the sum of codes, so it ends; a graph of atoms without any bond is a molecule
 * (RDKit adds hydrogens), so it ends valid unless an atom itself is not a usable element (the
 * 'other' class), which no bond order can fix.
 */
export function correctValences(
  rd: RDKit, atomicNumbers: readonly number[], codesIn: Uint8Array, values: ArrayLike<number>, positions?: ArrayLike<number>,
): { check: MoleculeCheck; codes: Uint8Array; changes: BondChange[] } {
  const n = atomicNumbers.length;
  const codes = Uint8Array.from(codesIn);
  const changes: BondChange[] = [];
  let check = checkMolecule(rd, atomicNumbers, bondsOfCodes(codes, n), positions);
  const unfixable = atomicNumbers.some((z) => z === 0 || !hasElectronData(z));
  while (!check.valid && !unfixable) {
    const bonds = bondsOfCodes(codes, n);
    if (bonds.length === 0) break;
    const over = overValentAtoms(atomicNumbers, codes);
    let candidates = bonds.filter((b) => over.has(b.a) || over.has(b.b));
    if (candidates.length === 0) candidates = unkekulisableAromaticBonds(atomicNumbers, bonds);
    if (candidates.length === 0) candidates = bonds;
    let pick = candidates[0];
    for (const b of candidates) if (keepMargin(values[b.a * n + b.b], b.order) < keepMargin(values[pick.a * n + pick.b], pick.order)) pick = b;
    const to = LOWER_CODE[pick.order];
    codes[pick.a * n + pick.b] = to;
    codes[pick.b * n + pick.a] = to;
    changes.push({ a: pick.a, b: pick.b, from: pick.order, to });
    check = checkMolecule(rd, atomicNumbers, bondsOfCodes(codes, n), positions);
  }
  return { check, codes, changes };
}

export interface DecodedMolecule extends DecodedGraph, MoleculeCheck {
  /** Whether the rounded graph was a molecule before any valency correction. */
  validAsDecoded: boolean;
  /** Why it was not (null when it was). */
  reasonAsDecoded: string | null;
  /** Bonds the valency correction lowered; `codes` are the corrected codes. */
  corrections: BondChange[];
}

/**
 * decodeGraph then checkMolecule, with the valency correction (correctValences) unless
 * `valencyCorrection` is false.
 */
export function decodeMolecule(
  rd: RDKit, x: ArrayLike<number>, a: ArrayLike<number>, n: number, numClasses: number,
  opts: { stride?: number; xOffset?: number; aOffset?: number; positions?: ArrayLike<number>; valencyCorrection?: boolean } = {},
): DecodedMolecule {
  const g = decodeGraph(x, a, n, numClasses, opts.stride ?? n, opts.xOffset ?? 0, opts.aOffset ?? 0);
  const asDecoded = checkMolecule(rd, g.atomicNumbers, bondsOfCodes(g.codes, n), opts.positions);
  const base = { validAsDecoded: asDecoded.valid, reasonAsDecoded: asDecoded.reason };
  if (asDecoded.valid || opts.valencyCorrection === false) return { ...g, ...asDecoded, ...base, corrections: [] };
  const fixed = correctValences(rd, g.atomicNumbers, g.codes, g.values, opts.positions);
  return { ...g, codes: fixed.codes, ...fixed.check, ...base, corrections: fixed.changes };
}
