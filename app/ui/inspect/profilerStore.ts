/**
 * The kernel profiler's state: whether the panel is shown, the run status and the last
 * 'profileResult' from the worker (app/inspect/profile.ts).
 */
import { create } from 'zustand';
import type { ProfileResult } from '../../inspect/profile';
import type { InspectModel, TrainConfig } from '../../worker/protocol';
import type { WorkerClient } from '../workerClient';

interface ProfilerState {
  open: boolean;
  model: InspectModel;
  count: number;
  status: 'idle' | 'running' | 'done' | 'failed';
  error: string | null;
  result: ProfileResult | null;
  setOpen(open: boolean): void;
  setModel(model: InspectModel): void;
  setCount(count: number): void;
  run(client: WorkerClient, train: TrainConfig, molecule: string): void;
}

export const useProfiler = create<ProfilerState>((set, get) => ({
  open: false,
  model: 'default',
  count: 4,
  status: 'idle',
  error: null,
  result: null,
  setOpen: (open) => set({ open }),
  setModel: (model) => set({ model }),
  setCount: (count) => set({ count: Math.max(1, Math.min(32, Math.round(Number.isFinite(count) ? count : 1))) }),
  run: (client, train, molecule) => {
    set({ status: 'running', error: null });
    requestId = client.send({ type: 'profile', train, molecule, model: get().model, count: get().count });
  },
}));

/** Id of the running 'profile' command: only its replies are this run's. */
let requestId: number | null = null;

export function connectProfiler(client: WorkerClient): () => void {
  const offs = [
    client.on('profileResult', (e) => {
      if (useProfiler.getState().status !== 'running' || e.replyTo !== requestId) return;
      useProfiler.setState({ status: 'done', result: e.result });
    }),
    client.on('notice', (e) => {
      if (useProfiler.getState().status === 'running' && e.code === 'device-lost') useProfiler.setState({ status: 'failed', error: 'The GPU device was lost while profiling; run it again.' });
    }),
    client.on('error', (e) => {
      if (useProfiler.getState().status !== 'running') return;
      if (e.replyTo === requestId || (e.replyTo === null && !e.recoverable)) useProfiler.setState({ status: 'failed', error: e.message });
    }),
  ];
  return () => offs.forEach((off) => off());
}
