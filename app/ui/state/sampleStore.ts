/**
 * 2D -> 3D sampling: the settings (kept in the URL), the molecule snapshot a run was started on,
 * the trajectory frames streamed by the worker ('sampleFrames') and the final conformers
 * ('sampleDone'). Frames are kept as typed arrays; the 3D view reads them by subscription and never
 * through React state per animation frame.
 */
import { create } from 'zustand';
import type { SampleRequest, SamplerKind } from '../../worker/protocol';
import type { WorkerClient } from '../workerClient';

export interface SampleSettings {
  count: number;
  steps: number;
  sampler: SamplerKind;
  seed: number;
  correctorSteps: number;
  snr: number;
  /** Frames read back for the animation (about this many over the run). */
  frames: number;
  weights: 'default' | 'trained';
}

export const DEFAULT_SAMPLE_SETTINGS: SampleSettings = {
  count: 4,
  steps: 200,
  sampler: 'pc',
  seed: 1,
  correctorSteps: 1,
  snr: 0.2,
  frames: 40,
  weights: 'default',
};

export const SAMPLE_LIMITS = {
  count: [1, 32],
  steps: [2, 2000],
  correctorSteps: [0, 5],
  snr: [0, 2],
  frames: [2, 200],
  seed: [0, 0xffffffff],
} as const;

/** The molecule a run was started on, in the atom order sent to the worker. */
export interface SampledMolecule {
  molblock: string;
  smiles: string;
  name: string | null;
  elements: string[];
  bonds: { a: number; b: number; order: number }[];
}

export interface Frame {
  step: number;
  /** [count x atoms x 3], sample-major. */
  positions: Float32Array;
  /** The frame's time and sigma(t) (Å); absent for a final frame the worker did not stream. */
  t?: number;
  sigma?: number;
  /** [count x atoms]: |s_theta(x_t, t)_i| per atom (1/Å), when the worker recorded it. */
  scoreNorms?: Float32Array | null;
}

export type RunStatus = 'idle' | 'running' | 'done' | 'failed';

interface SampleState {
  settings: SampleSettings;
  status: RunStatus;
  error: string | null;
  molecule: SampledMolecule | null;
  step: number;
  totalSteps: number;
  frames: Frame[];
  final: Float32Array | null;
  /** The SDF the worker wrote for the conformers (the download adds the metrics to it). */
  resultSdf: string | null;
  /** Id of the running 'sample' command: only its replies are this run's. */
  requestId: number | null;
  count: number;
  atoms: number;
  startedAt: number;
  finishedAt: number;
  /** Which of the K samples the viewer shows. */
  selected: number;
  set(patch: Partial<SampleSettings>): void;
  select(i: number): void;
  start(client: WorkerClient, molecule: SampledMolecule): void;
  fail(message: string): void;
}

const clampInt = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, Math.round(Number.isFinite(v) ? v : lo)));

export function sanitizeSampleSettings(s: Partial<SampleSettings>): SampleSettings {
  const d = DEFAULT_SAMPLE_SETTINGS;
  return {
    count: clampInt(s.count ?? d.count, SAMPLE_LIMITS.count),
    steps: clampInt(s.steps ?? d.steps, SAMPLE_LIMITS.steps),
    sampler: s.sampler === 'ode' ? 'ode' : 'pc',
    seed: clampInt(s.seed ?? d.seed, SAMPLE_LIMITS.seed),
    correctorSteps: clampInt(s.correctorSteps ?? d.correctorSteps, SAMPLE_LIMITS.correctorSteps),
    snr: Math.min(SAMPLE_LIMITS.snr[1], Math.max(SAMPLE_LIMITS.snr[0], Number.isFinite(s.snr) ? s.snr! : d.snr)),
    frames: clampInt(s.frames ?? d.frames, SAMPLE_LIMITS.frames),
    weights: s.weights === 'trained' ? 'trained' : 'default',
  };
}

