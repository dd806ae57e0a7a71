/**
 * Checkpoints: safetensors files with PyTorch-style names.
 *
 *   <param or buffer name>                      F32  model weights ('gin.layers.0.mlp.0.weight', BatchNorm running stats)
 *   optimizer.state.<param name>.exp_avg        F32  Adam first moment (PyTorch's state key)
 *   optimizer.state.<param name>.exp_avg_sq     F32  Adam second moment
 *   trainer.data.order                          U32  the current epoch's permutation of the data set
 *   ema.<param name>                            F32  moving average of the parameter (uncorrected, see ./ema.ts)
 *
 *   __metadata__: format, format_version, preset, config (JSON of the ModelConfig), step,
 *                 optimizer (JSON: type, step, lr, betas, eps), trainer (JSON: seed, batch size,
 *                 learning rates, data set, epoch, cursor, skipped steps),
 *                 ema (JSON: decay, every, updates; present with the ema.* tensors)
 *
 * A weights-only checkpoint (the shipped default) has no optimizer.* / trainer.* entries. Together
 * with (seed, step), which fix every GPU random draw, a full checkpoint resumes a run exactly.
 */
import type { Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { CheckpointError, readSafetensors, writeSafetensors, type StTensor } from './safetensors';
import { WeightAverage, type EmaState } from './ema';

export { CheckpointError } from './safetensors';

export const CHECKPOINT_FORMAT = 'moleculesde-lab.checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

export const OPTIMIZER_PREFIX = 'optimizer.state.';
export const DATA_ORDER_NAME = 'trainer.data.order';
export const EMA_PREFIX = 'ema.';

/** What a checkpoint needs of a model: its named parameters and buffers (see app/model/CONTRACT.md). */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}
export interface CheckpointableModel {
  parameters(): NamedTensor[];
  buffers(): NamedTensor[];
}

/**
 * Adam's state as a checkpoint stores it. Same fields as kernels/optim/adam.ts's AdamState, but the
 * moment maps are keyed by the model's parameter name, not the tensor name Adam uses; the Trainer
 * (app/train/loops.ts, rekey) converts between the two, so the types stay separate on purpose.
 */
export interface OptimizerSnapshot {
  type: 'Adam';
  /** Number of updates applied (bias correction uses it). */
  step: number;
  /** The current learning rate (after any NaN back-off), before per-group scales. */
  lr: number;
  betas: [number, number];
  eps: number;
  expAvg: Map<string, Float32Array>;
  expAvgSq: Map<string, Float32Array>;
}

export interface TrainerSnapshot {
  seed: number;
  batchSize: number;
  /** The learning rate the run started with. */
  baseLr: number;
  logEvery: number;
  /** The data set and the number of its training-split molecules (the length of the data order). */
  dataset: { name: string; molecules: number };
  /** Epoch index and position within `order` of the next molecule to batch. */
  epoch: number;
  cursor: number;
  order: Uint32Array;
  skippedSteps: number;
}

export interface Checkpoint {
  preset: string;
  /** The resolved ModelConfig (plain JSON). */
  config: Record<string, unknown>;
  step: number;
  /** Model parameters and buffers by name. */
  weights: Map<string, StTensor>;
  optimizer: OptimizerSnapshot | null;
  trainer: TrainerSnapshot | null;
  /** Moving average of the parameters (absent in checkpoints written without one). */
  ema?: EmaState | null;
}

