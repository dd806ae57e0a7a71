/**
 * Known-answer tests of the GPU sampler (runSampler): driven by the exact score of targets whose
 * sampled distribution is known in closed form, its samples must match that distribution within
 * tolerances that come from the sample count alone (5 standard errors), never from its output.
 *
 * The known answers are those of the continuous-time processes started from the sampler's prior
 * N(0, P^2), which is not the forward marginal at t = 1 (a VE prior ignores the data's mean). For a
 * Gaussian target N(mu, s^2 I), with y = x - m(t) mu and v(t) = m^2 s^2 + std^2 (dv/dt = 2 f v + g^2):
 * - reverse SDE: from t = 1 to tEnd, E[y] scales by rho = v(tEnd) m(1) / (v(1) m(tEnd)) and
 *   Var - v by rho^2. PC then returns its last predictor's mean (denoise): x + G^2 score for VE
 *   (G^2 = sigma_min^2, the last level's whole variance), (2 - sqrt(1 - b)) x + b score for VP
 *   (b = beta_0 / steps), with score = -(x - m mu) / v at tEnd; an affine map of the answer.
 *   The Langevin corrector keeps the marginals but also pulls the prior's mean error in: so the
 *   cases with a corrector have a mean error rho m(1) mu below 0.5 SE (VE 0.01..10: 0.25% of mu,
 *   VP: m(1) = 0.007), and the case with a large one (VE 0.2..1, rho = 0.23) runs the predictor alone.
 * - probability-flow ODE: y scales by c = sqrt(v(tEnd) / v(1)): mean = mu (m(tEnd) - c m(1)),
 *   std = c P. For VE (0.01..10 Å) that keeps 5% of the prior's mean error, a large effect these
 *   tests resolve.
 * Discretisation error is not in these formulas: every case runs enough steps that its bias,
 * measured once with 2^16 rows, is below one standard error of the 8192-row test (see the cases).
 *
 * Marginals are written here from the SDE definitions (docs/method.md §2.2), not taken from sde.ts.
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { gaussianProblem, twoPointProblem, type AnalyticSDE, type Vec3 } from './analyticTargets';
import { runSampler, type SamplerSettings } from './sampler';

/** Independent samples (rows of R^3) per test; graphs of 8 rows for the corrector's step sizes. */
const ROWS = 8192;
const PER_GRAPH = 8;
/** Standard errors allowed: a false alarm for one normal statistic has probability 6e-7. */
const Z = 5;

const VE: AnalyticSDE = { kind: 'VE', min: 0.01, max: 10 }; // the generative preset's 2D->3D SDE
const VE_PAPER: AnalyticSDE = { kind: 'VE', min: 0.2, max: 1 }; // prior std 1 < the data's spread
const VP: AnalyticSDE = { kind: 'VP', min: 0.1, max: 20 };

/** Marginal coefficients of x_t = m(t) x_0 + std(t) z, and the prior std, from the definitions. */
function marginal(sde: AnalyticSDE, t: number): { m: number; std: number } {
  if (sde.kind === 'VE') return { m: 1, std: sde.min * (sde.max / sde.min) ** t };
  const logM = -0.25 * t * t * (sde.max - sde.min) - 0.5 * t * sde.min;
  return { m: Math.exp(logM), std: Math.sqrt(1 - Math.exp(2 * logM)) };
}
const priorStd = (sde: AnalyticSDE) => (sde.kind === 'VE' ? sde.max : 1);

