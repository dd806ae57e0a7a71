/**
 * The typed message protocol between the UI (main thread) and the engine worker. The UI never
 * touches the GPU: everything below crosses `postMessage`, with ArrayBuffers transferred.
 *
 * Routing is by id, never by message text: every command carries an `id` (WorkerClient.send
 * assigns it); every event carries `replyTo`, the id of the command it answers (a training run's
 * progress answers the command that started or resumed the run; null for events nobody asked for,
 * such as a device loss), and `source`, the part of the worker that sent it. Errors carry a `code`
 * from the closed ErrorCode set; informational messages are `notice` events, never errors.
 */
import type { SymmetryReport } from '../inspect/symmetry';
import type { RowError, TaskKind, TaskSummary } from '../finetune/table';
import type { EpochRecord, SplitMetrics } from '../finetune/train';
import type { Summary } from '../finetune/experiment';
import type { ProfileResult } from '../inspect/profile';
import type { SigmaDiagnostics } from '../sde/diagnose';
import type { ModelConfig } from '../model/config';
import type { LossTerms } from '../train/lossTerms';

export type { LossTerms };

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
  /**
   * The chirality fix of the final conformers (app/sde/chirality.ts, docs/method.md §2.8: mirror an
   * inverted conformer, invert single wrong centres, turn wrong E/Z double bonds). Absent = on: the
   * tab hands out fixed conformers unless it asks for raw ones.
   */
  chiralityFix?: boolean;
}

/** A fine-tuning run of the Fine-tune panel: a pretrained arm and a scratch arm over the same seeds. */
export interface FinetuneRequest {
  /** The CSV text (it never leaves the tab). */
  csv: string;
  smilesColumn: string;
  labelColumns: string[];
  /** Forced task; detected from the labels when absent. */
  task?: TaskKind;
  split: 'scaffold' | 'random';
  /** The pretrained arm's encoder: a shipped checkpoint or the model trained in this tab. */
  pretrained: 'default' | 'paper' | 'trained';
  seeds: number;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  dropout: number;
  patience: number;
}

export interface FinetuneArmReport {
  arm: 'pretrained' | 'scratch';
  label: string;
  test: Summary;
  valid: Summary;
  testMae?: Summary;
  testR2?: Summary;
  runs: { seed: number; bestEpoch: number; epochsRun: number; valid: SplitMetrics; test: SplitMetrics; seconds: number }[];
  /** Mean over seeds of the best-epoch test predictions, [test rows, tasks] (probabilities or label units). */
  testPredictions: Float64Array;
  perSeedPredictions: Float64Array[];
  /** Safetensors of the best-validation seed's fine-tuned model. */
  weights: ArrayBuffer;
}

export type CommandBody =
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
  /** The data sets' conformer of a drawn molecule (heavy-atom molblock), as the RMSD reference: answered by 'reference'. */
  | { type: 'findReference'; molblock: string }
  /** Symmetry check of the 2D->3D network on a molecule (SMILES or molblock); app/inspect/. */
  | { type: 'symmetryCheck'; molecule: string; seed: number; model: InspectModel }
  /** Fine-tuning (app/worker/finetuneHandlers.ts); pause / resume / cancel act between epochs. */
  | { type: 'finetuneStart'; request: FinetuneRequest }
  | { type: 'finetunePause' }
  | { type: 'finetuneResume' }
  | { type: 'finetuneCancel' }
  | { type: 'finetunePredict'; smiles: string[] }
  /**
   * Kernel profile of one training step (a throwaway run with `train`'s settings) and one sampling
   * step (`count` conformers of `molecule` with `model`); answered by 'profileResult'.
   */
  | { type: 'profile'; train: TrainConfig; molecule: string; model: InspectModel; count: number }
  /**
   * Loss and one-step denoised RMSD per noise level (app/sde/diagnose.ts) on the first `count`
   * validation molecules of `dataset`; answered by 'noiseLevelsResult'.
   */
  | { type: 'noiseLevels'; model: InspectModel; dataset: string; count: number; repeats: number; seed: number; molecule?: NoiseLevelsMolecule };

/**
 * One molecule to measure the noise levels on instead of the validation molecules: a heavy-atom
 * molblock and its reference conformer ([atoms x 3] Å in the molblock's atom order), e.g. the drawn
 * molecule with the data sets' conformer of it ('findReference').
 */
export interface NoiseLevelsMolecule {
  molblock: string;
  positions: Float32Array;
  /** Where the conformer came from (shown with the result). */
  origin: string;
}

/**
 * Which model an inspection runs on: the shipped checkpoint, the tab's trained one, or a freshly
 * initialised model of either preset.
 */
export type InspectModel = 'default' | 'trained' | 'paper-init' | 'generative-init';


