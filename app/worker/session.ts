/**
 * The training state machine behind the worker's training commands (loadDataset, startTraining,
 * pause, resume, step, stop, saveCheckpoint, loadCheckpoint). It has no worker globals: events go
 * out through `post` and data sets come in through `fetchDataset`, so Node tests drive it as the
 * worker does.
 *
 * Every use of the GPU by a command goes through the worker's GpuLock (./gpuLock.ts), shared as a
 * peer with sampling, topology and inspection. The run loop takes the lock once per step and
 * yields to incoming messages between steps, so pause/stop/saveCheckpoint are answered within a
 * step. Steps are submitted without waiting for the GPU; losses come back once per logging window.
 *
 * Replies: each command method takes the id of its command (`replyTo`); the run loop's progress,
 * 'paused', 'done' and errors answer the command that started or resumed the run.
 *
 * Recovery: a full checkpoint is kept in memory every ~100 steps; after a device loss the worker
 * recreates the engine and calls `restoreAfterDeviceLoss`, which resumes (paused) from it.
 */
import type { Engine } from '../../kernels/engine';
import { parseDataset, type Dataset } from '../data/dataset';
import { configFromCheckpoint, type PresetName } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { decodeCheckpoint, restoreWeights } from '../model/checkpoint';
import { Trainer, TrainingDivergedError, type LogWindow } from '../train/loops';
import { GpuLock } from './gpuLock';
import { WorkerError, type OutgoingEvent, type TrainConfig } from './protocol';

export interface SessionDeps {
  /** The current engine (a new one after a device loss). */
  engine: () => Engine;
  post: (event: OutgoingEvent, transfer?: Transferable[]) => void;
  /** The bytes of public/data/<name>.bin. */
  fetchDataset: (name: string) => Promise<ArrayBuffer>;
  /** The worker's GPU lock (a private one when absent, e.g. in tests). */
  lock?: GpuLock;
  /** Told when a weights-only checkpoint becomes the tab's model, or a run replaces it (null). */
  onLoadedModel?: (model: MoleculeSDE | null) => void;
}

type ReplyTo = number | null;

type RunState = 'idle' | 'running' | 'paused' | 'stopped';

/** In-memory recovery checkpoints every this many steps (rounded up to a whole logging window). */
const RECOVERY_EVERY = 100;

