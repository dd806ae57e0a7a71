/** GCN normalisation Â = D^-1/2 A' D^-1/2 of dense adjacency stacks (gcn.wgsl has the math). */
import code from './gcn.wgsl?raw';
import { grid1d } from '../engine';
import { assertDType, shapeString, type Tensor } from '../tensor';

/**
 * a [B, N, N] -> Â [B, N, N], with A' = A whose diagonal is set to 1 and D_ii = max(1, Σ_j A'_ij).
 * Saves a and the raw degrees deg [B, N] (before the clamp, which the backward needs).
 */
export function gcnNormalize(a: Tensor): Tensor {
  const e = a.engine;
  assertDType('gcnNormalize', a, 'f32', 'a');
  const [B, N, N2] = a.shape;
  if (a.shape.length !== 3 || N !== N2) throw new Error(`gcnNormalize: expected a [B, N, N], got ${shapeString(a.shape)}`);
  const params = { nodes: N, rows: B * N, n: a.size, accumulate: 0 };
  const deg = e.empty([B, N], { name: 'gcnNormalize.degree' });
  const y = e.empty(a.shape, { requiresGrad: a.requiresGrad, name: `gcnNormalize(${a.name})` });
  e.dispatch({ op: 'gcnNormalize', code, entryPoint: 'gcn_forward', params, bindings: { a, deg, y }, workgroups: grid1d(a.size) });
  if (e.needsGrad(a)) {
    e.tape.push('gcnNormalize', () => {
      // Every entry of dA is written (the diagonal's zero too): a first contribution overwrites.
      const { grad, accumulate } = e.gradInto(a);
      e.dispatch({
        op: 'gcnNormalize.backward',
        code,
        entryPoint: 'gcn_backward',
        params: { ...params, accumulate: accumulate ? 1 : 0 },
        bindings: { a, deg, dy: e.gradOf(y), da: grad },
        workgroups: grid1d(a.size),
      });
    });
  }
  return y;
}
