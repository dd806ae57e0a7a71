/** Layer normalisation over the feature axis of x [M, F], with learnable γ, β [F]. */
import code from './layernorm.wgsl?raw';
import { grid1d } from '../engine';
import { assertShape, type Tensor } from '../tensor';

export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const op = 'layerNorm';
  assertShape(op, x, [null, null], 'x');
  const [rows, cols] = x.shape;
  assertShape(op, gamma, [cols], 'gamma');
  assertShape(op, beta, [cols], 'beta');
  for (const [t, what] of [[x, 'x'], [gamma, 'gamma'], [beta, 'beta']] as const) {
    if (t.dtype !== 'f32') throw new Error(`${op}: ${what} must be f32, got ${t.dtype}`);
  }
  if (!(eps > 0)) throw new Error(`${op}: eps must be positive, got ${eps}`);
  const e = x.engine;
  const params = { rows, cols, eps };
  const y = e.empty(x.shape, { requiresGrad: x.requiresGrad || gamma.requiresGrad || beta.requiresGrad, name: `layerNorm(${x.name})` });
  // Saved for backward: per-row (mean, rstd), plus x itself.
  const stats = e.empty([rows, 2], { name: 'layerNorm.stats' });
  e.dispatch({ op, code, entryPoint: 'forward', params, bindings: { x, gamma, beta, y, stats }, workgroups: grid1d(rows) });
  if (e.needsGrad(x, gamma, beta)) {
    e.tape.push(op, () => {
      const dy = e.gradOf(y);
      if (x.requiresGrad) {
        e.dispatch({ op: `${op}.backward`, code, entryPoint: 'backward_x', params, bindings: { x, gamma, stats, dy, dx: e.gradOf(x) }, workgroups: grid1d(rows) });
      }
      if (gamma.requiresGrad) {
        e.dispatch({ op: `${op}.backward`, code, entryPoint: 'backward_gamma', params, bindings: { x, stats, dy, dgamma: e.gradOf(gamma) }, workgroups: grid1d(cols) });
      }
      if (beta.requiresGrad) {
        e.dispatch({ op: `${op}.backward`, code, entryPoint: 'backward_beta', params, bindings: { dy, dbeta: e.gradOf(beta) }, workgroups: grid1d(cols) });
      }
    });
  }
  return y;
}
