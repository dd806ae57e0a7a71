/**
 * CSR lists for graph ops, built on the host once per batch.
 *
 * A Csr groups element ids (edges, or flattened index slots) by a key (their target node, their
 * source node, their table row...). `order[offsets[s] .. offsets[s+1])` are the ids of the elements
 * whose key is s, in ascending id order (a stable counting sort). Kernels that reduce over a segment
 * then visit the elements in a fixed order, which is what makes every reduction deterministic
 * without atomics: one invocation per (segment, feature) loops over its segment.
 */
import type { Engine } from './engine';
import type { Tensor } from './tensor';

export interface Csr {
  /** u32 [S + 1]: segment s holds order[offsets[s] .. offsets[s + 1]). */
  offsets: Tensor;
  /** u32 [E]: element ids grouped by segment, ascending inside a segment. */
  order: Tensor;
  numSegments: number;
}

export interface CsrArrays {
  offsets: Uint32Array;
  order: Uint32Array;
  numSegments: number;
}

/** Stable counting sort of element ids by key. Throws if a key is not below numSegments. */
export function buildCsrArrays(keys: ArrayLike<number>, numSegments: number): CsrArrays {
  if (!Number.isInteger(numSegments) || numSegments < 0 || numSegments > 0xffffffff) {
    throw new Error(`buildCsr: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  const n = keys.length;
  if (n > 0xffffffff) throw new Error(`buildCsr: ${n} keys do not fit u32 ids`);
  const offsets = new Uint32Array(numSegments + 1);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (!(Number.isInteger(k) && k >= 0 && k < numSegments)) {
      throw new Error(`buildCsr: key ${k} of element ${i} is out of range [0, ${numSegments})`);
    }
    offsets[k + 1]++;
  }
  for (let s = 0; s < numSegments; s++) offsets[s + 1] += offsets[s];
  // Filling in ascending id order keeps ids ascending inside each segment (stability).
  const cursor = offsets.slice(0, numSegments);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[cursor[keys[i]]++] = i;
  return { offsets, order, numSegments };
}

export interface CsrTensorOptions {
  /** Keep the CSR past `engine.endStep()` (e.g. a batch reused over several steps); dispose with disposeCsr. */
  persistent?: boolean;
  name?: string;
}

/** Uploads host CSR arrays as u32 tensors. */
export function csrFromArrays(engine: Engine, arrays: CsrArrays, options: CsrTensorOptions = {}): Csr {
  const { offsets, order, numSegments } = arrays;
  if (offsets.length !== numSegments + 1) {
    throw new Error(`csrFromArrays: offsets has ${offsets.length} entries, expected numSegments + 1 = ${numSegments + 1}`);
  }
  if (offsets[0] !== 0 || offsets[numSegments] !== order.length) {
    throw new Error(`csrFromArrays: offsets must run from 0 to order.length = ${order.length}, got ${offsets[0]}..${offsets[numSegments]}`);
  }
  const name = options.name ?? 'csr';
  const persistent = options.persistent ?? false;
  const offsetsT = engine.empty([numSegments + 1], { dtype: 'u32', persistent, name: `${name}.offsets` });
  const orderT = engine.empty([order.length], { dtype: 'u32', persistent, name: `${name}.order` });
  engine.write(offsetsT, offsets);
  engine.write(orderT, order);
  return { offsets: offsetsT, order: orderT, numSegments };
}

/** Builds the CSR of `keys` (one key per element) on the host and uploads it. */
export function buildCsr(engine: Engine, keys: ArrayLike<number>, numSegments: number, options: CsrTensorOptions = {}): Csr {
  return csrFromArrays(engine, buildCsrArrays(keys, numSegments), options);
}

export function disposeCsr(engine: Engine, csr: Csr): void {
  engine.dispose(csr.offsets);
  engine.dispose(csr.order);
}

/** Shape checks shared by the graph ops: a Csr over `elements` ids with `segments` segments. */
export function assertCsr(op: string, csr: Csr, elements: number, segments: number | null, what = 'csr'): void {
  if (csr.offsets.dtype !== 'u32' || csr.order.dtype !== 'u32') {
    throw new Error(`${op}: ${what} offsets and order must be u32, got ${csr.offsets.dtype} and ${csr.order.dtype}`);
  }
  if (csr.offsets.size !== csr.numSegments + 1) {
    throw new Error(`${op}: ${what} offsets has ${csr.offsets.size} entries for ${csr.numSegments} segments`);
  }
  if (csr.order.size !== elements) {
    throw new Error(`${op}: ${what} orders ${csr.order.size} elements, expected ${elements}`);
  }
  if (segments !== null && csr.numSegments !== segments) {
    throw new Error(`${op}: ${what} has ${csr.numSegments} segments, expected ${segments}`);
  }
}
