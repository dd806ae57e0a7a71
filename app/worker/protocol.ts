/**
 * The typed message protocol between the UI (main thread) and the engine worker. The UI never
 * touches the GPU: everything below crosses `postMessage`, with ArrayBuffers transferred.
 */
import type { SymmetryReport } from '../inspect/symmetry';
import type { ProfileResult } from '../inspect/profile';

export type PresetName = 'paper' | 'generative';
export type SamplerKind = 'pc' | 'ode';

export interface TrainConfig {
  preset: PresetName;
  /** Overrides of the preset's model config (widths, depths, SDE ranges, loss coefficients). */
  overrides?: Record<string, unknown>;
  dataset: string; // e.g. 'qm9like'
  batchSize: number;
  lr: number;
  seed: number;
  totalSteps: number;
  /** Read the losses back every this many steps. */
  logEvery: number;
}

export interface SampleRequest {
  /** The molecule as SMILES or a molblock. */
  molecule: string;
  count: number;
  steps: number;
  seed: number;
  sampler: SamplerKind;
  /** Corrector steps per predictor step (PC only). */
  correctorSteps: number;
  snr: number;
  /** Read back a frame every this many steps for the animation. */
  frameStride: number;
  /** 'trained' samples with the model being trained in this tab; 'default' with the shipped checkpoint. */
  weights: 'default' | 'trained';
}

export type Command =
  | { type: 'init' }
  | { type: 'loadDataset'; name: string }
  | { type: 'startTraining'; config: TrainConfig; resumeFrom?: ArrayBuffer }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'step' }
  | { type: 'stop' }
  | { type: 'saveCheckpoint' }
  /** Tests only (e2e/deviceLoss.spec.ts): lose the GPU device as a driver reset would. */
  | { type: 'testLoseDevice' }
  /**
   * A full checkpoint replaces the run, paused at its step (its data set is loaded if needed);
   * `totalSteps` sets where 'resume' stops (default: the current run's, at least the checkpoint's
   * step). A weights-only checkpoint loads into the current model, or becomes the sampling model.
   */
  | { type: 'loadCheckpoint'; bytes: ArrayBuffer; totalSteps?: number }
  | { type: 'sample'; request: SampleRequest }
  | { type: 'generateTopology'; molblock: string; steps: number; seed: number; frameStride: number }
  /** Symmetry check of the 2D->3D network on a molecule (SMILES or molblock); app/inspect/. */
  | { type: 'symmetryCheck'; molecule: string; seed: number; model: InspectModel }
  /**
   * Kernel profile of one training step (a throwaway run with `train`'s settings) and one sampling
   * step (`count` conformers of `molecule` with `model`); answered by 'profileResult'.
   */
  | { type: 'profile'; train: TrainConfig; molecule: string; model: InspectModel; count: number };

/**
 * Which model an inspection runs on: the shipped checkpoint, the tab's trained one, or a freshly
 * initialised model of either preset.
 */
export type InspectModel = 'default' | 'trained' | 'paper-init' | 'generative-init';

export type { LossTerms } from '../train/lossTerms';
import type { LossTerms } from '../train/lossTerms';

export type WorkerEvent =
  | { type: 'ready'; adapter: string; fallback: boolean }
  | { type: 'datasetLoaded'; name: string; molecules: number }
  /**
   * Once per logging window: `step` = steps done; `losses` = mean over the window's applied steps;
   * speeds measured over the window with the GPU work included.
   */
  | { type: 'progress'; step: number; totalSteps: number; losses: LossTerms; stepsPerSecond: number; moleculesPerSecond: number; parameterCount: number }
  /** A step with a NaN/Inf loss or gradient was not applied: `step` is its 0-based index, `lr` the backed-off rate. */
  | { type: 'stepSkipped'; step: number; reason: string; lr: number }
  | { type: 'paused'; step: number }
  | { type: 'sampleFrames'; atoms: number; count: number; step: number; totalSteps: number; positions: Float32Array }
  | { type: 'sampleDone'; positions: Float32Array; count: number; atoms: number; molblock: string }
  | { type: 'topologyFrames'; step: number; totalSteps: number; adjacency: Float32Array; atoms: number }
  | { type: 'topologyDone'; smiles: string | null; reason: string | null; adjacency: Float32Array; atomTypes: Uint8Array }
  | { type: 'checkpoint'; bytes: ArrayBuffer; step: number }
  | { type: 'done'; step: number }
  | { type: 'symmetryResult'; report: SymmetryReport; model: string; preset: string; smiles: string }
  | { type: 'profileResult'; result: ProfileResult }
  | { type: 'error'; message: string; recoverable: boolean };
