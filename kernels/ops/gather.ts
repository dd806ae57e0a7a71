/** Row gather Y[e] = X[index[e]]; backward is a segment sum over the CSR of the index. */
import code from './gather.wgsl?raw';
import { grid1d, type Engine } from '../engine';
import { add } from './elementwise';
import { assertCsr, type Csr } from '../graph';
import { assertDType, assertShape, type Tensor } from '../tensor';

/** Constant 1-float placeholders for the gradient bindings a backward call does not write. */
const unused = new WeakMap<Engine, { dx: Tensor; dadd: Tensor }>();

/**
 * x: [N, F], index: u32 [E] with values < N, csrByIndex: the CSR of `index` with N segments
 * (buildCsr(engine, indexArray, N)). The CSR is only read by the backward, which sums dY over the
 * elements of each segment in ascending order, so the gradient is deterministic without atomics.
 * With `addend` [E, F]: Y = X[index] + addend in the same pass (a message x_j + e_ij), whose
 * gradient (dY) the backward writes in the same dispatch as dX.
 */
export function gatherRows(x: Tensor, index: Tensor, csrByIndex: Csr, addend?: Tensor): Tensor {
  const op = addend ? 'gatherRows+add' : 'gatherRows';
  const e = x.engine;
  assertShape(op, x, [null, null], 'x');
  assertDType(op, x, 'f32', 'x');
  assertShape(op, index, [null], 'index');
  assertDType(op, index, 'u32', 'index');
  const [rows, cols] = x.shape;
  const edges = index.size;
  assertCsr(op, csrByIndex, edges, rows, 'csrByIndex');
  if (addend) {
    assertShape(op, addend, [edges, cols], 'addend');
    assertDType(op, addend, 'f32', 'addend');
    // Both gradients are written by one dispatch: they must not share a buffer.
    if ((addend.base ?? addend) === (x.base ?? x)) return add(gatherRows(x, index, csrByIndex), addend);
  }
  const params = { rows, edges, cols, accumulate: 0, addend: addend ? 1 : 0, wantDx: 0 };
  const y = e.empty([edges, cols], { requiresGrad: x.requiresGrad || !!addend?.requiresGrad, name: `gather(${x.name})` });
  e.dispatch({ op, code, entryPoint: 'forward', params, bindings: { x, index, y, add_in: addend ?? x }, workgroups: grid1d(edges * cols) });
  // Saves: nothing beyond the index and its CSR, which the caller keeps alive for the step.
  if (e.needsGrad(x, addend)) {
    e.tape.push(op, () => {
      let ph = unused.get(e);
      if (!ph) unused.set(e, (ph = { dx: e.zeros([1], { persistent: true, name: 'gatherRows.unusedDx' }), dadd: e.zeros([1], { persistent: true, name: 'gatherRows.unusedDadd' }) }));
      // Both write every element of their gradient: first contributions overwrite.
      const dx = x.requiresGrad ? e.gradInto(x) : null;
      const da = addend?.requiresGrad ? e.gradInto(addend) : null;
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint: 'backward',
        params: { ...params, accumulate: (dx?.accumulate ? 1 : 0) | (da?.accumulate ? 2 : 0), addend: da ? 1 : 0, wantDx: dx ? 1 : 0 },
        bindings: { offsets: csrByIndex.offsets, order: csrByIndex.order, dy: e.gradOf(y), dx: dx?.grad ?? ph.dx, dadd: da?.grad ?? ph.dadd },
        workgroups: grid1d(rows * cols + (da ? edges * cols : 0)),
      });
    });
  }
  return y;
}
