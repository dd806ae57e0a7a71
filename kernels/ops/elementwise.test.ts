import { describe, expect, it } from 'vitest';
import { add, addBias, mul, scale, scaleRows, sub } from './elementwise';
import * as ref from '../reference/elementwise';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';
import type { Engine } from '../engine';
import type { Tensor } from '../tensor';

// 37 x 29 = 1073 elements: not a multiple of the workgroup size (256).
const M = 37;
const F = 29;
const S = 0.37;

interface Case {
  name: string;
  /** Shapes of the inputs (first is x/a). */
  shapes: number[][];
  gpu: (inputs: Tensor[]) => Tensor;
  forward: (inputs: Float64Array[]) => Float64Array;
  backward: (inputs: Float64Array[], dy: Float64Array) => Float64Array[];
}

const CASES: Case[] = [
  { name: 'add', shapes: [[M, F], [M, F]], gpu: ([a, b]) => add(a, b), forward: ([a, b]) => ref.addForward(a, b), backward: (_, dy) => Object.values(ref.addBackward(dy)) },
  { name: 'sub', shapes: [[M, F], [M, F]], gpu: ([a, b]) => sub(a, b), forward: ([a, b]) => ref.subForward(a, b), backward: (_, dy) => Object.values(ref.subBackward(dy)) },
  { name: 'mul', shapes: [[M, F], [M, F]], gpu: ([a, b]) => mul(a, b), forward: ([a, b]) => ref.mulForward(a, b), backward: ([a, b], dy) => Object.values(ref.mulBackward(a, b, dy)) },
  { name: 'scale', shapes: [[M, F]], gpu: ([a]) => scale(a, S), forward: ([a]) => ref.scaleForward(a, S), backward: (_, dy) => [ref.scaleBackward(dy, S)] },
  { name: 'addBias', shapes: [[M, F], [F]], gpu: ([x, b]) => addBias(x, b), forward: ([x, b]) => ref.addBiasForward(x, b, F), backward: (_, dy) => Object.values(ref.addBiasBackward(dy, F)) },
  { name: 'scaleRows', shapes: [[M, F], [M]], gpu: ([x, s]) => scaleRows(x, s), forward: ([x, s]) => ref.scaleRowsForward(x, s, F), backward: ([x, s], dy) => Object.values(ref.scaleRowsBackward(x, s, dy, F)) },
];

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

describe.each(CASES)('$name', (c) => {
  const rng = mulberry32(c.name.length * 101);
  const inputs = c.shapes.map((s) => randnArray(size(s), rng));
  const dy = randnArray(M * F, rng);
  const upload = (e: Engine, grad: boolean) => inputs.map((v, k) => e.fromArray(v, c.shapes[k], { requiresGrad: grad }));

  it('forward matches the twin', async () => {
    const e = await testEngine();
    const y = c.gpu(upload(e, false));
    expect(y.shape).toEqual([M, F]);
    expectClose(await readF64(y), c.forward(inputs), { atol: 1e-6, rtol: 1e-6, what: c.name });
    e.endStep();
  });

  it('WGSL backward matches the twin and accumulates', async () => {
    const e = await testEngine();
    const ts = upload(e, true);
    const expected = c.backward(inputs, dy);
    for (let pass = 1; pass <= 2; pass++) {
      e.backward(c.gpu(ts), e.fromArray(dy, [M, F]));
      for (const [k, t] of ts.entries()) {
        expectClose(await readF64(e.gradOf(t)), expected[k].map((v) => pass * v), { atol: 1e-5, rtol: 1e-5, what: `${c.name} d${k} pass ${pass}` });
      }
    }
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const expected = c.backward(inputs, dy);
    for (let k = 0; k < inputs.length; k++) {
      const fd = finiteDiffGrad((v) => c.forward(inputs.map((u, j) => (j === k ? v : u))), inputs[k], dy);
      expectClose(expected[k], fd, { atol: 1e-7, rtol: 1e-6, what: `fd ${c.name} d${k}` });
    }
  });
});

describe('elementwise errors and partial gradients', () => {
  it('names the op and shapes', async () => {
    const e = await testEngine();
    expect(() => add(e.zeros([2, 3]), e.zeros([3, 2]))).toThrow(/add: inputs have different shapes \[2, 3\] and \[3, 2\]/);
    expect(() => addBias(e.zeros([2, 3]), e.zeros([2]))).toThrow(/addBias: bias \[2\] .* x \[2, 3\]/);
    expect(() => scaleRows(e.zeros([2, 3]), e.zeros([3]))).toThrow(/scaleRows: s \[3\] .* x \[2, 3\]/);
    e.endStep();
  });

  it('scaleRows: the backward of x and s is one dispatch', async () => {
    const e = await testEngine();
    const rng = mulberry32(41);
    const xt = e.fromArray(randnArray(M * F, rng), [M, F], { requiresGrad: true });
    const st = e.fromArray(randnArray(M, rng), [M], { requiresGrad: true });
    const y = scaleRows(xt, st);
    const d0 = e.dispatchCount;
    e.backward(y, e.fromArray(randnArray(M * F, rng), [M, F]));
    expect(e.dispatchCount - d0).toBe(1);
    e.endStep();
  });

  it('mul: the backward of both inputs is one dispatch; mul(x, x) still gets both contributions', async () => {
    const e = await testEngine();
    const rng = mulberry32(43);
    const [a, b, dy] = [randnArray(M * F, rng), randnArray(M * F, rng), randnArray(M * F, rng)];
    const at = e.fromArray(a, [M, F], { requiresGrad: true });
    const bt = e.fromArray(b, [M, F], { requiresGrad: true });
    const y = mul(at, bt);
    const d0 = e.dispatchCount;
    e.backward(y, e.fromArray(dy, [M, F]));
    expect(e.dispatchCount - d0).toBe(1);
    e.endStep();
    const xt = e.fromArray(a, [M, F], { requiresGrad: true });
    e.backward(mul(xt, xt), e.fromArray(dy, [M, F]));
    const back = ref.mulBackward(a, a, dy);
    expectClose(await readF64(e.gradOf(xt)), back.da.map((v, i) => v + back.db[i]), { atol: 1e-5, rtol: 1e-5, what: 'd(x x)' });
    e.endStep();
  });

  it('scaleRows with a constant scale leaves the scale without a gradient', async () => {
    const e = await testEngine();
    const rng = mulberry32(3);
    const x = randnArray(M * F, rng);
    const s = randnArray(M, rng);
    const dy = randnArray(M * F, rng);
    const xt = e.fromArray(x, [M, F], { requiresGrad: true });
    const st = e.fromArray(s, [M]);
    e.backward(scaleRows(xt, st), e.fromArray(dy, [M, F]));
    expect(st.grad).toBeNull();
    expectClose(await readF64(e.gradOf(xt)), ref.scaleRowsBackward(x, s, dy, F).dx, { atol: 1e-6, rtol: 1e-6, what: 'dx' });
    e.endStep();
  });
});
