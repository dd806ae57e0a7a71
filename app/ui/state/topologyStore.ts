/**
 * 3D -> 2D: the input geometry (from a file or a sampled conformer), the adjacency frames the
 * worker streams ('topologyFrames') and the recovered molecule ('topologyDone').
 */
import { create } from 'zustand';
import type { WorkerClient } from '../workerClient';

export interface TopologyInput {
  /** Heavy-atom V2000 molblock with 3D coordinates, sent to the worker. */
  molblock: string;
  elements: string[];
  /** [atoms x 3] Å. */
  positions: Float32Array;
  /** Bonds of the input graph when known; for a bare XYZ file, perceived from distances. */
  bonds: { a: number; b: number; order: number }[];
  bondsPerceived: boolean;
  /** Canonical SMILES of the input when its graph is known. */
  smiles: string | null;
  source: string;
}

export interface TopologySettings {
  steps: number;
  seed: number;
  frames: number;
}

export const DEFAULT_TOPOLOGY_SETTINGS: TopologySettings = { steps: 200, seed: 1, frames: 40 };

export interface AdjacencyFrame {
  step: number;
  /** [atoms x atoms], row-major. */
  adjacency: Float32Array;
}

export interface TopologyResult {
  smiles: string | null;
  reason: string | null;
  adjacency: Float32Array;
  atomTypes: Uint8Array;
}

interface TopologyState {
  settings: TopologySettings;
  input: TopologyInput | null;
  inputError: string | null;
  status: 'idle' | 'running' | 'done' | 'failed';
  error: string | null;
  step: number;
  totalSteps: number;
  frames: AdjacencyFrame[];
  result: TopologyResult | null;
  startedAt: number;
  finishedAt: number;
  /** Id of the running 'generateTopology' command: only its replies are this run's. */
  requestId: number | null;
  set(patch: Partial<TopologySettings>): void;
  setInput(input: TopologyInput | null, error?: string | null): void;
  start(client: WorkerClient): void;
}

const clampInt = (v: number | undefined, lo: number, hi: number, d: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v!))) : d);

export function sanitizeTopologySettings(s: Partial<TopologySettings>): TopologySettings {
  const d = DEFAULT_TOPOLOGY_SETTINGS;
  return { steps: clampInt(s.steps, 2, 2000, d.steps), seed: clampInt(s.seed, 0, 0xffffffff, d.seed), frames: clampInt(s.frames, 2, 200, d.frames) };
}

export const useTopology = create<TopologyState>((set, get) => ({
  settings: DEFAULT_TOPOLOGY_SETTINGS,
  input: null,
  inputError: null,
  status: 'idle',
  error: null,
  step: 0,
  totalSteps: 0,
  frames: [],
  result: null,
  startedAt: 0,
  finishedAt: 0,
  requestId: null,
  set: (patch) => set({ settings: sanitizeTopologySettings({ ...get().settings, ...patch }) }),
  setInput: (input, error = null) => set({ input, inputError: error, status: 'idle', frames: [], result: null, error: null, step: 0 }),
  start: (client) => {
    const { input, settings } = get();
    if (!input) return;
    set({ status: 'running', error: null, step: 0, totalSteps: settings.steps, frames: [], result: null, startedAt: performance.now(), finishedAt: 0, requestId: null });
    const requestId = client.send({
      type: 'generateTopology',
      molblock: input.molblock,
      steps: settings.steps,
      seed: settings.seed,
      frameStride: Math.max(1, Math.round(settings.steps / settings.frames)),
    });
    set({ requestId });
  },
}));

export function connectTopology(client: WorkerClient): () => void {
  const st = useTopology;
  const fail = (message: string) => st.setState({ status: 'failed', error: message, finishedAt: performance.now() });
  const checkSize = (what: string, atoms: number, adjacency: Float32Array): string | null => {
    const n = st.getState().input?.elements.length ?? 0;
    if (atoms !== n) return `${what}: the worker returned ${atoms} atoms; the input has ${n}`;
    if (adjacency.length !== atoms * atoms) return `${what}: adjacency has ${adjacency.length} entries for ${atoms} atoms`;
    return null;
  };
  const offs = [
    client.on('topologyFrames', (e) => {
      const s = st.getState();
      if (s.status !== 'running' || e.replyTo !== s.requestId) return;
      const problem = checkSize('topologyFrames', e.atoms, e.adjacency);
      if (problem) return fail(problem);
      st.setState({ frames: [...s.frames, { step: e.step, adjacency: e.adjacency }], step: e.step, totalSteps: e.totalSteps });
    }),
    client.on('topologyDone', (e) => {
      const s = st.getState();
      if (s.status !== 'running' || e.replyTo !== s.requestId) return;
      const n = s.input?.elements.length ?? 0;
      if (e.adjacency.length !== n * n || e.atomTypes.length !== n) return fail(`topologyDone: ${e.atomTypes.length} atom types and ${e.adjacency.length} adjacency entries for ${n} atoms`);
      const frames = [...s.frames, { step: s.totalSteps, adjacency: e.adjacency }];
      st.setState({ status: 'done', result: { smiles: e.smiles, reason: e.reason, adjacency: e.adjacency, atomTypes: e.atomTypes }, frames, step: s.totalSteps, finishedAt: performance.now() });
    }),
    client.on('notice', (e) => {
      if (st.getState().status === 'running' && e.code === 'device-lost') fail('The GPU device was lost; press Generate topology to run it again.');
    }),
    client.on('error', (e) => {
      const s = st.getState();
      if (s.status !== 'running') return;
      if (e.replyTo === s.requestId || (e.replyTo === null && !e.recoverable)) fail(e.message);
    }),
  ];
  return () => offs.forEach((off) => off());
}
