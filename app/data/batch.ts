/**
 * Host-side batching: a disjoint-union graph of several molecules as typed arrays, with every
 * edge list's CSR by target and by source (kernels/graph.ts) and the dense padding the 3D->2D
 * networks need (docs/method.md §3.1). Nodes of graph g are the contiguous rows
 * nodeOffsets[g] .. nodeOffsets[g + 1]; edges of every list are grouped by graph in batch order.
 */
import { buildCsrArrays, type CsrArrays } from '../../kernels/graph';
import { assertWithinLimits, directedBonds, extendedEdges, radiusPairs, type GraphLimits } from '../chem/graphs';
import type { Dataset, MoleculeRecord } from './dataset';
import { ATOM_FEATURES, BOND_FEATURES } from './format';

/** What makeBatch needs of a molecule; MoleculeRecord (dataset.ts) is one. */
export interface BatchMolecule {
  smiles?: string;
  numAtoms: number;
  /** u8 [n x 9] OGB atom features. */
  atomFeatures: ArrayLike<number>;
  /** [m x 2] undirected bonds. */
  bonds: ArrayLike<number>;
  /** [m x 3] OGB bond features. */
  bondFeatures: ArrayLike<number>;
  /** [n x 3] Å. Required unless options.radius is false and options.positions is 'none'. */
  positions?: ArrayLike<number>;
  baselinePositions?: ArrayLike<number>[];
  labels?: ArrayLike<number>;
}

export interface BatchOptions {
  /** SchNet radius in Å (default 10). */
  cutoff?: number;
  /** Extended edge set radius in bonds (default 4). */
  maxHops?: number;
  /** Build the SchNet pair list (default true; needs positions). */
  radius?: boolean;
  /** Which geometry: the stored one (default), a baseline conformer, or none (zeros; 2D-only use). */
  positions?: 'stored' | 'none' | { baseline: number };
  /** Checked per molecule when given (largest molecule, allowed elements). */
  limits?: GraphLimits;
}

export interface EdgeList {
  /** Global node indices; edge e sends src[e] -> dst[e]. */
  src: Uint32Array;
  dst: Uint32Array;
  count: number;
  /** Edges grouped by dst (segments = nodes): the deterministic aggregation order. */
  byTarget: CsrArrays;
  /** Edges grouped by src: the order of the backward of a gather. */
  bySource: CsrArrays;
}

export interface DensePadding {
  /** Largest atom count in the batch. */
  nmax: number;
  /** Atoms per graph [B]. */
  counts: Uint32Array;
  /** Row of each node in the flattened [B x nmax] layout: graph * nmax + local index. */
  denseIndex: Uint32Array;
  /** [B x nmax], 1 for a real atom. */
  nodeMask: Float32Array;
  /** [B x nmax], 1 for an atom with at least one bond (docs/method.md §3.1 flags). */
  flags: Float32Array;
  /** [B x nmax x nmax] symmetric bond-order code: OGB bond type + 1 (single 1 .. aromatic 4, misc 5), 0 none. */
  adjacency: Float32Array;
}

export interface Batch {
  numGraphs: number;
  numNodes: number;
  /** Data-set indices of the molecules, when built from a Dataset. */
  indices?: Uint32Array;
  smiles: string[];
  /** u8 [N x 9]. */
  atomFeatures: Uint8Array;
  /** [N] atomic number - 1 (the 3D models' only atom input). */
  atomClass: Uint32Array;
  /** [N] graph of each node. */
  nodeGraph: Uint32Array;
  /** [B + 1] prefix sums of atom counts. */
  nodeOffsets: Uint32Array;
  /** f32 [N x 3] Å. */
  positions: Float32Array;
  /** Bonds in both directions, with u8 [E x 3] features and the undirected bond id. */
  bondEdges: EdgeList & { features: Uint8Array; bond: Uint32Array };
  /** All ordered pairs within maxHops bonds, with their hop count. */
  extendedEdges: EdgeList & { hops: Uint8Array };
  /** All ordered pairs closer than the cutoff (empty when options.radius is false). */
  radiusEdges: EdgeList;
  dense: DensePadding;
  /** f32 [B x L] when every molecule has L labels, else empty. */
  labels: Float32Array;
  numLabels: number;
}

