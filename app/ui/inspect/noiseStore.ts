/**
 * The noise-level inspector's state: the chosen model, the fixed validation molecules (data set,
 * count) and the last 'noiseLevelsResult' (app/sde/diagnose.ts rows, one per sigma), with the
 * training step it was measured at when it measured the tab's model.
 */
import { create } from 'zustand';
import type { SigmaDiagnostics } from '../../sde/diagnose';
import type { ModelConfig } from '../../model/config';
import type { InspectModel } from '../../worker/protocol';
import type { WorkerClient } from '../workerClient';

export interface NoiseLevelsResult {
  rows: SigmaDiagnostics[];
  model: string;
  preset: string;
  molecules: string[];
  dataset: string;
  /** The measured model's config (its noise schedule is plotted). */
  config: ModelConfig;
  /** Training step of the tab's run when it was measured (null for other models). */
  step: number | null;
}

interface NoiseState {
  model: InspectModel;
  dataset: string;
  count: number;
  repeats: number;
  /** Measure again after each logging window while the tab's model trains. */
  follow: boolean;
  status: 'idle' | 'running' | 'done' | 'failed';
  error: string | null;
  result: NoiseLevelsResult | null;
  pendingStep: number | null;
  set(patch: Partial<Pick<NoiseState, 'model' | 'dataset' | 'count' | 'repeats' | 'follow'>>): void;
  run(client: WorkerClient, step: number | null): void;
}

export const useNoise = create<NoiseState>((set, get) => ({
  model: 'default',
  dataset: 'qm9like',
  count: 8,
  repeats: 2,
  follow: false,
  status: 'idle',
  error: null,
  result: null,
  pendingStep: null,
  set: (patch) => set(patch),
  run: (client, step) => {
    const s = get();
    set({ status: 'running', error: null, pendingStep: s.model === 'trained' ? step : null });
    requestId = client.send({ type: 'noiseLevels', model: s.model, dataset: s.dataset, count: s.count, repeats: s.repeats, seed: 0 });
  },
}));

/** Id of the running 'noiseLevels' command: only its replies are this run's. */
let requestId: number | null = null;

export function connectNoise(client: WorkerClient): () => void {
  const offs = [
    client.on('noiseLevelsResult', (e) => {
      const s = useNoise.getState();
      if (s.status !== 'running' || e.replyTo !== requestId) return;
      useNoise.setState({ status: 'done', result: { rows: e.rows, model: e.model, preset: e.preset, molecules: e.molecules, dataset: e.dataset, config: e.config, step: s.pendingStep } });
    }),
    client.on('notice', (e) => {
      if (useNoise.getState().status === 'running' && e.code === 'device-lost') useNoise.setState({ status: 'failed', error: 'The GPU device was lost while measuring; run it again.' });
    }),
    client.on('error', (e) => {
      if (useNoise.getState().status !== 'running') return;
      if (e.replyTo === requestId || (e.replyTo === null && !e.recoverable)) useNoise.setState({ status: 'failed', error: e.message });
    }),
  ];
  return () => offs.forEach((off) => off());
}
