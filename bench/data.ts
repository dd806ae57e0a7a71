/**
 * Seeded inputs for the benchmark cases: a random graph at GNN sizes and a batch of small molecules
 * (all pairs within each molecule) with SchNet's Gaussian RBF expansion and cosine cutoff. Plain
 * host arrays, so the same numbers go to our engine and to TensorFlow.js, in Node and in the page.
 */
import { mulberry32, randn } from '../kernels/random';

export interface Graph {
  nodes: number;
  edges: number;
  /** Source (gathered) node of each edge. */
  src: Uint32Array;
  /** Target (aggregating) node of each edge. */
  dst: Uint32Array;
}

/** `edges` edges with uniformly random endpoints (a stand-in for a batch of molecular graphs). */
export function randomGraph(nodes: number, edges: number, seed: number): Graph {
  if (nodes < 1 || edges < 0) throw new Error(`randomGraph: need nodes >= 1 and edges >= 0, got ${nodes} and ${edges}`);
  const rng = mulberry32(seed);
  const src = new Uint32Array(edges);
  const dst = new Uint32Array(edges);
  for (let i = 0; i < edges; i++) {
    src[i] = Math.floor(rng() * nodes);
    dst[i] = Math.floor(rng() * nodes);
  }
  return { nodes, edges, src, dst };
}

/** Normal(0, scale²) values as float32. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = randn(rng) * scale;
  return out;
}

/** PyTorch's default Linear init range, U(-1/sqrt(in), 1/sqrt(in)), for a [out, in] weight or [out] bias. */
export function linearInit(out: number, inF: number, seed: number, withIn = true): Float32Array {
  const rng = mulberry32(seed);
  const bound = 1 / Math.sqrt(inF);
  const a = new Float32Array(withIn ? out * inF : out);
  for (let i = 0; i < a.length; i++) a[i] = (2 * rng() - 1) * bound;
  return a;
}

export interface MoleculeBatch extends Graph {
  molecules: number;
  atomsPerMolecule: number;
  rbfCount: number;
  /** [edges, rbfCount]: exp(-γ (d - μ_k)²), μ_k evenly spaced on [0, cutoff]. */
  rbf: Float32Array;
  /** [edges]: 0.5 (cos(π d / cutoff) + 1) for d < cutoff, else 0. */
  cutoff: Float32Array;
}

/**
 * `molecules` molecules of `atoms` heavy atoms each, placed as random walks with 1.5 Å steps
 * (bond-like spacing), disjoint-union batched; every ordered pair (i, j), i ≠ j, inside a molecule
 * is an edge j -> i.
 */
export function moleculeBatch(molecules: number, atoms: number, rbfCount: number, cutoffRadius: number, seed: number): MoleculeBatch {
  const rng = mulberry32(seed);
  const nodes = molecules * atoms;
  const pos = new Float64Array(nodes * 3);
  for (let m = 0; m < molecules; m++) {
    for (let a = 1; a < atoms; a++) {
      const i = m * atoms + a;
      const d = [randn(rng), randn(rng), randn(rng)];
      const len = Math.hypot(d[0], d[1], d[2]) || 1;
      for (let k = 0; k < 3; k++) pos[i * 3 + k] = pos[(i - 1) * 3 + k] + (1.5 * d[k]) / len;
    }
  }
  const edges = molecules * atoms * (atoms - 1);
  const src = new Uint32Array(edges);
  const dst = new Uint32Array(edges);
  const rbf = new Float32Array(edges * rbfCount);
  const cutoff = new Float32Array(edges);
  const spacing = cutoffRadius / (rbfCount - 1);
  const gamma = 0.5 / (spacing * spacing);
  let e = 0;
  for (let m = 0; m < molecules; m++) {
    for (let i = 0; i < atoms; i++) {
      for (let j = 0; j < atoms; j++) {
        if (i === j) continue;
        const a = m * atoms + i;
        const b = m * atoms + j;
        const d = Math.hypot(pos[a * 3] - pos[b * 3], pos[a * 3 + 1] - pos[b * 3 + 1], pos[a * 3 + 2] - pos[b * 3 + 2]);
        src[e] = b;
        dst[e] = a;
        for (let k = 0; k < rbfCount; k++) rbf[e * rbfCount + k] = Math.exp(-gamma * (d - k * spacing) ** 2);
        cutoff[e] = d < cutoffRadius ? 0.5 * (Math.cos((Math.PI * d) / cutoffRadius) + 1) : 0;
        e++;
      }
    }
  }
  return { nodes, edges, src, dst, molecules, atomsPerMolecule: atoms, rbfCount, rbf, cutoff };
}
