/** Layer normalisation over the feature axis of x [M, F], with learnable γ, β [F]. */
import code from './layernorm.wgsl?raw';
import { grid1d, type Engine } from '../engine';
import { assertShape, assertSameShape, type Tensor } from '../tensor';
import { add } from './elementwise';

/** Constant 1-float placeholders for the outputs a backward call does not write (one per binding). */
const unused = new WeakMap<Engine, Map<string, Tensor>>();

function placeholder(e: Engine, name: string): Tensor {
  let m = unused.get(e);
  if (!m) unused.set(e, (m = new Map()));
  let t = m.get(name);
  if (!t) m.set(name, (t = e.zeros([1], { persistent: true, name: `layerNorm.unused.${name}` })));
  return t;
}

/**
 * y = LN(x) γ + β, or with `residual` (same shape as x) y = residual + LN(x) γ + β in the same pass
 * (no separate add over the output and its gradient).
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5, residual?: Tensor): Tensor {
  const op = 'layerNorm';
  assertShape(op, x, [null, null], 'x');
  const [rows, cols] = x.shape;
  assertShape(op, gamma, [cols], 'gamma');
  assertShape(op, beta, [cols], 'beta');
  if (residual) assertSameShape(op, x.shape, residual.shape, 'x and residual');
  for (const [t, what] of [[x, 'x'], [gamma, 'gamma'], [beta, 'beta'], ...(residual ? [[residual, 'residual'] as const] : [])] as const) {
    if (t.dtype !== 'f32') throw new Error(`${op}: ${what} must be f32, got ${t.dtype}`);
  }
  if (!(eps > 0)) throw new Error(`${op}: eps must be positive, got ${eps}`);
  const e = x.engine;
  // The backward writes the gradients of x and of the residual in one dispatch: they must not share
  // a buffer (LN(x) + x), so that case keeps the separate add.
  if (residual && (residual.base ?? residual) === (x.base ?? x)) return add(residual, layerNorm(x, gamma, beta, eps));
  const params = { rows, cols, eps, flags: residual ? 64 : 0 };
  const needsGrad = e.needsGrad(x, gamma, beta, residual);
  const y = e.empty(x.shape, { requiresGrad: needsGrad, name: `layerNorm(${x.name})` });
  // Saved for backward: per-row (mean, rstd), plus x itself.
  const stats = e.empty([rows, 2], { name: 'layerNorm.stats' });
  e.dispatch({ op, code, entryPoint: 'forward', params, bindings: { x, gamma, beta, y, stats, residual: residual ?? x }, workgroups: grid1d(rows) });
  if (needsGrad) {
    e.tape.push(op, () => {
      const dy = e.gradOf(y);
      // Each row job writes its whole row: first contributions overwrite (no clear).
      const dx = x.requiresGrad ? e.gradInto(x) : null;
      const dres = residual?.requiresGrad ? e.gradInto(residual) : null;
      const flags =
        (dx ? 1 : 0) | (gamma.requiresGrad ? 2 : 0) | (beta.requiresGrad ? 4 : 0) | (dres ? 8 : 0) |
        (dx?.accumulate ? 16 : 0) | (dres?.accumulate ? 32 : 0);
      const featureJobs = gamma.requiresGrad || beta.requiresGrad ? cols : 0;
      const rowJobs = dx || dres ? rows : 0;
      // Outputs not wanted bind a placeholder each (never written).
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint: 'backward',
        params: { ...params, flags },
        bindings: {
          x, gamma, stats, dy,
          dx: dx?.grad ?? placeholder(e, 'dx'),
          dgamma: gamma.requiresGrad ? e.gradOf(gamma) : placeholder(e, 'dgamma'),
          dbeta: beta.requiresGrad ? e.gradOf(beta) : placeholder(e, 'dbeta'),
          dresidual: dres?.grad ?? placeholder(e, 'dresidual'),
        },
        workgroups: grid1d(rowJobs + featureJobs),
      });
    });
  }
  return y;
}
