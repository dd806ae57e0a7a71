/**
 * VE and VP SDEs of MoleculeSDE (docs/method.md §2.2, §3.2), their reverse-diffusion discretisations
 * (§2.7, Song et al. 2021) and the antithetic integer time sampling of §2.3.
 *
 * All functions are scalar and host-side: per-graph coefficients are computed here and uploaded
 * (a batch has at most a few hundred graphs), so the GPU kernels never re-derive SDE formulas.
 */

import { hostRng } from '../../kernels/random';

export type SDEKind = 'VE' | 'VP';

/** Per-step coefficients of the reverse-diffusion predictor: x_mean = xCoeff x + scoreCoeff s; x = x_mean + noiseStd z. */
export interface ReverseStep {
  xCoeff: number;
  scoreCoeff: number;
  noiseStd: number;
}

export interface SDE {
  kind: SDEKind;
  /** Discretisation steps (1000 in the paper). */
  N: number;
  /** VE: sigma_min, sigma_max. VP: beta_0, beta_1. */
  min: number;
  max: number;
  /** Coefficient on x0 of the marginal p_t(x | x0): VE 1, VP e^{m(t)}. */
  marginalMean(t: number): number;
  /** Standard deviation of the marginal: VE sigma(t), VP sqrt(1 - e^{2 m(t)}). */
  marginalStd(t: number): number;
  /** Drift f(x, t) = driftCoeff(t) x of the forward SDE: VE 0, VP -beta(t)/2. */
  driftCoeff(t: number): number;
  drift(x: number, t: number): number;
  /** Diffusion g(t) of the forward SDE. */
  diffusion(t: number): number;
  /** Discrete step index i = floor(t (N - 1)) used by the discretisations. */
  stepIndex(t: number): number;
  /**
   * Discrete forward step x_{i+1} = x_i + f + G z, as in Song et al.'s `discretize`:
   * VE: f = 0, G = sqrt(sigma_i^2 - sigma_{i-1}^2) with sigma_{-1} = 0;
   * VP (DDPM): f = (sqrt(alpha_i) - 1) x, G = sqrt(beta_i).  f = fCoeff x.
   */
  discretize(t: number): { fCoeff: number; G: number };
  /** Reverse-diffusion predictor step: x - f + G^2 s, plus G z. */
  reverseStep(t: number): ReverseStep;
  /** Langevin corrector alpha: VE 1, VP 1 - beta_i. */
  langevinAlpha(t: number): number;
  /** Std of the prior the samplers start from (N(0, priorStd^2)). */
  priorStd: number;
}

/** Creates a VE SDE (min/max = sigma_min/sigma_max) or a VP SDE (min/max = beta_0/beta_1). */
export function createSDE(kind: SDEKind, min: number, max: number, N = 1000): SDE {
  if (!(min > 0) || !(max > min)) throw new Error(`createSDE(${kind}): need 0 < min < max, got min=${min}, max=${max}`);
  if (!Number.isInteger(N) || N < 2) throw new Error(`createSDE(${kind}): N must be an integer >= 2, got ${N}`);
  const stepIndex = (t: number) => {
    if (!(t >= 0 && t <= 1)) throw new Error(`SDE(${kind}): t must lie in [0, 1], got ${t}`);
    return Math.min(N - 1, Math.floor(t * (N - 1)));
  };
  if (kind === 'VE') {
    const logRatio = Math.log(max / min);
    const sigma = (t: number) => min * Math.exp(t * logRatio);
    // Geometric grid exp(linspace(ln min, ln max, N)).
    const discreteSigma = (i: number) => Math.exp(Math.log(min) + (i / (N - 1)) * logRatio);
    const discretize = (t: number) => {
      const i = stepIndex(t);
      const s = discreteSigma(i);
      const prev = i === 0 ? 0 : discreteSigma(i - 1);
      return { fCoeff: 0, G: Math.sqrt(s * s - prev * prev) };
    };
    return {
      kind, N, min, max,
      marginalMean: () => 1,
      marginalStd: sigma,
      driftCoeff: () => 0,
      drift: () => 0,
      diffusion: (t) => sigma(t) * Math.sqrt(2 * logRatio),
      stepIndex,
      discretize,
      reverseStep: (t) => {
        const { G } = discretize(t);
        return { xCoeff: 1, scoreCoeff: G * G, noiseStd: G };
      },
      langevinAlpha: () => 1,
      priorStd: max,
    };
  }
  if (kind !== 'VP') throw new Error(`createSDE: unknown kind '${kind as string}'`);
  const beta = (t: number) => min + t * (max - min);
  const m = (t: number) => -0.25 * t * t * (max - min) - 0.5 * t * min;
  // DDPM grid: beta_i = linspace(beta_0 / N, beta_1 / N, N)[i].
  const discreteBeta = (i: number) => min / N + (i / (N - 1)) * (max / N - min / N);
  const discretize = (t: number) => {
    const b = discreteBeta(stepIndex(t));
    return { fCoeff: Math.sqrt(1 - b) - 1, G: Math.sqrt(b) };
  };
  return {
    kind, N, min, max,
    marginalMean: (t) => Math.exp(m(t)),
    // -expm1(2m) = 1 - e^{2m} without cancellation at small t.
    marginalStd: (t) => Math.sqrt(-Math.expm1(2 * m(t))),
    driftCoeff: (t) => -0.5 * beta(t),
    drift: (x, t) => -0.5 * beta(t) * x,
    diffusion: (t) => Math.sqrt(beta(t)),
    stepIndex,
    discretize,
    reverseStep: (t) => {
      const b = discreteBeta(stepIndex(t));
      // x - f + G^2 s = (2 - sqrt(alpha)) x + beta s
      return { xCoeff: 2 - Math.sqrt(1 - b), scoreCoeff: b, noiseStd: Math.sqrt(b) };
    },
    langevinAlpha: (t) => 1 - discreteBeta(stepIndex(t)),
    priorStd: 1,
  };
}

