/**
 * The 2D->3D noise schedule of a model config, for plotting: sigma(t) (the marginal std of its
 * SDE), and over log sigma the density of the noise levels its training loss draws (the recipe's
 * 'uniform' times, i.e. log-uniform sigma for VE, or a truncated log-normal), the weight std^p of
 * each epsilon-loss term, and their product: how much of the training signal each noise level gets.
 */
import { createSDE } from '../model/sde';
import type { ModelConfig } from '../model/config';

export interface ScheduleCurves {
  /** Time grid [0, 1] and sigma(t). */
  t: number[];
  sigma: number[];
  /** Grid of ln sigma over the schedule's range (VE: [ln min, ln max]). */
  logSigma: number[];
  /** Density of ln sigma of the training noise levels (integrates to 1 over the range). */
  density: number[];
  /** Weight std^p of one epsilon-loss term. */
  weight: number[];
  /** density x weight, normalised to integrate to 1: the share of the loss each level carries. */
  emphasis: number[];
  kind: 'VE' | 'VP';
  noiseLevels: 'uniform' | 'lognormal';
}

function normalPdf(x: number, mean: number, std: number): number {
  return Math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * Math.sqrt(2 * Math.PI));
}

/** Trapezoid integral of y over the grid x. */
export function trapezoid(x: readonly number[], y: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1]);
  return s;
}

export function scheduleCurves(config: ModelConfig, points = 201): ScheduleCurves {
  if (!Number.isInteger(points) || points < 3) throw new Error(`scheduleCurves: need at least 3 points, got ${points}`);
  const s = config.sde2Dto3D;
  const sde = createSDE(s.kind, s.min, s.max, s.N);
  const t = Array.from({ length: points }, (_, i) => i / (points - 1));
  // t = 0 is excluded from training (t >= eps); sigma(0) is still the curve's start.
  const sigma = t.map((v) => sde.marginalStd(Math.max(v, 1e-6)));
  const lo = Math.log(sigma[0]);
  const hi = Math.log(sigma[points - 1]);
  const logSigma = Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const recipe = config.recipe2Dto3D;
  let density: number[];
  if (recipe.noiseLevels === 'lognormal') {
    const raw = logSigma.map((x) => normalPdf(x, recipe.logSigmaMean, recipe.logSigmaStd));
    const z = trapezoid(logSigma, raw);
    density = raw.map((v) => v / z);
  } else if (s.kind === 'VE') {
    density = logSigma.map(() => 1 / (hi - lo));
  } else {
    // VP: t uniform; density of ln sigma by the change of variables |dt / d ln sigma| on the grid.
    const raw = logSigma.map((_, i) => {
      const j = Math.min(points - 2, i);
      const dls = Math.log(sigma[j + 1]) - Math.log(sigma[j]);
      return dls > 0 ? (t[j + 1] - t[j]) / dls : 0;
    });
    const z = trapezoid(logSigma, raw);
    density = raw.map((v) => v / z);
  }
  const weight = logSigma.map((x) => Math.exp(x) ** config.annealPower);
  const prod = density.map((d, i) => d * weight[i]);
  const zp = trapezoid(logSigma, prod);
  return { t, sigma, logSigma, density, weight, emphasis: prod.map((v) => v / zp), kind: s.kind, noiseLevels: recipe.noiseLevels };
}

/** The diagnostic ladder of noise levels inside a model's range: the decades that fit, and both ends. */
export function sigmaLadder(config: ModelConfig, base: readonly number[]): number[] {
  const { min, max, kind } = config.sde2Dto3D;
  if (kind !== 'VE') throw new Error('noise levels: the per-sigma diagnostics need a VE 2D->3D SDE (sigma in Å)');
  const inside = base.filter((s) => s > min * 1.0001 && s < max * 0.9999);
  return [min, ...inside, max];
}
