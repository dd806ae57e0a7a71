/** Row-wise dot product rowDot(a, b)[i] = Σ_f a[i, f] b[i, f]. */
import code from './rowdot.wgsl?raw';
import elementwiseCode from './elementwise.wgsl?raw';
import { grid1d } from '../engine';
import { assertDType, assertSameShape, type Tensor } from '../tensor';

/**
 * a, b [..., F] -> [...] (a [M, F] gives [M]). Saves a and b: da[i, :] += dy[i] b[i, :] and
 * db[i, :] += dy[i] a[i, :] (elementwise.wgsl's row scale, accumulating).
 */
export function rowDot(a: Tensor, b: Tensor): Tensor {
  const e = a.engine;
  assertSameShape('rowDot', a.shape, b.shape);
  assertDType('rowDot', a, 'f32', 'a');
  assertDType('rowDot', b, 'f32', 'b');
  if (a.shape.length < 1) throw new Error('rowDot: inputs must have a feature axis, got a scalar shape');
  const rows = a.rows;
  const cols = a.cols;
  const y = e.empty(a.shape.slice(0, -1), { requiresGrad: a.requiresGrad || b.requiresGrad, name: `rowDot(${a.name}, ${b.name})` });
  e.dispatch({ op: 'rowDot', code, entryPoint: 'rowdot', params: { rows, cols, accumulate: 0 }, bindings: { a, b, y }, workgroups: grid1d(rows) });
  if (e.needsGrad(a, b)) {
    e.tape.push('rowDot', () => {
      const dy = e.gradOf(y);
      const n = rows * cols;
      const params = (accumulate: boolean) => ({ n, cols: Math.max(cols, 1), alpha: 1, accumulate: accumulate ? 1 : 0 });
      // Each gradient is the other input scaled by dy of its row (overwriting a first contribution).
      if (a.requiresGrad) {
        const { grad, accumulate } = e.gradInto(a);
        e.dispatch({ op: 'rowDot.backward(a)', code: elementwiseCode, entryPoint: 'scale_rows', params: params(accumulate), bindings: { a: b, b: dy, y: grad }, workgroups: grid1d(n) });
      }
      if (b.requiresGrad) {
        const { grad, accumulate } = e.gradInto(b);
        e.dispatch({ op: 'rowDot.backward(b)', code: elementwiseCode, entryPoint: 'scale_rows', params: params(accumulate), bindings: { a, b: dy, y: grad }, workgroups: grid1d(n) });
      }
    });
  }
  return y;
}
