/**
 * The pretraining loop shared by the engine worker and the Node CLI.
 *
 * One step = next batch indices (seeded epoch order) -> makeBatch -> uploadBatch -> model.losses
 * (randomness from (seed, step)) -> backward(total) -> gradient/loss health check -> Adam, all
 * encoded into one command buffer and submitted once. Nothing is read back until the end of a
 * logging window (every `logEvery` steps), when the loss terms of every step of the window and
 * their health flags come back together.
 *
 * Bad steps: a NaN/Inf loss term or gradient sets the step's flag on the GPU; in the same command
 * buffer Adam skips the step (weights, moments and its step count untouched, see
 * kernels/optim/adam.ts) and the in-place BatchNorm statistics update is undone (see ./health.ts),
 * so nothing is applied (the data order and the per-step random draws still move on). At the
 * window's readback the host reports each skipped step and halves the learning rate once per
 * skipped step. After `maxConsecutiveSkips` skipped steps in a row the window says so and the next
 * step() throws a TrainingDivergedError: training never carries on with garbage.
 *
 * Exact resume: a checkpoint holds the weights, Adam's moments and applied-update count, the
 * current learning rate, the step counter (which, with the seed, fixes every GPU random draw) and
 * the data order.
 */
import type { Engine } from '../../kernels/engine';
import { Adam } from '../../kernels/optim/adam';
import { makeBatch, type Batch } from '../data/batch';
import type { Dataset } from '../data/dataset';
import { uploadBatch } from '../model/batchGpu';
import { configFromCheckpoint, resolveConfig, type ModelConfig, type PresetName } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import type { NamedParameter } from '../model/params';
import {
  averagedWeights,
  CheckpointError,
  checkAgainstModel,
  decodeCheckpoint,
  encodeCheckpoint,
  restoreMatchingWeights,
  restoreWeights,
  snapshotWeights,
  type Checkpoint,
  type OptimizerSnapshot,
} from '../model/checkpoint';
import { DataOrder, epochPermutation } from './dataOrder';
import { WeightAverage } from '../model/ema';
import { StepHealth, describeFlags, LOSS_TERMS } from './health';
import type { LossTerms } from './lossTerms';

export interface TrainerOptions {
  preset: PresetName;
  /** Overrides of the preset's model config (nested, validated by resolveConfig). */
  overrides?: Record<string, unknown>;
  batchSize: number;
  /** Base learning rate; the preset's when absent. */
  lr?: number;
  seed: number;
  /** Read the losses back every this many steps. */
  logEvery: number;
  /** Recorded in checkpoints (e.g. 'qm9like'). */
  datasetName: string;
  /** Skipped steps in a row after which training stops (default 8: the lr has fallen 256x). */
  maxConsecutiveSkips?: number;
  /** Decay of the moving average of the weights (./ema.ts) saved for sampling; 0 (default) keeps none. */
  emaDecay?: number;
  /** Fold the weights into the average every this many steps (default 10). */
  emaEvery?: number;
}

export interface SkippedStep {
  /** 0-based index of the step that was not applied. */
  step: number;
  reason: string;
  /** The learning rate after the back-off. */
  lr: number;
}

export interface LogWindow {
  /** 0-based index of the window's first step; `losses[i]` belongs to step firstStep + i. */
  firstStep: number;
  losses: LossTerms[];
  skipped: SkippedStep[];
  /** The learning rate every step of the window ran with (back-offs apply from the next window). */
  lr: number;
  /** Mean over the window's applied steps (the last step's terms if every step was skipped). */
  mean: LossTerms;
  /** Measured over the window, GPU work included (the readback waits for it). */
  stepsPerSecond: number;
  moleculesPerSecond: number;
  /** Set when this window ended `maxConsecutiveSkips` skipped steps in a row: the next step() throws. */
  diverged: string | null;
}

export interface StepResult {
  /** Steps done so far (the step just run has index steps - 1). */
  steps: number;
  molecules: number;
  /** Present when this step closed a logging window. */
  window: LogWindow | null;
}

export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function checkOptions(o: TrainerOptions): void {
  const posInt = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`Trainer: ${what} must be a positive integer, got ${v}`);
  };
  posInt(o.batchSize, 'batchSize');
  posInt(o.logEvery, 'logEvery');
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new Error(`Trainer: seed must be an integer in [0, 2^32), got ${o.seed}`);
  if (o.lr !== undefined && !(o.lr > 0)) throw new Error(`Trainer: lr must be positive, got ${o.lr}`);
}

