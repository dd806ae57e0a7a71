import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CsrArrays } from '../../kernels/graph';
import { makeBatch, type BatchMolecule, type EdgeList } from './batch';
import { parseDataset } from './dataset';

/** A carbon-only molecule on a line (1.5 Å apart) with all-single bonds (OGB codes). */
function molecule(n: number, bonds: number[], smiles: string, types?: number[]): BatchMolecule {
  const atomFeatures: number[] = [];
  for (let i = 0; i < n; i++) atomFeatures.push(5, 0, 4, 5, 2, 0, 2, 0, 0);
  const bondFeatures: number[] = [];
  for (let b = 0; b < bonds.length / 2; b++) bondFeatures.push(types?.[b] ?? 0, 0, 0);
  const positions = Array.from({ length: 3 * n }, (_, k) => (k % 3 === 0 ? 1.5 * (k / 3) : 0));
  return { smiles, numAtoms: n, atomFeatures, bonds, bondFeatures, positions, labels: [n] };
}
const chain6 = molecule(6, [0, 1, 1, 2, 2, 3, 3, 4, 4, 5], 'CCCCCC');
const benzene = molecule(6, [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 0, 5], 'c1ccccc1', [3, 3, 3, 3, 3, 3]);
const methane = molecule(1, [], 'C');

/** A CSR is valid when it is a stable grouping of all edges by key. */
function expectCsr(csr: CsrArrays, keys: Uint32Array, numNodes: number) {
  expect(csr.offsets.length).toBe(numNodes + 1);
  expect(csr.offsets[0]).toBe(0);
  expect(csr.offsets[numNodes]).toBe(keys.length);
  const seen = new Uint8Array(keys.length);
  for (let s = 0; s < numNodes; s++) {
    expect(csr.offsets[s + 1]).toBeGreaterThanOrEqual(csr.offsets[s]);
    for (let k = csr.offsets[s]; k < csr.offsets[s + 1]; k++) {
      const e = csr.order[k];
      expect(keys[e]).toBe(s);
      if (k > csr.offsets[s]) expect(e).toBeGreaterThan(csr.order[k - 1]);
      seen[e]++;
    }
  }
  expect(seen.every((c) => c === 1)).toBe(true);
}

function expectEdgeList(list: EdgeList, numNodes: number) {
  expect(list.src.length).toBe(list.count);
  expectCsr(list.byTarget, list.dst, numNodes);
  expectCsr(list.bySource, list.src, numNodes);
}