export const useSample = create<SampleState>((set, get) => ({
  settings: DEFAULT_SAMPLE_SETTINGS,
  status: 'idle',
  error: null,
  molecule: null,
  step: 0,
  totalSteps: 0,
  frames: [],
  final: null,
  resultSdf: null,
  requestId: null,
  count: 0,
  atoms: 0,
  startedAt: 0,
  finishedAt: 0,
  selected: 0,
  set: (patch) => set({ settings: sanitizeSampleSettings({ ...get().settings, ...patch }) }),
  select: (selected) => set({ selected }),
  start: (client, molecule) => {
    const s = get().settings;
    const request: SampleRequest = {
      molecule: molecule.molblock,
      count: s.count,
      steps: s.steps,
      seed: s.seed,
      sampler: s.sampler,
      correctorSteps: s.correctorSteps,
      snr: s.snr,
      frameStride: Math.max(1, Math.round(s.steps / s.frames)),
      weights: s.weights,
    };
    set({
      status: 'running', error: null, molecule, step: 0, totalSteps: s.steps, frames: [], final: null, resultSdf: null,
      count: s.count, atoms: molecule.elements.length, startedAt: performance.now(), finishedAt: 0, selected: 0, requestId: null,
    });
    set({ requestId: client.send({ type: 'sample', request }) });
  },
  fail: (message) => set({ status: 'failed', error: message, finishedAt: performance.now() }),
}));

/** Routes the worker's sampling events into the store. */
export function connectSampling(client: WorkerClient): () => void {
  const st = useSample;
  const check = (what: string, count: number, atoms: number, positions: Float32Array): string | null => {
    const s = st.getState();
    if (atoms !== s.atoms) return `${what}: the worker sampled ${atoms} atoms but the molecule has ${s.atoms}`;
    if (positions.length !== count * atoms * 3) return `${what}: ${positions.length} coordinates for ${count} x ${atoms} atoms`;
    return null;
  };
  const offs = [
    client.on('sampleFrames', (e) => {
      const s = st.getState();
      if (s.status !== 'running' || e.replyTo !== s.requestId) return;
      const problem = check('sampleFrames', e.count, e.atoms, e.positions);
      if (problem) return s.fail(problem);
      if (e.scoreNorms && e.scoreNorms.length !== e.count * e.atoms) return s.fail(`sampleFrames: ${e.scoreNorms.length} score norms for ${e.count} x ${e.atoms} atoms`);
      const frame: Frame = { step: e.step, positions: e.positions, t: e.t, sigma: e.sigma, scoreNorms: e.scoreNorms };
      st.setState({ frames: [...s.frames, frame], step: e.step, totalSteps: e.totalSteps, count: e.count });
    }),
    client.on('sampleDone', (e) => {
      const s = st.getState();
      if (s.status !== 'running' || e.replyTo !== s.requestId) return;
      const problem = check('sampleDone', e.count, e.atoms, e.positions);
      if (problem) return s.fail(problem);
      const frames = s.frames.length && s.frames[s.frames.length - 1].step === s.totalSteps ? s.frames : [...s.frames, { step: s.totalSteps, positions: e.positions }];
      st.setState({ status: 'done', final: e.positions, resultSdf: e.sdf, count: e.count, frames, step: s.totalSteps, finishedAt: performance.now() });
    }),
    client.on('notice', (e) => {
      const s = st.getState();
      if (s.status === 'running' && e.code === 'device-lost') s.fail('The GPU device was lost during sampling; press Sample to run it again.');
    }),
    client.on('error', (e) => {
      const s = st.getState();
      if (s.status !== 'running') return;
      // Ours, or the worker itself failed (no reply will come).
      if (e.replyTo === s.requestId || (e.replyTo === null && !e.recoverable)) s.fail(e.message);
    }),
  ];
  return () => offs.forEach((off) => off());
}
