/** Row-wise dot product rowDot(a, b)[i] = scale Σ_f a[i, f] b[i, f]. */
import code from './rowdot.wgsl?raw';
import { grid1d, type Engine } from '../engine';
import { assertDType, assertSameShape, type Tensor } from '../tensor';

/** Constant 1-float placeholders for the gradient a backward call does not write. */
const unused = new WeakMap<Engine, { da: Tensor; db: Tensor }>();

/**
 * a, b [..., F] -> [...] (a [M, F] gives [M]), times `scale` (attention's 1/sqrt(d), a temperature)
 * in the same pass. Saves a and b: da[i, :] += scale dy[i] b[i, :] and db[i, :] += scale dy[i] a[i, :],
 * both in one backward dispatch.
 */
export function rowDot(a: Tensor, b: Tensor, scale = 1): Tensor {
  const e = a.engine;
  assertSameShape('rowDot', a.shape, b.shape);
  assertDType('rowDot', a, 'f32', 'a');
  assertDType('rowDot', b, 'f32', 'b');
  if (a.shape.length < 1) throw new Error('rowDot: inputs must have a feature axis, got a scalar shape');
  if (!Number.isFinite(scale)) throw new Error(`rowDot: scale ${scale} is not finite`);
  const rows = a.rows;
  const cols = a.cols;
  const y = e.empty(a.shape.slice(0, -1), { requiresGrad: a.requiresGrad || b.requiresGrad, name: `rowDot(${a.name}, ${b.name})` });
  const params = { rows, cols, accumulate: 0, scale, grads: 0 };
  e.dispatch({ op: 'rowDot', code, entryPoint: 'rowdot', params, bindings: { a, b, y }, workgroups: grid1d(rows) });
  if (e.needsGrad(a, b)) {
    e.tape.push('rowDot', () => {
      const dy = e.gradOf(y);
      let ph = unused.get(e);
      if (!ph) unused.set(e, (ph = { da: e.zeros([1], { persistent: true, name: 'rowDot.unusedDa' }), db: e.zeros([1], { persistent: true, name: 'rowDot.unusedDb' }) }));
      // Each gradient is the other input scaled by dy of its row (overwriting a first contribution).
      const ga = a.requiresGrad ? e.gradInto(a) : null;
      const gb = b.requiresGrad ? e.gradInto(b) : null;
      const pass = (da: typeof ga, db: typeof gb) =>
        e.dispatch({
          op: 'rowDot.backward',
          code,
          entryPoint: 'rowdot_backward',
          params: { ...params, grads: (da ? 1 : 0) | (db ? 2 : 0) | (da?.accumulate ? 4 : 0) | (db?.accumulate ? 8 : 0) },
          bindings: { a, b, dy, da: da?.grad ?? ph.da, db: db?.grad ?? ph.db },
          workgroups: grid1d(rows * cols),
        });
      // rowDot(a, a): one gradient buffer, two contributions: two passes, in order.
      if (ga && gb && ga.grad.buffer === gb.grad.buffer) {
        pass(ga, null);
        pass(null, gb);
      } else {
        pass(ga, gb);
      }
    });
  }
  return y;
}
