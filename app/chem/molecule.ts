/**
 * The molecule model the rest of the app uses (heavy atoms only), built from an RDKit Mol via its
 * commonchem JSON, plus the size / element limits every entry point checks.
 */
import { hasElectronData, symbolOf, symbolOrNumber } from './elements';
import { ogbFeatures, type SanitizedAtom, type SanitizedBond, type SanitizedGraph } from './featurize';
import { ChemError, type RDMol } from './rdkit';

export interface ChemAtom {
  element: string;
  atomicNumber: number;
  charge: number;
}

/** order 4 = aromatic. */
export interface ChemBond {
  a: number;
  b: number;
  order: 1 | 2 | 3 | 4;
}

/** CIP labels RDKit assigned, in this molecule's atom and bond indices. */
export interface ChemStereo {
  /** Lower case r/s/e/z: pseudo-asymmetric (the labeller's own notation). */
  atoms: { atom: number; label: 'R' | 'S' | 'r' | 's' }[];
  bonds: { bond: number; label: 'E' | 'Z' | 'e' | 'z' }[];
}

/**
 * A heavy-atom molecule. Atom and bond order follow the source (the SMILES as written, the
 * molblock's atom block); `smiles` is RDKit's canonical isomeric SMILES, for identity and
 * display, and its own atom order differs in general.
 */
export interface ChemMolecule {
  smiles: string;
  atoms: ChemAtom[];
  bonds: ChemBond[];
  /** [n x 9] OGB atom features (featurize.ts). */
  atomFeatures: Uint8Array;
  /** [m x 3] OGB bond features, one row per undirected bond in `bonds` order. */
  bondFeatures: Uint8Array;
  /** [n x 3] heavy-atom coordinates in Å, when the source had 3D coordinates. */
  positions?: Float32Array;
  stereo: ChemStereo;
  name?: string;
}

export interface MoleculeLimits {
  maxHeavyAtoms: number;
  elements: readonly string[];
}

/** Drug-like molecules of the general lab. */
export const DEFAULT_LIMITS: MoleculeLimits = {
  maxHeavyAtoms: 32,
  elements: ['B', 'C', 'N', 'O', 'F', 'Si', 'P', 'S', 'Cl', 'Br', 'I'],
};

/** What QM9-like models were trained on. */
export const QM9_LIMITS: MoleculeLimits = { maxHeavyAtoms: 9, elements: ['C', 'N', 'O', 'F'] };

/** Atoms closer than this (Å) are the same point: no bond is that short (H-H is 0.74 Å). */
export const MIN_ATOM_DISTANCE = 0.4;

/**
 * Why `positions` [n x 3] are not a usable geometry (non-finite or huge values, two atoms on the
 * same spot, e.g. every atom at the origin as a 2D-only file leaves them), or null when they are.
 */
export function geometryProblem(positions: ArrayLike<number>, maxCoordinate = 1e4): string | null {
  const n = Math.floor(positions.length / 3);
  for (let i = 0; i < positions.length; i++) {
    const v = positions[i];
    if (!Number.isFinite(v) || Math.abs(v) > maxCoordinate) return `coordinate ${v} of atom ${Math.floor(i / 3) + 1} is not a finite value within ${maxCoordinate} Å`;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.hypot(positions[3 * i] - positions[3 * j], positions[3 * i + 1] - positions[3 * j + 1], positions[3 * i + 2] - positions[3 * j + 2]);
      if (d < MIN_ATOM_DISTANCE) return `atoms ${i + 1} and ${j + 1} are ${d.toFixed(3)} Å apart (overlapping atoms: not a 3D geometry)`;
    }
  }
  return null;
}

export function checkLimits(atoms: readonly { z: number }[], limits: MoleculeLimits, what = 'molecule'): void {
  if (atoms.length === 0) throw new ChemError(`${what} has no heavy atoms`);
  if (atoms.length > limits.maxHeavyAtoms) {
    throw new ChemError(`${what} has ${atoms.length} heavy atoms; the limit is ${limits.maxHeavyAtoms}`);
  }
  atoms.forEach((a, i) => {
    const sym = symbolOrNumber(a.z);
    if (!limits.elements.includes(sym)) {
      throw new ChemError(`${what}: element ${sym} (atom ${i + 1}) is not supported; allowed: ${limits.elements.join(', ')}`);
    }
  });
}

interface JsonAtom {
  z?: number;
  impHs?: number;
  chg?: number;
  nRad?: number;
  stereo?: string;
}
interface JsonBond {
  atoms: [number, number];
  bo?: number;
  stereo?: string;
  stereoAtoms?: [number, number];
}
interface JsonMolecule {
  name?: string;
  atoms: JsonAtom[];
  bonds?: JsonBond[];
  conformers?: { dim: number; coords: number[][] }[];
  extensions?: { name: string; aromaticAtoms?: number[]; aromaticBonds?: number[]; atomRings?: number[][]; cipRanks?: number[] }[];
}

