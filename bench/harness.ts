/**
 * Timing harness shared by Node and the page: warm up, time single iterations (ours and tfjs
 * interleaved) until the count or the time budget runs out, take the median. Each iteration encodes the work, submits it, waits
 * until the GPU has finished it (queue.onSubmittedWorkDone) and frees its temporaries, so a time is
 * one full step as a training loop would see it, host-side encoding included.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Engine } from '../kernels/engine';
import type { Tensor } from '../kernels/tensor';

export type Tfjs = typeof TF;
export type Pass = 'forward' | 'forward+backward';
export const PASSES: readonly Pass[] = ['forward', 'forward+backward'];

export interface TimingOptions {
  warmup: number;
  /** Most timed iterations. */
  iterations: number;
  /** Fewest timed iterations, whatever the budget. */
  minIterations: number;
  /** Stop timing once this much wall time has gone into timed iterations. */
  budgetMs: number;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  iterations: number;
}

export interface ImplResult extends Timing {
  /** GFLOP/s or GB/s at the median time. */
  rate: number;
}

export interface CaseResult {
  name: string;
  shape: string;
  pass: Pass;
  unit: 'GFLOP/s' | 'GB/s';
  /** FLOPs or bytes of one iteration. */
  work: number;
  ours: ImplResult | { error: string };
  tfjs: ImplResult | { error: string };
  /** max |ours - tfjs| / max |tfjs| over the compared outputs (outputs or gradients). */
  maxRelDiff?: number;
}