export function makeBatch(molecules: readonly BatchMolecule[], options?: BatchOptions): Batch;
export function makeBatch(dataset: Dataset, indices: ArrayLike<number>, options?: BatchOptions): Batch;
export function makeBatch(
  source: readonly BatchMolecule[] | Dataset, second?: ArrayLike<number> | BatchOptions, third?: BatchOptions,
): Batch {
  if (isDataset(source)) {
    const indices = Uint32Array.from(second as ArrayLike<number>);
    const batch = build(Array.from(indices, (i) => source.molecule(i)), third ?? {});
    batch.indices = indices;
    return batch;
  }
  return build(source, (second as BatchOptions | undefined) ?? {});
}

function isDataset(x: unknown): x is Dataset {
  return typeof (x as Dataset).molecule === 'function' && typeof (x as Dataset).count === 'number';
}

function build(mols: readonly BatchMolecule[], options: BatchOptions): Batch {
  const B = mols.length;
  if (B === 0) throw new Error('makeBatch: no molecules');
  const cutoff = options.cutoff ?? 10;
  const maxHops = options.maxHops ?? 4;
  const wantRadius = options.radius ?? true;
  const which = options.positions ?? 'stored';
  const nodeOffsets = new Uint32Array(B + 1);
  mols.forEach((m, g) => {
    const label = `${g} (${m.smiles ?? 'no SMILES'})`;
    if (m.atomFeatures.length !== m.numAtoms * ATOM_FEATURES) {
      throw new Error(`makeBatch: molecule ${label} has ${m.atomFeatures.length} atom feature values for ${m.numAtoms} atoms`);
    }
    if (m.bondFeatures.length * 2 !== m.bonds.length * BOND_FEATURES) {
      throw new Error(`makeBatch: molecule ${label} has ${m.bonds.length / 2} bonds but ${m.bondFeatures.length / BOND_FEATURES} bond feature rows`);
    }
    if (options.limits) {
      assertWithinLimits(label, Array.from({ length: m.numAtoms }, (_, i) => m.atomFeatures[i * ATOM_FEATURES] + 1), options.limits);
    }
    nodeOffsets[g + 1] = nodeOffsets[g] + m.numAtoms;
  });
  const N = nodeOffsets[B];
  const atomFeatures = new Uint8Array(N * ATOM_FEATURES);
  const atomClass = new Uint32Array(N);
  const nodeGraph = new Uint32Array(N);
  const positions = new Float32Array(N * 3);
  const L = mols.every((m) => m.labels && m.labels.length === mols[0].labels?.length) ? (mols[0].labels?.length ?? 0) : 0;
  const labels = new Float32Array(B * L);
  const bond = { src: [] as number[], dst: [] as number[], features: [] as number[], bond: [] as number[] };
  const ext = { src: [] as number[], dst: [] as number[], hops: [] as number[] };
  const rad = { src: [] as number[], dst: [] as number[] };
  let bondBase = 0;
  mols.forEach((m, g) => {
    const o = nodeOffsets[g];
    const n = m.numAtoms;
    atomFeatures.set(Array.from(m.atomFeatures), o * ATOM_FEATURES);
    for (let i = 0; i < n; i++) {
      atomClass[o + i] = m.atomFeatures[i * ATOM_FEATURES];
      nodeGraph[o + i] = g;
    }
    const pos = pickPositions(m, which, g);
    if (pos) positions.set(Array.from(pos), o * 3);
    if (L) labels.set(Array.from(m.labels!), g * L);
    const d = directedBonds(n, m.bonds);
    for (let e = 0; e < d.src.length; e++) {
      bond.src.push(o + d.src[e]);
      bond.dst.push(o + d.dst[e]);
      const b = e >> 1;
      bond.bond.push(bondBase + b);
      for (let f = 0; f < BOND_FEATURES; f++) bond.features.push(m.bondFeatures[b * BOND_FEATURES + f]);
    }
    bondBase += m.bonds.length / 2;
    const x = extendedEdges(n, m.bonds, maxHops);
    for (let e = 0; e < x.src.length; e++) {
      ext.src.push(o + x.src[e]);
      ext.dst.push(o + x.dst[e]);
      ext.hops.push(x.hops[e]);
    }
    if (wantRadius) {
      if (!pos) throw new Error(`makeBatch: molecule ${g} has no positions; the SchNet pair list needs them (pass radius: false for 2D-only batches)`);
      const r = radiusPairs(pos, n, cutoff);
      for (let e = 0; e < r.src.length; e++) {
        rad.src.push(o + r.src[e]);
        rad.dst.push(o + r.dst[e]);
      }
    }
  });
  return {
    numGraphs: B,
    numNodes: N,
    smiles: mols.map((m) => m.smiles ?? ''),
    atomFeatures,
    atomClass,
    nodeGraph,
    nodeOffsets,
    positions,
    bondEdges: { ...edgeList(bond.src, bond.dst, N), features: Uint8Array.from(bond.features), bond: Uint32Array.from(bond.bond) },
    extendedEdges: { ...edgeList(ext.src, ext.dst, N), hops: Uint8Array.from(ext.hops) },
    radiusEdges: edgeList(rad.src, rad.dst, N),
    dense: densePadding(mols, nodeOffsets),
    labels,
    numLabels: L,
  };
}