/** Known mean and std per coordinate of the sampler's output for a Gaussian target (see the header). */
function gaussianAnswer(sde: AnalyticSDE, mu: Vec3, s: number, settings: Partial<SamplerSettings>): { mean: number[]; std: number } {
  const tEnd = settings.tEnd ?? 1e-4;
  const P = priorStd(sde);
  const one = marginal(sde, 1);
  const end = marginal(sde, tEnd);
  const v1 = one.m ** 2 * s * s + one.std ** 2;
  const vEnd = end.m ** 2 * s * s + end.std ** 2;
  if (settings.sampler === 'ode') {
    const c = Math.sqrt(vEnd / v1);
    return { mean: mu.map((k) => k * (end.m - c * one.m)), std: c * P };
  }
  const rho = (vEnd * one.m) / (v1 * end.m);
  const meanEnd = mu.map((k) => k * (end.m - rho * one.m));
  const stdEnd = Math.sqrt(vEnd + (P * P - v1) * rho * rho);
  if (settings.denoise === false) throw new Error('gaussianAnswer: the PC answer assumes the final denoise');
  const b = sde.kind === 'VE' ? sde.min ** 2 : sde.min / settings.steps!;
  const xCoeff = sde.kind === 'VE' ? 1 : 2 - Math.sqrt(1 - b);
  // x <- xCoeff x - b (x - m mu) / v = (xCoeff - b / v) x + (b / v) m mu.
  const k = xCoeff - b / vEnd;
  return { mean: meanEnd.map((v, i) => k * v + (b / vEnd) * end.m * mu[i]), std: Math.abs(k) * stdEnd };
}

/**
 * z-scores of the sample against N(mean, std^2 I): per coordinate (mean_hat - mean) / (std / sqrt(R)),
 * and for the pooled variance about the known mean, (var_hat / std^2 - 1) / sqrt(2 / (3R)).
 */
function zScores(x: Float32Array, mean: readonly number[], std: number): { mean: number[]; variance: number } {
  const R = x.length / 3;
  const sum = [0, 0, 0];
  let sq = 0;
  for (let i = 0; i < R; i++) {
    for (let k = 0; k < 3; k++) {
      const d = x[3 * i + k] - mean[k];
      sum[k] += d;
      sq += d * d;
    }
  }
  return {
    mean: sum.map((d) => d / R / (std / Math.sqrt(R))),
    variance: (sq / (3 * R) / (std * std) - 1) / Math.sqrt(2 / (3 * R)),
  };
}

async function sampleGaussian(sde: AnalyticSDE, mu: Vec3, s: number, settings: Partial<SamplerSettings>, scoreFactor = 1): Promise<Float32Array> {
  const e = await testEngine();
  const problem = gaussianProblem(e, sde, mu, s, ROWS, PER_GRAPH, scoreFactor);
  try {
    return (await runSampler(e, problem, settings)).states[0];
  } finally {
    problem.dispose();
  }
}

const MU: Vec3 = [0.8, -0.5, 0.3];
const S = 0.5;

// Steps per case. Biases of the std measured with 2^16 rows (SE 0.16%; the 8192-row SE is 0.45%):
// PC with one corrector step is within 0.1% from 100 steps; Heun within 0.2% at 100; the VE 0.2..1
// predictor alone +0.35% at 400 steps. Euler is first order and the VE flow's rate
// ln(sigma_max / sigma_min) = 6.9 is large: VE Euler is 11.6% low at 100 steps, 2.8% at 400 and
// 0.4% at 2000.
const GAUSSIAN_CASES: [string, AnalyticSDE, Partial<SamplerSettings>][] = [
  ['VE 0.01..10, PC', VE, { sampler: 'pc', steps: 200, correctorSteps: 1 }],
  ['VE 0.01..10, ODE Heun', VE, { sampler: 'ode', odeMethod: 'heun', steps: 200 }],
  ['VE 0.01..10, ODE Euler', VE, { sampler: 'ode', odeMethod: 'euler', steps: 2000 }],
  ['VE 0.2..1 (paper), reverse-diffusion predictor alone', VE_PAPER, { sampler: 'pc', steps: 400, correctorSteps: 0 }],
  ['VP beta 0.1..20, PC', VP, { sampler: 'pc', steps: 200, correctorSteps: 1 }],
  ['VP beta 0.1..20, ODE Heun', VP, { sampler: 'ode', odeMethod: 'heun', steps: 200 }],
  ['VP beta 0.1..20, ODE Euler', VP, { sampler: 'ode', odeMethod: 'euler', steps: 400 }],
];

