/**
 * Test helpers shared by every op test: a real WebGPU engine (Dawn in Node; no adapter is a test
 * failure, never a skip), tolerance checks, a run-twice determinism check, and central finite
 * differences for the float64 twins.
 */
import { expect } from 'vitest';
import { createNodeGpuContext } from './device';
import { Engine } from './engine';
import type { Tensor } from './tensor';

let shared: Promise<Engine> | null = null;

/** One engine per test file (vitest isolates files in their own processes). */
export function testEngine(): Promise<Engine> {
  shared ??= (async () => {
    const ctx = await createNodeGpuContext();
    expect(ctx.adapter, 'a WebGPU adapter must exist').toBeTruthy();
    return new Engine(ctx);
  })();
  return shared;
}

export async function readF64(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.read());
}

/** max |a - b| / (atol + rtol |b|) <= 1, with a message that names the worst element. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4, what = 'values' }: { atol?: number; rtol?: number; what?: string } = {},
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (!Number.isFinite(a) && a !== b) throw new Error(`${what}[${i}] = ${a}, expected ${b}`);
    const r = Math.abs(a - b) / (atol + rtol * Math.abs(b));
    if (r > worst) {
      worst = r;
      worstAt = i;
    }
  }
  if (worst > 1) {
    throw new Error(`${what}[${worstAt}] = ${actual[worstAt]}, expected ${expected[worstAt]} (error ${worst.toFixed(2)}x the tolerance)`);
  }
}

/**
 * Runs `build` twice, each time as its own step, and expects every tensor it returns (outputs and
 * gradients, read in order) to come back byte for byte the same both times: reductions must not
 * depend on scheduling.
 */
export async function expectBitIdenticalRuns(e: Engine, build: () => Tensor[], what = 'outputs'): Promise<void> {
  const run = async () => {
    const tensors = build();
    const bytes: Buffer[] = [];
    for (const t of tensors) bytes.push(Buffer.from((await e.read(t)).buffer));
    e.endStep();
    return bytes;
  };
  const [a, b] = [await run(), await run()];
  expect(b.length, `${what}: tensor count`).toBe(a.length);
  for (let i = 0; i < a.length; i++) expect(a[i].equals(b[i]), `${what}: tensor ${i} differs between two identical runs`).toBe(true);
}

/**
 * Central finite differences of a scalar function L(x) = sum(seed * f(x)) with respect to x,
 * in float64. Used to check every reference backward.
 */
export function finiteDiffGrad(
  f: (x: Float64Array) => ArrayLike<number>,
  x: Float64Array,
  seed: ArrayLike<number>,
  h = 1e-6,
): Float64Array {
  const g = new Float64Array(x.length);
  const xp = Float64Array.from(x);
  const dot = (y: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * seed[i];
    return s;
  };
  for (let i = 0; i < x.length; i++) {
    const x0 = xp[i];
    xp[i] = x0 + h;
    const up = dot(f(xp));
    xp[i] = x0 - h;
    const down = dot(f(xp));
    xp[i] = x0;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}
