import { describe, expect, it } from 'vitest';
import { ARENA_CHUNK, Arena } from './arena';
import { linear } from './ops/linear';
import { linearForward, linearBackward } from './reference/linear';
import { mulberry32, randnArray } from './random';
import { expectClose, readF64, testEngine } from './testing';

describe('Arena', () => {
  it('packs tensors at 64-float-aligned offsets and keeps their values, shapes and names', async () => {
    const e = await testEngine();
    const rng = mulberry32(3);
    const sizes = [[5, 3], [1], [130], [0]];
    const data = sizes.map((s) => randnArray(s.reduce((p, d) => p * d, 1), rng));
    const ts = data.map((d, i) => e.fromArray(d, sizes[i], { persistent: true, requiresGrad: true, name: `t${i}` }));
    const arena = Arena.pack(e, ts, { name: 'test', grads: true });
    expect(arena.slots.map((s) => s.offset)).toEqual([0, 64, 128, 320]);
    expect(arena.floats).toBe(384);
    ts.forEach((t, i) => {
      expect(t.buffer).toBe(arena.values.buffer);
      expect(t.offset % 256).toBe(0);
      expect(t.shape).toEqual(sizes[i]);
      expect(t.name).toBe(`t${i}`);
    });
    for (let i = 0; i < ts.length; i++) expect(Array.from(await readF64(ts[i]))).toEqual(Array.from(data[i], Math.fround));
    // The chunk table maps each 64-float chunk to the tensor that owns it.
    expect(Array.from(arena.chunkSlots())).toEqual([0, 1, 2, 2, 2, 3]);
    expect(arena.floats % ARENA_CHUNK).toBe(0);
    // Writes land in the tensor's own floats only; the padding stays zero.
    e.write(ts[1], Float32Array.of(42));
    const whole = await e.readF32(arena.values);
    expect(whole[64]).toBe(42);
    expect(Array.from(whole.subarray(15, 64)).every((v) => v === 0)).toBe(true);
    expect(() => Arena.pack(e, [ts[0]], { name: 'again', grads: false })).toThrow(/is a view/);
    expect(() => Arena.pack(e, [e.zeros([2])], { name: 'transient', grads: false })).toThrow(/not persistent/);
    ts.forEach((t) => e.dispose(t));
    e.endStep();
  });

  it('kernels see packed weights as their own buffers: linear forward and backward equal the float64 twin', async () => {
    const e = await testEngine();
    const rng = mulberry32(5);
    const [M, I, O] = [37, 6, 5];
    const x64 = randnArray(M * I, rng);
    const w64 = randnArray(O * I, rng);
    const b64 = randnArray(O, rng);
    const dy64 = randnArray(M * O, rng);
    // A leading tensor so the weights sit at a non-zero offset.
    const pad = e.fromArray([1, 2, 3], [3], { persistent: true, requiresGrad: true, name: 'pad' });
    const w = e.fromArray(w64, [O, I], { persistent: true, requiresGrad: true, name: 'w' });
    const b = e.fromArray(b64, [O], { persistent: true, requiresGrad: true, name: 'b' });
    const arena = Arena.pack(e, [pad, w, b], { name: 'lin', grads: true });
    const x = e.fromArray(x64, [M, I], { requiresGrad: true });
    const y = linear(x, w, b);
    e.backward(y, e.fromArray(dy64, [M, O]));
    const ref = linearForward(x64, w64, b64, M, I, O, 'none');
    const back = linearBackward(x64, w64, b64, dy64, M, I, O, 'none');
    expectClose(await readF64(x.grad!), back.dx, { atol: 1e-4, rtol: 1e-5, what: 'dx' });
    expectClose(await readF64(y), ref.y, { atol: 1e-5, rtol: 1e-5, what: 'y' });
    expectClose(await readF64(w.grad!), back.dw, { atol: 1e-4, rtol: 1e-5, what: 'dW' });
    expectClose(await readF64(b.grad!), back.db, { atol: 1e-4, rtol: 1e-5, what: 'db' });
    expect(pad.grad).toBeNull();
    // The gradients are views of the arena's gradient buffer, at the same offsets.
    const grads = await e.readF32(arena.grads!);
    expect(grads[arena.slots[2].offset]).toBe((await e.readF32(b.grad!))[0]);
    arena.zeroGrads();
    expect(w.grad).toBeNull();
    expect(Array.from(await e.readF32(arena.grads!)).every((v) => v === 0)).toBe(true);
    e.endStep();
    [pad, w, b].forEach((t) => e.dispose(t));
    e.endStep();
  });

  it('gradOf hands out a zero gradient, also for a view handed out before without zeroGrads', async () => {
    const e = await testEngine();
    const p = e.fromArray([1, 2], [2], { persistent: true, requiresGrad: true, name: 'p' });
    const arena = Arena.pack(e, [p], { name: 'g', grads: true });
    const g = e.gradOf(p);
    e.submit();
    e.write(g, Float32Array.of(5, 6));
    // Forgetting the gradient without zeroGrads: the next gradOf must clear the view again.
    p.grad = null;
    expect(Array.from(await readF64(e.gradOf(p)))).toEqual([0, 0]);
    // Views of an arena tensor share its gradient.
    const v = e.reshape(p, [1, 2]);
    expect(e.gradOf(v).offset).toBe(p.offset);
    expect(arena.grads).not.toBeNull();
    e.dispose(p);
    e.endStep();
  });
});