export class Trainer {
  readonly model: MoleculeSDE;
  readonly optimizer: Adam;
  readonly config: ModelConfig;
  /** Steps done (also the index of the next step, which seeds its random draws). */
  steps = 0;
  /** The current learning rate (halved once per skipped step). */
  lr: number;
  readonly baseLr: number;
  skippedSteps = 0;

  private readonly order: DataOrder;
  /** Molecule ids of the training split; the data order permutes positions in this list. */
  private readonly trainIds: Uint32Array;
  private readonly health: StepHealth;
  private readonly params: NamedParameter[];
  /** Moving average of the weights (null when options.emaDecay is 0). */
  readonly ema: WeightAverage | null;
  private consecutiveSkips = 0;
  private windowStart = 0;
  private windowMolecules = 0;
  private windowT0 = now();
  private totalMolecules = 0;
  private disposed = false;
  private diverged: string | null = null;

  private constructor(
    readonly engine: Engine,
    readonly dataset: Dataset,
    readonly options: Required<TrainerOptions>,
    config: ModelConfig,
    state?: Checkpoint,
  ) {
    this.config = config;
    this.model = new MoleculeSDE(engine, config, options.seed);
    this.params = this.model.parameters();
    this.baseLr = state?.trainer?.baseLr ?? options.lr;
    this.lr = state?.optimizer?.lr ?? this.baseLr;
    // The model's groups carry the §1.3 lr scales (the 3D->2D net uses the 3D scale).
    this.optimizer = new Adam(engine, this.model.optimizerGroups(), { lr: this.lr });
    this.trainIds = trainingIndices(dataset);
    this.order = new DataOrder(options.seed, this.trainIds.length, state?.trainer ?? undefined);
    this.health = new StepHealth(engine, options.logEvery);
    const emaState = state?.ema ?? undefined;
    this.ema = options.emaDecay > 0 ? new WeightAverage(options.emaDecay, options.emaEvery, emaState) : null;
    if (state) {
      restoreWeights(engine, this.model, state);
      if (state.optimizer) importOptimizer(this.optimizer, this.params, state.optimizer);
      this.steps = state.step;
      this.skippedSteps = state.trainer?.skippedSteps ?? 0;
    }
    this.windowStart = this.steps;
  }

  /** A fresh run. */
  static create(engine: Engine, dataset: Dataset, options: TrainerOptions): Trainer {
    checkOptions(options);
    const config = resolveConfig(options.preset, options.overrides ?? {});
    const full: Required<TrainerOptions> = { overrides: {}, maxConsecutiveSkips: 8, emaDecay: 0, emaEvery: 10, ...options, lr: options.lr ?? config.lr };
    return new Trainer(engine, dataset, full, config);
  }

  /**
   * Resumes a run from a full checkpoint (weights, optimiser and trainer state). The checkpoint's
   * seed, batch size and learning rates win over `options`; `logEvery` and the data set name may
   * change. Throws a CheckpointError naming the problem when it does not fit the data set.
   */
  static resume(engine: Engine, dataset: Dataset, bytes: ArrayBuffer | Uint8Array, options: Partial<TrainerOptions> & { newDataOrder?: boolean } = {}): Trainer {
    const c = decodeCheckpoint(bytes);
    if (!c.trainer || !c.optimizer) throw new CheckpointError('checkpoint: it holds weights only (no optimiser or trainer state), so training cannot resume from it');
    const molecules = trainingIndices(dataset).length;
    if (c.trainer.dataset.molecules !== molecules && options.newDataOrder) {
      // The saved order permutes another data set's training split, so it cannot continue here:
      // weights, Adam state, lr and step carry on; the data order starts this epoch afresh as the
      // seeded permutation of this data set (the run is then not bit-identical to an unbroken one).
      c.trainer = { ...c.trainer, dataset: { name: options.datasetName ?? c.trainer.dataset.name, molecules }, cursor: 0, order: epochPermutation(c.trainer.seed, c.trainer.epoch, molecules) };
    }
    if (c.trainer.dataset.molecules !== molecules) {
      throw new CheckpointError(
        `checkpoint: it was trained on '${c.trainer.dataset.name}' with ${c.trainer.dataset.molecules} training molecules; this data set has ${molecules}`,
      );
    }
    const config = configFromCheckpoint(c.preset as PresetName, c.config);
    const full: Required<TrainerOptions> = {
      preset: c.preset as PresetName,
      overrides: c.config,
      batchSize: c.trainer.batchSize,
      lr: c.trainer.baseLr,
      seed: c.trainer.seed,
      logEvery: options.logEvery ?? c.trainer.logEvery,
      datasetName: options.datasetName ?? c.trainer.dataset.name,
      maxConsecutiveSkips: options.maxConsecutiveSkips ?? 8,
      // A run keeps its moving average; one without gets it from `options` (e.g. a CLI default).
      emaDecay: c.ema?.decay ?? options.emaDecay ?? 0,
      emaEvery: c.ema?.every ?? options.emaEvery ?? 10,
    };
    checkOptions(full);
    return new Trainer(engine, dataset, full, config, c);
  }