export interface ParsedRDKitMol {
  graph: SanitizedGraph;
  /** Heavy-atom coordinates (dim 2 or 3) when the Mol has a conformer. */
  coords?: { dim: number; xyz: number[][] };
  name?: string;
}

/**
 * E/Z of a cis/trans double bond from RDKit's legacy CIP ranks (the JSON's `cipRanks`), which is
 * how legacy stereo perception (Python RDKit 2022.09, the data build) turns a bond into
 * STEREOE/STEREOZ: cis/trans refers to the bond's stereo atoms; each end whose stereo atom is not
 * its highest-ranked neighbour flips the relation. Tied neighbours give no label. (The newer
 * CIP labeller behind get_stereo_tags can disagree, e.g. it calls some bonds pseudo-asymmetric.)
 */
function legacyEZ(m: JsonMolecule, bond: JsonBond, ranks: number[] | undefined): 'E' | 'Z' | undefined {
  const st = bond.stereo;
  if ((st !== 'cis' && st !== 'trans') || !bond.stereoAtoms || !ranks) return undefined;
  let flips = 0;
  for (const [end, other, stereoAtom] of [
    [bond.atoms[0], bond.atoms[1], bond.stereoAtoms[0]],
    [bond.atoms[1], bond.atoms[0], bond.stereoAtoms[1]],
  ]) {
    const nbrs = (m.bonds ?? []).flatMap((x) => (x.atoms[0] === end ? [x.atoms[1]] : x.atoms[1] === end ? [x.atoms[0]] : [])).filter((x) => x !== other);
    const sorted = nbrs.map((x) => ranks[x]).sort((p, q) => q - p);
    if (sorted.length > 1 && sorted[0] === sorted[1]) return undefined;
    const top = nbrs.find((x) => ranks[x] === sorted[0]);
    if (top !== stereoAtom) flips++;
  }
  const cis = st === 'cis' ? flips % 2 === 0 : flips % 2 === 1;
  return cis ? 'Z' : 'E';
}

/**
 * Read an RDKit Mol into a heavy-atom graph. Hydrogen atoms RDKit kept as nodes (isotopic H,
 * `removeHs: false`) are folded into their neighbour's H count, since the model is heavy-atom
 * only; one on a chiral centre is refused because folding it would silently change what the
 * centre's chiral tag refers to.
 */
export function parseRDKitMol(mol: RDMol, what = 'molecule'): ParsedRDKitMol {
  const json = JSON.parse(mol.get_json()) as { defaults: { atom: Required<JsonAtom>; bond: { bo: number; stereo: string } }; molecules: JsonMolecule[] };
  const m = json.molecules[0];
  if (!m) throw new ChemError(`${what}: RDKit returned no molecule`);
  const da = json.defaults.atom;
  const db = json.defaults.bond;
  const ext = m.extensions?.find((e) => e.name === 'rdkitRepresentation');
  const aromaticAtoms = new Set(ext?.aromaticAtoms ?? []);
  const aromaticBonds = new Set(ext?.aromaticBonds ?? []);
  const ringAtoms = new Set((ext?.atomRings ?? []).flat());

  const all = m.atoms.map((a, i) => ({
    z: a.z ?? da.z,
    numHs: a.impHs ?? da.impHs,
    charge: a.chg ?? da.chg,
    radicals: a.nRad ?? da.nRad,
    chiralTag: a.stereo ?? da.stereo,
    aromatic: aromaticAtoms.has(i),
    inRing: ringAtoms.has(i),
  }));
  const rawBonds = (m.bonds ?? []).map((b, i) => ({
    a: b.atoms[0],
    b: b.atoms[1],
    bo: b.bo ?? db.bo,
    stereo: b.stereo ?? db.stereo,
    aromatic: aromaticBonds.has(i),
    cip: legacyEZ(m, b, ext?.cipRanks),
  }));

  // Fold hydrogen atoms into their heavy neighbour.
  const newIndex = new Array<number>(all.length).fill(-1);
  let k = 0;
  all.forEach((a, i) => {
    if (a.z !== 1) newIndex[i] = k++;
  });
  for (const b of rawBonds) {
    const ha = all[b.a].z === 1;
    const hb = all[b.b].z === 1;
    if (ha && hb) throw new ChemError(`${what}: H-H bond (atoms ${b.a + 1}, ${b.b + 1}) has no heavy atom`);
    if (ha || hb) {
      const heavy = all[ha ? b.b : b.a];
      if (heavy.chiralTag !== 'unspecified') {
        throw new ChemError(`${what}: explicit hydrogen on chiral atom ${(ha ? b.b : b.a) + 1} cannot be folded into a heavy-atom model`);
      }
      heavy.numHs += 1;
    }
  }
  all.forEach((a, i) => {
    if (a.z === 1 && !rawBonds.some((b) => b.a === i || b.b === i)) {
      throw new ChemError(`${what}: isolated hydrogen (atom ${i + 1}) is not supported in a heavy-atom model`);
    }
  });
  const atoms: SanitizedAtom[] = all.filter((a) => a.z !== 1);
  const bonds: SanitizedBond[] = [];
  for (const b of rawBonds) {
    if (newIndex[b.a] < 0 || newIndex[b.b] < 0) continue;
    if (b.bo !== 1 && b.bo !== 2 && b.bo !== 3) {
      throw new ChemError(`${what}: bond ${b.a + 1}-${b.b + 1} has order ${b.bo}, which the model cannot represent`);
    }
    bonds.push({ a: newIndex[b.a], b: newIndex[b.b], kekule: b.bo, aromatic: b.aromatic, stereo: b.stereo, cip: b.cip });
  }
  atoms.forEach((a, i) => {
    if (!hasElectronData(a.z)) {
      throw new ChemError(`${what}: element ${symbolOrNumber(a.z)} (atom ${i + 1}) is not supported by the featuriser`);
    }
  });

  let coords: ParsedRDKitMol['coords'];
  const conf = m.conformers?.[0];
  if (conf && conf.dim >= 2) {
    coords = { dim: conf.dim, xyz: conf.coords.filter((_, i) => newIndex[i] >= 0) };
  }
  return { graph: { atoms, bonds }, coords, name: m.name || undefined };
}