/** Lets queued messages (pause, stop, saveCheckpoint) run between steps, without a timer clamp. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class TrainingSession {
  private datasets = new Map<string, Dataset>();
  private trainer: Trainer | null = null;
  /** A model loaded from a weights-only checkpoint (for sampling), when no trainer exists. */
  private loadedModel: MoleculeSDE | null = null;
  private state: RunState = 'idle';
  private totalSteps = 0;
  private looping = false;
  private readonly lock: GpuLock;
  /** The command whose run the loop is running: its progress, 'paused' and 'done' answer it. */
  private runReplyTo: ReplyTo = null;
  private recovery: { bytes: Uint8Array; totalSteps: number } | null = null;

  /** True while startTraining loads data and builds the trainer; a pause then is remembered. */
  private starting = false;
  private pauseRequested = false;

  constructor(private readonly deps: SessionDeps) {
    this.lock = deps.lock ?? new GpuLock();
  }

  /** Runs `fn` under the GPU lock. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.lock.run(fn);
  }

  /** The model of the current run, or one loaded from a weights-only checkpoint; null if none. */
  get model(): MoleculeSDE | null {
    return this.trainer?.model ?? this.loadedModel;
  }

  get runState(): RunState {
    return this.state;
  }

  get currentTrainer(): Trainer | null {
    return this.trainer;
  }

  // ---------------------------------------------------------------- commands

  /**
   * A data set, fetched and parsed once and then kept (training and the reference-geometry look-up
   * share it). Throws WorkerError 'bad-request' for a bad name, 'dataset' when it cannot be read.
   */
  async dataset(name: string): Promise<Dataset> {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new WorkerError('bad-request', `loadDataset: '${name}' is not a data set name (letters, digits, '-' and '_')`);
    let ds = this.datasets.get(name);
    if (!ds) {
      try {
        ds = parseDataset(await this.deps.fetchDataset(name), `${name}.bin`);
      } catch (e) {
        throw new WorkerError('dataset', (e as Error).message);
      }
      this.datasets.set(name, ds);
    }
    return ds;
  }

  async loadDataset(name: string, replyTo: ReplyTo = null): Promise<Dataset> {
    const ds = await this.dataset(name);
    this.deps.post({ type: 'datasetLoaded', name, molecules: ds.count, replyTo });
    return ds;
  }

  async startTraining(config: TrainConfig, resumeFrom?: ArrayBuffer, replyTo: ReplyTo = null): Promise<void> {
    this.starting = true;
    this.pauseRequested = false;
    try {
      await this.halt();
      await this.setUpRun(config, resumeFrom, replyTo);
    } finally {
      this.starting = false;
    }
    this.runReplyTo = replyTo;
    if (this.pauseRequested) {
      // 'pause' arrived while the run was being set up: honour it instead of losing it.
      this.pauseRequested = false;
      this.state = 'paused';
      this.deps.post({ type: 'paused', step: this.trainer?.steps ?? 0, replyTo });
      return;
    }
    this.state = 'running';
    void this.loop();
  }

  private async setUpRun(config: TrainConfig, resumeFrom: ArrayBuffer | undefined, replyTo: ReplyTo): Promise<void> {
    const dataset = this.datasets.get(config.dataset) ?? (await this.loadDataset(config.dataset, replyTo));
    await this.exclusive(() => {
      this.replaceTrainer(
        resumeFrom
          ? Trainer.resume(this.deps.engine(), dataset, resumeFrom, { logEvery: config.logEvery, datasetName: config.dataset })
          : Trainer.create(this.deps.engine(), dataset, {
              preset: config.preset,
              overrides: config.overrides,
              batchSize: config.batchSize,
              lr: config.lr,
              seed: config.seed,
              logEvery: config.logEvery,
              datasetName: config.dataset,
            }),
      );
    });
    this.totalSteps = config.totalSteps;
    this.recovery = null;
  }

  pause(replyTo: ReplyTo = null): void {
    if (this.starting) {
      this.pauseRequested = true;
      return;
    }
    if (this.state !== 'running') {
      if (this.trainer) this.deps.post({ type: 'paused', step: this.trainer.steps, replyTo });
      return;
    }
    // The loop sees this after its current step, reads back the window and posts 'paused'.
    this.state = 'paused';
  }

  resume(replyTo: ReplyTo = null): void {
    const trainer = this.requireTrainer('resume');
    if (this.state === 'running') return;
    if (trainer.steps >= this.totalSteps) {
      this.deps.post({ type: 'done', step: trainer.steps, replyTo });
      return;
    }
    this.runReplyTo = replyTo;
    this.state = 'running';
    void this.loop();
  }

  /** One step while paused (or stopped), with its losses read back at once. */
  async stepOnce(replyTo: ReplyTo = null): Promise<void> {
    const trainer = this.requireTrainer('step');
    if (this.state === 'running') throw new WorkerError('bad-request', 'step: training is running; pause it first');
    await this.exclusive(async () => {
      // A step that closes a logging window returns that window; otherwise flush the partial one,
      // so every single step reports its losses.
      const result = await trainer.step();
      const w = result.window ?? (await trainer.flush());
      if (w) this.report(w, replyTo);
    });
    if (this.state === 'idle') this.state = 'paused';
  }

  async stop(replyTo: ReplyTo = null): Promise<void> {
    if (this.state === 'running') {
      this.state = 'stopped';
      return; // the loop posts 'done'
    }
    this.state = 'stopped';
    const trainer = this.trainer;
    if (trainer) {
      await this.exclusive(async () => {
        const w = await trainer.flush();
        if (w) this.report(w, replyTo);
      });
      this.deps.post({ type: 'done', step: trainer.steps, replyTo });
    }
  }

  async saveCheckpoint(replyTo: ReplyTo = null): Promise<void> {
    const trainer = this.requireTrainer('saveCheckpoint');
    const { bytes, step } = await this.exclusive(async () => {
      const { bytes, window } = await trainer.checkpoint();
      if (window) this.report(window, this.runReplyTo);
      return { bytes, step: trainer.steps };
    });
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    this.deps.post({ type: 'checkpoint', bytes: buffer, step, replyTo }, [buffer]);
  }

  /**
   * A full checkpoint replaces the run (paused at its step; its data set is loaded if needed).
   * A weights-only checkpoint loads into the current run's model if there is one (same shapes),
   * else becomes the model that sampling uses.
   */
  async loadCheckpoint(bytes: ArrayBuffer, totalSteps?: number, replyTo: ReplyTo = null): Promise<void> {
    const c = decodeCheckpoint(bytes);
    await this.halt();
    this.runReplyTo = replyTo;
    if (c.trainer) {
      const dataset = this.datasets.get(c.trainer.dataset.name) ?? (await this.loadDataset(c.trainer.dataset.name, replyTo));
      await this.exclusive(() => this.replaceTrainer(Trainer.resume(this.deps.engine(), dataset, bytes, { datasetName: c.trainer!.dataset.name })));
      this.totalSteps = Math.max(totalSteps ?? this.totalSteps, c.step);
      this.state = 'paused';
      this.deps.post({ type: 'paused', step: c.step, replyTo });
      return;
    }
    await this.exclusive(() => {
      if (this.trainer) {
        this.trainer.loadWeights(bytes);
        return;
      }
      const model = new MoleculeSDE(this.deps.engine(), configFromCheckpoint(c.preset as PresetName, c.config), 0);
      restoreWeights(this.deps.engine(), model, c);
      this.setLoadedModel(model);
    });
    this.deps.post({ type: 'paused', step: c.step, replyTo });
  }

  // ---------------------------------------------------------------- device loss

  /** The old device is gone: drop everything that lived on it. */
  onDeviceLost(): void {
    this.state = this.trainer ? 'paused' : this.state;
    this.trainer = null;
    this.setLoadedModel(null);
    this.lock.reset();
  }

  /** After the worker recreated the engine: resume (paused) from the last recovery checkpoint. */
  async restoreAfterDeviceLoss(): Promise<number | null> {
    if (!this.recovery) return null;
    const { bytes, totalSteps } = this.recovery;
    await this.loadCheckpoint(bytes.slice().buffer as ArrayBuffer, totalSteps);
    return this.trainer?.steps ?? null;
  }

  // ---------------------------------------------------------------- internals

  private requireTrainer(op: string): Trainer {
    if (!this.trainer) throw new WorkerError('no-run', `${op}: there is no training run (start training or load a checkpoint first)`);
    return this.trainer;
  }

  private replaceTrainer(next: Trainer): void {
    this.trainer?.dispose();
    this.trainer = next;
    this.setLoadedModel(null);
  }

  private setLoadedModel(model: MoleculeSDE | null): void {
    this.loadedModel = model;
    this.deps.onLoadedModel?.(model);
  }

  /** Stops a running loop and waits until it has finished its step. */
  private async halt(): Promise<void> {
    if (this.state === 'running') this.state = 'paused';
    while (this.looping) await yieldToEvents();
  }

  private report(w: LogWindow, replyTo: ReplyTo): void {
    const t = this.trainer;
    if (!t) return;
    for (const s of w.skipped) this.deps.post({ type: 'stepSkipped', step: s.step, reason: s.reason, lr: s.lr, replyTo });
    this.deps.post({
      replyTo,
      type: 'progress',
      step: w.firstStep + w.losses.length,
      totalSteps: this.totalSteps,
      losses: w.mean,
      stepsPerSecond: w.stepsPerSecond,
      moleculesPerSecond: w.moleculesPerSecond,
      parameterCount: t.parameterCount(),
    });
  }

  private async loop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    const trainer = this.trainer!;
    const recoveryEvery = Math.ceil(RECOVERY_EVERY / trainer.options.logEvery) * trainer.options.logEvery;
    try {
      while (this.state === 'running' && this.trainer === trainer && trainer.steps < this.totalSteps) {
        await this.exclusive(async () => {
          const r = await trainer.step();
          if (r.window) this.report(r.window, this.runReplyTo);
          if (trainer.steps % recoveryEvery === 0) {
            const { bytes, window } = await trainer.checkpoint();
            if (window) this.report(window, this.runReplyTo);
            this.recovery = { bytes, totalSteps: this.totalSteps };
          }
        });
        await yieldToEvents();
      }
      if (this.trainer !== trainer) return;
      await this.exclusive(async () => {
        const w = await trainer.flush();
        if (w) this.report(w, this.runReplyTo);
      });
      if (this.state === 'running') {
        this.state = 'stopped';
        this.deps.post({ type: 'done', step: trainer.steps, replyTo: this.runReplyTo });
      } else if (this.state === 'paused') {
        this.deps.post({ type: 'paused', step: trainer.steps, replyTo: this.runReplyTo });
      } else if (this.state === 'stopped') {
        this.deps.post({ type: 'done', step: trainer.steps, replyTo: this.runReplyTo });
      }
    } catch (err) {
      this.state = 'paused';
      const diverged = err instanceof TrainingDivergedError;
      const message = err instanceof Error ? err.message : String(err);
      this.deps.post({
        type: 'error',
        code: diverged ? 'diverged' : 'failed',
        message: diverged ? message : `Training stopped at step ${trainer.steps}: ${message}`,
        recoverable: true,
        replyTo: this.runReplyTo,
      });
      this.deps.post({ type: 'paused', step: trainer.steps, replyTo: this.runReplyTo });
    } finally {
      this.looping = false;
    }
  }
}
