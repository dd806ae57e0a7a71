/**
 * What the UI asks of rdkit-js, on the main thread: validate the editor's molecule, read a
 * SMILES or molfile into the editor, tidy the layout with RDKit's 2D coordinates, depict. rdkit-js
 * is loaded lazily (app/chem/rdkit.ts, cached) so the first paint never waits for its 7 MB wasm.
 */
import { checkSmilesInput } from '../../chem/io';
import { getRDKit, guardRDKit, isRetired, parseMol, using, type RDKit, type RDMol } from '../../chem/rdkit';
import { BOND_LENGTH, type EdGraph } from '../editor/graph';
import { graphToMolblock, molblockToGraph } from '../editor/molfile';

export interface MoleculeInfo {
  /** Canonical SMILES (with stereo). */
  smiles: string;
  /** RDKit's molblock of the molecule in the editor's atom order, Kekulé form, with 2D coordinates. */
  molblock: string;
  formula: string;
  heavyAtoms: number;
  molWeight: number;
  stereocentres: number;
}

export type Analysis = { ok: true; info: MoleculeInfo } | { ok: false; reason: string };

let rdkit: RDKit | null = null;
/**
 * Loads rdkit-js once (later calls are free). A module that trapped on some input was discarded
 * (app/chem/rdkit.ts); the next call loads a fresh one, so one bad molecule never breaks the tab.
 */
export async function chem(): Promise<RDKit> {
  if (!rdkit || isRetired(rdkit)) rdkit = await getRDKit();
  return rdkit;
}

/** Largest molfile text the editor reads (a V2000 block of 999 atoms is ~80 kB). */
const MAX_MOLFILE_CHARS = 200_000;

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/^invalid [\w ]+: /, '');

function describe(mol: RDMol): MoleculeInfo {
  const json = JSON.parse(mol.get_json()) as {
    defaults: { atom: { z: number; impHs: number } };
    molecules: { atoms: { z?: number; impHs?: number }[]; extensions?: { cipCodes?: unknown[] }[] }[];
  };
  const m = json.molecules[0];
  const counts = new Map<string, number>();
  let hydrogens = 0;
  for (const a of m.atoms) {
    const z = a.z ?? json.defaults.atom.z;
    const sym = SYMBOL_BY_Z[z] ?? `#${z}`;
    counts.set(sym, (counts.get(sym) ?? 0) + 1);
    hydrogens += a.impHs ?? json.defaults.atom.impHs;
  }
  if (hydrogens) counts.set('H', (counts.get('H') ?? 0) + hydrogens);
  const desc = JSON.parse(mol.get_descriptors()) as { amw: number; NumHeavyAtoms: number; NumAtomStereoCenters: number };
  return {
    smiles: mol.get_smiles(),
    molblock: mol.get_molblock(JSON.stringify({ kekulize: true })),
    formula: hillFormula(counts),
    heavyAtoms: desc.NumHeavyAtoms,
    molWeight: desc.amw,
    stereocentres: desc.NumAtomStereoCenters,
  };
}

/** Hill order: C, H, then the rest alphabetically; without carbon, all alphabetically. */
function hillFormula(counts: Map<string, number>): string {
  const fmt = (s: string) => `${s}${counts.get(s)! > 1 ? counts.get(s) : ''}`;
  const keys = [...counts.keys()];
  const rest = keys.filter((k) => !(counts.has('C') && (k === 'C' || k === 'H'))).sort();
  return [...(counts.has('C') ? ['C', ...(counts.has('H') ? ['H'] : [])] : []), ...rest].map(fmt).join('');
}

const SYMBOL_BY_Z: Record<number, string> = { 1: 'H', 5: 'B', 6: 'C', 7: 'N', 8: 'O', 9: 'F', 14: 'Si', 15: 'P', 16: 'S', 17: 'Cl', 33: 'As', 34: 'Se', 35: 'Br', 53: 'I' };

/** Validates the editor's molecule with RDKit (valence, kekulization) and describes it. */
export async function analyzeGraph(g: EdGraph): Promise<Analysis> {
  if (g.atoms.length === 0) return { ok: false, reason: 'the molecule is empty' };
  const rd = await chem();
  try {
    return { ok: true, info: guardRDKit(rd, () => using(parseMol(rd, graphToMolblock(g), { removeHs: false }, 'molecule'), describe)) };
  } catch (e) {
    return { ok: false, reason: reasonOf(e) };
  }
}

/** Rescales RDKit's 2D coordinates (bond length ~1) to the editor's bond length, centred on 0. */
function normaliseLayout(g: EdGraph): EdGraph {
  const lengths = g.bonds.map((b) => {
    const p = g.atoms.find((a) => a.id === b.a)!;
    const q = g.atoms.find((a) => a.id === b.b)!;
    return Math.hypot(p.x - q.x, p.y - q.y);
  });
  const mean = lengths.length ? lengths.reduce((s, v) => s + v, 0) / lengths.length : BOND_LENGTH;
  const k = mean > 1e-6 ? BOND_LENGTH / mean : 1;
  const cx = g.atoms.reduce((s, a) => s + a.x, 0) / Math.max(g.atoms.length, 1);
  const cy = g.atoms.reduce((s, a) => s + a.y, 0) / Math.max(g.atoms.length, 1);
  return { ...g, atoms: g.atoms.map((a) => ({ ...a, x: (a.x - cx) * k, y: (a.y - cy) * k })) };
}

