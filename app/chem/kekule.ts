/**
 * The lab's one kekuliser: Kekulé orders (1..3) for a graph whose aromatic bonds have order 4.
 * V2000 bond type 4 is a query type (RDKit cannot give a pyrrole-type N its hydrogen from it), so
 * every molblock this lab writes is kekulised here first.
 *
 * Each aromatic atom gets a demand: 2 = must take exactly one double bond, 1 = may (otherwise it
 * keeps a hydrogen), 0 = must not. The double bonds are a matching on the aromatic subgraph that
 * satisfies every demand, found by depth-first search (fused rings need not be bipartite), most
 * constrained atom first.
 *
 * Demands come from what is known about the atoms:
 * - hydrogen counts known (a molecule read by RDKit): an atom must take a double bond exactly when
 *   its smallest allowed valence that covers its single bonds, hydrogens and radicals is larger
 *   than that sum; otherwise it must not;
 * - hydrogen counts unknown (a decoded or perceived heavy-atom graph, neutral): carbon-like atoms
 *   with a free valence unit must, N and P may (pyrrole-like NH), O, S, Se and Te must not (furan,
 *   thiophene), atoms without a free unit must not.
 */
import { allowedValences, symbolOf } from './elements';

export interface KekuleAtom {
  atomicNumber: number;
  charge: number;
  /** Hydrogens on the atom, or null when unknown (heavy-atom graphs). */
  hydrogens: number | null;
  radicals: number;
}

/** Undirected bond with order 1..3, or 4 for aromatic. */
export interface KekuleBond {
  a: number;
  b: number;
  order: number;
}

export type KekuleResult = { orders: number[] } | { reason: string };

/** The search gives up after this many nodes (aromatic systems here are a few rings at most). */
const SEARCH_BUDGET = 200_000;

export function kekulize(atoms: readonly KekuleAtom[], bonds: readonly KekuleBond[]): KekuleResult {
  const n = atoms.length;
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
  const need = atoms.map((atom, i) => (aromaticOf[i].length === 0 ? 0 : demand(atom, used[i])));
  const matched = new Array<boolean>(n).fill(false);
  const order = [...Array(n).keys()].filter((i) => need[i] > 0).sort((p, q) => need[q] - need[p] || aromaticOf[p].length - aromaticOf[q].length);
  let budget = SEARCH_BUDGET;
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
    const left = order.filter((i) => need[i] === 2 && !matched[i]).map((i) => `${symbolOf(atoms[i].atomicNumber)}${i + 1}`);
    return { reason: `cannot kekulise the aromatic bonds (no double-bond placement for ${left.join(', ') || 'its atoms'})` };
  }
  return { orders };
}

/** 2 must, 1 may, 0 must not take a double bond, given the valence `used` by its single and non-aromatic bonds. */
function demand(atom: KekuleAtom, used: number): 0 | 1 | 2 {
  const z = atom.atomicNumber;
  if (atom.hydrogens !== null) {
    const total = used + atom.hydrogens + atom.radicals;
    const v = allowedValences(z, atom.charge).find((x) => x >= total);
    return v !== undefined && v > total ? 2 : 0;
  }
  if (used + 1 > Math.max(...allowedValences(z, atom.charge))) return 0;
  if (z === 7 || z === 15) return 1;
  if (z === 8 || z === 16 || z === 34 || z === 52) return 0;
  return 2;
}
