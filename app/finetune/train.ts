/**
 * One fine-tuning run (one seed, one initialisation) on the engine, shared by the CLI and the
 * worker: GIN + mean pooling + linear head, Adam, dropout in the GIN during training (0.5 in the
 * paper's fine-tuning protocol), masked BCE with logits for (multi-task) classification and MSE on
 * train-standardised targets for regression, missing labels masked out of both. After every epoch
 * the model is evaluated on valid and test; the epoch with the best validation metric (ROC-AUC
 * up, RMSE down) is the result, and training stops after `patience` epochs without improvement.
 *
 * Every random choice flows from the run seed: head (and scratch encoder) init, the epoch
 * shuffles, the dropout masks. Same seed, same data, same adapter: the same numbers.
 */
import type { Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { mulberry32, permutation } from '../../kernels/random';
import { bceWithLogits, weightedSquaredError } from '../../kernels/ops/loss';
import { mul, scale } from '../../kernels/ops/elementwise';
import { Adam } from '../../kernels/optim/adam';
import { makeBatch, type Batch, type BatchMolecule } from '../data/batch';
import type { Split } from '../data/splits';
import { uploadBatch } from '../model/batchGpu';
import type { ChemMolecule } from '../chem/molecule';
import { snapshotWeights, type Checkpoint } from '../model/checkpoint';
import type { StTensor } from '../model/safetensors';
import { FinetuneModel, ginConfigOf } from './model';
import { classificationReport, regressionReport } from './metrics';
import type { TaskKind } from './table';

export interface FinetuneData {
  task: TaskKind;
  labelNames: string[];
  /** Graphs in row order (2D only: no positions needed). */
  graphs: BatchMolecule[];
  /** Row-major [rows, tasks]; NaN = missing. */
  labels: Float64Array;
}

export interface FinetuneOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** GIN dropout during fine-tuning. */
  dropout: number;
  /** Stop after this many epochs without a better validation metric (0: never stop early). */
  patience: number;
  /**
   * Score the test split after every epoch (live test curves in the tab). Off, test is scored only
   * at epochs that improve validation: the result (test at the best-validation epoch) is the same.
   */
  testEveryEpoch?: boolean;
}

export const DEFAULT_FINETUNE: FinetuneOptions = { epochs: 50, batchSize: 32, lr: 1e-3, dropout: 0.5, patience: 10 };

/** What an initialisation is: a checkpoint's encoder, or the seeded init (its GIN shape given). */
export type Init = { kind: 'checkpoint'; checkpoint: Checkpoint; label: string } | { kind: 'scratch'; gin: { numLayers: number; dim: number }; label: string };

export interface SplitMetrics {
  /** The headline metric: ROC-AUC (classification) or RMSE in label units (regression). */
  metric: number;
  rocAuc?: number;
  rmse?: number;
  mae?: number;
  r2?: number;
  perTask: number[];
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valid: SplitMetrics;
  /** Absent at epochs that were not scored on test (see FinetuneOptions.testEveryEpoch). */
  test?: SplitMetrics;
}

export interface RunResult {
  seed: number;
  init: string;
  bestEpoch: number;
  epochsRun: number;
  valid: SplitMetrics;
  test: SplitMetrics;
  curve: EpochRecord[];
  /** Best-epoch predictions on the test rows, [test rows, tasks] (probabilities or label units). */
  testPredictions: Float64Array;
  /** Best-epoch weights (gin.* and head.*), for download and for predicting new molecules. */
  weights: Map<string, StTensor>;
  /** Regression standardisation (train mean / std per task); identity for classification. */
  standardise: { mean: number[]; std: number[] };
  ginConfig: { numLayers: number; dim: number };
  seconds: number;
}

/** Higher is better for ROC-AUC, lower for RMSE. */
export const metricName = (task: TaskKind) => (task === 'classification' ? 'roc_auc' : 'rmse');
export const isBetter = (task: TaskKind, a: number, b: number) => (Number.isNaN(b) ? !Number.isNaN(a) : task === 'classification' ? a > b : a < b);

/** The molecule model as a 2D batch record. */
export function graphOf(m: ChemMolecule): BatchMolecule {
  const bonds = new Uint16Array(m.bonds.length * 2);
  m.bonds.forEach((b, i) => bonds.set([b.a, b.b], 2 * i));
  return { smiles: m.smiles, numAtoms: m.atoms.length, atomFeatures: m.atomFeatures, bonds, bondFeatures: m.bondFeatures };
}

