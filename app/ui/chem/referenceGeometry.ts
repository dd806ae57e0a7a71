/**
 * "Use reference geometry" (3D -> 2D panel): a 3D geometry of the editor's molecule without opening
 * a file. From the shipped data sets when they hold the molecule (asked of the worker, which holds
 * them: app/worker/reference.ts), else from the
 * reference geometries shipped for every example molecule (public/data/examples.sdf: RDKit ETKDG +
 * MMFF94, heavy atoms, written by tools/reference_geometries.py). Coordinates are permuted into the
 * editor's atom order by a substructure match, so atom i stays atom i everywhere.
 */
import { readSdf } from '../../chem/io';
import { parseMol, using } from '../../chem/rdkit';
import type { TopologyInput } from '../state/topologyStore';
import { chem } from './bridge';
import { engineClient } from '../workerClient';
import { topologyInputFromConformer } from './topologyInput';

export const EXAMPLES_SDF = 'data/examples.sdf';

interface ExampleGeometry {
  name: string;
  smiles: string;
  /** The record's molblock (heavy atoms) and its coordinates in that atom order. */
  molblock: string;
  positions: Float32Array;
}

let examples: Promise<Map<string, ExampleGeometry>> | null = null;

/** The shipped example geometries by canonical SMILES (fetched once). */
function loadExamples(): Promise<Map<string, ExampleGeometry>> {
  examples ??= (async () => {
    const res = await fetch(`${import.meta.env.BASE_URL}${EXAMPLES_SDF}`);
    if (!res.ok || /text\/html/.test(res.headers.get('content-type') ?? '')) throw new Error(`${EXAMPLES_SDF} could not be loaded (${res.status} ${res.statusText})`);
    const text = await res.text();
    const rd = await chem();
    const parsed = readSdf(rd, text);
    if (parsed.errors.length) throw new Error(`${EXAMPLES_SDF}: ${parsed.errors.map((e) => e.reason).join('; ')}`);
    const out = new Map<string, ExampleGeometry>();
    const records = text.split(/^\$\$\$\$\s*$/m).filter((r) => /M {2}END/.test(r));
    if (records.length !== parsed.molecules.length) throw new Error(`${EXAMPLES_SDF}: ${records.length} records but ${parsed.molecules.length} molecules`);
    parsed.molecules.forEach((m, i) => {
      if (!m.molecule.positions) throw new Error(`${EXAMPLES_SDF}: record ${i + 1} has no 3D coordinates`);
      out.set(m.molecule.smiles, { name: m.molecule.name ?? `record ${i + 1}`, smiles: m.molecule.smiles, molblock: records[i].replace(/^\s*\n/, ''), positions: m.molecule.positions });
    });
    return out;
  })();
  examples.catch(() => {
    examples = null;
  });
  return examples;
}

/** The example's coordinates in the atom order of `molblock` (a substructure match, atom for atom). */
async function inEditorOrder(molblock: string, ex: ExampleGeometry): Promise<Float32Array> {
  const rd = await chem();
  const perm = using(parseMol(rd, molblock, {}, 'molecule'), (mine) =>
    using(parseMol(rd, ex.molblock, {}, 'reference geometry'), (ref) => (JSON.parse(mine.get_substruct_match(ref)) as { atoms?: number[] }).atoms),
  );
  const n = ex.positions.length / 3;
  if (!perm || perm.length !== n) throw new Error(`the reference geometry of ${ex.name} does not match the molecule atom for atom`);
  const positions = new Float32Array(3 * n);
  perm.forEach((mineIndex, theirIndex) => positions.set(ex.positions.subarray(3 * theirIndex, 3 * theirIndex + 3), 3 * mineIndex));
  return positions;
}

/** The 3D -> 2D input for the editor's molecule, or an Error saying why there is none. */
export async function referenceTopologyInput(molblock: string, label: string): Promise<TopologyInput> {
  const fromData = await engineClient().request({ type: 'findReference', molblock }, 'reference');
  if (fromData.positions) return topologyInputFromConformer(molblock, fromData.positions, `reference geometry of ${label} (${fromData.origin})`);
  const rd = await chem();
  const smiles = using(parseMol(rd, molblock, {}, 'molecule'), (m) => m.get_smiles());
  const ex = (await loadExamples()).get(smiles);
  if (!ex) throw new Error(`no reference geometry for ${label}: it is neither in the shipped data sets nor one of the examples. Open a 3D file, or sample a conformer in 2D → 3D.`);
  return topologyInputFromConformer(molblock, await inEditorOrder(molblock, ex), `reference geometry of ${label} (RDKit ETKDG + MMFF94, examples.sdf: ${ex.name})`);
}
