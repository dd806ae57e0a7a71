/**
 * The worker's fine-tuning commands (the Fine-tune panel): read a downstream CSV, run a pretrained
 * arm and a scratch arm over the same seeds with app/finetune (the CLI's code), stream per-epoch
 * records, and answer with both arms' summaries, test predictions and fine-tuned weights; then
 * predict new SMILES with the fine-tuned models (mean over the seeds' models). Pause and cancel
 * act between epochs. Like the other handlers it has no worker globals, so Node tests can drive it.
 */
import type { Engine } from '../../kernels/engine';
import { getRDKit } from '../chem/rdkit';
import { readSmiles } from '../chem/io';
import { decodeCheckpoint, snapshotWeights, type Checkpoint } from '../model/checkpoint';
import { writeSafetensors } from '../model/safetensors';
import type { MoleculeSDE } from '../model/moleculeSDE';
import { parseCsv } from '../finetune/csv';
import { FINETUNE_LIMITS, readLabelledSet } from '../finetune/table';
import { prepareSet, splitOf, summariseArm, type ArmResult } from '../finetune/experiment';
import { finetuneRun, graphOf, predictRows, type FinetuneOptions, type Init, type RunResult } from '../finetune/train';
import { FinetuneModel } from '../finetune/model';
import type { BatchMolecule } from '../data/batch';
import { WorkerError, type FinetuneArmReport, type FinetuneRequest, type OutgoingEvent } from './protocol';

type ReplyTo = number | null;

export interface FinetuneDeps {
  engine: () => Engine;
  post: (event: OutgoingEvent, transfer?: Transferable[]) => void;
  /** Runs GPU work under the worker's GPU lock. */
  exclusive: <T>(fn: () => Promise<T> | T) => Promise<T>;
  /** The tab's model (the model registry's: the training run's, or a loaded one), if any. */
  trainedModel: () => MoleculeSDE | null;
  /** Bytes of a shipped checkpoint by name ('default', 'paper'). */
  fetchCheckpoint: (name: string) => Promise<ArrayBuffer>;
}

type ArmName = 'pretrained' | 'scratch';

interface Finished {
  arms: Map<ArmName, RunResult[]>;
  task: 'classification' | 'regression';
  labelColumns: string[];
}

export class FinetuneHandlers {
  private running = false;
  private paused: { resolve: () => void; promise: Promise<void> } | null = null;
  private cancelled = false;
  private finished: Finished | null = null;
  /** The 'finetuneStart' whose run is going: its data, epochs, status and result answer it. */
  private runReplyTo: ReplyTo = null;

  constructor(private readonly deps: FinetuneDeps) {}

  onDeviceLost(): void {
    this.cancelled = true;
    this.finished = null;
  }

  pause(replyTo: ReplyTo = null): void {
    if (!this.running || this.paused) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.paused = { resolve, promise };
    this.deps.post({ type: 'finetuneStatus', status: 'paused', replyTo });
  }

  resume(replyTo: ReplyTo = null): void {
    if (!this.paused) return;
    this.paused.resolve();
    this.paused = null;
    this.deps.post({ type: 'finetuneStatus', status: 'running', replyTo });
  }

  cancel(): void {
    if (!this.running) return;
    this.cancelled = true;
    this.resume();
  }

  private async pretrainedInit(which: FinetuneRequest['pretrained']): Promise<Init> {
    if (which === 'trained') {
      const m = this.deps.trainedModel();
      if (!m) throw new WorkerError('no-model', 'fine-tune: there is no model trained in this tab yet; train one or choose the shipped checkpoint');
      const weights = await this.deps.exclusive(() => snapshotWeights(this.deps.engine(), m));
      const checkpoint: Checkpoint = { preset: m.config.preset, config: m.config as unknown as Record<string, unknown>, step: 0, weights, optimizer: null, trainer: null };
      return { kind: 'checkpoint', checkpoint, label: `the model trained in this tab (${m.config.preset} preset)` };
    }
    const bytes = await this.deps.fetchCheckpoint(which);
    return { kind: 'checkpoint', checkpoint: decodeCheckpoint(bytes), label: `the shipped ${which} checkpoint` };
  }

