/**
 * Counter-based random numbers on the GPU (Philox-4x32-10 of (seed, stream, index)): the same
 * triple gives the same numbers on every adapter, in any dispatch order, so training and sampling
 * are reproducible from a seed. Other kernels prepend `RNG_WGSL` to draw the same numbers.
 */
import code from './rng.wgsl?raw';
import type { Engine } from '../engine';
import { grid1d } from '../engine';
import { shapeString, type Tensor } from '../tensor';
import { checkKeyWord, PURPOSE_NORMAL, PURPOSE_UNIFORM } from '../random';

const MARKER = '// ---- end of RNG_WGSL ----';
if (!code.includes(MARKER)) throw new Error('rng.wgsl: the RNG_WGSL end marker is missing');

/**
 * WGSL functions `rng_philox(counter: vec4u, key: vec2u) -> vec4u`,
 * `rng_uniform(seed, stream, index) -> f32` in (0, 1) and `rng_normal(seed, stream, index) -> f32`.
 * Prepend to a shader's source; its own names must not start with `rng_`/`RNG_`.
 */
export const RNG_WGSL: string = code.slice(0, code.indexOf(MARKER));

function checkIndexRange(op: string, n: number): void {
  // The element index is one u32 counter word.
  if (n > 0xffffffff) throw new Error(`${op}: ${n} elements exceed the 2^32 counter range`);
}

function draw(op: string, engine: Engine, shape: readonly number[], seed: number, stream: number, purpose: number): Tensor {
  const s = checkKeyWord(op, 'seed', seed);
  const st = checkKeyWord(op, 'stream', stream);
  const out = engine.empty(shape, { name: `${op}(${s},${st})${shapeString(shape)}` });
  checkIndexRange(op, out.size);
  engine.dispatch({
    op,
    code,
    entryPoint: 'fill',
    params: { n: out.size, seed: s, stream: st, purpose },
    bindings: { values: out },
    workgroups: grid1d(out.size),
  });
  return out;
}

/** Uniform in (0, 1): element i = (top 23 bits of Philox word x + 0.5) / 2^23. No gradient. */
export function randomUniform(engine: Engine, shape: readonly number[], seed: number, stream: number): Tensor {
  return draw('randomUniform', engine, shape, seed, stream, PURPOSE_UNIFORM);
}

/** Standard normal by Box-Muller from Philox words x, y of counter (i, 1, 0, 0). No gradient. */
export function randomNormal(engine: Engine, shape: readonly number[], seed: number, stream: number): Tensor {
  return draw('randomNormal', engine, shape, seed, stream, PURPOSE_NORMAL);
}

/** The four raw Philox words of each element, as u32 [n, 4] (for tests and debugging). */
export function randomBits(engine: Engine, n: number, seed: number, stream: number, purpose = PURPOSE_UNIFORM): Tensor {
  const s = checkKeyWord('randomBits', 'seed', seed);
  const st = checkKeyWord('randomBits', 'stream', stream);
  checkIndexRange('randomBits', n);
  const bits = engine.empty([n, 4], { dtype: 'u32', name: 'randomBits' });
  engine.dispatch({
    op: 'randomBits',
    code,
    entryPoint: 'raw',
    params: { n, seed: s, stream: st, purpose },
    bindings: { bits },
    workgroups: grid1d(n),
  });
  return bits;
}