// ---------------------------------------------------------------- encode / decode

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const tensors: [string, StTensor][] = [];
  for (const [name, t] of c.weights) {
    if (name.startsWith('optimizer.') || name.startsWith('trainer.') || name.startsWith(EMA_PREFIX)) {
      throw new CheckpointError(`checkpoint: weight name '${name}' uses a reserved prefix`);
    }
    tensors.push([name, t]);
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    format_version: String(CHECKPOINT_FORMAT_VERSION),
    preset: c.preset,
    config: JSON.stringify(c.config),
    step: String(c.step),
  };
  if (c.optimizer) {
    const o = c.optimizer;
    metadata.optimizer = JSON.stringify({ type: o.type, step: o.step, lr: o.lr, betas: o.betas, eps: o.eps });
    for (const [name, w] of c.weights) {
      const m = o.expAvg.get(name);
      const v = o.expAvgSq.get(name);
      // Buffers have no optimiser state; parameters must have both moments.
      if (!m && !v) continue;
      if (!m || !v) throw new CheckpointError(`checkpoint: optimiser state of '${name}' lacks ${m ? 'exp_avg_sq' : 'exp_avg'}`);
      tensors.push([`${OPTIMIZER_PREFIX}${name}.exp_avg`, { dtype: 'F32', shape: w.shape, data: m }]);
      tensors.push([`${OPTIMIZER_PREFIX}${name}.exp_avg_sq`, { dtype: 'F32', shape: w.shape, data: v }]);
    }
    for (const name of [...o.expAvg.keys(), ...o.expAvgSq.keys()]) {
      if (!c.weights.has(name)) throw new CheckpointError(`checkpoint: optimiser state for '${name}', which is not a weight`);
    }
  }
  if (c.ema) {
    const { weights, ...rest } = c.ema;
    metadata.ema = JSON.stringify(rest);
    for (const [name, avg] of weights) {
      const w = c.weights.get(name);
      if (!w) throw new CheckpointError(`checkpoint: moving average for '${name}', which is not a weight`);
      tensors.push([`${EMA_PREFIX}${name}`, { dtype: 'F32', shape: w.shape, data: avg }]);
    }
  }
  if (c.trainer) {
    const { order, ...rest } = c.trainer;
    metadata.trainer = JSON.stringify(rest);
    tensors.push([DATA_ORDER_NAME, { dtype: 'U32', shape: [order.length], data: order }]);
  }
  return writeSafetensors(tensors, metadata);
}

