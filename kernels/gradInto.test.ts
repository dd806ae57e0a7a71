/**
 * engine.gradInto: a gradient's first contribution overwrites a fresh, uninitialised buffer instead
 * of accumulating into a cleared one. For every op whose backward uses it, the gradient must not
 * depend on what the pooled buffer held before (here: NaN everywhere), must equal the accumulate
 * path bit for bit, and a second backward must add to it.
 */
import { describe, expect, it } from 'vitest';
import type { Engine } from './engine';
import type { Tensor } from './tensor';
import { buildCsr } from './graph';
import { mulberry32, randnArray } from './random';
import { testEngine } from './testing';
import { linear } from './ops/linear';
import { bmm } from './ops/bmm';
import { add, addBias, mul, scale, scaleRows, sub } from './ops/elementwise';
import { concat, split } from './ops/concat';
import { gcnNormalize } from './ops/gcn';
import { layerNorm } from './ops/layernorm';
import { batchNorm } from './ops/batchnorm';
import { gatherRows } from './ops/gather';
import { rowDot } from './ops/rowdot';
import { activation } from './ops/activation';
import { headAttention } from '../app/model/kernels';

const ROWS = 12;
const COLS = 8;

/** Fills the pool with NaN buffers of every bucket size up to 1 MiB, so fresh tensors hold NaN. */
function poisonPool(e: Engine): void {
  for (let bytes = 16; bytes <= 1 << 20; bytes *= 2) {
    for (let k = 0; k < 4; k++) e.fromArray(new Float32Array(bytes / 4).fill(NaN), [bytes / 4]);
  }
  e.endStep();
}

type Case = [string, (x: Tensor, other: (shape: number[]) => Tensor) => Tensor];

const CASES: Case[] = [
  ['linear (x)', (x, o) => linear(x, o([5, COLS]), o([5]))],
  ['linear+tanh (dZ and x)', (x, o) => linear(x, o([5, COLS]), o([5]), 'tanh')],
  ['bmm (a)', (x, o) => bmm(x.engine.reshape(x, [3, 4, COLS]), o([3, COLS, 2]))],
  ['bmm (b, transposed)', (x, o) => bmm(o([2, 3, COLS]), x.engine.reshape(x, [2, 6, COLS]), { transB: true })],
  ['add (both inputs, one pass)', (x, o) => add(x, o([ROWS, COLS]))],
  ['sub (b)', (x, o) => sub(o([ROWS, COLS]), x)],
  ['add (same tensor twice)', (x) => add(x, x)],
  ['scale', (x) => scale(x, -0.75)],
  ['addBias (x)', (x, o) => addBias(x, o([COLS]))],
  ['mul', (x, o) => mul(x, o([ROWS, COLS]))],
  ['scaleRows (x)', (x, o) => scaleRows(x, o([ROWS]))],
  ['rowDot (a)', (x, o) => rowDot(x, o([ROWS, COLS]))],
  ['concat', (x, o) => concat([o([ROWS, 3]), x])],
  ['split (every part has a gradient, one pass)', (x) => concat(split(x, [3, 1, 4]).reverse())],
  ['bmm with a bias (a)', (x, o) => bmm(x.engine.reshape(x, [3, 4, COLS]), o([3, COLS, 2]), { bias: o([2]) })],
  ['batchNorm with a ReLU (x)', (x, o) => batchNorm(x, o([COLS]), o([COLS]), { runningMean: o([COLS]), runningVar: x.engine.fromArray(new Float32Array(COLS).fill(1), [COLS]), momentum: 0.1, eps: 1e-5 }, true, 'relu')],
  ['layerNorm (x)', (x, o) => layerNorm(x, o([COLS]), o([COLS]))],
  ['layerNorm with a residual (the residual)', (x, o) => layerNorm(o([ROWS, COLS]), o([COLS]), o([COLS]), 1e-5, x)],
  ['gcnNormalize (diagonal written as zero)', (x) => gcnNormalize(x.engine.reshape(x, [6, 4, 4]))],
  ['gatherRows', (x) => {
    const idx = Uint32Array.from({ length: 20 }, (_, i) => (i * 5) % (ROWS - 2));
    return gatherRows(x, x.engine.fromArray(idx, [20], { dtype: 'u32' }), buildCsr(x.engine, idx, ROWS));
  }],
  ['gatherRows with an addend (the addend)', (x, o) => {
    const idx = Uint32Array.from({ length: ROWS }, (_, i) => (i * 5) % 7);
    return gatherRows(o([7, COLS]), x.engine.fromArray(idx, [ROWS], { dtype: 'u32' }), buildCsr(x.engine, idx, 7), x);
  }],
  ['activation (elu)', (x) => activation(x, 'elu')],
  ['headAttention (q and k, one pass)', (x, o) => headAttention(x, o([ROWS, COLS]), 2, 6, 2, 4, 0.5)],
];

/** The gradient of x for a seeded dy through case `f`, under one of three set-ups. */
async function gradient(e: Engine, f: Case[1], mode: 'fresh' | 'pre-zeroed' | 'twice'): Promise<number[]> {
  const rng = mulberry32(7);
  poisonPool(e);
  // The other operands, drawn on the first pass and reused by the second.
  const made: Tensor[] = [];
  let next = 0;
  const other = (shape: number[]) => {
    if (next === made.length) made.push(e.fromArray(randnArray(shape.reduce((a, b) => a * b, 1), rng), shape));
    return made[next++];
  };
  const x = e.fromArray(randnArray(ROWS * COLS, rng), [ROWS, COLS], { requiresGrad: true, name: 'x' });
  if (mode === 'pre-zeroed') e.gradOf(x);
  const y = f(x, other);
  const dy = randnArray(y.size, mulberry32(11));
  e.backward(y, e.fromArray(dy, y.shape));
  if (mode === 'twice') {
    next = 0;
    const y2 = f(x, other);
    e.backward(y2, e.fromArray(dy, y2.shape));
  }
  // + 0 folds -0 into +0: overwriting gives -0 where 0 + (-0) gives +0, the same number.
  const g = Array.from(await e.readF32(x.grad!), (v) => v + 0);
  e.endStep();
  return g;
}

describe('engine.gradInto (first contribution overwrites)', () => {
  it.each(CASES)('%s: independent of stale pool contents, equal to accumulating into zeros, and accumulates the second time', async (_, f) => {
    const e = await testEngine();
    const fresh = await gradient(e, f, 'fresh');
    expect(fresh.every(Number.isFinite)).toBe(true);
    expect(fresh.some((v) => v !== 0)).toBe(true);
    expect(fresh).toEqual(await gradient(e, f, 'pre-zeroed'));
    // The second pass reuses the same other operands, so it adds the same gradient again.
    const twice = await gradient(e, f, 'twice');
    const rel = Math.max(...twice.map((v, i) => Math.abs(v - 2 * fresh[i]) / (1 + Math.abs(fresh[i]))));
    expect(rel).toBeLessThan(1e-6);
  });
});