function pickPositions(m: BatchMolecule, which: BatchOptions['positions'], g: number): ArrayLike<number> | null {
  if (which === 'none') return null;
  let pos: ArrayLike<number> | undefined;
  if (which === 'stored' || which === undefined) {
    pos = m.positions;
    if (!pos) return null;
  } else {
    pos = m.baselinePositions?.[which.baseline];
    if (!pos) {
      throw new Error(`makeBatch: molecule ${g} (${m.smiles ?? 'no SMILES'}) has ${m.baselinePositions?.length ?? 0} baseline conformers; asked for conformer ${which.baseline}`);
    }
  }
  if (pos.length !== m.numAtoms * 3) throw new Error(`makeBatch: molecule ${g} has ${pos.length} coordinates for ${m.numAtoms} atoms`);
  return pos;
}

function edgeList(src: number[], dst: number[], numNodes: number): EdgeList {
  const s = Uint32Array.from(src), d = Uint32Array.from(dst);
  return { src: s, dst: d, count: s.length, byTarget: buildCsrArrays(d, numNodes), bySource: buildCsrArrays(s, numNodes) };
}

function densePadding(mols: readonly BatchMolecule[], nodeOffsets: Uint32Array): DensePadding {
  const B = mols.length;
  const counts = Uint32Array.from(mols, (m) => m.numAtoms);
  // A loop, not Math.max(...counts): spreading a million-entry array overflows the call stack.
  let nmax = 0;
  for (const c of counts) if (c > nmax) nmax = c;
  const denseIndex = new Uint32Array(nodeOffsets[B]);
  const nodeMask = new Float32Array(B * nmax);
  const flags = new Float32Array(B * nmax);
  const adjacency = new Float32Array(B * nmax * nmax);
  mols.forEach((m, g) => {
    for (let i = 0; i < m.numAtoms; i++) {
      denseIndex[nodeOffsets[g] + i] = g * nmax + i;
      nodeMask[g * nmax + i] = 1;
    }
    for (let b = 0; b < m.bonds.length / 2; b++) {
      const i = m.bonds[2 * b], j = m.bonds[2 * b + 1];
      const code = m.bondFeatures[b * BOND_FEATURES] + 1;
      adjacency[(g * nmax + i) * nmax + j] = code;
      adjacency[(g * nmax + j) * nmax + i] = code;
      flags[g * nmax + i] = 1;
      flags[g * nmax + j] = 1;
    }
  });
  return { nmax, counts, denseIndex, nodeMask, flags, adjacency };
}