  async start(request: FinetuneRequest, replyTo: ReplyTo = null): Promise<void> {
    if (this.running) throw new WorkerError('bad-request', 'fine-tune: a run is already going; cancel it first');
    this.runReplyTo = replyTo;
    this.running = true;
    this.cancelled = false;
    this.finished = null;
    try {
      const rd = await getRDKit();
      const set = readLabelledSet(rd, parseCsv(request.csv), { smilesColumn: request.smilesColumn, labelColumns: request.labelColumns }, { task: request.task });
      const prepared = prepareSet(rd, set);
      const split = splitOf(prepared, request.split, request.seed);
      const pre = await this.pretrainedInit(request.pretrained);
      const scratch: Init = pre.kind === 'checkpoint'
        ? { kind: 'scratch', gin: { numLayers: (pre.checkpoint.config.gin as { numLayers: number }).numLayers, dim: (pre.checkpoint.config.gin as { dim: number }).dim }, label: 'from scratch (same GIN, random init)' }
        : pre;
      this.deps.post({
        replyTo: this.runReplyTo,
        type: 'finetuneData',
        summary: set.summary,
        errors: set.errors.slice(0, 200),
        errorCount: set.errors.length,
        task: set.task,
        detectedTask: set.detectedTask,
        split: { train: split.train.length, valid: split.valid.length, test: split.test.length },
        pretrainedLabel: pre.label,
      });
      const options: FinetuneOptions = {
        epochs: request.epochs, batchSize: request.batchSize, lr: request.lr, dropout: request.dropout, patience: request.patience, testEveryEpoch: true,
      };
      const seeds = Array.from({ length: request.seeds }, (_, k) => request.seed + k);
      const arms = new Map<ArmName, RunResult[]>([['pretrained', []], ['scratch', []]]);
      // Seed by seed, pretrained then scratch, so both curves grow side by side.
      outer: for (let k = 0; k < seeds.length; k++) {
        for (const [arm, init] of [['pretrained', pre], ['scratch', scratch]] as const) {
          const run = await this.deps.exclusive(() => finetuneRun(this.deps.engine(), prepared.data, split, init, options, seeds[k], {
            onEpoch: async (record) => {
              this.deps.post({ type: 'finetuneEpoch', arm, seedIndex: k, seed: seeds[k], record, replyTo: this.runReplyTo });
              if (this.paused) await this.paused.promise;
              return !this.cancelled;
            },
          }));
          arms.get(arm)!.push(run);
          if (this.cancelled) break outer;
        }
      }
      if (this.cancelled) {
        this.deps.post({ type: 'finetuneStatus', status: 'cancelled', replyTo: this.runReplyTo });
        return;
      }
      this.finished = { arms, task: set.task, labelColumns: set.labelColumns };
      const T = set.labelColumns.length;
      const testRows = Array.from(split.test);
      const transfer: ArrayBuffer[] = [];
      const reports: FinetuneArmReport[] = (['pretrained', 'scratch'] as const).map((arm) => {
        const runs = arms.get(arm)!;
        const summary: ArmResult = summariseArm(set.task, arm === 'pretrained' ? pre.label : scratch.label, runs);
        const mean = new Float64Array(testRows.length * T);
        for (const r of runs) r.testPredictions.forEach((v, i) => (mean[i] += v / runs.length));
        const weights = weightsFile(runs, set.task, set.labelColumns, arm === 'pretrained' ? pre.label : scratch.label);
        transfer.push(weights.buffer as ArrayBuffer);
        return {
          arm,
          label: summary.init,
          test: summary.test,
          valid: summary.valid,
          testMae: summary.testMae,
          testR2: summary.testR2,
          runs: runs.map((r) => ({ seed: r.seed, bestEpoch: r.bestEpoch, epochsRun: r.epochsRun, valid: r.valid, test: r.test, seconds: r.seconds })),
          testPredictions: mean,
          perSeedPredictions: runs.map((r) => r.testPredictions),
          weights: weights.buffer as ArrayBuffer,
        };
      });
      const testLabels = new Float64Array(testRows.length * T);
      testRows.forEach((row, k) => testLabels.set(prepared.data.labels.subarray(row * T, row * T + T), k * T));
      this.deps.post({
        replyTo: this.runReplyTo,
        type: 'finetuneDone',
        task: set.task,
        metric: set.task === 'classification' ? 'roc_auc' : 'rmse',
        labelColumns: set.labelColumns,
        testSmiles: testRows.map((r) => prepared.smiles[r]),
        testLines: testRows.map((r) => prepared.lines[r]),
        testLabels,
        arms: reports,
      }, transfer);
    } finally {
      this.running = false;
      this.paused = null;
    }
  }

