/** Segment softmax over a CSR, per head: attention weights over the edges of each target node. */
import code from './softmax.wgsl?raw';
import { grid1d } from '../engine';
import { assertCsr, type Csr } from '../graph';
import { assertDType, assertShape, type Tensor } from '../tensor';

/**
 * scores: [E, H]; csr: E elements grouped into segments (edges by target node). Returns alpha [E, H]
 * with Σ_{e in s} alpha[e, h] = 1 for every non-empty segment s and head h.
 */
export function segmentSoftmax(scores: Tensor, csr: Csr): Tensor {
  const op = 'segmentSoftmax';
  const e = scores.engine;
  assertShape(op, scores, [null, null], 'scores');
  assertDType(op, scores, 'f32', 'scores');
  const [edges, heads] = scores.shape;
  assertCsr(op, csr, edges, null);
  const params = { segments: csr.numSegments, heads };
  const grid = grid1d(csr.numSegments * heads);
  const { offsets, order } = csr;
  const alpha = e.empty([edges, heads], { requiresGrad: scores.requiresGrad, name: `${op}(${scores.name})` });
  e.dispatch({ op, code, entryPoint: 'forward', params, bindings: { scores, offsets, order, alpha }, workgroups: grid });
  // Saves: alpha (its own output); the backward needs nothing else.
  if (e.needsGrad(scores)) {
    e.tape.push(op, () => {
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint: 'backward',
        params,
        bindings: { alpha_in: alpha, offsets, order, da: e.gradOf(alpha), ds: e.gradOf(scores) },
        workgroups: grid,
      });
    });
  }
  return alpha;
}
