/**
 * Reverse-diffusion samplers over noise-predicting networks, entirely on the GPU (docs/method.md §2.7,
 * §3.7; Song et al. 2021):
 *
 * - 'pc': at each time of the grid t_k = linspace(1, tEnd, steps), `correctorSteps` Langevin
 *   corrector steps, then one reverse-diffusion predictor step. The last predictor returns its
 *   mean (denoise), not mean + noise.
 * - 'ode': the probability-flow ODE dx/dt = f(x, t) - g(t)^2 s(x, t) / 2 from t = 1 to tEnd in
 *   `steps` Euler or Heun steps.
 *
 * A sampling problem is one or more states (positions; or X and A) with a layout each, the SDE,
 * and `evaluate`, the network's raw outputs with s = scoreScale(t) * out. Many steps are encoded per
 * submit; the host never waits on the GPU except to read a frame every `frameStride` steps.
 *
 * The predictor discretises the SDE on a grid of `steps` levels (an SDE object with N = steps), so
 * each predictor step moves exactly one level of the grid, whatever the training N was.
 *
 * Randomness: every noise draw is Philox (seed, stream, element) with
 * stream = ((k (M + 1) + j) 2S + channel): k the step, j = 0 for the predictor and 1..M for the
 * corrector steps, S the number of states, channel = state index (S + state for the prior).
 */
import type { Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { createSDE, type SDEKind } from '../model/sde';
import { combine, fillNoise, fillScalar, langevinStepWithNoise, predictorStepWithNoise, type StateLayout } from './kernels';

export type SamplerKind = 'pc' | 'ode';

export interface SamplerSettings {
  sampler: SamplerKind;
  /** Time steps (predictor steps for 'pc'; ODE steps for 'ode'). */
  steps: number;
  seed: number;
  /** Langevin corrector steps per predictor step ('pc'). */
  correctorSteps: number;
  /** Signal-to-noise ratio r of the Langevin step size. */
  snr: number;
  /** Scale of the Langevin noise (MoleculeSDE's scale_eps). */
  noiseScale: number;
  odeMethod: 'euler' | 'heun';
  /** The last time of the grid (docs/method.md §2.7: 1e-4). */
  tEnd: number;
  /** Return the last predictor's mean ('pc'). */
  denoise: boolean;
  /** Read the states back every this many steps (0: never). */
  frameStride: number;
  /** Network evaluations encoded per submit. */
  evalsPerSubmit: number;
}

export const DEFAULT_SAMPLER_SETTINGS: SamplerSettings = {
  sampler: 'pc',
  steps: 500,
  seed: 1,
  correctorSteps: 1,
  snr: 0.2,
  noiseScale: 0.9,
  odeMethod: 'heun',
  tEnd: 1e-4,
  denoise: true,
  frameStride: 0,
  evalsPerSubmit: 16,
};

export function resolveSamplerSettings(over: Partial<SamplerSettings> = {}): SamplerSettings {
  const s = { ...DEFAULT_SAMPLER_SETTINGS };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) (s as Record<string, unknown>)[k] = v;
  const int = (v: number, what: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`sampler: ${what} must be an integer >= ${min}, got ${v}`);
  };
  if (s.sampler !== 'pc' && s.sampler !== 'ode') throw new Error(`sampler: unknown sampler '${s.sampler as string}' (use 'pc' or 'ode')`);
  if (s.odeMethod !== 'euler' && s.odeMethod !== 'heun') throw new Error(`sampler: unknown ODE method '${s.odeMethod as string}' (use 'euler' or 'heun')`);
  int(s.steps, 'steps', 2);
  int(s.seed, 'seed', 0);
  if (s.seed > 0xffffffff) throw new Error(`sampler: seed must be below 2^32, got ${s.seed}`);
  int(s.correctorSteps, 'correctorSteps', 0);
  int(s.frameStride, 'frameStride', 0);
  int(s.evalsPerSubmit, 'evalsPerSubmit', 1);
  if (!(s.snr >= 0) || !Number.isFinite(s.snr)) throw new Error(`sampler: snr must be a finite number >= 0, got ${s.snr}`);
  if (!(s.noiseScale >= 0) || !Number.isFinite(s.noiseScale)) throw new Error(`sampler: noiseScale must be >= 0, got ${s.noiseScale}`);
  if (!(s.tEnd > 0 && s.tEnd < 1)) throw new Error(`sampler: tEnd must lie in (0, 1), got ${s.tEnd}`);
  return s;
}

