/** Float64 twin of dropout: the keep mask comes from the same Philox draws as the WGSL (reference/rng.ts). */
import { uniformAt } from './rng';

/** Element i is kept when its uniform draw u_i >= p (p rounded to f32, as the kernel sees it). */
export function dropoutMask(n: number, p: number, seed: number, stream: number): Uint8Array {
  const pf = Math.fround(p);
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) keep[i] = uniformAt(seed, stream, i) >= pf ? 1 : 0;
  return keep;
}

/** y = x / (1 - p) where kept, 0 elsewhere. */
export function dropoutForward(x: ArrayLike<number>, p: number, seed: number, stream: number): Float64Array {
  const keep = dropoutMask(x.length, p, seed, stream);
  const scale = 1 / (1 - p);
  return Float64Array.from(x, (v, i) => (keep[i] ? v * scale : 0));
}

/** dx = dy / (1 - p) where kept (the same mask), 0 elsewhere. */
export function dropoutBackward(dy: ArrayLike<number>, p: number, seed: number, stream: number): Float64Array {
  return dropoutForward(dy, p, seed, stream);
}