/** CIP labels from `get_stereo_tags()` (RDKit's current CIP labeller), mapped to heavy-atom indices. */
function readStereo(mol: RDMol, graph: SanitizedGraph, heavyIndex: (i: number) => number): ChemStereo {
  const tags = JSON.parse(mol.get_stereo_tags()) as { CIP_atoms: [number, string][]; CIP_bonds: [number, number, string][] };
  const stereo: ChemStereo = { atoms: [], bonds: [] };
  for (const [i, lab] of tags.CIP_atoms) {
    const l = lab.replace(/[()]/g, '');
    if (l === 'R' || l === 'S' || l === 'r' || l === 's') stereo.atoms.push({ atom: heavyIndex(i), label: l });
  }
  for (const [i, j, lab] of tags.CIP_bonds) {
    const l = lab.replace(/[()]/g, '');
    const a = heavyIndex(i);
    const b = heavyIndex(j);
    const bond = graph.bonds.findIndex((bd) => (bd.a === a && bd.b === b) || (bd.a === b && bd.b === a));
    if (bond >= 0 && (l === 'E' || l === 'Z' || l === 'e' || l === 'z')) stereo.bonds.push({ bond, label: l });
  }
  return stereo;
}

/**
 * Build the model from an RDKit Mol (the caller keeps ownership and deletes it). `positions` are
 * taken from a 3D conformer only; `header3D` (the molblock says 3D) keeps a geometry that lies
 * flat in z = 0, which RDKit then calls 2D.
 */
export function moleculeFromRDKitMol(mol: RDMol, limits: MoleculeLimits = DEFAULT_LIMITS, what = 'molecule', header3D = false): ChemMolecule {
  const json = JSON.parse(mol.get_json()) as { molecules: JsonMolecule[] };
  const zs = (json.molecules[0]?.atoms ?? []).map((a) => a.z ?? 6);
  const heavyOf: number[] = [];
  let k = 0;
  for (const z of zs) heavyOf.push(z === 1 ? -1 : k++);

  const parsed = parseRDKitMol(mol, what);
  const g = parsed.graph;
  checkLimits(g.atoms, limits, what);
  const stereo = readStereo(mol, g, (i) => heavyOf[i]);
  const { atomFeatures, bondFeatures } = ogbFeatures(g);
  const molecule: ChemMolecule = {
    smiles: mol.get_smiles(),
    atoms: g.atoms.map((a) => ({ element: symbolOf(a.z), atomicNumber: a.z, charge: a.charge })),
    bonds: g.bonds.map((b) => ({ a: b.a, b: b.b, order: b.aromatic ? 4 : b.kekule })),
    atomFeatures,
    bondFeatures,
    stereo,
  };
  if (parsed.coords && (parsed.coords.dim === 3 || header3D)) {
    const pos = new Float32Array(g.atoms.length * 3);
    parsed.coords.xyz.forEach((p, i) => pos.set([p[0], p[1], p[2] ?? 0], i * 3));
    molecule.positions = pos;
  }
  if (parsed.name) molecule.name = parsed.name;
  return molecule;
}