describe('the exact score of a Gaussian target N(mu, s^2 I) gives its known mean and spread', () => {
  it.each(GAUSSIAN_CASES)('%s', async (_name, sde, settings) => {
    const x = await sampleGaussian(sde, MU, S, { seed: 5, ...settings });
    const answer = gaussianAnswer(sde, MU, S, settings);
    const z = zScores(x, answer.mean, answer.std);
    const report = `mean z ${z.mean.map((v) => v.toFixed(2)).join(', ')}, variance z ${z.variance.toFixed(2)} (answer: mean ${answer.mean.map((v) => v.toFixed(4)).join(', ')}, std ${answer.std.toFixed(4)})`;
    for (const v of z.mean) expect(Math.abs(v), report).toBeLessThanOrEqual(Z);
    expect(Math.abs(z.variance), report).toBeLessThanOrEqual(Z);
  });

  it('the check has power: a score scaled by 0.5 fails it (std 41% too large), and so does ignoring the prior mismatch', async () => {
    const pc = { sampler: 'pc', steps: 200, correctorSteps: 1, seed: 5 } as const;
    const answer = gaussianAnswer(VE, MU, S, pc);
    const wrong = zScores(await sampleGaussian(VE, MU, S, pc, 0.5), answer.mean, answer.std);
    expect(wrong.variance).toBeGreaterThan(Z);
    // The ODE keeps c m(1) = 5% of the prior's mean error: comparing with mu itself is off by > 5 SE.
    const ode = { sampler: 'ode', odeMethod: 'heun', steps: 200, seed: 5 } as const;
    const naive = zScores(await sampleGaussian(VE, MU, S, ode), MU, gaussianAnswer(VE, MU, S, ode).std);
    expect(Math.max(...naive.mean.map(Math.abs))).toBeGreaterThan(Z);
  });
});

/**
 * Two-point targets a (probability w) and b. w a + (1 - w) b = 0, so the prior N(0, P^2) has the
 * marginal's mean and the mode weights carry no prior-mismatch bias (its variance differs by
 * w (1 - w) |a - b|^2 / P^2 ~ 1% along a - b for VE, which moves the weights by ~0.1 SE).
 */
const W = 0.3;
const A: Vec3 = [1.4, 0.7, -0.7];
const B: Vec3 = [-0.6, -0.3, 0.3];

function modeStats(x: Float32Array, a: Vec3, b: Vec3): { fractionA: number; residuals: Float64Array } {
  const R = x.length / 3;
  let nearA = 0;
  const residuals = new Float64Array(3 * R);
  for (let i = 0; i < R; i++) {
    const da = Math.hypot(x[3 * i] - a[0], x[3 * i + 1] - a[1], x[3 * i + 2] - a[2]);
    const db = Math.hypot(x[3 * i] - b[0], x[3 * i + 1] - b[1], x[3 * i + 2] - b[2]);
    const mode = da < db ? a : b;
    if (da < db) nearA++;
    for (let k = 0; k < 3; k++) residuals[3 * i + k] = x[3 * i + k] - mode[k];
  }
  return { fractionA: nearA / R, residuals };
}

async function sampleTwoPoint(sde: AnalyticSDE, w: number, settings: Partial<SamplerSettings>): Promise<Float32Array> {
  const e = await testEngine();
  const problem = twoPointProblem(e, sde, A, B, w, ROWS, PER_GRAPH);
  try {
    return (await runSampler(e, problem, { seed: 7, ...settings })).states[0];
  } finally {
    problem.dispose();
  }
}

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((m, c) => Math.max(m, Math.abs(c)), 0);
const rms = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, c) => s + c * c, 0) / v.length);

