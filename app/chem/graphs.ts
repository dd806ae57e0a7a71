/**
 * Pure graph helpers over one molecule (heavy atoms, local indices 0..n-1): directed bond edges,
 * the <=k-hop "extended" edge set of the 2D->3D network (docs/method.md §2.1), radius pairs for SchNet
 * (docs/method.md §4.3), and the size / element limit checks every entry point runs.
 *
 * Bonds come as a flat list of undirected pairs [i0, j0, i1, j1, ...]. Edge lists are returned as
 * parallel src / dst arrays: edge e carries a message src[e] -> dst[e].
 */
import { symbolOf } from './elements';

export interface EdgeArrays {
  src: Uint32Array;
  dst: Uint32Array;
}

export interface GraphLimits {
  /** Largest molecule (heavy atoms) allowed. */
  maxAtoms: number;
  /** Allowed atomic numbers; undefined allows every element. */
  atomicNumbers?: readonly number[];
}

/** The packed format and the u16 bond indices cap a molecule at 255 heavy atoms. */
export const MAX_GRAPH_ATOMS = 255;

/** Throws a clear error when a molecule breaks a limit. `label` names it (SMILES, record index). */
export function assertWithinLimits(label: string, atomicNumbers: ArrayLike<number>, limits: GraphLimits): void {
  const n = atomicNumbers.length;
  const cap = Math.min(limits.maxAtoms, MAX_GRAPH_ATOMS);
  if (n < 1) throw new Error(`molecule ${label} has no heavy atoms`);
  if (n > cap) throw new Error(`molecule ${label} has ${n} heavy atoms; the largest molecule allowed has ${cap}`);
  if (limits.atomicNumbers) {
    const allowed = new Set(limits.atomicNumbers);
    for (let i = 0; i < n; i++) {
      const z = atomicNumbers[i];
      if (!allowed.has(z)) {
        const names = [...limits.atomicNumbers].map(symbolOf).join(', ');
        throw new Error(`molecule ${label}: atom ${i} is ${safeSymbol(z)} (Z = ${z}); allowed elements are ${names}`);
      }
    }
  }
}

function safeSymbol(z: number): string {
  try {
    return symbolOf(z);
  } catch {
    return '?';
  }
}

function checkBonds(numAtoms: number, bonds: ArrayLike<number>, who: string): void {
  if (!Number.isInteger(numAtoms) || numAtoms < 0 || numAtoms > MAX_GRAPH_ATOMS) {
    throw new Error(`${who}: numAtoms ${numAtoms} must be an integer in [0, ${MAX_GRAPH_ATOMS}]`);
  }
  if (bonds.length % 2 !== 0) throw new Error(`${who}: bond list has ${bonds.length} values, not pairs`);
  for (let k = 0; k < bonds.length; k += 2) {
    const i = bonds[k], j = bonds[k + 1];
    if (!(Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j >= 0 && i < numAtoms && j < numAtoms && i !== j)) {
      throw new Error(`${who}: bond ${k / 2} (${i}, ${j}) is not a pair of distinct atoms in [0, ${numAtoms})`);
    }
  }
}

/** Both directions of every bond: edge 2b is i -> j and edge 2b + 1 is j -> i for bond b = (i, j). */
export function directedBonds(numAtoms: number, bonds: ArrayLike<number>): EdgeArrays {
  checkBonds(numAtoms, bonds, 'directedBonds');
  const m = bonds.length / 2;
  const src = new Uint32Array(2 * m), dst = new Uint32Array(2 * m);
  for (let b = 0; b < m; b++) {
    src[2 * b] = dst[2 * b + 1] = bonds[2 * b];
    dst[2 * b] = src[2 * b + 1] = bonds[2 * b + 1];
  }
  return { src, dst };
}

/** Sorted neighbour lists. */
export function neighbours(numAtoms: number, bonds: ArrayLike<number>): number[][] {
  checkBonds(numAtoms, bonds, 'neighbours');
  const adj: number[][] = Array.from({ length: numAtoms }, () => []);
  for (let k = 0; k < bonds.length; k += 2) {
    adj[bonds[k]].push(bonds[k + 1]);
    adj[bonds[k + 1]].push(bonds[k]);
  }
  for (const a of adj) a.sort((x, y) => x - y);
  return adj;
}

/**
 * All ordered pairs (i, j), i != j, whose shortest bond path has at most `maxHops` bonds, found
 * by a BFS from every atom; `hops` holds that path length. Order: by i, then by j. This is the
 * set extend_graph() builds by squaring (A ∪ A²) for maxHops = 4 (docs/method.md §2.1).
 */
export function extendedEdges(numAtoms: number, bonds: ArrayLike<number>, maxHops = 4): EdgeArrays & { hops: Uint8Array } {
  if (!Number.isInteger(maxHops) || maxHops < 1 || maxHops > 255) throw new Error(`extendedEdges: maxHops ${maxHops} must be an integer in [1, 255]`);
  const adj = neighbours(numAtoms, bonds);
  const src: number[] = [], dst: number[] = [], hops: number[] = [];
  const dist = new Int32Array(numAtoms);
  const queue = new Int32Array(numAtoms);
  for (let s = 0; s < numAtoms; s++) {
    dist.fill(-1);
    dist[s] = 0;
    let head = 0, tail = 0;
    queue[tail++] = s;
    while (head < tail) {
      const u = queue[head++];
      if (dist[u] === maxHops) continue;
      for (const v of adj[u]) {
        if (dist[v] < 0) {
          dist[v] = dist[u] + 1;
          queue[tail++] = v;
        }
      }
    }
    for (let t = 0; t < numAtoms; t++) {
      if (t !== s && dist[t] > 0) {
        src.push(s);
        dst.push(t);
        hops.push(dist[t]);
      }
    }
  }
  return { src: Uint32Array.from(src), dst: Uint32Array.from(dst), hops: Uint8Array.from(hops) };
}

/**
 * All ordered pairs (i, j), i != j, closer than `cutoff` Å (SchNet's radius graph, per molecule,
 * no self loops). Order: by i, then by j. PyG's max_num_neighbors = 32 never bites for the
 * <= 32-atom molecules here, so there is no neighbour cap.
 */
export function radiusPairs(positions: ArrayLike<number>, numAtoms: number, cutoff = 10): EdgeArrays {
  if (positions.length !== numAtoms * 3) throw new Error(`radiusPairs: ${positions.length} coordinates for ${numAtoms} atoms (need 3 each)`);
  if (!(cutoff > 0)) throw new Error(`radiusPairs: cutoff ${cutoff} must be positive`);
  const src: number[] = [], dst: number[] = [];
  const c2 = cutoff * cutoff;
  for (let i = 0; i < numAtoms; i++) {
    for (let j = 0; j < numAtoms; j++) {
      if (i === j) continue;
      const dx = positions[3 * i] - positions[3 * j];
      const dy = positions[3 * i + 1] - positions[3 * j + 1];
      const dz = positions[3 * i + 2] - positions[3 * j + 2];
      const d2 = dx * dx + dy * dy + dz * dz;
      if (!Number.isFinite(d2)) throw new Error(`radiusPairs: atoms ${i} and ${j} have non-finite coordinates`);
      if (d2 < c2) {
        src.push(i);
        dst.push(j);
      }
    }
  }
  return { src: Uint32Array.from(src), dst: Uint32Array.from(dst) };
}
