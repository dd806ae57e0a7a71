/**
 * Batch normalisation over the rows of x [M, F] (PyTorch BatchNorm1d). Training normalises with
 * the batch mean and biased variance and updates `state.runningMean/runningVar` in place (on the
 * GPU, in encode order) with the unbiased variance; evaluation normalises with the running stats.
 */
import code from './batchnorm.wgsl?raw';
import { grid1d, type Engine } from '../engine';
import { assertShape, shapeString, type Tensor } from '../tensor';

export interface BatchNormState {
  runningMean: Tensor;
  runningVar: Tensor;
  momentum: number;
  eps: number;
}

/** Constant 1-float placeholders for the outputs a backward call does not write. */
const unused = new WeakMap<Engine, Map<string, Tensor>>();

function placeholder(e: Engine, name: string): Tensor {
  let m = unused.get(e);
  if (!m) unused.set(e, (m = new Map()));
  let t = m.get(name);
  if (!t) m.set(name, (t = e.zeros([1], { persistent: true, name: `batchNorm.unused.${name}` })));
  return t;
}

/** Workgroup size of the per-feature kernels (F is small, so smaller groups spread better). */
const WG_COL = 64;

/**
 * BN(x) γ + β; with act 'relu', max(0, ·) of it in the same pass (and the ReLU's backward folded
 * into the batch norm's).
 */
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, state: BatchNormState, training: boolean, act: 'none' | 'relu' = 'none'): Tensor {
  const op = 'batchNorm';
  assertShape(op, x, [null, null], 'x');
  const [rows, cols] = x.shape;
  assertShape(op, gamma, [cols], 'gamma');
  assertShape(op, beta, [cols], 'beta');
  assertShape(op, state.runningMean, [cols], 'runningMean');
  assertShape(op, state.runningVar, [cols], 'runningVar');
  for (const [t, what] of [[x, 'x'], [gamma, 'gamma'], [beta, 'beta'], [state.runningMean, 'runningMean'], [state.runningVar, 'runningVar']] as const) {
    if (t.dtype !== 'f32') throw new Error(`${op}: ${what} must be f32, got ${t.dtype}`);
  }
  if (!(state.eps > 0)) throw new Error(`${op}: eps must be positive, got ${state.eps}`);
  if (!(state.momentum >= 0 && state.momentum <= 1)) throw new Error(`${op}: momentum must be in [0, 1], got ${state.momentum}`);
  // As PyTorch: the unbiased variance needs two rows.
  if (training && rows < 2) throw new Error(`${op}: training needs more than one row per feature, got x ${shapeString(x.shape)}`);
  const e = x.engine;
  const params = { rows, cols, eps: state.eps, momentum: state.momentum, training: training ? 1 : 0, relu: act === 'relu' ? 1 : 0, grads: 0 };
  const { runningMean, runningVar } = state;
  // Saved for backward: per-feature (mean, 1/σ) actually used, plus x.
  const saved = e.empty([cols, 2], { name: 'batchNorm.saved' });
  if (training) {
    e.dispatch({ op, code, entryPoint: 'stats_train', params, bindings: { x, saved, running_mean: runningMean, running_var: runningVar }, workgroups: grid1d(cols, WG_COL) });
  } else {
    e.dispatch({ op, code, entryPoint: 'stats_eval', params, bindings: { saved, running_mean: runningMean, running_var: runningVar }, workgroups: grid1d(cols, WG_COL) });
  }
  const y = e.empty(x.shape, { requiresGrad: x.requiresGrad || gamma.requiresGrad || beta.requiresGrad, name: `batchNorm(${x.name})` });
  e.dispatch({ op, code, entryPoint: 'normalize', params, bindings: { x, saved, gamma, beta, y }, workgroups: grid1d(x.size) });
  if (e.needsGrad(x, gamma, beta)) {
    e.tape.push(op, () => {
      const dy = e.gradOf(y);
      const sums = e.empty([cols, 2], { name: 'batchNorm.sums' });
      // The column sums are dβ and dγ: the sums pass adds them (no pass of their own).
      const dgamma = gamma.requiresGrad ? e.gradOf(gamma) : placeholder(e, 'dgamma');
      const dbeta = beta.requiresGrad ? e.gradOf(beta) : placeholder(e, 'dbeta');
      const grads = (gamma.requiresGrad ? 1 : 0) | (beta.requiresGrad ? 2 : 0);
      e.dispatch({ op: `${op}.backward`, code, entryPoint: 'backward_sums', params: { ...params, grads }, bindings: { x, saved, dy, sums, y, dgamma, dbeta }, workgroups: grid1d(cols, WG_COL) });
      if (x.requiresGrad) {
        // Writes every element: a first contribution overwrites (no clear).
        const dx = e.gradInto(x);
        e.dispatch({ op: `${op}.backward`, code, entryPoint: 'backward_x', params: { ...params, grads: dx.accumulate ? 4 : 0 }, bindings: { x, saved, gamma, dy, sums, y, dx: dx.grad }, workgroups: grid1d(x.size) });
      }
    });
  }
  return y;
}