function parseJsonObject(what: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined) throw new CheckpointError(`checkpoint: metadata '${what}' is missing`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`checkpoint: metadata '${what}' is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CheckpointError(`checkpoint: metadata '${what}' is not a JSON object`);
  return v as Record<string, unknown>;
}

function needCount(where: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new CheckpointError(`checkpoint: ${where} '${key}' is ${JSON.stringify(v)}, expected a non-negative integer`);
  }
  return v;
}

function needNumber(where: string, key: string, v: unknown, positive = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) {
    throw new CheckpointError(`checkpoint: ${where} '${key}' is ${JSON.stringify(v)}, expected a finite${positive ? ' positive' : ''} number`);
  }
  return v;
}

/** Parses a checkpoint and validates its structure (not yet against a model: see `checkAgainstModel`). */
export function decodeCheckpoint(bytes: ArrayBuffer | Uint8Array): Checkpoint {
  const file = readSafetensors(bytes, 'checkpoint');
  const meta = file.metadata;
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`checkpoint: metadata 'format' is ${JSON.stringify(meta.format)}, expected '${CHECKPOINT_FORMAT}' (not a MoleculeSDE lab checkpoint)`);
  }
  const version = Number(meta.format_version);
  if (!Number.isInteger(version) || version < 1) throw new CheckpointError(`checkpoint: format_version ${JSON.stringify(meta.format_version)} is not a version number`);
  if (version > CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(`checkpoint: format_version ${version} is newer than this app reads (${CHECKPOINT_FORMAT_VERSION})`);
  }
  if (meta.preset !== 'paper' && meta.preset !== 'generative') {
    throw new CheckpointError(`checkpoint: preset ${JSON.stringify(meta.preset)} is not 'paper' or 'generative'`);
  }
  const config = parseJsonObject('config', meta.config);
  const step = needCount('metadata', 'step', meta.step === undefined || meta.step === '' ? undefined : Number(meta.step));

  const weights = new Map<string, StTensor>();
  const moments = new Map<string, StTensor>();
  const averages = new Map<string, StTensor>();
  let order: StTensor | undefined;
  for (const [name, t] of file.tensors) {
    if (name.startsWith(OPTIMIZER_PREFIX)) moments.set(name, t);
    else if (name.startsWith(EMA_PREFIX)) averages.set(name.slice(EMA_PREFIX.length), t);
    else if (name === DATA_ORDER_NAME) order = t;
    else if (name.startsWith('optimizer.') || name.startsWith('trainer.')) throw new CheckpointError(`checkpoint: unknown state tensor '${name}'`);
    else {
      if (t.dtype !== 'F32') throw new CheckpointError(`checkpoint: weight '${name}' is ${t.dtype}, expected F32`);
      weights.set(name, t);
    }
  }

  let optimizer: OptimizerSnapshot | null = null;
  if (meta.optimizer !== undefined) {
    const o = parseJsonObject('optimizer', meta.optimizer);
    if (o.type !== 'Adam') throw new CheckpointError(`checkpoint: optimizer type ${JSON.stringify(o.type)} is not 'Adam'`);
    const betas = o.betas;
    if (!Array.isArray(betas) || betas.length !== 2) throw new CheckpointError(`checkpoint: optimizer 'betas' is ${JSON.stringify(betas)}, expected two numbers`);
    optimizer = {
      type: 'Adam',
      step: needCount('optimizer', 'step', o.step),
      lr: needNumber('optimizer', 'lr', o.lr),
      betas: [needNumber('optimizer', 'betas[0]', betas[0]), needNumber('optimizer', 'betas[1]', betas[1])],
      eps: needNumber('optimizer', 'eps', o.eps),
      expAvg: new Map(),
      expAvgSq: new Map(),
    };
    for (const [name, t] of moments) {
      const rest = name.slice(OPTIMIZER_PREFIX.length);
      const kind = rest.endsWith('.exp_avg_sq') ? 'exp_avg_sq' : rest.endsWith('.exp_avg') ? 'exp_avg' : null;
      if (!kind) throw new CheckpointError(`checkpoint: optimiser tensor '${name}' is neither .exp_avg nor .exp_avg_sq`);
      const param = rest.slice(0, rest.length - kind.length - 1);
      const w = weights.get(param);
      if (!w) throw new CheckpointError(`checkpoint: optimiser tensor '${name}' belongs to no weight '${param}'`);
      if (t.dtype !== 'F32') throw new CheckpointError(`checkpoint: optimiser tensor '${name}' is ${t.dtype}, expected F32`);
      if (!sameShape(t.shape, w.shape)) {
        throw new CheckpointError(`checkpoint: optimiser tensor '${name}' has shape [${t.shape.join(', ')}], its weight has [${w.shape.join(', ')}]`);
      }
      (kind === 'exp_avg' ? optimizer.expAvg : optimizer.expAvgSq).set(param, t.data as Float32Array);
    }
    for (const name of optimizer.expAvg.keys()) {
      if (!optimizer.expAvgSq.has(name)) throw new CheckpointError(`checkpoint: '${OPTIMIZER_PREFIX}${name}.exp_avg_sq' is missing`);
    }
    for (const name of optimizer.expAvgSq.keys()) {
      if (!optimizer.expAvg.has(name)) throw new CheckpointError(`checkpoint: '${OPTIMIZER_PREFIX}${name}.exp_avg' is missing`);
    }
  } else if (moments.size > 0) {
    throw new CheckpointError(`checkpoint: optimiser tensors are present but metadata 'optimizer' is missing`);
  }

  let trainer: TrainerSnapshot | null = null;
  if (meta.trainer !== undefined) {
    const t = parseJsonObject('trainer', meta.trainer);
    if (!order) throw new CheckpointError(`checkpoint: '${DATA_ORDER_NAME}' is missing (needed to resume the data order)`);
    const ds = t.dataset as Record<string, unknown> | undefined;
    if (typeof ds !== 'object' || ds === null || typeof ds.name !== 'string') {
      throw new CheckpointError(`checkpoint: trainer 'dataset' is ${JSON.stringify(ds)}, expected { name, molecules }`);
    }
    const molecules = needCount('trainer', 'dataset.molecules', ds.molecules);
    trainer = {
      seed: needCount('trainer', 'seed', t.seed),
      batchSize: needCount('trainer', 'batchSize', t.batchSize),
      baseLr: needNumber('trainer', 'baseLr', t.baseLr),
      logEvery: needCount('trainer', 'logEvery', t.logEvery),
      dataset: { name: ds.name, molecules },
      epoch: needCount('trainer', 'epoch', t.epoch),
      cursor: needCount('trainer', 'cursor', t.cursor),
      order: order.data as Uint32Array,
      skippedSteps: needCount('trainer', 'skippedSteps', t.skippedSteps),
    };
    validateOrder(order, molecules, trainer.cursor);
  } else if (order) {
    throw new CheckpointError(`checkpoint: '${DATA_ORDER_NAME}' is present but metadata 'trainer' is missing`);
  }

  let ema: EmaState | null = null;
  if (meta.ema !== undefined) {
    const m = parseJsonObject('ema', meta.ema);
    const decay = needNumber('ema', 'decay', m.decay, true);
    if (!(decay < 1)) throw new CheckpointError(`checkpoint: ema 'decay' is ${decay}, expected a number in (0, 1)`);
    ema = { decay, every: needCount('ema', 'every', m.every), updates: needCount('ema', 'updates', m.updates), weights: new Map() };
    if (ema.every < 1) throw new CheckpointError(`checkpoint: ema 'every' must be at least 1`);
    for (const [name, t] of averages) {
      const w = weights.get(name);
      if (!w) throw new CheckpointError(`checkpoint: moving average '${EMA_PREFIX}${name}' belongs to no weight`);
      if (t.dtype !== 'F32' || !sameShape(t.shape, w.shape)) {
        throw new CheckpointError(`checkpoint: moving average '${EMA_PREFIX}${name}' is ${t.dtype} [${t.shape.join(', ')}], its weight is F32 [${w.shape.join(', ')}]`);
      }
      ema.weights.set(name, t.data as Float32Array);
    }
  } else if (averages.size > 0) {
    throw new CheckpointError(`checkpoint: moving-average tensors are present but metadata 'ema' is missing`);
  }

  return { preset: meta.preset, config, step, weights, optimizer, trainer, ema };
}

function validateOrder(order: StTensor, molecules: number, cursor: number): void {
  if (order.dtype !== 'U32' || order.shape.length !== 1 || order.shape[0] !== molecules) {
    throw new CheckpointError(`checkpoint: '${DATA_ORDER_NAME}' is ${order.dtype} [${order.shape.join(', ')}], expected U32 [${molecules}]`);
  }
  if (cursor > molecules) throw new CheckpointError(`checkpoint: trainer cursor ${cursor} is past the ${molecules} molecules`);
  const seen = new Uint8Array(molecules);
  for (const i of order.data) {
    if (i >= molecules || seen[i]) throw new CheckpointError(`checkpoint: '${DATA_ORDER_NAME}' is not a permutation of 0..${molecules - 1} (entry ${i})`);
    seen[i] = 1;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// ---------------------------------------------------------------- against a model

/**
 * Throws unless the checkpoint holds exactly the model's parameters and buffers with the model's
 * shapes (naming the first missing, mis-shaped or unexpected tensor), and, if it has optimiser
 * state, both moments of every parameter.
 */
export function checkAgainstModel(c: Checkpoint, model: CheckpointableModel): void {
  const params = model.parameters();
  const expected = [...params, ...model.buffers()];
  const names = new Set<string>();
  for (const { name, tensor } of expected) {
    names.add(name);
    const w = c.weights.get(name);
    if (!w) throw new CheckpointError(`checkpoint: tensor '${name}' is missing (the model has it with shape [${tensor.shape.join(', ')}])`);
    if (!sameShape(w.shape, tensor.shape)) {
      throw new CheckpointError(`checkpoint: tensor '${name}' has shape [${w.shape.join(', ')}], the model expects [${tensor.shape.join(', ')}]`);
    }
  }
  for (const name of c.weights.keys()) {
    if (!names.has(name)) throw new CheckpointError(`checkpoint: tensor '${name}' is not part of this model (a different configuration?)`);
  }
  if (c.optimizer) {
    for (const { name } of params) {
      if (!c.optimizer.expAvg.has(name)) throw new CheckpointError(`checkpoint: optimiser state of parameter '${name}' is missing`);
    }
  }
}

/** Reads the model's parameters and buffers back from the GPU, by name. */
export async function snapshotWeights(engine: Engine, model: CheckpointableModel): Promise<Map<string, StTensor>> {
  const out = new Map<string, StTensor>();
  for (const { name, tensor } of [...model.parameters(), ...model.buffers()]) {
    if (out.has(name)) throw new CheckpointError(`checkpoint: the model has two tensors named '${name}'`);
    if (tensor.dtype !== 'f32') throw new CheckpointError(`checkpoint: model tensor '${name}' is ${tensor.dtype}; only f32 weights are saved`);
    out.set(name, { dtype: 'F32', shape: [...tensor.shape], data: await engine.readF32(tensor) });
  }
  return out;
}

/** The checkpoint's bias-corrected moving average by parameter name; null when it has none. */
export function averagedWeights(c: Checkpoint): Map<string, Float32Array> | null {
  if (!c.ema || c.ema.updates === 0) return null;
  return new WeightAverage(c.ema.decay, c.ema.every, c.ema).averaged();
}

/**
 * Writes the checkpoint's moving average (bias-corrected) over the model's parameters, the weights
 * to sample with. Returns false (and writes nothing) when the checkpoint has no average.
 */
export function restoreAveragedWeights(engine: Engine, model: CheckpointableModel, c: Checkpoint): boolean {
  const averaged = averagedWeights(c);
  if (!averaged) return false;
  const params = model.parameters();
  for (const { name } of params) {
    if (!averaged.has(name)) throw new CheckpointError(`checkpoint: the moving average lacks parameter '${name}'`);
  }
  engine.submit();
  for (const { name, tensor } of params) engine.write(tensor, averaged.get(name)!);
  return true;
}

/**
 * Warm start: writes every checkpoint tensor whose name and shape match one of the model's
 * parameters or buffers, and reports which model tensors kept their fresh initialisation (missing
 * or re-shaped in the checkpoint, e.g. after a change of atom classes).
 */
export function restoreMatchingWeights(engine: Engine, model: CheckpointableModel, c: Checkpoint): { loaded: string[]; kept: string[] } {
  const loaded: string[] = [];
  const kept: string[] = [];
  engine.submit();
  for (const { name, tensor } of [...model.parameters(), ...model.buffers()]) {
    const w = c.weights.get(name);
    if (w && sameShape(w.shape, tensor.shape)) {
      engine.write(tensor, w.data as Float32Array);
      loaded.push(name);
    } else {
      kept.push(name);
    }
  }
  return { loaded, kept };
}

/** Writes a validated checkpoint's weights into the model's tensors (call `checkAgainstModel` first). */
export function restoreWeights(engine: Engine, model: CheckpointableModel, c: Checkpoint): void {
  checkAgainstModel(c, model);
  // Writes go straight to the queue: submit what is encoded so it still sees the old weights.
  engine.submit();
  for (const { name, tensor } of [...model.parameters(), ...model.buffers()]) {
    engine.write(tensor, c.weights.get(name)!.data as Float32Array);
  }
}
