/**
 * OGB featurisation (docs/method.md §4.1): 9 integer atom features and 3 bond features, exactly as
 * `ogb.utils.features` computes them from an RDKit molecule parsed with default sanitisation.
 *
 * rdkit-js only exposes the commonchem JSON (element, total H, charge, radicals, chiral tag,
 * Kekulé bond orders, aromatic flags, rings, bond cis/trans) and CIP labels. Total degree,
 * hybridisation and conjugation are not in it; they are derived here with RDKit's own rules
 * (ConjugHybrid.cpp and countAtomElec in Aromaticity.cpp, re-derived from their logic), because
 * the model must see the same integers the Python data build stored.
 */
import { defaultValence, outerElectrons } from './elements';

/** A heavy-atom graph as RDKit sanitised it (see molecule.ts: parseRDKitJson). */
export interface SanitizedAtom {
  z: number;
  charge: number;
  /** Total hydrogens (implicit + explicit count + folded explicit H atoms). */
  numHs: number;
  radicals: number;
  /** RDKit chiral tag: 'unspecified' | 'cw' | 'ccw' | 'other' | anything else = misc. */
  chiralTag: string;
  aromatic: boolean;
  inRing: boolean;
}

export interface SanitizedBond {
  a: number;
  b: number;
  /** Kekulé order (aromatic bonds get 1 or 2 here). */
  kekule: 1 | 2 | 3;
  aromatic: boolean;
  /** RDKit bond stereo as the JSON states it: 'unspecified' | 'cis' | 'trans' | 'either' | ... */
  stereo: string;
  /** E/Z of a cis/trans double bond from RDKit's legacy CIP ranks (see molecule.ts: legacyEZ). */
  cip?: 'E' | 'Z';
}

export interface SanitizedGraph {
  atoms: SanitizedAtom[];
  bonds: SanitizedBond[];
}

export const ATOM_FEATURES = 9;
export const BOND_FEATURES = 3;

/** Vocabulary sizes of the 9 atom and 3 bond features (last index of each = misc where present). */
export const ATOM_VOCAB = [119, 5, 12, 12, 10, 6, 6, 2, 2] as const;
export const BOND_VOCAB = [5, 6, 2] as const;

export const HYBRIDISATION_NAMES = ['SP', 'SP2', 'SP3', 'SP3D', 'SP3D2', 'misc'] as const;
export const BOND_TYPE_NAMES = ['SINGLE', 'DOUBLE', 'TRIPLE', 'AROMATIC', 'misc'] as const;
export const BOND_STEREO_NAMES = ['STEREONONE', 'STEREOZ', 'STEREOE', 'STEREOCIS', 'STEREOTRANS', 'STEREOANY'] as const;
export const CHIRALITY_NAMES = ['CHI_UNSPECIFIED', 'CHI_TETRAHEDRAL_CW', 'CHI_TETRAHEDRAL_CCW', 'CHI_OTHER', 'misc'] as const;

/** OGB's safe_index over a contiguous integer range [lo, hi] followed by a misc slot. */
function rangeIndex(v: number, lo: number, hi: number): number {
  return v >= lo && v <= hi ? v - lo : hi - lo + 1;
}

const CHIRAL_INDEX: Record<string, number> = { unspecified: 0, cw: 1, ccw: 2, other: 3 };

type Hyb = 'S' | 'SP' | 'SP2' | 'SP3' | 'SP3D' | 'SP3D2' | 'UNSPECIFIED';

interface Derived {
  heavyDegree: number[];
  bondsOf: number[][];
  conjugated: boolean[];
  hybridisation: Hyb[];
}

/**
 * Electrons an atom can donate to a pi system (RDKit's countAtomElec); only its sign is used
 * here (conjugation candidates need > 0), so RDKit's clamp of values > 1 to 1 for atoms with two
 * unsaturations does not change any result and is left out.
 */
function donatableElectrons(atom: SanitizedAtom, heavyDegree: number): number {
  const dv = defaultValence(atom.z);
  if (dv <= 1) return -1; // univalent elements are never conjugated
  const degree = heavyDegree + atom.numHs;
  if (degree > 3) return -1;
  const lonePairElectrons = Math.max(outerElectrons(atom.z) - dv - atom.charge, 0);
  return dv - degree + lonePairElectrons - atom.radicals;
}

/**
 * RDKit's conjugation candidate test: first-row atoms, or heavier atoms that are not in groups
 * 15/16 (its fix for P/S in e.g. Pc1ccccc1), or a terminal group-16 atom; and it must have
 * electrons to donate.
 */
function isConjugationCandidate(atom: SanitizedAtom, heavyDegree: number): boolean {
  const nouter = outerElectrons(atom.z);
  const totalDegree = heavyDegree + atom.numHs;
  const rowOk = atom.z <= 10 || (nouter !== 5 && nouter !== 6) || (nouter === 6 && totalDegree < 2);
  return rowOk && donatableElectrons(atom, heavyDegree) > 0;
}

