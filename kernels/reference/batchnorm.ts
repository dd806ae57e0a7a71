/**
 * Float64 twin of batchNorm over the rows of x [M, F] (PyTorch BatchNorm1d semantics): training
 * normalises with the batch mean and biased variance and moves the running stats toward the batch
 * mean and UNBIASED variance with `momentum`; evaluation normalises with the running stats.
 */

export interface ColumnStats {
  mean: Float64Array;
  varBiased: Float64Array;
  varUnbiased: Float64Array;
}

export function columnStats(x: ArrayLike<number>, m: number, f: number): ColumnStats {
  const mean = new Float64Array(f);
  const varBiased = new Float64Array(f);
  const varUnbiased = new Float64Array(f);
  for (let k = 0; k < f; k++) {
    let s = 0;
    for (let r = 0; r < m; r++) s += x[r * f + k];
    mean[k] = s / m;
    let q = 0;
    for (let r = 0; r < m; r++) q += (x[r * f + k] - mean[k]) ** 2;
    varBiased[k] = q / m;
    varUnbiased[k] = q / (m - 1);
  }
  return { mean, varBiased, varUnbiased };
}

function normalise(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, m: number, f: number, eps: number): Float64Array {
  const y = new Float64Array(m * f);
  for (let r = 0; r < m; r++) {
    for (let k = 0; k < f; k++) y[r * f + k] = ((x[r * f + k] - mean[k]) / Math.sqrt(variance[k] + eps)) * gamma[k] + beta[k];
  }
  return y;
}

export function batchNormTrainForward(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, m: number, f: number, eps = 1e-5): Float64Array {
  const { mean, varBiased } = columnStats(x, m, f);
  return normalise(x, gamma, beta, mean, varBiased, m, f, eps);
}

export function batchNormEvalForward(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  runningMean: ArrayLike<number>,
  runningVar: ArrayLike<number>,
  m: number,
  f: number,
  eps = 1e-5,
): Float64Array {
  return normalise(x, gamma, beta, runningMean, runningVar, m, f, eps);
}

/** running ← (1 - momentum) running + momentum batch (mean, unbiased variance). */
export function updateRunningStats(
  runningMean: ArrayLike<number>,
  runningVar: ArrayLike<number>,
  x: ArrayLike<number>,
  m: number,
  f: number,
  momentum: number,
): { runningMean: Float64Array; runningVar: Float64Array } {
  const { mean, varUnbiased } = columnStats(x, m, f);
  return {
    runningMean: Float64Array.from(runningMean, (v, k) => (1 - momentum) * v + momentum * mean[k]),
    runningVar: Float64Array.from(runningVar, (v, k) => (1 - momentum) * v + momentum * varUnbiased[k]),
  };
}

export interface BatchNormGrads {
  dx: Float64Array;
  dgamma: Float64Array;
  dbeta: Float64Array;
}

/** Training: dx = (γ/σ)(dy - mean_r(dy) - x̂ mean_r(dy x̂)); dγ = Σ_r dy x̂; dβ = Σ_r dy. */
export function batchNormTrainBackward(x: ArrayLike<number>, gamma: ArrayLike<number>, dy: ArrayLike<number>, m: number, f: number, eps = 1e-5): BatchNormGrads {
  const { mean, varBiased } = columnStats(x, m, f);
  const dx = new Float64Array(m * f);
  const dgamma = new Float64Array(f);
  const dbeta = new Float64Array(f);
  for (let k = 0; k < f; k++) {
    const inv = 1 / Math.sqrt(varBiased[k] + eps);
    for (let r = 0; r < m; r++) {
      dbeta[k] += dy[r * f + k];
      dgamma[k] += dy[r * f + k] * (x[r * f + k] - mean[k]) * inv;
    }
    for (let r = 0; r < m; r++) {
      const xh = (x[r * f + k] - mean[k]) * inv;
      dx[r * f + k] = gamma[k] * inv * (dy[r * f + k] - dbeta[k] / m - (xh * dgamma[k]) / m);
    }
  }
  return { dx, dgamma, dbeta };
}

/** Evaluation: the running stats are constants, so dx = γ dy / σ_running. */
export function batchNormEvalBackward(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  runningMean: ArrayLike<number>,
  runningVar: ArrayLike<number>,
  dy: ArrayLike<number>,
  m: number,
  f: number,
  eps = 1e-5,
): BatchNormGrads {
  const dx = new Float64Array(m * f);
  const dgamma = new Float64Array(f);
  const dbeta = new Float64Array(f);
  for (let k = 0; k < f; k++) {
    const inv = 1 / Math.sqrt(runningVar[k] + eps);
    for (let r = 0; r < m; r++) {
      const i = r * f + k;
      dx[i] = gamma[k] * inv * dy[i];
      dgamma[k] += dy[i] * (x[i] - runningMean[k]) * inv;
      dbeta[k] += dy[i];
    }
  }
  return { dx, dgamma, dbeta };
}

/** max(0, batch norm) in training: the fused-ReLU form of batchNorm. */
export function batchNormReluTrainForward(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, m: number, f: number, eps = 1e-5): Float64Array {
  return batchNormTrainForward(x, gamma, beta, m, f, eps).map((v) => Math.max(v, 0));
}

/** Its backward: dy where the batch norm's output is positive, zero elsewhere, through the batch norm. */
export function batchNormReluTrainBackward(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, dy: ArrayLike<number>, m: number, f: number, eps = 1e-5): BatchNormGrads {
  const pre = batchNormTrainForward(x, gamma, beta, m, f, eps);
  return batchNormTrainBackward(x, gamma, Float64Array.from(dy, (v, i) => (pre[i] > 0 ? v : 0)), m, f, eps);
}