  parameterCount(): number {
    return this.model.parameterCount();
  }

  /**
   * Runs one step on the next batch of the data order, or on `batch` when given (the data order
   * does not advance then; tests and debugging use it). Reads back when the step closes a window.
   */
  async step(batch?: Batch): Promise<StepResult> {
    if (this.disposed) throw new Error('Trainer: used after dispose()');
    if (this.diverged) throw new TrainingDivergedError(this.diverged);
    const e = this.engine;
    const index = this.steps;
    const slot = index - this.windowStart;
    const host = batch ?? makeBatch(this.dataset, Array.from(this.order.next(this.options.batchSize), (i) => this.trainIds[i]));
    // The forward pass updates BatchNorm running stats in place: back them up so a flagged step
    // can be undone on the GPU. Parameters need no backup: Adam skips a flagged step itself.
    // All buffers live in one arena: one copy, and one restore dispatch below.
    this.health.backup([this.model.bufferArena.values]);
    const gpu = uploadBatch(e, host);
    this.optimizer.zeroGrad();
    const losses = this.model.losses(gpu, { seed: this.options.seed, step: index });
    e.backward(losses.total);
    // Losses and every gradient in one dispatch: the gradients live in one arena, and those of
    // parameters that received none this step are zero there (Adam skips them, as PyTorch does for None).
    this.health.recordAndCheck(slot, losses, this.model.paramArena.grads!);
    // A flagged step is a true no-op for Adam: weights, moments and its step count stay as they were.
    this.optimizer.step({ skipIf: this.health.skipCondition(slot) });
    this.health.restoreIfFlagged(slot);
    // Bounded queue: without it the host runs ahead of a slow GPU and Dawn crashes (engine.ts).
    await e.endStepAsync();
    this.steps = index + 1;
    this.windowMolecules += host.numGraphs;
    this.totalMolecules += host.numGraphs;
    if (this.ema && this.steps % this.ema.every === 0) await this.ema.update(e, this.params);
    const window = this.steps % this.options.logEvery === 0 ? await this.flush() : null;
    return { steps: this.steps, molecules: host.numGraphs, window };
  }

  /** Reads back the steps since the last readback (none: null), reports skips, backs off the lr. */
  async flush(): Promise<LogWindow | null> {
    const count = this.steps - this.windowStart;
    if (count === 0) return null;
    const back = await this.health.read(count);
    const elapsed = Math.max(1e-6, (now() - this.windowT0) / 1000);
    const skipped: SkippedStep[] = [];
    const lrUsed = this.lr;
    const sum: LossTerms = { total: 0, contrastive: 0, denoise2Dto3D: 0, atoms3Dto2D: 0, bonds3Dto2D: 0 };
    let applied = 0;
    for (let i = 0; i < count; i++) {
      const flag = back.flags[i];
      if (flag === 0) {
        this.consecutiveSkips = 0;
        applied++;
        for (const k of LOSS_TERMS) sum[k] += back.losses[i][k];
        continue;
      }
      this.lr *= 0.5;
      this.skippedSteps++;
      this.consecutiveSkips++;
      skipped.push({ step: this.windowStart + i, reason: describeFlags(flag), lr: this.lr });
    }
    if (skipped.length > 0) this.optimizer.setLr(this.lr);
    const mean = applied > 0 ? (Object.fromEntries(LOSS_TERMS.map((k) => [k, sum[k] / applied])) as unknown as LossTerms) : back.losses[count - 1];
    if (this.consecutiveSkips >= this.options.maxConsecutiveSkips) {
      this.diverged =
        `Training diverged: the last ${this.consecutiveSkips} steps (up to step ${this.steps - 1}) all had NaN or infinite losses or gradients, ` +
        `and the learning rate is down to ${this.lr.toExponential(2)}. Load the last good checkpoint or lower the learning rate.`;
    }
    const window: LogWindow = {
      firstStep: this.windowStart,
      losses: back.losses,
      skipped,
      lr: lrUsed,
      mean,
      stepsPerSecond: count / elapsed,
      moleculesPerSecond: this.windowMolecules / elapsed,
      diverged: this.diverged,
    };
    this.windowStart = this.steps;
    this.windowMolecules = 0;
    this.windowT0 = now();
    return window;
  }

