/** Row gather Y[e] = X[index[e]]; backward is a segment sum over the CSR of the index. */
import code from './gather.wgsl?raw';
import { grid1d } from '../engine';
import { assertCsr, type Csr } from '../graph';
import { assertDType, assertShape, type Tensor } from '../tensor';

/**
 * x: [N, F], index: u32 [E] with values < N, csrByIndex: the CSR of `index` with N segments
 * (buildCsr(engine, indexArray, N)). The CSR is only read by the backward, which sums dY over the
 * elements of each segment in ascending order, so the gradient is deterministic without atomics.
 */
export function gatherRows(x: Tensor, index: Tensor, csrByIndex: Csr): Tensor {
  const op = 'gatherRows';
  const e = x.engine;
  assertShape(op, x, [null, null], 'x');
  assertDType(op, x, 'f32', 'x');
  assertShape(op, index, [null], 'index');
  assertDType(op, index, 'u32', 'index');
  const [rows, cols] = x.shape;
  const edges = index.size;
  assertCsr(op, csrByIndex, edges, rows, 'csrByIndex');
  const params = { rows, edges, cols, accumulate: 0 };
  const y = e.empty([edges, cols], { requiresGrad: x.requiresGrad, name: `gather(${x.name})` });
  e.dispatch({ op, code, entryPoint: 'forward', params, bindings: { x, index, y }, workgroups: grid1d(edges * cols) });
  // Saves: nothing beyond the index and its CSR, which the caller keeps alive for the step.
  if (e.needsGrad(x)) {
    e.tape.push(op, () => {
      const { grad, accumulate } = e.gradInto(x);
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint: 'backward',
        params: { ...params, accumulate: accumulate ? 1 : 0 },
        bindings: { offsets: csrByIndex.offsets, order: csrByIndex.order, dy: e.gradOf(y), dx: grad },
        workgroups: grid1d(rows * cols),
      });
    });
  }
  return y;
}
