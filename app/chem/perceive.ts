/**
 * The 3D->2D baseline: bonds from interatomic distances, bond orders from valence filling.
 *
 * 1. Connectivity: the lab's bond rule (bondRule.ts): i-j bonded when d < 1.2 (r_i + r_j)
 *    (Cordero covalent radii), the rule the data set's conformers were filtered with.
 * 2. Free valence per atom: the element's largest neutral valence minus its degree, capped by what
 *    the geometry allows: the pi bonds its hybridisation can carry. Three neighbours: sp2 (1) when
 *    planar (angles sum > 350°), else 0. Two: sp (2) above 155°; sp2 (1) above 117° or when its
 *    bonds are > 4% shorter than single bonds (five-membered aromatic rings); else 0. One: the
 *    order whose reference length is nearest the bond length, minus one. Four or more: 0.
 * 3. Valence filling: double bonds are a maximum matching between atoms with free valence
 *    (shorter bonds tried first), then triple bonds a second matching over the double bonds whose
 *    ends still have free valence. Atoms left unmatched keep hydrogens.
 * The result goes through the same kekulised-molblock sanitisation as the model's decode.
 */
import { distanceBonds } from './bondRule';
import { allowedValences, covalentRadius, symbolOf } from './elements';
import { expectedBondLength } from './metrics';
import type { RDKit } from './rdkit';
import { checkMolecule, codesOfBonds, type GraphBond, type MoleculeCheck } from './decode';

export { distanceBonds };

function dist(x: ArrayLike<number>, i: number, j: number): number {
  return Math.hypot(x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]);
}

/** Pi bonds an atom's geometry allows (see the file comment). */
function piCapacity(i: number, zs: readonly number[], nb: number[][], x: ArrayLike<number>): number {
  const ns = nb[i];
  if (ns.length === 0) return 0;
  if (ns.length === 1) {
    const j = ns[0];
    const [a, b] = [symbolOf(zs[i]), symbolOf(zs[j])];
    const [ra, rb] = [covalentRadius(zs[i]), covalentRadius(zs[j])];
    const d = dist(x, i, j);
    let best = 1;
    let bestErr = Infinity;
    for (const order of [1, 2, 3] as const) {
      const err = Math.abs(d - expectedBondLength(a, b, order, ra, rb));
      if (err < bestErr) {
        bestErr = err;
        best = order;
      }
    }
    return best - 1;
  }
  const angles: number[] = [];
  for (let p = 0; p < ns.length; p++) {
    for (let q = p + 1; q < ns.length; q++) {
      const [j, k] = [ns[p], ns[q]];
      const v1 = [0, 1, 2].map((c) => x[3 * j + c] - x[3 * i + c]);
      const v2 = [0, 1, 2].map((c) => x[3 * k + c] - x[3 * i + c]);
      const cos = (v1[0] * v2[0] + v1[1] * v2[1] + v1[2] * v2[2]) / (Math.hypot(...v1) * Math.hypot(...v2));
      angles.push((Math.acos(Math.min(1, Math.max(-1, cos))) * 180) / Math.PI);
    }
  }
  if (ns.length === 3) return angles[0] + angles[1] + angles[2] > 350 ? 1 : 0; // planar: sp2
  if (ns.length > 3) return 0;
  if (angles[0] > 155) return 2;
  // Five-membered rings squeeze sp2 angles to ~108°: short bonds tell them from sp3 rings.
  let ratio = 0;
  for (const j of ns) ratio += dist(x, i, j) / singleLength(zs[i], zs[j]);
  return angles[0] > 117 || ratio / ns.length < 0.96 ? 1 : 0;
}

function singleLength(zi: number, zj: number): number {
  return expectedBondLength(symbolOf(zi), symbolOf(zj), 1, covalentRadius(zi), covalentRadius(zj));
}

/**
 * Maximum matching over `edges` (indices into `pairs`) between atoms with free[i] > 0, trying
 * edges in the given order; exhaustive with a bound (molecules here are small), then the best found.
 */
function maximumMatching(n: number, pairs: readonly [number, number][], edges: number[], free: number[]): number[] {
  const incident: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    const [i, j] = pairs[e];
    if (free[i] > 0 && free[j] > 0) {
      incident[i].push(e);
      incident[j].push(e);
    }
  }
  const atoms = [...Array(n).keys()].filter((i) => incident[i].length > 0).sort((p, q) => incident[p].length - incident[q].length);
  const used = new Array<boolean>(n).fill(false);
  let best: number[] = [];
  const chosen: number[] = [];
  let budget = 100_000;
  const search = (k: number, unmatchedLeft: number): void => {
    if (--budget < 0) return;
    if (chosen.length > best.length) best = [...chosen];
    if (chosen.length + Math.floor(unmatchedLeft / 2) <= best.length) return;
    while (k < atoms.length && used[atoms[k]]) k++;
    if (k === atoms.length) return;
    const i = atoms[k];
    used[i] = true;
    for (const e of incident[i]) {
      const [a, b] = pairs[e];
      const j = a === i ? b : a;
      if (used[j]) continue;
      used[j] = true;
      chosen.push(e);
      search(k + 1, unmatchedLeft - 2);
      chosen.pop();
      used[j] = false;
    }
    // Or leave i unmatched.
    search(k + 1, unmatchedLeft - 1);
    used[i] = false;
  };
  search(0, atoms.length);
  return best;
}

export interface PerceivedGraph {
  bonds: GraphBond[];
  /** u8 [n * n] codes of the perceived Kekulé graph (1..3); see `check.sanitizedCodes` for aromatic ones. */
  codes: Uint8Array;
}

/** Distance connectivity plus valence-filling bond orders (Kekulé, 1..3). */
export function perceiveGraph(atomicNumbers: readonly number[], x: ArrayLike<number>): PerceivedGraph {
  const n = atomicNumbers.length;
  const pairs = distanceBonds(atomicNumbers, x);
  const nb: number[][] = Array.from({ length: n }, () => []);
  for (const [i, j] of pairs) {
    nb[i].push(j);
    nb[j].push(i);
  }
  const free = atomicNumbers.map((z, i) => {
    const maxValence = Math.max(...allowedValences(z, 0));
    return Math.max(0, Math.min(maxValence - nb[i].length, piCapacity(i, atomicNumbers, nb, x)));
  });
  // Shorter than expected for a single bond first: the likeliest multiple bonds.
  const ratio = pairs.map(([i, j]) => dist(x, i, j) / singleLength(atomicNumbers[i], atomicNumbers[j]));
  const byShortness = [...pairs.keys()].sort((a, b) => ratio[a] - ratio[b]);
  const orders = pairs.map(() => 1);
  const doubles = maximumMatching(n, pairs, byShortness, free);
  for (const e of doubles) {
    orders[e] = 2;
    free[pairs[e][0]]--;
    free[pairs[e][1]]--;
  }
  const triples = maximumMatching(n, pairs, doubles.sort((a, b) => ratio[a] - ratio[b]), free);
  for (const e of triples) orders[e] = 3;
  const bonds = pairs.map(([a, b], e) => ({ a, b, order: orders[e] }));
  return { bonds, codes: codesOfBonds(bonds, n) };
}

/** The baseline end to end: perceived graph, sanitised by RDKit. */
export function perceiveMolecule(rd: RDKit, atomicNumbers: readonly number[], x: ArrayLike<number>): PerceivedGraph & { check: MoleculeCheck } {
  const g = perceiveGraph(atomicNumbers, x);
  return { ...g, check: checkMolecule(rd, atomicNumbers, g.bonds, x) };
}