  /** A full checkpoint (weights, Adam state, trainer state). Reads back the pending window first. */
  async checkpoint(): Promise<{ bytes: Uint8Array; window: LogWindow | null }> {
    const window = await this.flush();
    const weights = await snapshotWeights(this.engine, this.model);
    const optimizer = await exportOptimizer(this.optimizer, this.params, this.lr);
    const order = this.order.state();
    const bytes = encodeCheckpoint({
      preset: this.config.preset,
      config: this.config as unknown as Record<string, unknown>,
      step: this.steps,
      weights,
      optimizer,
      trainer: {
        seed: this.options.seed,
        batchSize: this.options.batchSize,
        baseLr: this.baseLr,
        logEvery: this.options.logEvery,
        dataset: { name: this.options.datasetName, molecules: this.trainIds.length },
        epoch: order.epoch,
        cursor: order.cursor,
        order: order.order,
        skippedSteps: this.skippedSteps,
      },
      ema: this.ema?.state() ?? null,
    });
    return { bytes, window };
  }

  /**
   * Warm start before the first step: copies every tensor of another checkpoint whose name and
   * shape match (its moving average when it has one); the rest keeps its initialisation.
   */
  initFrom(bytes: ArrayBuffer | Uint8Array): { loaded: string[]; kept: string[] } {
    if (this.steps !== 0) throw new Error('Trainer.initFrom: only a fresh run can be warm-started');
    const c = decodeCheckpoint(bytes);
    for (const [name, w] of averagedWeights(c) ?? []) c.weights.set(name, { ...c.weights.get(name)!, data: w });
    return restoreMatchingWeights(this.engine, this.model, c);
  }

  /** Loads weights only (e.g. a shipped checkpoint) into this trainer's model; optimiser state is kept. */
  loadWeights(bytes: ArrayBuffer | Uint8Array): Checkpoint {
    const c = decodeCheckpoint(bytes);
    checkAgainstModel(c, this.model);
    restoreWeights(this.engine, this.model, c);
    return c;
  }

  /** Skipped (non-finite) steps in a row as of the last read-back; > 0 means the weights may be unhealthy. */
  get skipStreak(): number {
    return this.consecutiveSkips;
  }

  get epoch(): number {
    return this.order.epoch;
  }

  get moleculesSeen(): number {
    return this.totalMolecules;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.health.dispose();
    this.optimizer.dispose();
    for (const p of [...this.params, ...this.model.buffers()]) this.engine.dispose(p.tensor);
  }
}

/** Ids of the molecules in the data set's training split (split code 0), in file order. */
export function trainingIndices(dataset: Dataset): Uint32Array {
  const ids: number[] = [];
  for (let i = 0; i < dataset.count; i++) if (dataset.splitCodes[i] === 0) ids.push(i);
  if (ids.length === 0) throw new Error(`Trainer: the data set '${dataset.name}' has no molecules in its training split`);
  return Uint32Array.from(ids);
}

// ---------------------------------------------------------------- optimiser state by name

// Adam keys its state by tensor name; checkpoints by the model's PyTorch-style parameter name.
// The two usually agree, but the mapping goes through the tensor so they need not.

function rekey(map: Map<string, Float32Array>, params: NamedParameter[], from: 'tensor' | 'name'): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const p of params) {
    const [src, dst] = from === 'tensor' ? [p.tensor.name, p.name] : [p.name, p.tensor.name];
    const v = map.get(src);
    if (v) out.set(dst, v);
  }
  return out;
}

async function exportOptimizer(adam: Adam, params: NamedParameter[], lr: number): Promise<OptimizerSnapshot> {
  const s = await adam.exportState();
  return { type: 'Adam', step: s.step, lr, betas: s.betas, eps: s.eps, expAvg: rekey(s.expAvg, params, 'tensor'), expAvgSq: rekey(s.expAvgSq, params, 'tensor') };
}

function importOptimizer(adam: Adam, params: NamedParameter[], s: OptimizerSnapshot): void {
  adam.importState({ ...s, expAvg: rekey(s.expAvg, params, 'name'), expAvgSq: rekey(s.expAvgSq, params, 'name') });
}