/** One state of the problem: its layout and the prior std it starts from. */
export interface DiffusionProblem {
  layouts: StateLayout[];
  sde: { kind: SDEKind; min: number; max: number };
  /** Number of graphs (length of the per-graph time tensor). */
  numGraphs: number;
  /**
   * Raw network outputs, one per state with the state's size. `t` is the per-graph time tensor
   * [numGraphs] (already filled on the GPU); `tHost` is the same time (every graph shares it).
   */
  evaluate(states: Tensor[], t: Tensor, tHost: number): Tensor[];
  /** s = scoreScale(t) * out, e.g. -1 / std(t). */
  scoreScale(t: number): number;
}

export interface SamplerHooks {
  /** Called with host copies of the states after step `step` (1-based) of `total`. */
  onFrame?: (step: number, total: number, states: Float32Array[], extra: FrameExtra) => void | Promise<void>;
  /**
   * Also evaluate the network on each recorded frame's states at the frame's time (frameTime) and
   * hand onFrame the scores s = scoreScale(t) out: one extra network evaluation per recorded frame
   * (none between frames), for the trajectory view's per-atom score norms.
   */
  frameScores?: boolean;
  /** Checked between submits; returning true stops sampling early. */
  shouldStop?: () => boolean;
}

/** What a recorded frame carries besides its states. */
export interface FrameExtra {
  /** The time the frame's states stand at (frameTime). */
  t: number;
  /** Scores at the frame's states and time, one per state (only with hooks.frameScores). */
  scores?: Float32Array[];
}

/**
 * The time of the grid the states have reached after `step` of `steps` steps: where the sampler
 * evaluates the network next. 'pc' (grid linspace(1, tEnd, steps)): t = 1 - step (1 - tEnd) / (steps - 1),
 * held at tEnd after the last (denoising) step; 'ode' (grid linspace(1, tEnd, steps + 1)):
 * t = 1 - step (1 - tEnd) / steps. Step 0 is the prior at t = 1.
 */
export function frameTime(sampler: SamplerKind, steps: number, step: number, tEnd: number): number {
  if (!Number.isInteger(step) || step < 0 || step > steps) throw new Error(`frameTime: step ${step} outside [0, ${steps}]`);
  // The same arithmetic as timeGrid, so a frame's t is the grid's value bit for bit.
  return sampler === 'pc' ? 1 + (Math.min(step, steps - 1) / (steps - 1)) * (tEnd - 1) : 1 + (step / steps) * (tEnd - 1);
}

export interface SamplerResult {
  states: Float32Array[];
  /** Steps completed (equal to settings.steps unless stopped). */
  steps: number;
  stopped: boolean;
}

/** The time grid: `count` points from 1 down to tEnd. */
export function timeGrid(count: number, tEnd: number): Float64Array {
  const t = new Float64Array(count);
  for (let k = 0; k < count; k++) t[k] = 1 + (k / (count - 1)) * (tEnd - 1);
  return t;
}

export function noiseStream(step: number, sub: number, channel: number, subSteps: number, numStates: number): number {
  const s = ((step * (subSteps + 1) + sub) * 2 * numStates + channel);
  if (s > 0xffffffff) throw new Error(`sampler: noise stream ${s} exceeds 2^32 (too many steps x corrector steps)`);
  return s;
}

