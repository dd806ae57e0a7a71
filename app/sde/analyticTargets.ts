/**
 * Sampling problems whose exact score is known in closed form, for the sampler's known-answer
 * tests (analyticTargets.test.ts). Each state row is one independent sample in R^3; the "network"
 * output is the ideal noise prediction eps(x, t) = -std(t) * score(x, t), so that runSampler's
 * s = scoreScale(t) * out with scoreScale = -1 / std(t) is the exact score of the marginal.
 *
 * Forward marginals (m = marginalMean(t), std = marginalStd(t), x_t = m x_0 + std z):
 * - Gaussian target x_0 ~ N(mu, s^2 I): x_t ~ N(m mu, (m^2 s^2 + std^2) I), so
 *   eps = std (x - m mu) / (m^2 s^2 + std^2).
 * - Two-point target x_0 = a with probability w, b otherwise: x_t is a two-component mixture, and
 *   eps = (x - m E[x_0 | x_t]) / std with E[x_0 | x] = b + r (a - b), where the posterior weight
 *   r = sigmoid(logit(w) + (|x - m b|^2 - |x - m a|^2) / (2 std^2))
 *     = sigmoid(logit(w) + m (a - b).x / std^2 - m^2 (|a|^2 - |b|^2) / (2 std^2))
 *   is a logistic function of a linear form in x. w = 1 is the point target x_0 = a.
 */
import type { Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { linear } from '../../kernels/ops/linear';
import { sigmoid } from '../../kernels/ops/activation';
import { combine, disposeLayout, sparseRowsLayout, type StateLayout } from './kernels';
import type { DiffusionProblem } from './sampler';
import { createSDE, type SDEKind } from '../model/sde';

export type Vec3 = readonly [number, number, number];

export interface AnalyticSDE {
  kind: SDEKind;
  min: number;
  max: number;
}

export interface AnalyticProblem extends DiffusionProblem {
  layout: StateLayout;
  /** Frees the layout and the problem's constant tensors. */
  dispose(): void;
}

/**
 * `rows` independent samples, grouped into graphs of `rowsPerGraph` rows (the Langevin corrector
 * sets its step size per graph from mean row norms, as for a molecule's atoms).
 */
function layoutOf(e: Engine, rows: number, rowsPerGraph: number): StateLayout {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(rowsPerGraph) || rowsPerGraph < 1 || rows % rowsPerGraph !== 0) {
    throw new Error(`analytic target: rows (${rows}) must be a positive multiple of rowsPerGraph (${rowsPerGraph})`);
  }
  return sparseRowsLayout(e, new Array<number>(rows / rowsPerGraph).fill(rowsPerGraph), 3);
}

/**
 * Gaussian target N(mu, s^2 I). `scoreFactor` multiplies the exact score (1: exact; the tests use
 * 0.5 to show that a wrong score is detected).
 */
export function gaussianProblem(
  e: Engine, sdeSpec: AnalyticSDE, mu: Vec3, s: number, rows: number, rowsPerGraph: number, scoreFactor = 1,
): AnalyticProblem {
  const layout = layoutOf(e, rows, rowsPerGraph);
  const sde = createSDE(sdeSpec.kind, sdeSpec.min, sdeSpec.max);
  const muRows = e.fromArray(Array.from({ length: rows * 3 }, (_, i) => mu[i % 3]), [rows, 3], { persistent: true, name: 'gaussian.mu' });
  return {
    layout,
    layouts: [layout],
    sde: sdeSpec,
    numGraphs: layout.numGraphs,
    scoreScale: (t) => -1 / sde.marginalStd(t),
    evaluate: ([x], _t, t) => {
      const m = sde.marginalMean(t);
      const std = sde.marginalStd(t);
      const k = (scoreFactor * std) / (m * m * s * s + std * std);
      const out = e.empty(x.shape, { name: 'gaussian.eps' });
      e.copy(x, out);
      combine(out, layout, k, -k * m, muRows);
      return [out];
    },
    dispose: () => {
      e.dispose(muRows);
      disposeLayout(e, layout);
    },
  };
}

/** Two-point target: a with probability w, b with 1 - w (w = 1: the point target a). */
export function twoPointProblem(e: Engine, sdeSpec: AnalyticSDE, a: Vec3, b: Vec3, w: number, rows: number, rowsPerGraph: number): AnalyticProblem {
  if (!(w > 0 && w <= 1)) throw new Error(`twoPointProblem: w must lie in (0, 1], got ${w}`);
  const layout = layoutOf(e, rows, rowsPerGraph);
  const sde = createSDE(sdeSpec.kind, sdeSpec.min, sdeSpec.max);
  const d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const sq = (v: Vec3) => v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  // E[x_0 | x] = b + r (a - b): a linear layer from r [rows, 1] with weight (a - b) [3, 1] and bias b.
  const toMean = e.fromArray(d, [3, 1], { persistent: true, name: 'twoPoint.aMinusB' });
  const bias = e.fromArray(b, [3], { persistent: true, name: 'twoPoint.b' });
  return {
    layout,
    layouts: [layout],
    sde: sdeSpec,
    numGraphs: layout.numGraphs,
    scoreScale: (t) => -1 / sde.marginalStd(t),
    evaluate: ([x], _t, t) => {
      const m = sde.marginalMean(t);
      const v = sde.marginalStd(t) ** 2;
      // w = 1: r = 1 everywhere (a logit of +infinity), written as a zero weight and a large bias.
      const logitW = w === 1 ? 80 : Math.log(w / (1 - w));
      const weight = e.fromArray(w === 1 ? [0, 0, 0] : d.map((c) => (m * c) / v), [1, 3], { name: 'twoPoint.logitWeight' });
      const logitBias = e.fromArray([w === 1 ? logitW : logitW - (m * m * (sq(a) - sq(b))) / (2 * v)], [1], { name: 'twoPoint.logitBias' });
      const r = sigmoid(linear(x, weight, logitBias));
      const x0 = linear(r, toMean, bias);
      const out = e.empty(x.shape, { name: 'twoPoint.eps' });
      e.copy(x, out);
      const std = Math.sqrt(v);
      combine(out, layout, 1 / std, -m / std, x0);
      return [out];
    },
    dispose: () => {
      e.dispose(toMean);
      e.dispose(bias);
      disposeLayout(e, layout);
    },
  };
}