/** 2D-only batches: no coordinates, no radius graph, one-hop extended edges (unused here). */
export function batchOf(graphs: readonly BatchMolecule[], rows: ArrayLike<number>): Batch {
  return makeBatch(Array.from(rows, (i) => graphs[i]), { radius: false, positions: 'none', maxHops: 1 });
}

export interface RunHooks {
  /** After each epoch; may await (pause) and may return false to stop the run (cancel). */
  onEpoch?: (r: EpochRecord) => Promise<boolean | void> | boolean | void;
}

export function standardisation(data: FinetuneData, train: ArrayLike<number>): { mean: number[]; std: number[] } {
  const T = data.labelNames.length;
  const mean = new Array<number>(T).fill(0);
  const std = new Array<number>(T).fill(1);
  if (data.task === 'classification') return { mean, std };
  for (let t = 0; t < T; t++) {
    const v: number[] = [];
    for (let k = 0; k < train.length; k++) {
      const y = data.labels[train[k] * T + t];
      if (!Number.isNaN(y)) v.push(y);
    }
    if (v.length === 0) continue;
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    mean[t] = m;
    std[t] = s > 0 ? s : 1;
  }
  return { mean, std };
}

/** Forward over `rows` in batches without gradients; predictions [rows, T] in label units / probabilities. */
export async function predictRows(
  engine: Engine, model: FinetuneModel, graphs: readonly BatchMolecule[], rows: ArrayLike<number>, task: TaskKind,
  standardise: { mean: number[]; std: number[] }, batchSize: number,
): Promise<Float64Array> {
  const T = model.numTasks;
  const out = new Float64Array(rows.length * T);
  for (let s = 0; s < rows.length; s += batchSize) {
    const part = Array.from({ length: Math.min(batchSize, rows.length - s) }, (_, k) => rows[s + k]);
    const gpu = uploadBatch(engine, batchOf(graphs, part));
    const y = engine.noGrad(() => model.forward(gpu, false));
    const v = await engine.readF32(y);
    engine.endStep();
    for (let i = 0; i < v.length; i++) {
      const t = i % T;
      out[s * T + i] = task === 'classification' ? 1 / (1 + Math.exp(-v[i])) : v[i] * standardise.std[t] + standardise.mean[t];
    }
  }
  return out;
}

export function scoreSplit(task: TaskKind, labels: Float64Array, preds: Float64Array, T: number): SplitMetrics {
  if (task === 'classification') {
    const r = classificationReport(labels, preds, T);
    return { metric: r.rocAuc, rocAuc: r.rocAuc, perTask: r.perTask };
  }
  const r = regressionReport(labels, preds, T);
  return { metric: r.rmse, rmse: r.rmse, mae: r.mae, r2: r.r2, perTask: r.perTask.map((m) => m.rmse) };
}

function rowsLabels(data: FinetuneData, rows: ArrayLike<number>): Float64Array {
  const T = data.labelNames.length;
  const out = new Float64Array(rows.length * T);
  for (let k = 0; k < rows.length; k++) out.set(data.labels.subarray(rows[k] * T, rows[k] * T + T), k * T);
  return out;
}

/** Builds the model for an initialisation (checkpoint encoder or seeded scratch). */
export function buildModel(engine: Engine, init: Init, numTasks: number, seed: number, dropout: number): FinetuneModel {
  const gin = init.kind === 'checkpoint' ? ginConfigOf(init.checkpoint, dropout) : { ...init.gin, dropout };
  const model = new FinetuneModel(engine, gin, numTasks, seed);
  if (init.kind === 'checkpoint') model.loadEncoder(init.checkpoint);
  return model;
}

