/**
 * The one host-side random module. Production code (data splits, data order, weight init, SDE
 * times, host noise) and tests draw from here; nothing in kernels/reference/ (the float64 test
 * oracle) is imported by production code.
 *
 * - mulberry32 + Box-Muller: seeded host streams, and mixSeed/hostRng to key them by
 *   (seed, step, stream).
 * - Philox-4x32-10 constants, draw purposes and key-word validation shared by the WGSL
 *   generator (ops/rng.wgsl, ops/dropout.wgsl) and its float64 twin (reference/rng.ts).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export function randnArray(n: number, rng: () => number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = randn(rng) * scale;
  return out;
}

export function uniformArray(n: number, rng: () => number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

/** Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, rng: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = p[i];
    p[i] = p[j];
    p[j] = tmp;
  }
  return p;
}

/** Mixes (seed, step, stream) into one 32-bit seed (murmur3 finaliser over each word). */
export function mixSeed(seed: number, step = 0, stream = 0): number {
  let h = 0x9e3779b9;
  for (const w of [seed, step, stream]) {
    let k = Math.imul(w >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32 uniform generator in [0, 1), seeded by mixSeed(seed, step, stream). */
export function hostRng(seed: number, step = 0, stream = 0): () => number {
  return mulberry32(mixSeed(seed, step, stream));
}

// ------------------------------------------------------------------ Philox-4x32-10 (Salmon et al., SC 2011)

/** Round multipliers and Weyl key increments; ops/rng.wgsl spells the same numbers (RNG_M0...). */
export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;

/** Counter word 1 of a draw: uniform draws (word x) and normal draws (words x, y) never share a counter. */
export const PURPOSE_UNIFORM = 0;
export const PURPOSE_NORMAL = 1;

/** Throws unless v is an integer in [0, 2^32): seeds and streams are Philox key words. */
export function checkKeyWord(op: string, what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new Error(`${op}: ${what} must be an integer in [0, 2^32), got ${v}`);
  }
  return v >>> 0;
}