describe('the exact score of a point or two-point target recovers the points and their weights', () => {
  // Binomial standard error of the fraction of samples at a.
  const weightTolerance = Z * Math.sqrt((W * (1 - W)) / ROWS);

  it('VE PC, denoised: every sample within 1e-4 of a point, mode weights within 5 SE', async () => {
    // The last predictor step at sigma_0 = sigma_min with G^2 = sigma_0^2 moves x to
    // x - (sigma_0^2 / std(tEnd)^2)(x - a): the point up to (1 - 0.9986) |x - a| ~ 1e-5.
    const point = modeStats(await sampleTwoPoint(VE, 1, { sampler: 'pc', steps: 200, correctorSteps: 1 }), A, B);
    expect(point.fractionA).toBe(1);
    expect(maxAbs(point.residuals)).toBeLessThanOrEqual(1e-4);
    const two = modeStats(await sampleTwoPoint(VE, W, { sampler: 'pc', steps: 200, correctorSteps: 1 }), A, B);
    expect(Math.abs(two.fractionA - W)).toBeLessThanOrEqual(weightTolerance);
    expect(maxAbs(two.residuals)).toBeLessThanOrEqual(1e-4);
  });

  it('VE PC without the final denoise: samples keep the last level\'s noise, std sigma_min per coordinate', async () => {
    // Without denoising, the last step adds G z with G = sigma_min = 0.01 (the mean part is the
    // point, as above): residuals ~ N(0, sigma_min^2), so their RMS is within 5 / sqrt(6R) of it.
    const two = modeStats(await sampleTwoPoint(VE, W, { sampler: 'pc', steps: 200, correctorSteps: 1, denoise: false }), A, B);
    expect(Math.abs(two.fractionA - W)).toBeLessThanOrEqual(weightTolerance);
    expect(Math.abs(rms(two.residuals) / VE.min - 1)).toBeLessThanOrEqual(Z / Math.sqrt(6 * ROWS));
  });

  it.each([
    ['VE ODE Heun', VE, { sampler: 'ode', odeMethod: 'heun', steps: 200 }],
    // (Euler at the 2000 steps it needs here costs 6 s on a CPU adapter; the Gaussian cases cover it.)
  ] as [string, AnalyticSDE, Partial<SamplerSettings>][])('%s: mode weights within 5 SE; samples end at a point + N(0, std(tEnd)^2)', async (_name, sde, settings) => {
    const two = modeStats(await sampleTwoPoint(sde, W, settings), A, B);
    expect(Math.abs(two.fractionA - W)).toBeLessThanOrEqual(weightTolerance);
    // The flow stops at tEnd = 1e-4 without denoising, where the marginal at a mode is
    // N(a, std(tEnd)^2 I): the RMS residual is std(tEnd) within 5 SE. (The VE flow's rate
    // g^2 / (2 sigma^2) = ln(sigma_max / sigma_min) is constant, so a uniform grid resolves it.)
    const end = marginal(sde, 1e-4);
    expect(Math.abs(rms(two.residuals) / end.std - 1)).toBeLessThanOrEqual(Z / Math.sqrt(6 * ROWS));
  });

  it.each(['euler', 'heun'] as const)('VP ODE %s: mode weights within 5 SE', async (odeMethod) => {
    // Only the weights: near t = 0 the VP flow towards a point is stiff (rate 1 / (2t)), so a
    // uniform grid of 200-400 steps does not bring the residual down to std(tEnd).
    const two = modeStats(await sampleTwoPoint(VP, W, { sampler: 'ode', odeMethod, steps: 400 }), A, B);
    expect(Math.abs(two.fractionA - W)).toBeLessThanOrEqual(weightTolerance);
  });

  it('VP PC with tEnd = 1/steps: mode weights within 5 SE; the denoised samples are closer to a point than std(tEnd)', async () => {
    // The VP predictor's last step uses the DDPM beta_0 / steps, which matches the marginal's
    // std(tEnd)^2 ~ beta_0 tEnd only when tEnd ~ 1 / steps (Song et al.: N = 1000, eps = 1e-3).
    const steps = 200;
    const two = modeStats(await sampleTwoPoint(VP, W, { sampler: 'pc', steps, correctorSteps: 1, tEnd: 1 / steps }), A, B);
    expect(Math.abs(two.fractionA - W)).toBeLessThanOrEqual(weightTolerance);
    // Denoising must not leave more noise than the marginal at tEnd has: RMS residual <= std(tEnd).
    expect(rms(two.residuals)).toBeLessThanOrEqual(marginal(VP, 1 / steps).std);
  });
});
