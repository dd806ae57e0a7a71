/**
 * A host batch (disjoint-union graph) uploaded to the GPU once per step, with everything the three
 * networks index by: packed embedding indices, edge lists with CSRs by source and by target, the
 * dense [B, Nmax] slot maps of the 3D->2D model, the bond-order adjacency A0 and the node flags.
 * Host copies of the small per-graph arrays stay on the object for loss weights.
 */
import type { Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { buildCsrArrays, csrFromArrays, disposeCsr, type Csr, type CsrArrays } from '../../kernels/graph';
import type { Batch, EdgeList } from '../data/batch';
import { packIndices, packTables, type PackedTables } from '../../kernels/ops/embedding';
import { ATOM_VOCAB, BOND_VOCAB } from '../data/format';
import { atomClass } from './config';
import { PADDING_SLOT } from './kernels';
import { EDGE_STRUCTURE_TABLES, edgeStructureCodes } from './edgeStructure';

export const ATOM_TABLES: PackedTables = packTables(ATOM_VOCAB);
export const BOND_TABLES: PackedTables = packTables(BOND_VOCAB);
/** Classes of SchNet's atom embedding (atomic number - 1). */
export const NUM_ELEMENTS = ATOM_VOCAB[0];

export interface EdgeSet {
  src: Tensor;
  dst: Tensor;
  bySrc: Csr;
  byDst: Csr;
  count: number;
}

export interface GpuBatch {
  numGraphs: number;
  numAtoms: number;
  nmax: number;
  /** u32 [N, 9] into the packed atom tables, and its CSR by table row. */
  atomIndex: Tensor;
  atomIndexCsr: Csr;
  /** u32 [N, 1] atomic number - 1 (SchNet), and its CSR. */
  elementIndex: Tensor;
  elementIndexCsr: Csr;
  bonds: EdgeSet;
  /** u32 [E, 3] into the packed bond tables, and its CSR by table row. */
  bondIndex: Tensor;
  bondIndexCsr: Csr;
  extended: EdgeSet;
  /**
   * u32 [E_ext, 2]: each extended edge's bond class and hop bucket, packed into
   * EDGE_STRUCTURE_TABLES (app/model/edgeStructure.ts), and its CSR by table row.
   */
  extendedStructure: Tensor;
  extendedStructureCsr: Csr;
  pairs: EdgeSet;
  /** f32 [N, 3] clean (centred) positions. */
  positions: Tensor;
  /** u32 [N] graph of each atom; CSR of atoms by graph. */
  graphOf: Tensor;
  atomsByGraph: Csr;
  /** u32 [N] zeros and its one-segment CSR: broadcasts a [1, F] row to every atom. */
  zeroIndex: Tensor;
  zeroCsr: Csr;
  /** Dense maps: slot = graph * nmax + local index. */
  slotOfAtom: Tensor; // u32 [N]
  atomOfSlot: Tensor; // u32 [B * nmax], PADDING_SLOT for padding
  slotGraph: Tensor; // u32 [B * nmax]
  /** u32 [B * nmax] 3D->2D class per slot (PADDING_SLOT for padding), for 119 and 10 classes. */
  classOfSlot119: Tensor;
  classOfSlot10: Tensor;
  /** f32 [B, nmax, nmax] bond-order code (OGB bond type + 1), 0 = no bond, zero diagonal. */
  adjacency: Tensor;
  /** f32 [B * nmax]: 1 for atoms with at least one bond (docs/method.md §3.1). */
  flags: Tensor;
  host: {
    atomsPerGraph: Uint32Array;
    graphOf: Uint32Array;
    flags: Float32Array;
    adjacency: Float32Array;
    classOfSlot119: Uint32Array;
    /** f32 [N, 3] the positions uploaded as `positions` (the 3D->2D distance channels use them). */
    positions: Float32Array;
    /** u32 [B * nmax] atom of each dense slot, PADDING_SLOT for padding. */
    atomOfSlot: Uint32Array;
  };
  /** Frees every tensor (only needed for persistent uploads). */
  dispose(): void;
}

export interface UploadOptions {
  /** Keep the tensors past engine.endStep() (a batch reused for sampling); dispose() them. */
  persistent?: boolean;
}

/**
 * Uploads a host Batch (app/data/batch.ts). Its CSRs are uploaded as built on the host; the dense
 * maps, classes and A0 come from its padding block.
 */
export function uploadBatch(engine: Engine, batch: Batch, options: UploadOptions = {}): GpuBatch {
  const persistent = options.persistent ?? false;
  const B = batch.numGraphs;
  const N = batch.numNodes;
  const { nmax } = batch.dense;
  if (!(B >= 1 && N >= 1)) throw new Error(`uploadBatch: a batch needs at least one graph and one atom, got ${B} graphs, ${N} atoms`);
  if (batch.atomFeatures.length !== N * 9) throw new Error(`uploadBatch: atomFeatures has ${batch.atomFeatures.length} values, expected ${N} x 9`);
  if (batch.positions.length !== N * 3) throw new Error(`uploadBatch: positions has ${batch.positions.length} values, expected ${N} x 3`);
  if (batch.dense.adjacency.length !== B * nmax * nmax) throw new Error(`uploadBatch: dense adjacency has ${batch.dense.adjacency.length} values, expected ${B} x ${nmax} x ${nmax}`);
  const S = B * nmax;

  const owned: Tensor[] = [];
  const csrs: Csr[] = [];
  const u32 = (data: Uint32Array, shape: number[], name: string) => {
    const t = engine.fromArray(data, shape, { dtype: 'u32', persistent, name });
    owned.push(t);
    return t;
  };
  const f32 = (data: Float32Array, shape: number[], name: string) => {
    const t = engine.fromArray(data, shape, { persistent, name });
    owned.push(t);
    return t;
  };
  const csr = (arrays: CsrArrays, name: string) => {
    const c = csrFromArrays(engine, arrays, { persistent, name });
    csrs.push(c);
    return c;
  };
  const edgeSet = (what: string, list: EdgeList): EdgeSet => {
    if (list.byTarget.numSegments !== N || list.bySource.numSegments !== N) throw new Error(`uploadBatch: ${what} CSRs must have one segment per node (${N})`);
    return {
      src: u32(list.src, [list.count], `${what}.src`),
      dst: u32(list.dst, [list.count], `${what}.dst`),
      bySrc: csr(list.bySource, `${what}.bySrc`),
      byDst: csr(list.byTarget, `${what}.byDst`),
      count: list.count,
    };
  };

  const atomPacked = packIndices(batch.atomFeatures, ATOM_TABLES);
  const elements = Uint32Array.from(batch.atomClass);
  const bonds = edgeSet('bond', batch.bondEdges);
  const bondPacked = packIndices(batch.bondEdges.features, BOND_TABLES);
  const structurePacked = packIndices(edgeStructureCodes(batch), EDGE_STRUCTURE_TABLES);

  const graphOf = Uint32Array.from(batch.nodeGraph);
  const slotOfAtom = Uint32Array.from(batch.dense.denseIndex);
  const atomOfSlot = new Uint32Array(S).fill(PADDING_SLOT);
  const slotGraph = new Uint32Array(S);
  const class119 = new Uint32Array(S).fill(PADDING_SLOT);
  const class10 = new Uint32Array(S).fill(PADDING_SLOT);
  for (let s = 0; s < S; s++) slotGraph[s] = Math.floor(s / nmax);
  for (let i = 0; i < N; i++) {
    const s = slotOfAtom[i];
    if (s >= S || atomOfSlot[s] !== PADDING_SLOT) throw new Error(`uploadBatch: atom ${i} has dense slot ${s}, out of range or taken`);
    atomOfSlot[s] = i;
    class119[s] = atomClass(elements[i], 119);
    class10[s] = atomClass(elements[i], 10);
  }
  const { flags, adjacency } = batch.dense;

  const result: GpuBatch = {
    numGraphs: B,
    numAtoms: N,
    nmax,
    atomIndex: u32(atomPacked, [N, 9], 'atomIndex'),
    atomIndexCsr: csr(buildCsrArrays(atomPacked, ATOM_TABLES.total), 'atomIndex.csr'),
    elementIndex: u32(elements, [N, 1], 'elementIndex'),
    elementIndexCsr: csr(buildCsrArrays(elements, NUM_ELEMENTS), 'elementIndex.csr'),
    bonds,
    bondIndex: u32(bondPacked, [bonds.count, 3], 'bondIndex'),
    bondIndexCsr: csr(buildCsrArrays(bondPacked, BOND_TABLES.total), 'bondIndex.csr'),
    extended: edgeSet('ext', batch.extendedEdges),
    extendedStructure: u32(structurePacked, [batch.extendedEdges.count, 2], 'extendedStructure'),
    extendedStructureCsr: csr(buildCsrArrays(structurePacked, EDGE_STRUCTURE_TABLES.total), 'extendedStructure.csr'),
    pairs: edgeSet('pair', batch.radiusEdges),
    positions: f32(batch.positions, [N, 3], 'positions'),
    graphOf: u32(graphOf, [N], 'graphOf'),
    atomsByGraph: csr(buildCsrArrays(graphOf, B), 'atomsByGraph'),
    zeroIndex: u32(new Uint32Array(N), [N], 'zeroIndex'),
    zeroCsr: csr(buildCsrArrays(new Uint32Array(N), 1), 'zeroCsr'),
    slotOfAtom: u32(slotOfAtom, [N], 'slotOfAtom'),
    atomOfSlot: u32(atomOfSlot, [S], 'atomOfSlot'),
    slotGraph: u32(slotGraph, [S], 'slotGraph'),
    classOfSlot119: u32(class119, [S], 'classOfSlot119'),
    classOfSlot10: u32(class10, [S], 'classOfSlot10'),
    adjacency: f32(adjacency, [B, nmax, nmax], 'adjacency'),
    flags: f32(flags, [S], 'flags'),
    host: { atomsPerGraph: Uint32Array.from(batch.dense.counts), graphOf, flags, adjacency, classOfSlot119: class119, positions: batch.positions, atomOfSlot },
    dispose: () => {
      // Transient uploads go back to the pool at endStep(); releasing them here too would free twice.
      if (!persistent || owned.length === 0) return;
      for (const t of owned) engine.dispose(t);
      for (const c of csrs) disposeCsr(engine, c);
      owned.length = 0;
    },
  };
  return result;
}