  /** Predictions for new SMILES by both arms' fine-tuned models (mean over seeds). */
  async predict(smiles: string[], replyTo: ReplyTo = null): Promise<void> {
    const f = this.finished;
    if (!f) throw new WorkerError('bad-request', 'fine-tune: predict needs a finished fine-tuning run');
    if (this.running) throw new WorkerError('bad-request', 'fine-tune: wait until the run has finished');
    const rd = await getRDKit();
    const T = f.labelColumns.length;
    const rows: { smiles: string; canonical?: string; error?: string; pretrained?: number[]; scratch?: number[] }[] = [];
    const graphs: BatchMolecule[] = [];
    const ok: number[] = [];
    for (const s of smiles.map((x) => x.trim()).filter(Boolean)) {
      try {
        const m = readSmiles(rd, s, FINETUNE_LIMITS);
        graphs.push(graphOf(m));
        ok.push(rows.length);
        rows.push({ smiles: s, canonical: m.smiles });
      } catch (e) {
        rows.push({ smiles: s, error: (e as Error).message });
      }
    }
    if (graphs.length > 0) {
      const e = this.deps.engine();
      for (const arm of ['pretrained', 'scratch'] as const) {
        const runs = f.arms.get(arm)!;
        const sum = new Float64Array(graphs.length * T);
        for (const r of runs) {
          const preds = await this.deps.exclusive(async () => {
            const model = new FinetuneModel(e, { ...r.ginConfig, dropout: 0 }, T, r.seed);
            try {
              e.submit();
              for (const { name, tensor } of [...model.parameters(), ...model.buffers()]) e.write(tensor, r.weights.get(name)!.data as Float32Array);
              return await predictRows(e, model, graphs, graphs.map((_, i) => i), f.task, r.standardise, 64);
            } finally {
              for (const t of [...model.parameters(), ...model.buffers()]) e.dispose(t.tensor);
            }
          });
          preds.forEach((v, i) => (sum[i] += v / runs.length));
        }
        ok.forEach((row, i) => (rows[row][arm] = Array.from(sum.subarray(i * T, i * T + T))));
      }
    }
    this.deps.post({ type: 'finetunePredictions', labelColumns: f.labelColumns, task: f.task, rows, replyTo });
  }
}

/** The best-validation seed's fine-tuned weights as safetensors, with what they predict in the metadata. */
function weightsFile(runs: RunResult[], task: string, labelColumns: string[], init: string): Uint8Array {
  const better = (a: RunResult, b: RunResult) => (task === 'classification' ? a.valid.metric > b.valid.metric : a.valid.metric < b.valid.metric);
  const best = runs.reduce((a, b) => (better(b, a) ? b : a));
  return writeSafetensors(best.weights, {
    format: 'moleculesde-lab.finetuned',
    task,
    labelColumns: JSON.stringify(labelColumns),
    init,
    seed: String(best.seed),
    bestEpoch: String(best.bestEpoch),
    gin: JSON.stringify(best.ginConfig),
    standardise: JSON.stringify(best.standardise),
    model: 'GIN (gin.*) -> mean over atoms -> Linear (head.*); classification outputs are logits',
  });
}
