/**
 * Reference geometries for RMSD: the 3D coordinates of a file the molecule was opened from, or
 * else the data sets' own conformer of the same molecule (looked up by canonical SMILES). The
 * data sets are fetched lazily, once, only when a sampled molecule needs a reference.
 */
import { parseDataset, type Dataset } from '../../data/dataset';
import { parseMol, using } from '../../chem/rdkit';
import { chem } from './bridge';
import type { ReferenceGeometry } from './conformers';

/** Data sets searched for a reference, in order. */
export const REFERENCE_DATASETS = ['qm9like', 'druglike'];

interface Index {
  dataset: Dataset;
  bySmiles: Map<string, number>;
}

const indexes = new Map<string, Promise<Index | null>>();

function loadIndex(name: string): Promise<Index | null> {
  let p = indexes.get(name);
  if (!p) {
    p = (async () => {
      const res = await fetch(`${import.meta.env.BASE_URL}data/${name}.bin`);
      // A data set that is not shipped simply offers no references (a dev/preview server answers
      // an unknown path with index.html, hence the content-type check).
      if (!res.ok || /text\/html/.test(res.headers.get('content-type') ?? '')) return null;
      const dataset = parseDataset(await res.arrayBuffer(), `${name}.bin`);
      const bySmiles = new Map<string, number>();
      for (let i = 0; i < dataset.count; i++) bySmiles.set(dataset.molecule(i).smiles, i);
      return { dataset, bySmiles };
    })();
    indexes.set(name, p);
  }
  return p;
}

/**
 * The data-set reference of the molecule in `molblock` (heavy atoms, editor order), with its
 * coordinates permuted into that order, or null when no shipped data set holds it.
 */
export async function datasetReference(molblock: string): Promise<ReferenceGeometry | null> {
  const rd = await chem();
  const smiles = using(parseMol(rd, molblock, {}, 'molecule'), (m) => m.get_smiles());
  for (const name of REFERENCE_DATASETS) {
    const index = await loadIndex(name);
    const i = index?.bySmiles.get(smiles);
    if (!index || i === undefined) continue;
    const rec = index.dataset.molecule(i);
    const perm = using(parseMol(rd, molblock, {}, 'molecule'), (mine) =>
      using(parseMol(rd, rec.smiles, {}, 'data-set SMILES'), (theirs) => {
        const match = JSON.parse(mine.get_substruct_match(theirs)) as { atoms?: number[] };
        return match.atoms;
      }),
    );
    if (!perm || perm.length !== rec.numAtoms) continue;
    const positions = new Float32Array(rec.numAtoms * 3);
    perm.forEach((mineIndex, theirIndex) => positions.set(rec.positions.subarray(theirIndex * 3, theirIndex * 3 + 3), mineIndex * 3));
    return { positions, source: `data set ${name}, molecule #${i}` };
  }
  return null;
}