/** The smallest time the training loss sees (t = k/N (1 - eps) + eps). */
export const TIME_EPS = 1e-6;

/**
 * Antithetic integer times (docs/method.md §2.3): k ~ UniformInt{0..N-1} for ceil(B/2) graphs,
 * concatenated with N-1-k, truncated to B; t = k/N (1 - 1e-6) + 1e-6.
 * `rng` is a uniform [0,1) generator, or { seed, step, stream } for a reproducible one.
 */
export function antitheticTimes(
  numGraphs: number,
  rng: (() => number) | { seed: number; step: number; stream?: number },
  N = 1000,
): Float32Array {
  if (!Number.isInteger(numGraphs) || numGraphs < 0) throw new Error(`antitheticTimes: numGraphs must be a non-negative integer, got ${numGraphs}`);
  const uniform = typeof rng === 'function' ? rng : hostRng(rng.seed, rng.step, rng.stream ?? 0);
  const half = Math.ceil(numGraphs / 2);
  const ks: number[] = [];
  for (let i = 0; i < half; i++) ks.push(Math.min(N - 1, Math.floor(uniform() * N)));
  for (let i = 0; i < half; i++) ks.push(N - 1 - ks[i]);
  const t = new Float32Array(numGraphs);
  for (let b = 0; b < numGraphs; b++) t[b] = (ks[b] / N) * (1 - TIME_EPS) + TIME_EPS;
  return t;
}

/**
 * Log-normal noise levels for a VE SDE (EDM's training distribution): ln sigma = logMean + logStd u
 * with u standard normal, drawn in antithetic pairs (u, -u) for ceil(B/2) graphs, clamped to
 * [min, max] and returned as times t with sigma(t) = sigma (t = ln(sigma/min) / ln(max/min)).
 * Continuous times: the noise-level embedding and the marginal are defined for every t.
 */
export function lognormalTimes(
  numGraphs: number,
  rng: (() => number) | { seed: number; step: number; stream?: number },
  sde: { min: number; max: number },
  logMean: number,
  logStd: number,
): Float32Array {
  if (!Number.isInteger(numGraphs) || numGraphs < 0) throw new Error(`lognormalTimes: numGraphs must be a non-negative integer, got ${numGraphs}`);
  const uniform = typeof rng === 'function' ? rng : hostRng(rng.seed, rng.step, rng.stream ?? 0);
  const half = Math.ceil(numGraphs / 2);
  const us: number[] = [];
  for (let i = 0; i < half; i++) {
    // Box-Muller; 1 - uniform() lies in (0, 1], so the log is finite.
    us.push(Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()));
  }
  const logMin = Math.log(sde.min);
  const logRange = Math.log(sde.max / sde.min);
  const t = new Float32Array(numGraphs);
  for (let b = 0; b < numGraphs; b++) {
    const u = b < half ? us[b] : -us[b - half];
    const logSigma = Math.min(Math.log(sde.max), Math.max(logMin, logMean + logStd * u));
    t[b] = Math.min(1, Math.max(TIME_EPS, (logSigma - logMin) / logRange));
  }
  return t;
}

/**
 * Coefficients of the 2D->3D preconditioning at noise level sigma (docs: Recipe2Dto3D.sigmaData):
 * eps_hat = skip x + out F. sigmaData = 0: skip 0, out 1 (the raw network).
 */
export function epsPreconditioning(sigma: number, sigmaData: number): { skip: number; out: number } {
  if (!(sigmaData > 0)) return { skip: 0, out: 1 };
  const v = sigma * sigma + sigmaData * sigmaData;
  return { skip: sigma / v, out: sigmaData / Math.sqrt(v) };
}
