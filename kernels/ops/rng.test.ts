import { describe, expect, it } from 'vitest';
import { randomBits, randomNormal, randomUniform, RNG_WGSL } from './rng';
import { grid1d } from '../engine';
import { normalReference, philox4x32_10, PURPOSE_NORMAL, uniformReference } from '../reference/rng';
import { expectClose, readF64, testEngine } from '../testing';

// 1000 and 777 are not multiples of the workgroup size (256).
const N = 1000;

function moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, variance: q / v.length };
}

describe('rng (Philox-4x32-10)', () => {
  it('the twin reproduces the Random123 known-answer vectors', () => {
    const hex = (a: Uint32Array) => Array.from(a, (v) => v.toString(16).padStart(8, '0')).join(' ');
    expect(hex(philox4x32_10([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox4x32_10([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe(
      '408f276d 41c83b0e a20bc7c6 6d5451fd',
    );
    expect(hex(philox4x32_10([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe(
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });

  it('WGSL Philox words equal the twin bit for bit', async () => {
    const e = await testEngine();
    for (const [seed, stream, purpose] of [[0, 0, 0], [12345, 7, 1], [0xffffffff, 0xfffffffe, 0]]) {
      const bits = (await randomBits(e, 777, seed, stream, purpose).read()) as Uint32Array;
      for (const i of [0, 1, 255, 256, 511, 776]) {
        expect(Array.from(bits.subarray(4 * i, 4 * i + 4)), `seed ${seed} stream ${stream} element ${i}`).toEqual(
          Array.from(philox4x32_10([i, purpose, 0, 0], [seed, stream])),
        );
      }
      let mismatches = 0;
      for (let i = 0; i < 777; i++) {
        const ref = philox4x32_10([i, purpose, 0, 0], [seed, stream]);
        for (let k = 0; k < 4; k++) if (bits[4 * i + k] !== ref[k]) mismatches++;
      }
      expect(mismatches).toBe(0);
    }
    e.endStep();
  });

  it('randomUniform equals the twin exactly and lies in (0, 1)', async () => {
    const e = await testEngine();
    const u = await readF64(randomUniform(e, [N], 42, 3));
    const ref = uniformReference(N, 42, 3);
    expect(Array.from(u)).toEqual(Array.from(ref));
    expect(u.every((v) => v > 0 && v < 1)).toBe(true);
    e.endStep();
  });

  it('randomNormal matches the twin within 1e-5', async () => {
    const e = await testEngine();
    const z = await readF64(randomNormal(e, [40, 25], 9, 1));
    expectClose(z, normalReference(N, 9, 1), { atol: 1e-5, rtol: 1e-5, what: 'randomNormal' });
    e.endStep();
  });

  it('has the right moments', async () => {
    const e = await testEngine();
    const n = 20000;
    const u = moments(await readF64(randomUniform(e, [n], 2024, 0)));
    // Standard errors: mean 0.002, variance 0.0006; bounds are about 5 of them.
    expect(Math.abs(u.mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(u.variance - 1 / 12)).toBeLessThan(0.003);
    const z = moments(await readF64(randomNormal(e, [n], 2024, 0)));
    // Standard errors: mean 0.007, variance 0.01.
    expect(Math.abs(z.mean)).toBeLessThan(0.035);
    expect(Math.abs(z.variance - 1)).toBeLessThan(0.05);
    e.endStep();
  });

  it('is reproducible, and different streams and seeds give different numbers', async () => {
    const e = await testEngine();
    const a = await readF64(randomNormal(e, [N], 5, 0));
    const again = await readF64(randomNormal(e, [N], 5, 0));
    const otherStream = await readF64(randomNormal(e, [N], 5, 1));
    const otherSeed = await readF64(randomNormal(e, [N], 6, 0));
    expect(Array.from(again)).toEqual(Array.from(a));
    const same = (p: Float64Array, q: Float64Array) => p.filter((v, i) => v === q[i]).length;
    expect(same(a, otherStream)).toBeLessThan(5);
    expect(same(a, otherSeed)).toBeLessThan(5);
    // Uncorrelated, not just different.
    let dot = 0;
    for (let i = 0; i < N; i++) dot += a[i] * otherStream[i];
    expect(Math.abs(dot / N)).toBeLessThan(0.15);
    e.endStep();
  });

  it('RNG_WGSL prepended to another shader draws the same numbers', async () => {
    const e = await testEngine();
    const code = `${RNG_WGSL}
      @group(0) @binding(0) var<storage, read_write> out: array<f32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) gid: vec3u) {
        if (gid.x >= 300u) { return; }
        out[2u * gid.x] = rng_uniform(77u, 4u, gid.x);
        out[2u * gid.x + 1u] = rng_normal(77u, 4u, gid.x);
      }`;
    const out = e.empty([600]);
    e.dispatch({ op: 'rng-snippet', code, entryPoint: 'main', bindings: { out }, workgroups: grid1d(300, 64) });
    const got = await readF64(out);
    const u = uniformReference(300, 77, 4);
    const z = normalReference(300, 77, 4);
    expect(Array.from(got.filter((_, i) => i % 2 === 0))).toEqual(Array.from(u));
    expectClose(got.filter((_, i) => i % 2 === 1), z, { atol: 1e-5, rtol: 1e-5, what: 'snippet normal' });
    expect(PURPOSE_NORMAL).toBe(1);
    e.endStep();
  });

  it('rejects seeds and streams that are not uint32', async () => {
    const e = await testEngine();
    expect(() => randomUniform(e, [4], -1, 0)).toThrow(/randomUniform: seed must be an integer/);
    expect(() => randomNormal(e, [4], 1, 0.5)).toThrow(/randomNormal: stream must be an integer/);
    expect(() => randomNormal(e, [4], 2 ** 32, 0)).toThrow(/seed/);
    e.endStep();
  });
});
