import { describe, expect, it } from 'vitest';
import { Arena } from '../../kernels/arena';
import { mulberry32, randnArray } from '../../kernels/random';
import { testEngine } from '../../kernels/testing';
import { WeightAverage } from './ema';

describe('WeightAverage', () => {
  it('averages packed parameters (one arena readback) exactly as loose ones, with bias correction', async () => {
    const e = await testEngine();
    const rng = mulberry32(9);
    const shapes = [[3, 5], [7], [130]];
    const make = (data: Float64Array[]) => data.map((d, i) => ({ name: `p${i}`, group: 'gin' as const, tensor: e.fromArray(d, shapes[i], { persistent: true, requiresGrad: true, name: `p${i}` }) }));
    const first = shapes.map((s) => randnArray(s.reduce((a, b) => a * b, 1), rng));
    const loose = make(first);
    const packed = make(first);
    Arena.pack(e, packed.map((p) => p.tensor), { name: 'ema-test', grads: true });
    const [a, b] = [new WeightAverage(0.9, 2), new WeightAverage(0.9, 2)];
    await a.update(e, loose);
    await b.update(e, packed);
    // New weights, a second update.
    const second = shapes.map((s) => randnArray(s.reduce((x, y) => x * y, 1), rng));
    second.forEach((d, i) => {
      e.write(loose[i].tensor, Float32Array.from(d));
      e.write(packed[i].tensor, Float32Array.from(d));
    });
    await a.update(e, loose);
    await b.update(e, packed);
    const [ma, mb] = [a.averaged(), b.averaged()];
    const d = 0.9 ** 2;
    for (let i = 0; i < shapes.length; i++) {
      expect(Array.from(mb.get(`p${i}`)!)).toEqual(Array.from(ma.get(`p${i}`)!));
      // ((1 - d) d w1 + (1 - d) w2) / (1 - d^2), in f32 steps.
      const k = 4;
      const expected = (d * (1 - d) * Math.fround(first[i][k]) + (1 - d) * Math.fround(second[i][k])) / (1 - d * d);
      expect(Math.abs(mb.get(`p${i}`)![k] - expected)).toBeLessThan(1e-5 * (1 + Math.abs(expected)));
    }
    for (const p of [...loose, ...packed]) e.dispose(p.tensor);
    e.endStep();
  });
});