export interface Parsed {
  graph: EdGraph;
  info: MoleculeInfo;
  /** The file's own 3D heavy-atom coordinates [atoms x 3] in editor order, when it had them. */
  positions3D: Float32Array | null;
}

/**
 * Reads a SMILES or a molfile into the editor. A molfile keeps its own 2D coordinates (3D ones
 * are replaced by a fresh 2D layout); SMILES get RDKit's layout. Throws with RDKit's reason.
 */
export async function parseText(text: string): Promise<Parsed> {
  const rd = await chem();
  const trimmed = text.trim();
  if (!trimmed) throw new Error('the input is empty');
  const isMolfile = /V2000|V3000/.test(text);
  // The same limits as the CLI, checked before RDKit sees the text (a URL hash feeds this too).
  if (!isMolfile) checkSmilesInput(trimmed);
  else if (text.length > MAX_MOLFILE_CHARS) throw new Error(`the molfile is ${text.length} characters, more than the ${MAX_MOLFILE_CHARS} the editor reads`);
  return guardRDKit(rd, () => using(parseMol(rd, isMolfile ? text : trimmed, {}, isMolfile ? 'molfile' : 'SMILES'), (mol) => {
    if (mol.get_num_atoms(true) === 0) throw new Error('the molecule has no heavy atoms');
    let positions3D: Float32Array | null = null;
    if (isMolfile && mol.has_coords() === 3) {
      const xyz = mol.get_coords() as number[][];
      positions3D = new Float32Array(xyz.flatMap((p) => [p[0], p[1], p[2]]));
    }
    if (!isMolfile || mol.has_coords() !== 2) mol.set_new_coords(true);
    const molblock = mol.get_molblock(JSON.stringify({ kekulize: true }));
    return { graph: normaliseLayout(molblockToGraph(molblock)), info: describe(mol), positions3D };
  }));
}

/** A fresh RDKit 2D layout of the editor's molecule, same atoms in the same order. */
export async function tidyGraph(g: EdGraph): Promise<EdGraph> {
  const rd = await chem();
  return guardRDKit(rd, () => using(parseMol(rd, graphToMolblock(g), { removeHs: false }, 'molecule'), (mol) => {
    mol.set_new_coords(true);
    const laid = molblockToGraph(mol.get_molblock(JSON.stringify({ kekulize: true })));
    // Keep the editor's ids (the layout only moves atoms) but take RDKit's recomputed wedges.
    const moved = normaliseLayout(laid);
    const atoms = g.atoms.map((a, i) => ({ ...a, x: moved.atoms[i].x, y: moved.atoms[i].y }));
    const byPair = new Map(moved.bonds.map((b) => [`${b.a - 1}-${b.b - 1}`, b]));
    const index = new Map(g.atoms.map((a, i) => [a.id, i]));
    const bonds = g.bonds.map((b) => {
      const ia = index.get(b.a)!;
      const ib = index.get(b.b)!;
      const fwd = byPair.get(`${ia}-${ib}`);
      const rev = byPair.get(`${ib}-${ia}`);
      const { wedge: _wedge, either: _either, ...plain } = b;
      if (fwd?.wedge) return { ...plain, wedge: fwd.wedge };
      if (rev?.wedge) return { ...plain, a: b.b, b: b.a, wedge: rev.wedge };
      if (fwd?.either || rev?.either) return { ...plain, either: true as const };
      return plain;
    });
    return { ...g, atoms, bonds };
  }));
}

export interface DepictOptions {
  width: number;
  height: number;
  /** Atom indices (0-based) to highlight. */
  atoms?: number[];
  /** Bond indices (0-based, molblock order) to highlight. */
  bonds?: number[];
  dark?: boolean;
}

/** RDKit's SVG depiction of a SMILES or molblock. */
export async function depict(input: string, opts: DepictOptions): Promise<string> {
  const rd = await chem();
  return guardRDKit(rd, () => using(parseMol(rd, input, {}, 'molecule'), (mol) => {
    const details: Record<string, unknown> = { width: opts.width, height: opts.height, clearBackground: false, addStereoAnnotation: true };
    if (opts.atoms?.length) details.atoms = opts.atoms;
    if (opts.bonds?.length) details.bonds = opts.bonds;
    if (opts.dark) details.backgroundColour = [0, 0, 0, 0];
    if (opts.dark) details.symbolColour = [0.9, 0.9, 0.9];
    if (opts.dark) details.annotationColour = [0.85, 0.85, 0.85];
    if (opts.dark) details.atomColourPalette = { 6: [0.9, 0.9, 0.9], 7: [0.5, 0.6, 1], 8: [1, 0.45, 0.45], 16: [0.95, 0.8, 0.3] };
    return mol.get_svg_with_highlights(JSON.stringify(details));
  }));
}
