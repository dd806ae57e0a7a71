/** Segment reductions over a CSR: segmentSum, segmentMean, segmentMax ([E, F] -> [S, F]). */
import code from './segment.wgsl?raw';
import { grid1d } from '../engine';
import { assertCsr, type Csr } from '../graph';
import { assertDType, assertShape, type Tensor } from '../tensor';

type Reduce = 'segmentSum' | 'segmentMean';

function checkInputs(op: string, x: Tensor, csr: Csr): [number, number] {
  assertShape(op, x, [null, null], 'x');
  assertDType(op, x, 'f32', 'x');
  assertCsr(op, csr, x.shape[0], null);
  return [csr.numSegments, x.shape[1]];
}

function reduce(op: Reduce, x: Tensor, csr: Csr): Tensor {
  const e = x.engine;
  const [segments, cols] = checkInputs(op, x, csr);
  const params = { segments, cols, mode: op === 'segmentMean' ? 1 : 0 };
  const grid = grid1d(segments * cols);
  const y = e.empty([segments, cols], { requiresGrad: x.requiresGrad, name: `${op}(${x.name})` });
  const { offsets, order } = csr;
  e.dispatch({ op, code, entryPoint: 'reduce_forward', params, bindings: { x, offsets, order, y }, workgroups: grid });
  // Saves: nothing beyond the CSR (the segment sizes for mean come from its offsets).
  if (e.needsGrad(x)) {
    e.tape.push(op, () => {
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint: 'reduce_backward',
        params,
        bindings: { offsets, order, dy: e.gradOf(y), dx: e.gradOf(x) },
        workgroups: grid,
      });
    });
  }
  return y;
}

/** Y[s] = Σ_{e in segment s} X[e]; empty segments give 0. */
export function segmentSum(x: Tensor, csr: Csr): Tensor {
  return reduce('segmentSum', x, csr);
}

/** Y[s] = mean_{e in segment s} X[e]; empty segments give 0. */
export function segmentMean(x: Tensor, csr: Csr): Tensor {
  return reduce('segmentMean', x, csr);
}

/** Y[s, f] = max_{e in segment s} X[e, f]; empty segments give 0. The gradient goes to the first argmax. */
export function segmentMax(x: Tensor, csr: Csr): Tensor {
  const op = 'segmentMax';
  const e = x.engine;
  const [segments, cols] = checkInputs(op, x, csr);
  const params = { segments, cols, mode: 0 };
  const grid = grid1d(segments * cols);
  const y = e.empty([segments, cols], { requiresGrad: x.requiresGrad, name: `${op}(${x.name})` });
  // Saves: argmax, the element id that won each (segment, feature), or 0xffffffff if empty.
  const argmax = e.empty([segments, cols], { dtype: 'u32', name: `${op}.argmax` });
  const { offsets, order } = csr;
  e.dispatch({ op, code, entryPoint: 'max_forward', params, bindings: { x, offsets, order, y, argmax }, workgroups: grid });
  if (e.needsGrad(x)) {
    e.tape.push(op, () => {
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint: 'max_backward',
        params,
        bindings: { argmax_in: argmax, dy: e.gradOf(y), dx: e.gradOf(x) },
        workgroups: grid,
      });
    });
  }
  return y;
}