export type EventBody =
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
  /**
   * A recorded frame: positions [count x atoms x 3] after `step` steps; `t` the time it stands at
   * (app/sde/sampler.ts frameTime) and `sigma` = sigma(t) in Å; `scoreNorms` [count x atoms] the
   * per-atom norms |s_theta(x_t, t)_i| (1/Å) at the frame's positions.
   */
  | { type: 'sampleFrames'; atoms: number; count: number; step: number; totalSteps: number; positions: Float32Array; t: number; sigma: number; scoreNorms: Float32Array | null }
  /** `sdf`: the conformers as the worker wrote them (bond orders kept; conformer, steps, seed, sampler as data items). */
  | { type: 'sampleDone'; positions: Float32Array; count: number; atoms: number; sdf: string }
  | { type: 'topologyFrames'; step: number; totalSteps: number; adjacency: Float32Array; atoms: number }
  | { type: 'topologyDone'; smiles: string | null; reason: string | null; adjacency: Float32Array; atomTypes: Uint8Array }
  | { type: 'checkpoint'; bytes: ArrayBuffer; step: number }
  | { type: 'done'; step: number }
  /** `positions` [atoms x 3] Å in the molblock's atom order, null when no shipped data set holds the molecule. */
  | { type: 'reference'; positions: Float32Array | null; origin: string | null }
  | { type: 'symmetryResult'; report: SymmetryReport; model: string; preset: string; smiles: string }
  | { type: 'finetuneData'; summary: { rows: number; kept: number; dropped: number; tasks: TaskSummary[] }; errors: RowError[]; errorCount: number; task: TaskKind; detectedTask: TaskKind; split: { train: number; valid: number; test: number }; pretrainedLabel: string }
  | { type: 'finetuneEpoch'; arm: 'pretrained' | 'scratch'; seedIndex: number; seed: number; record: EpochRecord }
  | { type: 'finetuneStatus'; status: 'running' | 'paused' | 'cancelled' }
  | { type: 'finetuneDone'; task: TaskKind; metric: 'roc_auc' | 'rmse'; labelColumns: string[]; testSmiles: string[]; testLines: number[]; testLabels: Float64Array; arms: FinetuneArmReport[] }
  | { type: 'finetunePredictions'; labelColumns: string[]; task: TaskKind; rows: { smiles: string; canonical?: string; error?: string; pretrained?: number[]; scratch?: number[] }[] }
  | { type: 'profileResult'; result: ProfileResult }
  | { type: 'noiseLevelsResult'; rows: SigmaDiagnostics[]; model: string; preset: string; molecules: string[]; dataset: string; config: ModelConfig }
  | { type: 'error'; code: ErrorCode; message: string; recoverable: boolean }
  | { type: 'notice'; code: NoticeCode; level: 'info' | 'warning'; message: string };

/** A command as sent: its body and the id its replies carry. */
export type Command = CommandBody & { id: number };

/** Distributes Omit over a union (TypeScript's Omit would merge the members). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The part of the worker an event comes from. */
export type EventSource = 'engine' | 'training' | 'sampling' | 'topology' | 'inspect' | 'finetune';

/** An event as posted: its body, the id of the command it answers, and its source. */
export type WorkerEvent = EventBody & { replyTo: number | null; source: EventSource };

/** What a handler posts: the worker adds `source` (from the event type, or the command answered). */
export type OutgoingEvent = OmitEach<WorkerEvent, 'source'>;

/**
 * Why a command failed. Closed: the UI switches on it and never reads the message to decide.
 * - webgpu-unavailable: no WebGPU here (final); gpu-failed: the GPU self-check or device creation failed
 * - not-ready: a GPU command before 'init' finished (or during device recovery)
 * - bad-request: the command's arguments were rejected (out of range, unknown name, unreadable molecule)
 * - bad-checkpoint: checkpoint bytes that cannot be read or do not fit the model
 * - no-model: 'trained' weights asked for with no run and no loaded checkpoint
 * - no-run: a training command that needs a run (resume, step, save) without one
 * - dataset: a data set that cannot be fetched or parsed
 * - diverged: training stopped on repeated non-finite steps
 * - failed: anything else the worker threw (the message says what)
 * - worker-failed, malformed-message: made up by the UI's client when the worker itself fails
 */
export type ErrorCode =
  | 'webgpu-unavailable'
  | 'gpu-failed'
  | 'not-ready'
  | 'bad-request'
  | 'bad-checkpoint'
  | 'no-model'
  | 'no-run'
  | 'dataset'
  | 'diverged'
  | 'failed'
  | 'worker-failed'
  | 'malformed-message';

/**
 * What a notice tells: device-lost (the worker is recreating the device; running GPU work is
 * gone; a fresh 'ready' follows), training-restored (the run was reloaded from the
 * in-memory recovery checkpoint and is paused).
 */
export type NoticeCode = 'device-lost' | 'training-restored';

/** The source of each command's replies (errors and notices included). */
export const COMMAND_SOURCE: Record<CommandBody['type'], EventSource> = {
  init: 'engine',
  loadDataset: 'training',
  startTraining: 'training',
  pause: 'training',
  resume: 'training',
  step: 'training',
  stop: 'training',
  saveCheckpoint: 'training',
  testLoseDevice: 'engine',
  loadCheckpoint: 'training',
  sample: 'sampling',
  findReference: 'sampling',
  generateTopology: 'topology',
  symmetryCheck: 'inspect',
  profile: 'inspect',
  noiseLevels: 'inspect',
  finetuneStart: 'finetune',
  finetunePause: 'finetune',
  finetuneResume: 'finetune',
  finetuneCancel: 'finetune',
  finetunePredict: 'finetune',
};

/** The source of every event type that only one part of the worker sends. */
export const EVENT_SOURCE: Record<Exclude<EventBody['type'], 'error' | 'notice'>, EventSource> = {
  ready: 'engine',
  datasetLoaded: 'training',
  progress: 'training',
  stepSkipped: 'training',
  paused: 'training',
  checkpoint: 'training',
  done: 'training',
  sampleFrames: 'sampling',
  sampleDone: 'sampling',
  reference: 'sampling',
  topologyFrames: 'topology',
  topologyDone: 'topology',
  symmetryResult: 'inspect',
  profileResult: 'inspect',
  noiseLevelsResult: 'inspect',
  finetuneData: 'finetune',
  finetuneEpoch: 'finetune',
  finetuneStatus: 'finetune',
  finetuneDone: 'finetune',
  finetunePredictions: 'finetune',
};

/** An error a handler throws on purpose, with its code (anything else thrown becomes 'failed'). */
export class WorkerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}
