/**
 * Bemis-Murcko scaffolds and the two downstream splits.
 *
 * Scaffold: strip every terminal atom (degree <= 1) until none is left, which leaves the ring
 * systems and the linkers between them; then put back atoms joined to what is left by a double
 * bond (exocyclic C=O and the like, as RDKit's Murcko scaffold keeps them). Acyclic molecules have
 * the empty scaffold ''. The scaffold is written as RDKit's canonical SMILES of that subgraph
 * (Kekulé bonds, hydrogens refilled by RDKit's valence model, no stereo), so equal scaffolds get
 * equal strings.
 *
 * Scaffold split (the deterministic MoleculeNet / pretrain-GNNs protocol): group molecules by
 * scaffold, sort the groups by size, largest first (ties: the group whose first molecule comes
 * later goes first), fill train up to 80 %, then valid up to 90 %, the rest is test. No seed: the
 * same file always gives the same split; a scaffold never spans two parts.
 */
import { ChemError, withMol, type RDKit } from '../chem/rdkit';
import type { ChemMolecule } from '../chem/molecule';
import { kekulize, writeMolblock } from '../chem/molfile';
import { randomSplit, type Fractions, type Split, DEFAULT_FRACTIONS } from '../data/splits';

/** Atom indices of the Bemis-Murcko framework (ascending; empty for an acyclic molecule). */
export function murckoAtoms(mol: Pick<ChemMolecule, 'atoms' | 'bonds'>): number[] {
  const n = mol.atoms.length;
  const nbrs: number[][] = Array.from({ length: n }, () => []);
  for (const b of mol.bonds) {
    nbrs[b.a].push(b.b);
    nbrs[b.b].push(b.a);
  }
  const alive = new Array<boolean>(n).fill(true);
  const degree = nbrs.map((x) => x.length);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (degree[i] <= 1) queue.push(i);
  while (queue.length) {
    const i = queue.pop()!;
    if (!alive[i]) continue;
    alive[i] = false;
    for (const j of nbrs[i]) {
      if (!alive[j]) continue;
      degree[j]--;
      if (degree[j] <= 1) queue.push(j);
    }
  }
  const core = alive.slice();
  for (const b of mol.bonds) {
    if (b.order !== 2) continue;
    if (core[b.a] && !core[b.b]) alive[b.b] = true;
    if (core[b.b] && !core[b.a]) alive[b.a] = true;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (alive[i]) out.push(i);
  return out;
}

/** V2000 block of the framework: elements, charges and Kekulé orders only (RDKit refills the Hs). */
function frameworkMolblock(mol: ChemMolecule, keep: number[]): string {
  const orders = kekulize(mol);
  const at = new Map(keep.map((a, k) => [a, k]));
  const bonds = mol.bonds.flatMap((b, i) => (at.has(b.a) && at.has(b.b) ? [{ a: at.get(b.a)!, b: at.get(b.b)!, order: orders[i] }] : []));
  return writeMolblock(keep.map((a) => ({ element: mol.atoms[a].element, charge: mol.atoms[a].charge })), bonds);
}

/**
 * The canonical SMILES of the molecule's Bemis-Murcko scaffold ('' when acyclic). When RDKit cannot
 * read the framework back (a charged or unusual ring system that does not sanitise on its own),
 * the molecule's own canonical SMILES is its scaffold: it then forms a group by itself.
 */
export function murckoScaffold(rd: RDKit, mol: ChemMolecule): string {
  const keep = murckoAtoms(mol);
  if (keep.length === 0) return '';
  try {
    return withMol(rd, frameworkMolblock(mol, keep), {}, (m) => m.get_smiles(), 'scaffold');
  } catch (e) {
    if (e instanceof ChemError) return mol.smiles;
    throw e;
  }
}

/** Deterministic scaffold split over per-molecule scaffold keys (see the file comment). */
export function scaffoldSplitSorted(scaffolds: readonly string[], fractions: Fractions = DEFAULT_FRACTIONS): Split {
  const [fTrain, fValid] = fractions;
  if (fractions.some((f) => !(f >= 0)) || Math.abs(fractions[0] + fractions[1] + fractions[2] - 1) > 1e-9) {
    throw new Error(`scaffold split: fractions ${JSON.stringify(fractions)} must be three non-negative numbers summing to 1`);
  }
  const n = scaffolds.length;
  const groups = new Map<string, number[]>();
  scaffolds.forEach((s, i) => {
    let g = groups.get(s);
    if (!g) groups.set(s, (g = []));
    g.push(i);
  });
  const sets = [...groups.values()].sort((a, b) => b.length - a.length || b[0] - a[0]);
  const trainCut = fTrain * n;
  const validCut = (fTrain + fValid) * n;
  const train: number[] = [], valid: number[] = [], test: number[] = [];
  for (const g of sets) {
    if (train.length + g.length > trainCut) {
      if (train.length + valid.length + g.length > validCut) test.push(...g);
      else valid.push(...g);
    } else {
      train.push(...g);
    }
  }
  const sorted = (xs: number[]) => Uint32Array.from(xs).sort();
  return { train: sorted(train), valid: sorted(valid), test: sorted(test) };
}

export type SplitKind = 'scaffold' | 'random' | 'column';

/** The split a file states per row (train / valid / test). */
export function columnSplit(parts: readonly (string | undefined)[]): Split {
  const out: number[][] = [[], [], []];
  parts.forEach((p, i) => {
    const k = p === 'train' ? 0 : p === 'valid' ? 1 : p === 'test' ? 2 : -1;
    if (k < 0) throw new Error(`split column: row ${i} has no part (train, valid or test)`);
    out[k].push(i);
  });
  return { train: Uint32Array.from(out[0]), valid: Uint32Array.from(out[1]), test: Uint32Array.from(out[2]) };
}

/** The split of a labelled set: scaffold (deterministic, needs the scaffolds), seeded random, or the file's split column. */
export function downstreamSplit(kind: SplitKind, scaffolds: readonly string[], seed: number, fractions: Fractions = DEFAULT_FRACTIONS, parts?: readonly (string | undefined)[]): Split {
  if (kind === 'scaffold') return scaffoldSplitSorted(scaffolds, fractions);
  if (kind === 'column') {
    if (!parts) throw new Error("split 'column' needs a split column (--split-column)");
    return columnSplit(parts);
  }
  if (kind === 'random') return randomSplit(scaffolds.length, seed, fractions);
  throw new Error(`split must be 'scaffold' or 'random', got '${String(kind)}'`);
}