function derive(g: SanitizedGraph): Derived {
  const n = g.atoms.length;
  const heavyDegree = new Array<number>(n).fill(0);
  const bondsOf: number[][] = Array.from({ length: n }, () => []);
  g.bonds.forEach((bd, i) => {
    heavyDegree[bd.a]++;
    heavyDegree[bd.b]++;
    bondsOf[bd.a].push(i);
    bondsOf[bd.b].push(i);
  });

  // Conjugation: aromatic bonds are conjugated; then, around every candidate atom with 2 or 3
  // substituents, a multiple (or aromatic) bond and any other bond to a candidate neighbour with
  // at most 3 substituents are conjugated together.
  const conjugated = g.bonds.map((bd) => bd.aromatic);
  const candidate = g.atoms.map((a, i) => isConjugationCandidate(a, heavyDegree[i]));
  for (let i = 0; i < n; i++) {
    if (!candidate[i]) continue;
    const sbo = heavyDegree[i] + g.atoms[i].numHs;
    if (sbo < 2 || sbo > 3) continue;
    for (const b1 of bondsOf[i]) {
      const bd1 = g.bonds[b1];
      if (!(bd1.aromatic || bd1.kekule >= 2)) continue; // valence contribution >= 1.5
      for (const b2 of bondsOf[i]) {
        if (b2 === b1) continue;
        const bd2 = g.bonds[b2];
        const j = bd2.a === i ? bd2.b : bd2.a;
        if (heavyDegree[j] + g.atoms[j].numHs > 3) continue;
        if (candidate[j]) {
          conjugated[b1] = true;
          conjugated[b2] = true;
        }
      }
    }
  }

  const hybridisation = g.atoms.map((atom, i): Hyb => {
    const totalDegree = heavyDegree[i] + atom.numHs;
    // A tetrahedral chiral tag on a four-coordinate atom settles it.
    if ((atom.chiralTag === 'cw' || atom.chiralTag === 'ccw') && totalDegree === 4) return 'SP3';
    let norbs: number;
    if (atom.z >= 89) {
      norbs = totalDegree;
    } else {
      // Bonds plus lone pairs (radicals count as orbitals when the atom is below an octet).
      let valence = atom.numHs;
      for (const b of bondsOf[i]) valence += g.bonds[b].kekule;
      const nouter = outerElectrons(atom.z);
      const free = nouter - (valence + atom.charge);
      if (valence + nouter - atom.charge < 8) {
        norbs = totalDegree + Math.trunc((free - atom.radicals) / 2) + atom.radicals;
      } else {
        norbs = totalDegree + Math.trunc(free / 2);
      }
    }
    switch (norbs) {
      case 0:
      case 1:
        return 'S';
      case 2:
        return 'SP';
      case 3:
        return 'SP2';
      case 4: {
        // sp3 unless a conjugated bond pulls a <= 3-coordinate atom to sp2 (the OH O in O=CO).
        const hasConj = bondsOf[i].some((b) => conjugated[b]);
        return totalDegree > 3 || !hasConj ? 'SP3' : 'SP2';
      }
      case 5:
        return 'SP3D';
      case 6:
        return 'SP3D2';
      default:
        return 'UNSPECIFIED';
    }
  });
  return { heavyDegree, bondsOf, conjugated, hybridisation };
}

const HYB_INDEX: Record<Hyb, number> = { SP: 0, SP2: 1, SP3: 2, SP3D: 3, SP3D2: 4, S: 5, UNSPECIFIED: 5 };

export interface OgbFeatures {
  atomFeatures: Uint8Array;
  bondFeatures: Uint8Array;
}

/** The OGB atom [n x 9] and bond [m x 3] features (one row per undirected bond, in bond order). */
export function ogbFeatures(g: SanitizedGraph): OgbFeatures {
  const d = derive(g);
  const n = g.atoms.length;
  const atomFeatures = new Uint8Array(n * ATOM_FEATURES);
  g.atoms.forEach((a, i) => {
    const row = atomFeatures.subarray(i * ATOM_FEATURES, (i + 1) * ATOM_FEATURES);
    row[0] = rangeIndex(a.z, 1, 118);
    row[1] = CHIRAL_INDEX[a.chiralTag] ?? 4;
    row[2] = rangeIndex(d.heavyDegree[i] + a.numHs, 0, 10);
    row[3] = rangeIndex(a.charge, -5, 5);
    row[4] = rangeIndex(a.numHs, 0, 8);
    row[5] = rangeIndex(a.radicals, 0, 4);
    row[6] = HYB_INDEX[d.hybridisation[i]];
    row[7] = a.aromatic ? 1 : 0;
    row[8] = a.inRing ? 1 : 0;
  });
  const bondFeatures = new Uint8Array(g.bonds.length * BOND_FEATURES);
  g.bonds.forEach((bd, i) => {
    const row = bondFeatures.subarray(i * BOND_FEATURES, (i + 1) * BOND_FEATURES);
    row[0] = bd.aromatic ? 3 : bd.kekule - 1;
    row[1] = bondStereoIndex(bd);
    row[2] = d.conjugated[i] ? 1 : 0;
  });
  return { atomFeatures, bondFeatures };
}

/**
 * RDKit (legacy stereo, as in the data build) turns a specified double bond into STEREOE/STEREOZ
 * from its CIP ranks; without a CIP label the JSON's cis/trans is what the bond says.
 */
function bondStereoIndex(bd: SanitizedBond): number {
  if (bd.stereo === 'unspecified' || bd.stereo === 'none') return 0;
  if (bd.stereo === 'either' || bd.stereo === 'any') return 5;
  if (bd.cip === 'Z') return 1;
  if (bd.cip === 'E') return 2;
  if (bd.stereo === 'cis') return 3;
  if (bd.stereo === 'trans') return 4;
  return 0;
}

/** Per-atom hybridisation names (for metrics' ideal angles and for display). */
export function hybridisationOf(atomFeatures: Uint8Array, atom: number): (typeof HYBRIDISATION_NAMES)[number] {
  return HYBRIDISATION_NAMES[atomFeatures[atom * ATOM_FEATURES + 6]];
}
