/** Float64 twins of linear layers and 2-D matmul (row-major arrays, shapes passed explicitly). */
import type { Activation } from '../ops/activation';
import { activationDerivative, activationValue } from './activation';

/** Element (i, j) of a stored row-major [rows, cols] matrix, or of its transpose when `t`. */
function at(m: ArrayLike<number>, cols: number, t: boolean, i: number, j: number): number {
  return t ? m[j * cols + i] : m[i * cols + j];
}

export interface MatmulDims {
  /** Stored shapes of a and b. */
  a: readonly [number, number];
  b: readonly [number, number];
  transA?: boolean;
  transB?: boolean;
}

function logical(d: MatmulDims): { M: number; K: number; N: number } {
  const M = d.transA ? d.a[1] : d.a[0];
  const K = d.transA ? d.a[0] : d.a[1];
  const N = d.transB ? d.b[0] : d.b[1];
  const K2 = d.transB ? d.b[1] : d.b[0];
  if (K !== K2) throw new Error(`reference matmul: inner dimensions ${K} and ${K2} differ`);
  return { M, K, N };
}

/** op(a) op(b), [M, N]. */
export function matmulForward(a: ArrayLike<number>, b: ArrayLike<number>, d: MatmulDims): Float64Array {
  const { M, K, N } = logical(d);
  const ta = !!d.transA;
  const tb = !!d.transB;
  const y = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += at(a, d.a[1], ta, i, k) * at(b, d.b[1], tb, k, j);
      y[i * N + j] = s;
    }
  return y;
}

/** Gradients of sum(dy * op(a) op(b)) with respect to the stored a and b. */
export function matmulBackward(a: ArrayLike<number>, b: ArrayLike<number>, dy: ArrayLike<number>, d: MatmulDims): { da: Float64Array; db: Float64Array } {
  const { M, K, N } = logical(d);
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      const g = dy[i * N + j];
      for (let k = 0; k < K; k++) {
        // y_ij = Σ_k opA_ik opB_kj
        const ai = d.transA ? k * d.a[1] + i : i * d.a[1] + k;
        const bi = d.transB ? j * d.b[1] + k : k * d.b[1] + j;
        da[ai] += g * b[bi];
        db[bi] += g * a[ai];
      }
    }
  return { da, db };
}

export type LinearAct = Activation | 'none';

/** Pre-activation z = x Wᵀ + b and y = act(z); x [M, in], w [out, in], b [out] or null. */
export function linearForward(
  x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, M: number, inF: number, outF: number, act: LinearAct,
): { y: Float64Array; z: Float64Array } {
  const z = matmulForward(x, w, { a: [M, inF], b: [outF, inF], transB: true });
  if (b) for (let i = 0; i < M; i++) for (let j = 0; j < outF; j++) z[i * outF + j] += b[j];
  const y = act === 'none' ? Float64Array.from(z) : z.map((v) => activationValue(v, act));
  return { y, z };
}

export function linearBackward(
  x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, dy: ArrayLike<number>,
  M: number, inF: number, outF: number, act: LinearAct,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { z } = linearForward(x, w, b, M, inF, outF, act);
  const dz = act === 'none' ? Float64Array.from(dy) : z.map((v, i) => dy[i] * activationDerivative(v, act));
  const { da: dx, db: dw } = matmulBackward(x, w, dz, { a: [M, inF], b: [outF, inF], transB: true });
  const db = new Float64Array(outF);
  for (let i = 0; i < M; i++) for (let j = 0; j < outF; j++) db[j] += dz[i * outF + j];
  return { dx, dw, db };
}
