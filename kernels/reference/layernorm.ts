/** Float64 twin of layerNorm over the last axis of x [M, F]: y = (x - μ_r) / sqrt(σ²_r + eps) γ + β, σ² biased. */

export interface LayerNormGrads {
  dx: Float64Array;
  dgamma: Float64Array;
  dbeta: Float64Array;
}

function rowStats(x: ArrayLike<number>, r: number, f: number, eps: number): { mean: number; rstd: number } {
  let s = 0;
  for (let k = 0; k < f; k++) s += x[r * f + k];
  const mean = s / f;
  let q = 0;
  for (let k = 0; k < f; k++) q += (x[r * f + k] - mean) ** 2;
  return { mean, rstd: 1 / Math.sqrt(q / f + eps) };
}

export function layerNormForward(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  m: number,
  f: number,
  eps = 1e-5,
): Float64Array {
  const y = new Float64Array(m * f);
  for (let r = 0; r < m; r++) {
    const { mean, rstd } = rowStats(x, r, f, eps);
    for (let k = 0; k < f; k++) y[r * f + k] = (x[r * f + k] - mean) * rstd * gamma[k] + beta[k];
  }
  return y;
}

/** dx = rstd (g - mean(g) - x̂ mean(g x̂)) with g = dy γ; dγ = Σ_r dy x̂; dβ = Σ_r dy. */
export function layerNormBackward(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  dy: ArrayLike<number>,
  m: number,
  f: number,
  eps = 1e-5,
): LayerNormGrads {
  const dx = new Float64Array(m * f);
  const dgamma = new Float64Array(f);
  const dbeta = new Float64Array(f);
  for (let r = 0; r < m; r++) {
    const { mean, rstd } = rowStats(x, r, f, eps);
    let mg = 0;
    let mgx = 0;
    for (let k = 0; k < f; k++) {
      const xh = (x[r * f + k] - mean) * rstd;
      const g = dy[r * f + k] * gamma[k];
      mg += g;
      mgx += g * xh;
      dgamma[k] += dy[r * f + k] * xh;
      dbeta[k] += dy[r * f + k];
    }
    mg /= f;
    mgx /= f;
    for (let k = 0; k < f; k++) {
      const xh = (x[r * f + k] - mean) * rstd;
      dx[r * f + k] = rstd * (dy[r * f + k] * gamma[k] - mg - xh * mgx);
    }
  }
  return { dx, dgamma, dbeta };
}

/** y = residual + LN(x) γ + β (the residual form of layerNorm). */
export function layerNormResidualForward(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  residual: ArrayLike<number>,
  m: number,
  f: number,
  eps = 1e-5,
): Float64Array {
  return layerNormForward(x, gamma, beta, m, f, eps).map((v, i) => v + residual[i]);
}

/** The residual's gradient is dy; x, γ and β get layerNorm's. */
export function layerNormResidualBackward(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  dy: ArrayLike<number>,
  m: number,
  f: number,
  eps = 1e-5,
): LayerNormGrads & { dresidual: Float64Array } {
  return { ...layerNormBackward(x, gamma, dy, m, f, eps), dresidual: Float64Array.from(dy) };
}