/** Runs the sampler; resolves with host copies of the final states. */
export async function runSampler(engine: Engine, problem: DiffusionProblem, settingsIn: Partial<SamplerSettings>, hooks: SamplerHooks = {}): Promise<SamplerResult> {
  const settings = resolveSamplerSettings(settingsIn);
  const S = problem.layouts.length;
  if (S < 1) throw new Error('sampler: the problem has no states');
  const M = settings.sampler === 'pc' ? settings.correctorSteps : 0;
  const K = settings.steps;
  noiseStream(K, M, 2 * S - 1, M, S); // throws early if the streams overflow
  // The predictor walks one level of a `K`-level grid per step.
  const sde = createSDE(problem.sde.kind, problem.sde.min, problem.sde.max, K);
  const states = problem.layouts.map((l, i) => engine.zeros([l.rows, l.cols], { persistent: true, name: `sampler.state${i}` }));
  const tvec = engine.zeros([problem.numGraphs], { persistent: true, name: 'sampler.t' });
  const evalsPerStep = settings.sampler === 'pc' ? M + 1 : settings.odeMethod === 'heun' ? 2 : 1;
  const stepsPerSubmit = Math.max(1, Math.floor(settings.evalsPerSubmit / evalsPerStep));
  let pendingFrame: Promise<void> | null = null;
  let done = 0;
  let stopped = false;
  // Every step encodes the same dispatches on the same pooled buffers: reuse their bind groups
  // and uniform buffers instead of creating them again (kernels/engine.ts).
  engine.beginBindingReuse();
  try {
    engine.noGrad(() =>
      problem.layouts.forEach((l, i) => fillNoise(states[i], l, settings.seed, noiseStream(0, 0, S + i, M, S), sde.priorStd)),
    );
    const grid = settings.sampler === 'pc' ? timeGrid(K, settings.tEnd) : timeGrid(K + 1, settings.tEnd);
    // At most two submits in flight: the GPU always has the next chunk queued, the host yields to
    // its event loop (stop messages get through) and the queue never grows without bound.
    let inFlight: Promise<unknown> | null = null;
    for (let k = 0; k < K; k++) {
      // Encoding a step is synchronous, so noGrad wraps each step (an async noGrad would end at
      // the first await).
      engine.noGrad(() => {
        if (settings.sampler === 'pc') pcStep(engine, problem, sde, settings, states, tvec, grid, k, M);
        else odeStep(engine, problem, sde, settings, states, tvec, grid, k);
      });
      done = k + 1;
      if (settings.frameStride > 0 && hooks.onFrame && (done % settings.frameStride === 0 || done === K)) {
        // At most one frame in flight; read() encodes its copy now, so the frame is this step's.
        if (pendingFrame) await pendingFrame;
        const reads = states.map((s) => engine.readF32(s));
        const at = done;
        const t = frameTime(settings.sampler, K, done, settings.tEnd);
        const scoreReads = hooks.frameScores ? frameScoreReads(engine, problem, states, tvec, t) : null;
        pendingFrame = Promise.all([Promise.all(reads), scoreReads]).then(([hostStates, scores]) =>
          hooks.onFrame!(at, K, hostStates, scores ? { t, scores } : { t }),
        );
      }
      if (done % stepsPerSubmit === 0 || done === K) {
        engine.endStep();
        if (inFlight) await inFlight;
        inFlight = engine.device.queue.onSubmittedWorkDone();
        if (done < K && hooks.shouldStop?.()) {
          stopped = true;
          break;
        }
      }
    }
    engine.endStep();
    if (pendingFrame) await pendingFrame;
    const out = await Promise.all(states.map((s) => engine.readF32(s)));
    return { states: out, steps: done, stopped };
  } finally {
    engine.endBindingReuse();
    for (const s of states) engine.dispose(s);
    engine.dispose(tvec);
    engine.endStep();
  }
}

/** Encodes one network evaluation on the states at time t and the readback of its scores. */
function frameScoreReads(engine: Engine, problem: DiffusionProblem, states: Tensor[], tvec: Tensor, t: number): Promise<Float32Array[]> {
  const scale = problem.scoreScale(t);
  const outs = engine.noGrad(() => {
    fillScalar(tvec, t);
    return evaluateChecked(problem, states, tvec, t);
  });
  return Promise.all(outs.map((o) => engine.readF32(o))).then((raw) => raw.map((r) => r.map((v) => v * scale)));
}

