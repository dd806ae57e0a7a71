/**
 * Host-side structure of each extended edge for the 2D->3D edge-structure embedding
 * (Score2Dto3DConfig.edgeStructure, docs/method.md §2.9): the pair's bond type and its hop count,
 * two categorical features packed into one embedding table (kernels/ops/embedding.ts).
 */
import { packTables, type PackedTables } from '../../kernels/ops/embedding';
import type { Batch } from '../data/batch';

/** Bond type of a pair: 0 none, else OGB bond type + 1 (single 1, double 2, triple 3, aromatic 4, misc 5). */
export const EDGE_BOND_CLASSES = 6;
/** Hop buckets: 1, 2, 3, 4 bonds, and >= 5 (only reachable with an extended graph wider than 4 hops). */
export const EDGE_HOP_BUCKETS = 5;
export const EDGE_STRUCTURE_TABLES: PackedTables = packTables([EDGE_BOND_CLASSES, EDGE_HOP_BUCKETS]);

/**
 * Raw (unpacked) codes [E x 2] of the batch's extended edges, edge by edge: [bond class, hop bucket].
 * The bond class is read from the dense bond-order adjacency (the same codes the 3D->2D model sees),
 * the hop count from the BFS that built the extended edges. Both are symmetric in the pair and
 * follow atoms under renumbering, so the network stays permutation-equivariant.
 */
export function edgeStructureCodes(batch: Batch): Uint32Array {
  const ext = batch.extendedEdges;
  const { nmax, denseIndex, adjacency } = batch.dense;
  const out = new Uint32Array(2 * ext.count);
  for (let e = 0; e < ext.count; e++) {
    const i = ext.src[e], j = ext.dst[e];
    const g = batch.nodeGraph[i];
    if (batch.nodeGraph[j] !== g) throw new Error(`edgeStructureCodes: extended edge ${e} joins graphs ${g} and ${batch.nodeGraph[j]}`);
    const code = adjacency[denseIndex[i] * nmax + (denseIndex[j] - g * nmax)];
    const hops = ext.hops[e];
    if ((code > 0) !== (hops === 1)) throw new Error(`edgeStructureCodes: extended edge ${e} has bond code ${code} but ${hops} hops`);
    out[2 * e] = code;
    out[2 * e + 1] = Math.min(hops, EDGE_HOP_BUCKETS) - 1;
  }
  return out;
}
