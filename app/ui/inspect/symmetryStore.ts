/**
 * The symmetry panel's state: the chosen model and seed, the run status, and the last report the
 * worker sent ('symmetryResult'). "Run again" draws the next seed, so each run is reproducible.
 */
import { create } from 'zustand';
import type { InspectModel } from '../../worker/protocol';
import type { SymmetryReport } from '../../inspect/symmetry';
import type { WorkerClient } from '../workerClient';

export interface SymmetryResult {
  report: SymmetryReport;
  model: string;
  preset: string;
  smiles: string;
}

interface SymmetryState {
  model: InspectModel;
  seed: number;
  status: 'idle' | 'running' | 'done' | 'failed';
  error: string | null;
  result: SymmetryResult | null;
  setModel(model: InspectModel): void;
  setSeed(seed: number): void;
  run(client: WorkerClient, molecule: string, seed?: number): void;
}

/** Id of the running 'symmetryCheck' command: only its replies are this check's. */
let requestId: number | null = null;

export const useSymmetry = create<SymmetryState>((set, get) => ({
  model: 'default',
  seed: 1,
  status: 'idle',
  error: null,
  result: null,
  setModel: (model) => set({ model }),
  setSeed: (seed) => set({ seed: Math.max(0, Math.min(0xffffffff, Math.round(Number.isFinite(seed) ? seed : 0))) }),
  run: (client, molecule, seed = get().seed) => {
    set({ status: 'running', error: null, seed });
    requestId = client.send({ type: 'symmetryCheck', molecule, seed, model: get().model });
  },
}));

/** Routes 'symmetryResult' and the errors that answer a symmetry check into the store. */
export function connectSymmetry(client: WorkerClient): () => void {
  const offs = [
    client.on('symmetryResult', (e) => {
      if (useSymmetry.getState().status !== 'running' || e.replyTo !== requestId) return;
      useSymmetry.setState({ status: 'done', result: { report: e.report, model: e.model, preset: e.preset, smiles: e.smiles } });
    }),
    client.on('notice', (e) => {
      if (useSymmetry.getState().status === 'running' && e.code === 'device-lost') useSymmetry.setState({ status: 'failed', error: 'The GPU device was lost during the check; run it again.' });
    }),
    client.on('error', (e) => {
      if (useSymmetry.getState().status !== 'running') return;
      if (e.replyTo === requestId || (e.replyTo === null && !e.recoverable)) useSymmetry.setState({ status: 'failed', error: e.message });
    }),
  ];
  return () => offs.forEach((off) => off());
}