export interface EnvironmentResult {
  environment: string;
  adapter: string;
  tfjsAdapter: string;
  machine: string;
  date: string;
  results: CaseResult[];
  /** Set when TensorFlow.js could not run at all here. */
  tfjsError?: string;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One timed iteration: encode, submit, wait for the GPU, free the iteration's temporaries. */
export type Step = () => Promise<void>;

/**
 * Times several steps interleaved (a, b, a, b, ...) after `warmup` rounds, so that every step sees
 * the same background load on a shared machine. A step that throws is dropped from the rotation
 * and reported as an error; the others go on.
 */
export async function timeInterleaved(steps: Step[], opts: TimingOptions): Promise<(Timing | { error: string })[]> {
  const times: number[][] = steps.map(() => []);
  const errors: (string | null)[] = steps.map(() => null);
  const spent = steps.map(() => 0);
  const live = (k: number) => errors[k] === null;
  const wants = (k: number) =>
    live(k) && times[k].length < opts.iterations && (times[k].length < opts.minIterations || spent[k] < opts.budgetMs);
  const attempt = async (k: number): Promise<number | null> => {
    try {
      const t0 = performance.now();
      await steps[k]();
      return performance.now() - t0;
    } catch (err) {
      errors[k] = errorMessage(err);
      return null;
    }
  };
  for (let r = 0; r < opts.warmup; r++) {
    for (let k = 0; k < steps.length; k++) if (live(k)) await attempt(k);
  }
  while (steps.some((_, k) => wants(k))) {
    for (let k = 0; k < steps.length; k++) {
      if (!wants(k)) continue;
      const dt = await attempt(k);
      if (dt === null) continue;
      times[k].push(dt);
      spent[k] += dt;
    }
  }
  return steps.map((_, k) => {
    if (errors[k] !== null) return { error: errors[k] as string };
    return { medianMs: median(times[k]), minMs: Math.min(...times[k]), iterations: times[k].length };
  });
}

/** Our engine: encode, submit, wait; then transients go back to the pool (as after a training step). */
export function oursStep(e: Engine, run: () => Tensor[]): Step {
  return async () => {
    try {
      run();
      await e.sync();
    } finally {
      e.endStep();
    }
  };
}

/** What the harness needs from tfjs's WebGPU backend (public methods of WebGPUBackend, 4.22). */
interface WebGpuBackendLike {
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  device: GPUDevice;
}

function webgpuBackend(tf: Tfjs): WebGpuBackendLike {
  const b = tf.backend() as unknown as Partial<WebGpuBackendLike>;
  const methods = ['ensureCommandEncoderReady', 'endComputePassEncoder', 'submitQueue'] as const;
  if (tf.getBackend() !== 'webgpu' || !b.device || methods.some((m) => typeof b[m] !== 'function')) {
    throw new Error(`tfjs backend is '${tf.getBackend()}', not a WebGPU backend with ${methods.join(', ')} and device`);
  }
  return b as WebGpuBackendLike;
}

/**
 * Submits what tfjs has encoded but not yet submitted (it batches dispatches into one open compute
 * pass and submits every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE of them), the way its own read-back
 * path does: make sure an encoder exists, close the pass, submit.
 */
function flushTfjs(b: WebGpuBackendLike): void {
  b.ensureCommandEncoderReady();
  b.endComputePassEncoder();
  b.submitQueue();
}

/**
 * TensorFlow.js: run inside tidy, flush tfjs's deferred command encoder and wait on the same queue
 * signal as ours. A data() read-back would add a GPU->host copy of every output that our side does
 * not pay, so the read-back is used only for the correctness check.
 */
export function tfjsStep(tf: Tfjs, run: () => TF.Tensor[]): Step {
  const backend = webgpuBackend(tf);
  return async () => {
    const outs = tf.tidy(run);
    try {
      flushTfjs(backend);
      await backend.device.queue.onSubmittedWorkDone();
    } finally {
      tf.dispose(outs);
    }
  };
}

export async function readOurs(e: Engine, run: () => Tensor[]): Promise<Float32Array[]> {
  const outs = run();
  const arrays: Float32Array[] = [];
  for (const t of outs) arrays.push(await e.readF32(t));
  e.endStep();
  return arrays;
}

export async function readTfjs(tf: Tfjs, run: () => TF.Tensor[]): Promise<Float32Array[]> {
  const outs = tf.tidy(run);
  const arrays: Float32Array[] = [];
  for (const t of outs) arrays.push(Float32Array.from((await t.data()) as Float32Array));
  tf.dispose(outs);
  return arrays;
}

/** max |a - b| / max |b| over matching arrays; throws when the two sides disagree on shapes. */
export function maxRelDiff(ours: Float32Array[], theirs: Float32Array[], what: string): number {
  if (ours.length !== theirs.length) throw new Error(`${what}: ${ours.length} outputs from ours, ${theirs.length} from tfjs`);
  let diff = 0;
  let scale = 0;
  ours.forEach((a, k) => {
    const b = theirs[k];
    if (a.length !== b.length) throw new Error(`${what}: output ${k} has ${a.length} values in ours, ${b.length} in tfjs`);
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
      scale = Math.max(scale, Math.abs(b[i]));
    }
  });
  return diff / Math.max(scale, 1e-30);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One implementation of a case: closures that encode one iteration and return what to compare. */
export interface Impl<T> {
  forward: () => T[];
  /** Forward, then backward from a fixed output gradient; returns the input/parameter gradients. */
  forwardBackward: () => T[];
  dispose: () => void;
}

export interface BenchCase {
  name: string;
  shape: string;
  unit: 'GFLOP/s' | 'GB/s';
  /** FLOPs (GFLOP/s cases) or bytes (GB/s cases) of one iteration. */
  work: (pass: Pass) => number;
  ours: (e: Engine) => Impl<Tensor>;
  tfjs: (tf: Tfjs) => Impl<TF.Tensor>;
}

/** Our backward accumulates (+=) into gradients; a training step starts from zeroed ones. */
export function zeroGrads(e: Engine, params: Tensor[]): void {
  for (const p of params) if (p.grad) e.fill(p.grad, 0);
}

export function persistent(e: Engine, data: Float32Array | Uint32Array, shape: number[], name: string, requiresGrad = false): Tensor {
  const t = e.empty(shape, { persistent: true, requiresGrad, name, dtype: data instanceof Uint32Array ? 'u32' : 'f32' });
  e.write(t, data);
  return t;
}

export function disposeAll(e: Engine, ts: Tensor[]): void {
  for (const t of ts) e.dispose(t);
}
