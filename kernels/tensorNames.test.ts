import { describe, expect, it } from 'vitest';
import { MAX_TENSOR_NAME } from './engine';
import { add } from './ops/elementwise';
import { concat } from './ops/concat';
import { testEngine } from './testing';

describe('tensor names', () => {
  it('stay bounded through deep chains of binary ops and keep their outermost op', async () => {
    const e = await testEngine();
    let x = e.fromArray([1, 2], [1, 2], { name: 'x' });
    // Each add names its output after both inputs: unbounded, 40 of them would double the name 40 times.
    for (let k = 0; k < 40; k++) x = e.noGrad(() => add(x, x));
    expect(x.name.length).toBeLessThanOrEqual(MAX_TENSOR_NAME + 1);
    expect(x.name.startsWith('add(add(')).toBe(true);
    const y = e.noGrad(() => concat([x, x]));
    expect(y.name.length).toBeLessThanOrEqual(MAX_TENSOR_NAME + 1);
    expect(y.name.startsWith('concat(add(')).toBe(true);
    // Short names are kept whole, and the values are those of the computation (2^40 * [1, 2]).
    expect(e.fromArray([0], [1], { name: 'short' }).name).toBe('short');
    expect(Array.from(await e.readF32(x))).toEqual([2 ** 40, 2 ** 41]);
    e.endStep();
  });
});