export async function finetuneRun(engine: Engine, data: FinetuneData, split: Split, init: Init, options: FinetuneOptions, seed: number, hooks: RunHooks = {}): Promise<RunResult> {
  const t0 = performance.now();
  const T = data.labelNames.length;
  if (split.train.length === 0 || split.valid.length === 0 || split.test.length === 0) {
    throw new Error(`fine-tune: the split has ${split.train.length} train, ${split.valid.length} valid and ${split.test.length} test molecules; every part needs at least one (use more rows)`);
  }
  if (!(options.epochs >= 1 && options.batchSize >= 1 && options.lr > 0 && options.dropout >= 0 && options.dropout < 1 && options.patience >= 0)) {
    throw new Error(`fine-tune: bad options ${JSON.stringify(options)}`);
  }
  const std = standardisation(data, split.train);
  const model = buildModel(engine, init, T, seed, options.dropout);
  const optimizer = new Adam(engine, [{ params: model.trainable(), lrScale: 1 }], { lr: options.lr });
  const validLabels = rowsLabels(data, split.valid);
  const testLabels = rowsLabels(data, split.test);
  const rng = mulberry32((seed ^ 0x5eed_f17e) >>> 0);
  const layers = model.ginConfig.numLayers;
  const curve: EpochRecord[] = [];
  let best: { epoch: number; valid: SplitMetrics; test: SplitMetrics; preds: Float64Array; weights: Map<string, StTensor> } | null = null;
  let sinceBest = 0;
  let step = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = permutation(split.train.length, rng);
      const losses: Tensor[] = [];
      const counts: number[] = [];
      for (let s = 0; s < order.length; s += options.batchSize) {
        const rows = Array.from(order.subarray(s, Math.min(order.length, s + options.batchSize)), (k) => split.train[k]);
        // Missing labels: mask 0 and target 0, so they add nothing to the loss or the gradient.
        const y = new Float32Array(rows.length * T);
        const m = new Float32Array(rows.length * T);
        let present = 0;
        rows.forEach((r, k) => {
          for (let t = 0; t < T; t++) {
            const v = data.labels[r * T + t];
            if (Number.isNaN(v)) continue;
            y[k * T + t] = data.task === 'classification' ? v : (v - std.mean[t]) / std.std[t];
            m[k * T + t] = 1;
            present++;
          }
        });
        if (present === 0) continue;
        const gpu = uploadBatch(engine, batchOf(data.graphs, rows));
        optimizer.zeroGrad();
        const out = model.forward(gpu, true, { seed, stream: step * layers });
        const mask = engine.fromArray(m, [rows.length, T], { name: 'mask' });
        const target = engine.fromArray(y, [rows.length, T], { name: 'target' });
        const masked = mul(out, mask);
        let loss: Tensor;
        if (data.task === 'classification') {
          // mean over all B*T entries of BCE(mask * z, t): rescaled to the mean over present labels.
          // A masked entry contributes the constant log 2 (zero gradient), removed on the host below.
          loss = scale(bceWithLogits(masked, target), (rows.length * T) / present);
        } else {
          loss = weightedSquaredError(masked, target, engine.fromArray(new Float32Array(rows.length).fill(1 / present), [rows.length], { name: 'rowWeight' }));
        }
        engine.backward(loss);
        optimizer.step();
        // The loss outlives the step (read once per epoch); its seed gradient is transient.
        loss.grad = null;
        losses.push(engine.keep(loss));
        counts.push(data.task === 'classification' ? (rows.length * T - present) / present : 0);
        step++;
        await engine.endStepAsync();
      }
      let lossSum = 0;
      for (let k = 0; k < losses.length; k++) {
        lossSum += (await engine.readF32(losses[k]))[0] - counts[k] * Math.LN2;
        engine.dispose(losses[k]);
      }
      const trainLoss = losses.length ? lossSum / losses.length : NaN;
      const validPreds = await predictRows(engine, model, data.graphs, split.valid, data.task, std, 64);
      const valid = scoreSplit(data.task, validLabels, validPreds, T);
      const improved: boolean = !best || isBetter(data.task, valid.metric, best.valid.metric);
      const testPreds: Float64Array | null = improved || options.testEveryEpoch ? await predictRows(engine, model, data.graphs, split.test, data.task, std, 64) : null;
      const test: SplitMetrics | undefined = testPreds ? scoreSplit(data.task, testLabels, testPreds, T) : undefined;
      const record: EpochRecord = { epoch, trainLoss, valid, ...(test ? { test } : {}) };
      curve.push(record);
      if (improved) {
        best = { epoch, valid, test: test!, preds: testPreds!, weights: await snapshotWeights(engine, model) };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      const go = await hooks.onEpoch?.(record);
      if (go === false) break;
      if (options.patience > 0 && sinceBest >= options.patience) break;
    }
  } finally {
    optimizer.dispose();
    for (const t of [...model.parameters(), ...model.buffers()]) engine.dispose(t.tensor);
    engine.endStep();
  }
  if (!best) throw new Error('fine-tune: stopped before the first epoch finished');
  return {
    seed,
    init: init.label,
    bestEpoch: best.epoch,
    epochsRun: curve.length,
    valid: best.valid,
    test: best.test,
    curve,
    testPredictions: best.preds,
    weights: best.weights,
    standardise: std,
    ginConfig: { numLayers: model.ginConfig.numLayers, dim: model.ginConfig.dim },
    seconds: (performance.now() - t0) / 1000,
  };
}
