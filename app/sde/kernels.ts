/**
 * Host side of the sampler update kernels (sampler.wgsl): state layouts and the four updates the
 * predictor-corrector and ODE samplers are made of. Nothing here reads back: every coefficient
 * is a uniform or lives on the GPU (the per-graph norms), so many steps encode into one submit.
 */
import samplerCode from './sampler.wgsl?raw';
import { RNG_WGSL } from '../../kernels/ops/rng';
import { grid1d, type Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { checkKeyWord } from '../../kernels/random';

const code = RNG_WGSL + samplerCode;

/** Workgroup size of the per-graph kernels (GRAPH_WG of sampler.wgsl). */
const GRAPH_WG = 64;

/** Row marker of a padding row in `rowGraph`. */
export const PAD_ROW = 0xffffffff;

/**
 * How a sampler state's [rows, cols] elements belong to graphs.
 * - 'rows': every row of graph g is a sample row (positions [N, 3]; dense X [B * Nmax, C] with
 *   padding rows marked PAD_ROW).
 * - 'pairs': a dense adjacency [B * Nmax, Nmax]; only (i, j) with i, j < n_g and i != j are live
 *   and noise is symmetric.
 */
export interface StateLayout {
  kind: 'rows' | 'pairs';
  rows: number;
  cols: number;
  numGraphs: number;
  /** Valid rows of each graph, on the host (for reading results back). */
  starts: Uint32Array;
  counts: Uint32Array;
  /** u32 [rows]: graph of each row or PAD_ROW. */
  rowGraph: Tensor;
  /** u32 [2 * numGraphs]: (first row, valid rows) per graph. */
  ranges: Tensor;
}

function makeLayout(engine: Engine, kind: 'rows' | 'pairs', rows: number, cols: number, starts: Uint32Array, counts: Uint32Array): StateLayout {
  const rowGraph = new Uint32Array(rows).fill(PAD_ROW);
  const ranges = new Uint32Array(2 * counts.length);
  for (let g = 0; g < counts.length; g++) {
    if (starts[g] + counts[g] > rows) throw new Error(`sampler layout: graph ${g} rows [${starts[g]}, ${starts[g] + counts[g]}) exceed ${rows} rows`);
    for (let r = starts[g]; r < starts[g] + counts[g]; r++) {
      if (rowGraph[r] !== PAD_ROW) throw new Error(`sampler layout: row ${r} belongs to graphs ${rowGraph[r]} and ${g}`);
      rowGraph[r] = g;
    }
    ranges[2 * g] = starts[g];
    ranges[2 * g + 1] = counts[g];
  }
  if (rows * cols > 0xffffffff) throw new Error(`sampler layout: ${rows} x ${cols} elements exceed the u32 index range`);
  return {
    kind,
    rows,
    cols,
    numGraphs: counts.length,
    starts,
    counts,
    rowGraph: engine.fromArray(rowGraph, [rows], { dtype: 'u32', persistent: true, name: 'sampler.rowGraph' }),
    ranges: engine.fromArray(ranges, [ranges.length], { dtype: 'u32', persistent: true, name: 'sampler.ranges' }),
  };
}

function checkCounts(what: string, counts: ArrayLike<number>): Uint32Array {
  const c = Uint32Array.from(counts);
  if (c.length === 0) throw new Error(`${what}: no graphs`);
  for (let g = 0; g < c.length; g++) {
    if (!Number.isInteger(counts[g]) || counts[g] < 1) throw new Error(`${what}: graph ${g} has ${counts[g]} atoms`);
  }
  return c;
}

/** Sparse rows: graph g owns the next counts[g] rows (positions of a disjoint-union batch). */
export function sparseRowsLayout(engine: Engine, counts: ArrayLike<number>, cols: number): StateLayout {
  const c = checkCounts('sparseRowsLayout', counts);
  const starts = new Uint32Array(c.length);
  for (let g = 1; g < c.length; g++) starts[g] = starts[g - 1] + c[g - 1];
  const rows = starts[c.length - 1] + c[c.length - 1];
  return makeLayout(engine, 'rows', rows, cols, starts, c);
}

/** Dense rows [B * nmax, cols]: graph g owns rows g * nmax .. g * nmax + counts[g] - 1. */
export function denseRowsLayout(engine: Engine, counts: ArrayLike<number>, nmax: number, cols: number): StateLayout {
  const c = checkCounts('denseRowsLayout', counts);
  if (c.some((n) => n > nmax)) throw new Error(`denseRowsLayout: a graph has more than nmax = ${nmax} atoms`);
  const starts = Uint32Array.from(c, (_, g) => g * nmax);
  return makeLayout(engine, 'rows', c.length * nmax, cols, starts, c);
}

/** Dense symmetric adjacency [B * nmax, nmax] with zero diagonal and padding. */
export function densePairsLayout(engine: Engine, counts: ArrayLike<number>, nmax: number): StateLayout {
  const c = checkCounts('densePairsLayout', counts);
  if (c.some((n) => n > nmax)) throw new Error(`densePairsLayout: a graph has more than nmax = ${nmax} atoms`);
  const starts = Uint32Array.from(c, (_, g) => g * nmax);
  return makeLayout(engine, 'pairs', c.length * nmax, nmax, starts, c);
}

export function disposeLayout(engine: Engine, layout: StateLayout): void {
  engine.dispose(layout.rowGraph);
  engine.dispose(layout.ranges);
}

// ------------------------------------------------------------------------------ dispatches

const ZERO_PARAMS = {
  n: 0, cols: 1, pairs: 0, seed: 0, stream: 0, noise_std: 0, ca: 0, cb: 0, cc: 0,
  score_scale: 0, snr: 0, alpha: 0, noise_scale: 0, value: 0,
};
type Params = typeof ZERO_PARAMS;

/** Every dispatch sets every field: the params view is shared by all entry points of the shader. */
function params(layout: StateLayout, over: Partial<Params>): Params {
  return { ...ZERO_PARAMS, n: layout.rows * layout.cols, cols: layout.cols, pairs: layout.kind === 'pairs' ? 1 : 0, ...over };
}

function checkState(op: string, layout: StateLayout, ...tensors: Tensor[]): void {
  for (const t of tensors) {
    if (t.size !== layout.rows * layout.cols || t.dtype !== 'f32') {
      throw new Error(`${op}: ${t} does not match the sampler state [${layout.rows}, ${layout.cols}] f32`);
    }
  }
}

const placeholders = new WeakMap<Engine, Tensor>();
/** A tiny buffer bound where a kernel input is unused (coefficient 0): bindings must not alias x. */
function placeholder(engine: Engine): Tensor {
  let p = placeholders.get(engine);
  if (!p) {
    p = engine.zeros([4], { persistent: true, name: 'sampler.placeholder' });
    placeholders.set(engine, p);
  }
  return p;
}

/** x = std * N(0, I) on the layout's live elements (symmetric for 'pairs'), 0 elsewhere. */
export function fillNoise(x: Tensor, layout: StateLayout, seed: number, stream: number, std = 1): void {
  checkState('fillNoise', layout, x);
  const e = x.engine;
  e.dispatch({
    op: 'sampler.noise',
    code,
    entryPoint: 'noise',
    params: params(layout, { seed: checkKeyWord('fillNoise', 'seed', seed), stream: checkKeyWord('fillNoise', 'stream', stream), noise_std: std }),
    bindings: { row_graph: layout.rowGraph, ranges: layout.ranges, x },
    workgroups: grid1d(layout.rows * layout.cols),
  });
}

/** x = ca x + cb b + cc c on live elements (b, c may be omitted when their coefficient is 0). */
export function combine(x: Tensor, layout: StateLayout, ca: number, cb = 0, b?: Tensor, cc = 0, c?: Tensor): void {
  const e = x.engine;
  if (cb !== 0 && !b) throw new Error('combine: cb != 0 needs b');
  if (cc !== 0 && !c) throw new Error('combine: cc != 0 needs c');
  const bb = cb !== 0 ? b! : placeholder(e);
  const cc2 = cc !== 0 ? c! : placeholder(e);
  checkState('combine', layout, x, ...(cb !== 0 ? [bb] : []), ...(cc !== 0 ? [cc2] : []));
  if (bb === x || cc2 === x) throw new Error('combine: b and c must not be x itself');
  e.dispatch({
    op: 'sampler.combine',
    code,
    entryPoint: 'combine',
    params: params(layout, { ca, cb, cc }),
    bindings: { row_graph: layout.rowGraph, ranges: layout.ranges, x, b: bb, c: cc2 },
    workgroups: grid1d(layout.rows * layout.cols),
  });
}

/** Per-graph mean row norms of out and z: a [numGraphs, 2] tensor (|out|_g, |z|_g). */
export function rowNorms(out: Tensor, z: Tensor, layout: StateLayout): Tensor {
  checkState('rowNorms', layout, out, z);
  const e = out.engine;
  const norms = e.empty([layout.numGraphs, 2], { name: 'sampler.norms' });
  e.dispatch({
    op: 'sampler.rowNorms',
    code,
    entryPoint: 'row_norms',
    params: params(layout, { n: layout.numGraphs }),
    bindings: { row_graph: layout.rowGraph, ranges: layout.ranges, out, z, norms },
    workgroups: grid1d(layout.numGraphs, GRAPH_WG),
  });
  return norms;
}

export interface LangevinCoefficients {
  /** s = scoreScale * out (e.g. -1 / std(t) for a noise-predicting network). */
  scoreScale: number;
  snr: number;
  /** VE 1, VP 1 - beta_i. */
  alpha: number;
  /** Multiplies the injected noise (MoleculeSDE's scale_eps, 0.9). */
  noiseScale: number;
}

/**
 * One Langevin corrector step in place: per graph g, step_g = 2 alpha (snr |z|_g / |s|_g)^2 with
 * |.|_g the mean per-row L2 norm; x = x + step_g s + sqrt(2 step_g) noiseScale z.
 */
export function langevinStep(x: Tensor, out: Tensor, z: Tensor, layout: StateLayout, k: LangevinCoefficients): void {
  checkState('langevinStep', layout, x, out, z);
  const e = x.engine;
  const norms = rowNorms(out, z, layout);
  e.dispatch({
    op: 'sampler.langevin',
    code,
    entryPoint: 'langevin',
    params: params(layout, { score_scale: k.scoreScale, snr: k.snr, alpha: k.alpha, noise_scale: k.noiseScale }),
    bindings: { row_graph: layout.rowGraph, ranges: layout.ranges, x, out, z, norms },
    workgroups: grid1d(layout.rows * layout.cols),
  });
}

/**
 * A Langevin corrector step that draws its own noise, in one dispatch: z = N(0, I) of Philox
 * (seed, stream) as fillNoise draws it, then langevinStep(x, out, z). Bit for bit the result of
 * fillNoise + langevinStep, without the z buffer and the norms.
 */
export function langevinStepWithNoise(x: Tensor, out: Tensor, layout: StateLayout, seed: number, stream: number, k: LangevinCoefficients): void {
  checkState('langevinStepWithNoise', layout, x, out);
  if (out === x) throw new Error('langevinStepWithNoise: out must not be x itself');
  x.engine.dispatch({
    op: 'sampler.langevinNoise',
    code,
    entryPoint: 'langevin_noise',
    params: params(layout, {
      n: layout.numGraphs,
      seed: checkKeyWord('langevinStepWithNoise', 'seed', seed),
      stream: checkKeyWord('langevinStepWithNoise', 'stream', stream),
      score_scale: k.scoreScale, snr: k.snr, alpha: k.alpha, noise_scale: k.noiseScale,
    }),
    bindings: { row_graph: layout.rowGraph, ranges: layout.ranges, x, out },
    workgroups: grid1d(layout.numGraphs, GRAPH_WG),
  });
}

/**
 * The reverse-diffusion predictor with its own noise, in one dispatch: x = ca x + cb out +
 * noiseStd z with z = N(0, I) of Philox (seed, stream). Bit for bit fillNoise(z) + combine(x, ca,
 * cb, out, noiseStd, z).
 */
export function predictorStepWithNoise(x: Tensor, out: Tensor, layout: StateLayout, ca: number, cb: number, noiseStd: number, seed: number, stream: number): void {
  checkState('predictorStepWithNoise', layout, x, out);
  if (out === x) throw new Error('predictorStepWithNoise: out must not be x itself');
  x.engine.dispatch({
    op: 'sampler.predictorNoise',
    code,
    entryPoint: 'predictor_noise',
    params: params(layout, {
      seed: checkKeyWord('predictorStepWithNoise', 'seed', seed),
      stream: checkKeyWord('predictorStepWithNoise', 'stream', stream),
      ca, cb, cc: noiseStd,
    }),
    bindings: { row_graph: layout.rowGraph, ranges: layout.ranges, x, out },
    workgroups: grid1d(layout.rows * layout.cols),
  });
}

/** values[:] = value (the per-graph time tensor, refilled on the GPU at every step). */
export function fillScalar(values: Tensor, value: number): void {
  const e = values.engine;
  e.dispatch({
    op: 'sampler.fill',
    code,
    entryPoint: 'fill',
    params: { ...ZERO_PARAMS, n: values.size, value },
    bindings: { values },
    workgroups: grid1d(values.size),
  });
}