describe('makeBatch on small known graphs', () => {
  const batch = makeBatch([chain6, methane, benzene]);

  it('lays out nodes contiguously per graph', () => {
    expect(batch.numGraphs).toBe(3);
    expect(batch.numNodes).toBe(13);
    expect(Array.from(batch.nodeOffsets)).toEqual([0, 6, 7, 13]);
    expect(Array.from(batch.nodeGraph)).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2]);
    expect(Array.from(batch.atomClass)).toEqual(new Array(13).fill(5));
    expect(batch.atomFeatures.length).toBe(13 * 9);
    expect(Array.from(batch.labels)).toEqual([6, 1, 6]);
  });

  it('bond edges: both directions, offset per graph, features copied', () => {
    expect(batch.bondEdges.count).toBe(2 * (5 + 0 + 6));
    expect([batch.bondEdges.src[0], batch.bondEdges.dst[0], batch.bondEdges.src[1], batch.bondEdges.dst[1]]).toEqual([0, 1, 1, 0]);
    // Benzene's first bond (0, 1) becomes nodes 7 and 8, aromatic (type 3).
    expect([batch.bondEdges.src[10], batch.bondEdges.dst[10]]).toEqual([7, 8]);
    expect(batch.bondEdges.features[10 * 3]).toBe(3);
    expect(batch.bondEdges.bond[10]).toBe(5);
    for (let e = 0; e < batch.bondEdges.count; e++) expect(batch.nodeGraph[batch.bondEdges.src[e]]).toBe(batch.nodeGraph[batch.bondEdges.dst[e]]);
    expectEdgeList(batch.bondEdges, batch.numNodes);
  });

  it('4-hop edges: 28 for the chain, none for methane, 30 for benzene', () => {
    expect(batch.extendedEdges.count).toBe(28 + 0 + 30);
    expectEdgeList(batch.extendedEdges, batch.numNodes);
    for (let e = 0; e < batch.extendedEdges.count; e++) {
      expect(batch.extendedEdges.src[e]).not.toBe(batch.extendedEdges.dst[e]);
      expect(batch.nodeGraph[batch.extendedEdges.src[e]]).toBe(batch.nodeGraph[batch.extendedEdges.dst[e]]);
    }
  });

  it('SchNet pairs: every ordered pair within a graph at 10 Å (atoms span 7.5 Å)', () => {
    expect(batch.radiusEdges.count).toBe(30 + 0 + 30);
    expectEdgeList(batch.radiusEdges, batch.numNodes);
    const short = makeBatch([chain6], { cutoff: 2 });
    expect(short.radiusEdges.count).toBe(10);
  });

  it('dense padding: Nmax, counts, masks, flags and the bond-order code adjacency', () => {
    const d = batch.dense;
    expect(d.nmax).toBe(6);
    expect(Array.from(d.counts)).toEqual([6, 1, 6]);
    expect(Array.from(d.denseIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 12, 13, 14, 15, 16, 17]);
    expect(Array.from(d.nodeMask.subarray(6, 12))).toEqual([1, 0, 0, 0, 0, 0]);
    expect(Array.from(d.flags.subarray(6, 12))).toEqual([0, 0, 0, 0, 0, 0]); // a lone atom has no bond
    const A = (g: number, i: number, j: number) => d.adjacency[(g * 6 + i) * 6 + j];
    expect([A(0, 0, 1), A(0, 1, 0), A(0, 0, 2), A(0, 0, 0)]).toEqual([1, 1, 0, 0]);
    expect([A(2, 0, 5), A(2, 5, 0)]).toEqual([4, 4]);
  });
});

describe('makeBatch options and errors', () => {
  it('2D-only batches skip the pair list; missing positions are an error otherwise', () => {
    const noPos = { ...chain6, positions: undefined };
    expect(makeBatch([noPos], { radius: false, positions: 'none' }).radiusEdges.count).toBe(0);
    expect(() => makeBatch([noPos])).toThrow(/molecule 0 has no positions; the SchNet pair list needs them/);
  });
  it('enforces limits with a clear message', () => {
    expect(() => makeBatch([chain6], { limits: { maxAtoms: 5 } })).toThrow(/CCCCCC\) has 6 heavy atoms; the largest molecule allowed has 5/);
  });
  it('rejects inconsistent molecules and empty batches', () => {
    expect(() => makeBatch([{ ...chain6, bondFeatures: [0, 0, 0] }])).toThrow(/5 bonds but 1 bond feature rows/);
    expect(() => makeBatch([])).toThrow(/no molecules/);
  });
  it('uses the hop radius asked for', () => {
    expect(makeBatch([benzene], { maxHops: 2 }).extendedEdges.count).toBe(24);
  });
});

describe('makeBatch from a data set', () => {
  const ds = parseDataset(new Uint8Array(readFileSync(new URL('./fixtures/tiny.bin', import.meta.url))), 'tiny.bin');
  it('takes molecules by index, stored or baseline geometry', () => {
    const b = makeBatch(ds, [1, 3]);
    expect(Array.from(b.indices!)).toEqual([1, 3]);
    expect(b.smiles).toEqual([ds.molecule(1).smiles, ds.molecule(3).smiles]);
    expect(Array.from(b.positions.subarray(0, 3))).toEqual(Array.from(ds.molecule(1).positions.subarray(0, 3)));
    expect(b.numLabels).toBe(3);
    const base = makeBatch(ds, [1], { positions: { baseline: 1 } });
    expect(Array.from(base.positions)).toEqual(Array.from(ds.molecule(1).baselinePositions![1]));
    expect(() => makeBatch(ds, [0], { positions: { baseline: 0 } })).toThrow(/has 0 baseline conformers; asked for conformer 0/);
  });
});
