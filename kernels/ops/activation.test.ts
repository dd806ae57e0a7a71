import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, activation } from './activation';
import { activationBackward, activationForward } from '../reference/activation';
import { mulberry32, randnArray } from '../random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../testing';

// 1000 is not a multiple of the workgroup size (256).
const N = 1000;

describe.each(ACTIVATIONS)('activation %s', (kind) => {
  // Keep inputs away from ReLU's kink so finite differences are well defined.
  const rng = mulberry32(7);
  const x = randnArray(N, rng, 3).map((v) => (Math.abs(v) < 1e-3 ? v + 0.01 : v));
  const dy = randnArray(N, rng);

  it('forward matches the float64 twin', async () => {
    const e = await testEngine();
    const y = activation(e.fromArray(x, [N]), kind);
    expectClose(await readF64(y), activationForward(x, kind), { atol: 1e-6, rtol: 1e-5, what: kind });
    e.endStep();
  });

  it('WGSL backward matches the twin backward and accumulates', async () => {
    const e = await testEngine();
    const xt = e.fromArray(x, [N], { requiresGrad: true });
    const y = activation(xt, kind);
    e.backward(y, e.fromArray(dy, [N]));
    const expected = activationBackward(x, dy, kind);
    expectClose(await readF64(e.gradOf(xt)), expected, { atol: 1e-6, rtol: 1e-5, what: `d${kind}` });
    // A second backward through the same graph adds to the gradient.
    const y2 = activation(xt, kind);
    e.backward(y2, e.fromArray(dy, [N]));
    expectClose(await readF64(e.gradOf(xt)), expected.map((v) => 2 * v), { atol: 1e-6, rtol: 1e-5, what: `2 d${kind}` });
    e.endStep();
  });

  it('twin backward matches central finite differences', () => {
    const small = x.slice(0, 64);
    const seed = dy.slice(0, 64);
    const fd = finiteDiffGrad((v) => activationForward(v, kind), small, seed);
    expectClose(activationBackward(small, seed, kind), fd, { atol: 1e-7, rtol: 1e-6, what: `fd ${kind}` });
    expect(fd.some((v) => v !== 0)).toBe(true);
  });
});
