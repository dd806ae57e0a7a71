/**
 * Host twin of the WGSL counter-based RNG (kernels/ops/rng.wgsl): Philox-4x32-10 (Salmon et al.,
 * SC 2011) in uint32 arithmetic, so tests can compare the GPU's integers bit for bit.
 *
 * Element `index` of a draw keyed by (seed, stream) uses counter (index, purpose, 0, 0) and key
 * (seed, stream). `purpose` separates uniform draws (0, word x) from normal draws (1, words x, y),
 * so randomUniform and randomNormal with the same seed and stream are independent.
 */

import { checkKeyWord, PHILOX_M0 as M0, PHILOX_M1 as M1, PHILOX_W0 as W0, PHILOX_W1 as W1, PURPOSE_NORMAL, PURPOSE_UNIFORM } from '../random';

// Production code imports these from kernels/random.ts; re-exported so the twin reads as one file.
export { checkKeyWord, PURPOSE_NORMAL, PURPOSE_UNIFORM };

/** High and low 32-bit words of the 64-bit product a * b (both uint32), via 16-bit halves. */
export function mulhilo(a: number, b: number): [number, number] {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const loLo = aLo * bLo;
  const hiLo = aHi * bLo;
  const loHi = aLo * bHi;
  const hiHi = aHi * bHi;
  // Each partial product is < 2^32, so float64 holds them exactly; the sums below stay < 2^53.
  const cross = (loLo >>> 16) + (hiLo & 0xffff) + loHi;
  const hi = (hiHi + (hiLo >>> 16) + Math.floor(cross / 65536)) >>> 0;
  const lo = Math.imul(a, b) >>> 0;
  return [hi, lo];
}

/** Philox-4x32 with 10 rounds. */
export function philox4x32_10(ctr: readonly number[], key: readonly number[]): Uint32Array {
  let c0 = ctr[0] >>> 0;
  let c1 = ctr[1] >>> 0;
  let c2 = ctr[2] >>> 0;
  let c3 = ctr[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let r = 0; r < 10; r++) {
    const [hi0, lo0] = mulhilo(M0, c0);
    const [hi1, lo1] = mulhilo(M1, c2);
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return Uint32Array.of(c0, c1, c2, c3);
}

/**
 * Maps 32 random bits to (k + 0.5) / 2^23 with k the top 23 bits: strictly inside (0, 1) and exact
 * in f32 (24 significant bits), so the WGSL float equals this double.
 */
export function bitsToUniform(bits: number): number {
  return ((bits >>> 9) + 0.5) / 8388608;
}

export function uniformAt(seed: number, stream: number, index: number): number {
  return bitsToUniform(philox4x32_10([index, PURPOSE_UNIFORM, 0, 0], [seed, stream])[0]);
}

/** Box-Muller on the first two words: sqrt(-2 ln u1) cos(2 pi u2 - pi) (the WGSL keeps cos's argument in [-pi, pi]). */
export function normalAt(seed: number, stream: number, index: number): number {
  const w = philox4x32_10([index, PURPOSE_NORMAL, 0, 0], [seed, stream]);
  const u1 = bitsToUniform(w[0]);
  const u2 = bitsToUniform(w[1]);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2 - Math.PI);
}

export function uniformReference(n: number, seed: number, stream: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = uniformAt(seed, stream, i);
  return out;
}

export function normalReference(n: number, seed: number, stream: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = normalAt(seed, stream, i);
  return out;
}
