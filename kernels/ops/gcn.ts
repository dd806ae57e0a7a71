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
  const params = { nodes: N, rows: B * N, n: a.size };
  const deg = e.empty([B, N], { name: 'gcnNormalize.degree' });
  const y = e.empty(a.shape, { requiresGrad: a.requiresGrad, name: `gcnNormalize(${a.name})` });
  e.dispatch({ op: 'gcnNormalize', code, entryPoint: 'gcn_degree', params, bindings: { a, deg }, workgroups: grid1d(B * N) });
  e.dispatch({ op: 'gcnNormalize', code, entryPoint: 'gcn_apply', params, bindings: { a, deg, y }, workgroups: grid1d(a.size) });
  if (e.needsGrad(a)) {
    e.tape.push('gcnNormalize', () => {
      const dy = e.gradOf(y);
      // g_i = dL/d deg_i, one per node; every off-diagonal entry of row i then gets g_i.
      const g = e.empty([B, N], { name: 'gcnNormalize.degreeGrad' });
      e.dispatch({ op: 'gcnNormalize.backward', code, entryPoint: 'gcn_degree_grad', params, bindings: { a, deg, dy, g }, workgroups: grid1d(B * N) });
      e.dispatch({ op: 'gcnNormalize.backward', code, entryPoint: 'gcn_backward', params, bindings: { deg, dy, g, da: e.gradOf(a) }, workgroups: grid1d(a.size) });
    });
  }
  return y;
}
