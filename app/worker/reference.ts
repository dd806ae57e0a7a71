/**
 * Reference geometries for RMSD: the data sets' own conformer of a molecule the user drew, looked
 * up by canonical SMILES in the worker, which already holds the data sets (the main thread never
 * downloads or parses them). Each data set is indexed once, on the first look-up.
 */
import type { Dataset } from '../data/dataset';
import { parseMol, using, type RDKit } from '../chem/rdkit';
import { WorkerError } from './protocol';

/** Data sets searched for a reference, in order. */
export const REFERENCE_DATASETS = ['qm9like', 'druglike'];

export interface ReferenceResult {
  /** [atoms x 3] Å in the molblock's atom order, or null when no searched data set holds the molecule. */
  positions: Float32Array | null;
  /** Where it came from, e.g. "data set qm9like, molecule #12". */
  origin: string | null;
}

export interface ReferenceDeps {
  rdkit: () => Promise<RDKit>;
  /** A data set by name (cached by the caller); may throw WorkerError 'dataset' when not shipped. */
  dataset: (name: string) => Promise<Dataset>;
}

export class ReferenceLookup {
  private indexes = new Map<string, Promise<Map<string, number> | null>>();

  constructor(private readonly deps: ReferenceDeps) {}

  /** SMILES -> molecule index of a data set; null when the data set is not shipped. */
  private index(name: string): Promise<Map<string, number> | null> {
    let p = this.indexes.get(name);
    if (!p) {
      p = this.deps.dataset(name).then(
        (ds) => {
          const bySmiles = new Map<string, number>();
          for (let i = 0; i < ds.count; i++) bySmiles.set(ds.molecule(i).smiles, i);
          return bySmiles;
        },
        // A data set that is not shipped (or not readable) simply offers no references.
        (e: unknown) => {
          if (e instanceof WorkerError && e.code === 'dataset') return null;
          throw e;
        },
      );
      this.indexes.set(name, p);
    }
    return p;
  }

  /** The data-set conformer of the molecule in `molblock` (heavy atoms), permuted into its atom order. */
  async find(molblock: string): Promise<ReferenceResult> {
    const rd = await this.deps.rdkit();
    const smiles = using(parseMol(rd, molblock, {}, 'molecule'), (m) => m.get_smiles());
    for (const name of REFERENCE_DATASETS) {
      const index = await this.index(name);
      const i = index?.get(smiles);
      if (!index || i === undefined) continue;
      const rec = (await this.deps.dataset(name)).molecule(i);
      const perm = using(parseMol(rd, molblock, {}, 'molecule'), (mine) =>
        using(parseMol(rd, rec.smiles, {}, 'data-set SMILES'), (theirs) => {
          const match = JSON.parse(mine.get_substruct_match(theirs)) as { atoms?: number[] };
          return match.atoms;
        }),
      );
      if (!perm || perm.length !== rec.numAtoms) continue;
      const positions = new Float32Array(rec.numAtoms * 3);
      perm.forEach((mineIndex, theirIndex) => positions.set(rec.positions.subarray(theirIndex * 3, theirIndex * 3 + 3), mineIndex * 3));
      return { positions, origin: `data set ${name}, molecule #${i}` };
    }
    return { positions: null, origin: null };
  }
}