function pcStep(
  engine: Engine, problem: DiffusionProblem, sde: ReturnType<typeof createSDE>, st: SamplerSettings,
  states: Tensor[], tvec: Tensor, grid: Float64Array, k: number, M: number,
): void {
  const S = states.length;
  const t = grid[k];
  fillScalar(tvec, t);
  const ks = problem.scoreScale(t);
  // Each update draws its own noise (one dispatch per state and update; the same Philox numbers
  // and results as drawing z into a buffer first, see kernels.ts).
  for (let j = 1; j <= M; j++) {
    const outs = evaluateChecked(problem, states, tvec, t);
    problem.layouts.forEach((l, i) =>
      langevinStepWithNoise(states[i], outs[i], l, st.seed, noiseStream(k, j, i, M, S), { scoreScale: ks, snr: st.snr, alpha: sde.langevinAlpha(t), noiseScale: st.noiseScale }),
    );
  }
  const outs = evaluateChecked(problem, states, tvec, t);
  const rev = sde.reverseStep(t);
  const last = k === grid.length - 1;
  problem.layouts.forEach((l, i) => {
    if (last && st.denoise) combine(states[i], l, rev.xCoeff, rev.scoreCoeff * ks, outs[i]);
    else predictorStepWithNoise(states[i], outs[i], l, rev.xCoeff, rev.scoreCoeff * ks, rev.noiseStd, st.seed, noiseStream(k, 0, i, M, S));
  });
}

/** Probability-flow ODE: dx/dt = fc(t) x + kOut(t) out with kOut = -g^2 scoreScale / 2. */
function odeStep(
  engine: Engine, problem: DiffusionProblem, sde: ReturnType<typeof createSDE>, st: SamplerSettings,
  states: Tensor[], tvec: Tensor, grid: Float64Array, k: number,
): void {
  const t1 = grid[k];
  const t2 = grid[k + 1];
  const dt = t2 - t1;
  const kOut = (t: number) => -0.5 * sde.diffusion(t) ** 2 * problem.scoreScale(t);
  fillScalar(tvec, t1);
  const outs1 = evaluateChecked(problem, states, tvec, t1);
  if (st.odeMethod === 'euler') {
    problem.layouts.forEach((l, i) => combine(states[i], l, 1 + dt * sde.driftCoeff(t1), dt * kOut(t1), outs1[i]));
    return;
  }
  // Heun: x' = x + dt d(x, t1); x <- x + dt/2 (d(x, t1) + d(x', t2)). With dt d(x, t1) = x' - x:
  // x <- x/2 + x'/2 + dt/2 d(x', t2) = 0.5 x + (0.5 + dt/2 fc2) x' + dt/2 kOut2 out2.
  const predicted = problem.layouts.map((l, i) => {
    const xp = engine.empty([l.rows, l.cols], { name: 'sampler.heun' });
    engine.copy(states[i], xp);
    combine(xp, l, 1 + dt * sde.driftCoeff(t1), dt * kOut(t1), outs1[i]);
    return xp;
  });
  fillScalar(tvec, t2);
  const outs2 = evaluateChecked(problem, predicted, tvec, t2);
  problem.layouts.forEach((l, i) =>
    combine(states[i], l, 0.5, 0.5 + 0.5 * dt * sde.driftCoeff(t2), predicted[i], 0.5 * dt * kOut(t2), outs2[i]),
  );
}

function evaluateChecked(problem: DiffusionProblem, states: Tensor[], tvec: Tensor, t: number): Tensor[] {
  const outs = problem.evaluate(states, tvec, t);
  if (outs.length !== states.length) throw new Error(`sampler: evaluate returned ${outs.length} outputs for ${states.length} states`);
  outs.forEach((o, i) => {
    if (o.size !== states[i].size) throw new Error(`sampler: output ${i} ${o} does not match state ${states[i]}`);
    if (o.buffer === states[i].buffer) throw new Error(`sampler: output ${i} aliases its state`);
  });
  return outs;
}
