/**
 * Element data the chemistry code needs: symbols, RDKit's outer-electron counts and default
 * valences (they drive RDKit's hybridisation and conjugation rules, see featurize.ts), single-bond
 * covalent radii (Cordero et al. 2008, Å) for distance-based bond perception, and the extra
 * valences allowed when kekulising a written molecule.
 */

// prettier-ignore
export const SYMBOLS = [
  'H', 'He', 'Li', 'Be', 'B', 'C', 'N', 'O', 'F', 'Ne', 'Na', 'Mg', 'Al', 'Si', 'P', 'S', 'Cl', 'Ar',
  'K', 'Ca', 'Sc', 'Ti', 'V', 'Cr', 'Mn', 'Fe', 'Co', 'Ni', 'Cu', 'Zn', 'Ga', 'Ge', 'As', 'Se', 'Br',
  'Kr', 'Rb', 'Sr', 'Y', 'Zr', 'Nb', 'Mo', 'Tc', 'Ru', 'Rh', 'Pd', 'Ag', 'Cd', 'In', 'Sn', 'Sb', 'Te',
  'I', 'Xe', 'Cs', 'Ba', 'La', 'Ce', 'Pr', 'Nd', 'Pm', 'Sm', 'Eu', 'Gd', 'Tb', 'Dy', 'Ho', 'Er', 'Tm',
  'Yb', 'Lu', 'Hf', 'Ta', 'W', 'Re', 'Os', 'Ir', 'Pt', 'Au', 'Hg', 'Tl', 'Pb', 'Bi', 'Po', 'At', 'Rn',
  'Fr', 'Ra', 'Ac', 'Th', 'Pa', 'U', 'Np', 'Pu', 'Am', 'Cm', 'Bk', 'Cf', 'Es', 'Fm', 'Md', 'No', 'Lr',
  'Rf', 'Db', 'Sg', 'Bh', 'Hs', 'Mt', 'Ds', 'Rg', 'Cn', 'Nh', 'Fl', 'Mc', 'Lv', 'Ts', 'Og',
] as const;

/** The symbol, or "#z" for a number that is no element (for messages: never throws). */
export function symbolOrNumber(z: number): string {
  return SYMBOLS[z - 1] ?? `#${z}`;
}

export function symbolOf(z: number): string {
  const s = SYMBOLS[z - 1];
  if (!s) throw new Error(`no element with atomic number ${z}`);
  return s;
}

const BY_SYMBOL = new Map<string, number>(SYMBOLS.map((s, i) => [s.toLowerCase(), i + 1]));

/** Atomic number of a symbol, case-insensitive ("CL" and "cl" are chlorine); 0 when unknown. */
export function atomicNumberOf(symbol: string): number {
  return BY_SYMBOL.get(symbol.trim().toLowerCase()) ?? 0;
}

/**
 * The organic-chemistry elements the featuriser knows RDKit's electron bookkeeping for:
 * [outer electrons, default valence, allowed valences (neutral)].
 */
const ELECTRONS: Record<number, [number, number, number[]]> = {
  5: [3, 3, [3]], // B
  6: [4, 4, [4]], // C
  7: [5, 3, [3]], // N
  8: [6, 2, [2]], // O
  9: [7, 1, [1]], // F
  14: [4, 4, [4]], // Si
  15: [5, 3, [3, 5, 7]], // P
  16: [6, 2, [2, 4, 6]], // S
  17: [7, 1, [1]], // Cl
  32: [4, 4, [4]], // Ge
  33: [5, 3, [3, 5, 7]], // As
  34: [6, 2, [2, 4, 6]], // Se
  35: [7, 1, [1]], // Br
  52: [6, 2, [2, 4, 6]], // Te
  53: [7, 1, [1, 3, 5]], // I
};

export function hasElectronData(z: number): boolean {
  return z in ELECTRONS;
}

export function outerElectrons(z: number): number {
  const e = ELECTRONS[z];
  if (!e) throw new Error(`no electron data for element ${symbolOf(z)}`);
  return e[0];
}

export function defaultValence(z: number): number {
  const e = ELECTRONS[z];
  if (!e) throw new Error(`no electron data for element ${symbolOf(z)}`);
  return e[1];
}

/**
 * Valences an atom may take with formal charge `charge`, lowest first. A charge makes the atom
 * isoelectronic with its neighbour in the period (N+ like C: 4; O- like F: 1; C- like N: 3).
 */
export function allowedValences(z: number, charge: number): number[] {
  const e = ELECTRONS[z];
  if (!e) throw new Error(`no electron data for element ${symbolOf(z)}`);
  const [nouter] = e;
  if (charge === 0) return e[2];
  const effective = nouter - charge; // electrons left in the valence shell
  // Octet rule for the isoelectronic element: valence = 8 - effective (or effective if < 4).
  const base = effective >= 4 ? 8 - effective : effective;
  const extra = e[2].slice(1).map((v) => v - charge);
  return [base, ...extra].filter((v) => v >= 0);
}

/** Single-bond covalent radii in Å (Cordero et al., Dalton Trans. 2008). */
const COVALENT_RADIUS: Record<number, number> = {
  1: 0.31, 5: 0.84, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57, 14: 1.11, 15: 1.07, 16: 1.05, 17: 1.02,
  32: 1.2, 33: 1.19, 34: 1.2, 35: 1.2, 52: 1.38, 53: 1.39,
};

export function covalentRadius(z: number): number {
  const r = COVALENT_RADIUS[z];
  if (r === undefined) throw new Error(`no covalent radius for element ${symbolOf(z)}`);
  return r;
}

/** Atomic numbers of the 10-class option; every other element maps to the last class ("other"). */
export const TEN_CLASS_ELEMENTS = [6, 7, 8, 9, 15, 16, 17, 35, 53] as const;
