/**
 * Float64 host twin of runSampler (sampler.ts) for tests: the same grid, SDE discretisation,
 * Langevin step sizes, masks and Philox noise (kernels/reference/rng.ts), written directly from
 * the formulas of docs/method.md §2.7 rather than from the kernels.
 */
import { normalAt } from '../../kernels/reference/rng';
import { createSDE, type SDEKind } from '../model/sde';
import { noiseStream, resolveSamplerSettings, timeGrid, type SamplerSettings } from './sampler';

export interface HostLayout {
  kind: 'rows' | 'pairs';
  rows: number;
  cols: number;
  starts: ArrayLike<number>;
  counts: ArrayLike<number>;
}

/** Graph of each row (-1 for padding). */
function rowGraphs(l: HostLayout): Int32Array {
  const g = new Int32Array(l.rows).fill(-1);
  for (let b = 0; b < l.counts.length; b++) for (let r = l.starts[b]; r < l.starts[b] + l.counts[b]; r++) g[r] = b;
  return g;
}

export function liveMask(l: HostLayout): Uint8Array {
  const graphs = rowGraphs(l);
  const m = new Uint8Array(l.rows * l.cols);
  for (let r = 0; r < l.rows; r++) {
    const b = graphs[r];
    if (b < 0) continue;
    for (let c = 0; c < l.cols; c++) {
      const i = r - l.starts[b];
      m[r * l.cols + c] = l.kind === 'rows' || (c < l.counts[b] && c !== i) ? 1 : 0;
    }
  }
  return m;
}

export function referenceNoise(l: HostLayout, seed: number, stream: number, std = 1): Float64Array {
  const graphs = rowGraphs(l);
  const mask = liveMask(l);
  const z = new Float64Array(l.rows * l.cols);
  for (let r = 0; r < l.rows; r++) {
    for (let c = 0; c < l.cols; c++) {
      const e = r * l.cols + c;
      if (!mask[e]) continue;
      let idx = e;
      if (l.kind === 'pairs') {
        const s = l.starts[graphs[r]];
        const i = r - s;
        idx = (s + Math.min(i, c)) * l.cols + Math.max(i, c);
      }
      z[e] = std * normalAt(seed, stream, idx);
    }
  }
  return z;
}

/** Mean over each graph's valid rows of the L2 norm of the row's live elements. */
export function referenceRowNorms(l: HostLayout, v: ArrayLike<number>): Float64Array {
  const mask = liveMask(l);
  const out = new Float64Array(l.counts.length);
  for (let b = 0; b < l.counts.length; b++) {
    let sum = 0;
    for (let r = l.starts[b]; r < l.starts[b] + l.counts[b]; r++) {
      let sq = 0;
      for (let c = 0; c < l.cols; c++) if (mask[r * l.cols + c]) sq += v[r * l.cols + c] ** 2;
      sum += Math.sqrt(sq);
    }
    out[b] = sum / Math.max(1, l.counts[b]);
  }
  return out;
}

function graphOfElement(l: HostLayout): Int32Array {
  const graphs = rowGraphs(l);
  const g = new Int32Array(l.rows * l.cols);
  for (let e = 0; e < g.length; e++) g[e] = graphs[Math.floor(e / l.cols)];
  return g;
}

export interface ReferenceProblem {
  layouts: HostLayout[];
  sde: { kind: SDEKind; min: number; max: number };
  evaluate(states: Float64Array[], t: number): Float64Array[];
  scoreScale(t: number): number;
}

export function referenceSample(problem: ReferenceProblem, settingsIn: Partial<SamplerSettings>): Float64Array[] {
  const st = resolveSamplerSettings(settingsIn);
  const S = problem.layouts.length;
  const M = st.sampler === 'pc' ? st.correctorSteps : 0;
  const K = st.steps;
  const sde = createSDE(problem.sde.kind, problem.sde.min, problem.sde.max, K);
  const masks = problem.layouts.map(liveMask);
  const states = problem.layouts.map((l, i) => referenceNoise(l, st.seed, noiseStream(0, 0, S + i, M, S), sde.priorStd));
  const apply = (i: number, f: (e: number) => number) => {
    const x = states[i];
    for (let e = 0; e < x.length; e++) x[e] = masks[i][e] ? f(e) : 0;
  };
  if (st.sampler === 'pc') {
    const grid = timeGrid(K, st.tEnd);
    for (let k = 0; k < K; k++) {
      const t = grid[k];
      const ks = problem.scoreScale(t);
      for (let j = 1; j <= M; j++) {
        const outs = problem.evaluate(states.map((s) => Float64Array.from(s)), t);
        problem.layouts.forEach((l, i) => {
          const z = referenceNoise(l, st.seed, noiseStream(k, j, i, M, S));
          const on = referenceRowNorms(l, outs[i]);
          const zn = referenceRowNorms(l, z);
          const g = graphOfElement(l);
          const step = Array.from(on, (o, b) => (o * Math.abs(ks) > 0 ? 2 * sde.langevinAlpha(t) * ((st.snr * zn[b]) / (Math.abs(ks) * o)) ** 2 : 0));
          const x = states[i];
          apply(i, (e) => x[e] + step[g[e]] * ks * outs[i][e] + Math.sqrt(2 * step[g[e]]) * st.noiseScale * z[e]);
        });
      }
      const outs = problem.evaluate(states.map((s) => Float64Array.from(s)), t);
      const rev = sde.reverseStep(t);
      const last = k === K - 1;
      problem.layouts.forEach((l, i) => {
        const z = last && st.denoise ? new Float64Array(l.rows * l.cols) : referenceNoise(l, st.seed, noiseStream(k, 0, i, M, S));
        const x = states[i];
        apply(i, (e) => rev.xCoeff * x[e] + rev.scoreCoeff * ks * outs[i][e] + rev.noiseStd * z[e]);
      });
    }
    return states;
  }
  const grid = timeGrid(K + 1, st.tEnd);
  const deriv = (x: Float64Array, out: Float64Array, t: number) =>
    x.map((v, e) => sde.driftCoeff(t) * v - 0.5 * sde.diffusion(t) ** 2 * problem.scoreScale(t) * out[e]);
  for (let k = 0; k < K; k++) {
    const [t1, t2] = [grid[k], grid[k + 1]];
    const dt = t2 - t1;
    const outs1 = problem.evaluate(states.map((s) => Float64Array.from(s)), t1);
    const d1 = states.map((x, i) => deriv(x, outs1[i], t1));
    if (st.odeMethod === 'euler') {
      states.forEach((x, i) => apply(i, (e) => x[e] + dt * d1[i][e]));
      continue;
    }
    const xp = states.map((x, i) => x.map((v, e) => (masks[i][e] ? v + dt * d1[i][e] : 0)));
    const outs2 = problem.evaluate(xp.map((s) => Float64Array.from(s)), t2);
    const d2 = xp.map((x, i) => deriv(x, outs2[i], t2));
    states.forEach((x, i) => apply(i, (e) => x[e] + 0.5 * dt * (d1[i][e] + d2[i][e])));
  }
  return states;
}
