/**
 * The noise-level inspectors' state: the chosen model, what to measure on (the fixed validation
 * molecules of a data set, or one drawn molecule with its data-set conformer) and the last
 * 'noiseLevelsResult' (app/sde/diagnose.ts rows, one per sigma), with the training step it was
 * measured at when it measured the tab's model. Two inspectors share this: the Train tab's
 * (`useNoise`) and the 2D→3D tab's (`useSampleNoise`); each keeps the id of its own command.
 */
import { create, type StoreApi, type UseBoundStore } from 'zustand';
import type { SigmaDiagnostics } from '../../sde/diagnose';
import type { ModelConfig } from '../../model/config';
import type { InspectModel, NoiseLevelsMolecule } from '../../worker/protocol';
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

export interface NoiseState {
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
  /** Id of the running 'noiseLevels' command: only its replies are this run's. */
  requestId: number | null;
  set(patch: Partial<Pick<NoiseState, 'model' | 'dataset' | 'count' | 'repeats' | 'follow'>>): void;
  /** Measures on the validation molecules, or on `molecule` when given. */
  run(client: WorkerClient, step: number | null, molecule?: NoiseLevelsMolecule): void;
  fail(message: string): void;
}

export type NoiseStore = UseBoundStore<StoreApi<NoiseState>>;

export function createNoiseStore(defaults: Partial<Pick<NoiseState, 'model' | 'dataset' | 'count' | 'repeats'>> = {}): NoiseStore {
  return create<NoiseState>((set, get) => ({
    model: 'default',
    dataset: 'qm9like',
    count: 8,
    repeats: 2,
    ...defaults,
    follow: false,
    status: 'idle',
    error: null,
    result: null,
    pendingStep: null,
    requestId: null,
    set: (patch) => set(patch),
    run: (client, step, molecule) => {
      const s = get();
      set({ status: 'running', error: null, pendingStep: s.model === 'trained' ? step : null });
      set({ requestId: client.send({ type: 'noiseLevels', model: s.model, dataset: s.dataset, count: s.count, repeats: s.repeats, seed: 0, ...(molecule ? { molecule } : {}) }) });
    },
    fail: (message) => set({ status: 'failed', error: message }),
  }));
}

/** The Train tab's inspector. */
export const useNoise = createNoiseStore();
/** The 2D→3D tab's inspector: the sampling checkpoint on the drawn molecule (or a few validation molecules). */
export const useSampleNoise = createNoiseStore({ count: 4, repeats: 2 });

function connectStore(client: WorkerClient, store: NoiseStore): () => void {
  const offs = [
    client.on('noiseLevelsResult', (e) => {
      const s = store.getState();
      if (s.status !== 'running' || e.replyTo !== s.requestId) return;
      store.setState({ status: 'done', result: { rows: e.rows, model: e.model, preset: e.preset, molecules: e.molecules, dataset: e.dataset, config: e.config, step: s.pendingStep } });
    }),
    client.on('notice', (e) => {
      if (store.getState().status === 'running' && e.code === 'device-lost') store.getState().fail('The GPU device was lost while measuring; run it again.');
    }),
    client.on('error', (e) => {
      const s = store.getState();
      if (s.status !== 'running') return;
      if (e.replyTo === s.requestId || (e.replyTo === null && !e.recoverable)) s.fail(e.message);
    }),
  ];
  return () => offs.forEach((off) => off());
}

export function connectNoise(client: WorkerClient): () => void {
  const offs = [connectStore(client, useNoise), connectStore(client, useSampleNoise)];
  return () => offs.forEach((off) => off());
}
