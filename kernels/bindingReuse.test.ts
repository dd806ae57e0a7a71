import { describe, expect, it } from 'vitest';
import { add, scale } from './ops/elementwise';
import { mulberry32, randnArray } from './random';
import { testEngine } from './testing';
import type { Engine } from './engine';
import type { Tensor } from './tensor';

/** A few steps of x <- 0.5 x + x * s_k (distinct scalars per step): pooled transients, as a sampler. */
async function run(e: Engine, x0: Float32Array, steps: number): Promise<Float32Array> {
  const x = e.fromArray(x0, [x0.length], { persistent: true });
  for (let k = 0; k < steps; k++) {
    e.noGrad(() => {
      const y: Tensor = add(scale(x, 0.5), scale(x, 1 / (k + 2)));
      e.copy(y, x);
    });
    if (k % 2 === 1) e.endStep();
  }
  const out = await e.readF32(x);
  e.dispose(x);
  e.endStep();
  return out;
}

describe('Engine binding reuse', () => {
  it('gives the same results as fresh bindings, reuses bind groups across steps, and ends cleanly', async () => {
    const e = await testEngine();
    const x0 = Float32Array.from(randnArray(300, mulberry32(4)));
    const fresh = await run(e, x0, 8);
    e.beginBindingReuse();
    const reused = await run(e, x0, 8);
    const afterOne = e.bindingReuseStats();
    // The same work again: every uniform content and (pooled buffer, pipeline) pair was seen.
    const again = await run(e, x0, 8);
    const afterTwo = e.bindingReuseStats();
    await run(e, x0, 8);
    const afterThree = e.bindingReuseStats();
    e.beginBindingReuse(); // nesting: the inner end keeps the caches
    e.endBindingReuse();
    expect(e.bindingReuseStats().active).toBe(true);
    e.endBindingReuse();
    expect(Array.from(reused)).toEqual(Array.from(fresh));
    expect(Array.from(again)).toEqual(Array.from(fresh));
    expect(afterOne.active).toBe(true);
    // Uniforms: 0.5 once, 1/(k+2) per step, add's once: fewer than the 3 dispatches per step.
    expect(afterOne.uniforms).toBeLessThan(3 * 8);
    expect(afterTwo.uniforms).toBe(afterOne.uniforms);
    // Bind groups: at most one per dispatch on first sight, then a steady state without new ones.
    expect(afterOne.bindGroups).toBeLessThanOrEqual(3 * 8);
    expect(afterTwo.bindGroups).toBeLessThanOrEqual(2 * afterOne.bindGroups);
    expect(afterThree).toEqual(afterTwo);
    expect(e.bindingReuseStats()).toEqual({ active: false, uniforms: 0, bindGroups: 0 });
    expect(() => e.endBindingReuse()).toThrow(/no beginBindingReuse/);
    // Fresh bindings again after the end.
    expect(Array.from(await run(e, x0, 8))).toEqual(Array.from(fresh));
  });

  it('ending reuse with work still encoded leaves that work its own uniforms', async () => {
    const e = await testEngine();
    const x0 = Float32Array.from(randnArray(40, mulberry32(5)));
    const x = e.fromArray(x0, [x0.length], { persistent: true });
    e.beginBindingReuse();
    const doubled = e.noGrad(() => e.keep(scale(x, 2)));
    e.endBindingReuse();
    // Not yet submitted: a uniform of the same size written now must not be the one `doubled` reads.
    const tripled = e.noGrad(() => e.keep(scale(x, 3)));
    e.endStep();
    expect(Array.from(await e.readF32(doubled))).toEqual(Array.from(x0, (v) => Math.fround(2 * v)));
    expect(Array.from(await e.readF32(tripled))).toEqual(Array.from(x0, (v) => Math.fround(3 * v)));
    for (const t of [x, doubled, tripled]) e.dispose(t);
    e.endStep();
  });
});
