/**
 * Inverted dropout with a counter-based mask: element i of x is kept when Philox uniform
 * (seed, stream, i) >= p and scaled by 1 / (1 - p). The mask is never stored: backward redraws
 * it. Pass a fresh (seed, stream) per step and per dropout site, e.g. stream = step * sites + site.
 */
import body from './dropout.wgsl?raw';
import { RNG_WGSL } from './rng';
import { grid1d } from '../engine';
import type { Tensor } from '../tensor';
import { checkKeyWord } from '../random';

const code = `${RNG_WGSL}\n${body}`;

/** Identity (returns x itself, no kernel) when p = 0, as in evaluation. */
export function dropout(x: Tensor, p: number, seed: number, stream: number): Tensor {
  const op = 'dropout';
  if (!(p >= 0 && p < 1)) throw new Error(`${op}: p must be in [0, 1), got ${p} (for ${x})`);
  if (x.dtype !== 'f32') throw new Error(`${op}: x must be f32, got ${x.dtype}`);
  const s = checkKeyWord(op, 'seed', seed);
  const st = checkKeyWord(op, 'stream', stream);
  if (p === 0) return x;
  const e = x.engine;
  const n = x.size;
  const params = { n, seed: s, stream: st, p, scale: 1 / (1 - p) };
  const y = e.empty(x.shape, { requiresGrad: x.requiresGrad, name: `dropout(${x.name})` });
  e.dispatch({ op, code, entryPoint: 'forward', params, bindings: { x, y }, workgroups: grid1d(n) });
  if (e.needsGrad(x)) {
    e.tape.push(op, () => {
      e.dispatch({ op: `${op}.backward`, code, entryPoint: 'backward', params, bindings: { dy: e.gradOf(y), dx: e.gradOf(x) }, workgroups: grid1d(n) });
    });
  }
  return y;
}
