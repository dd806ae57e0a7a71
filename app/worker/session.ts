/**
 * The training state machine behind the worker's training commands (loadDataset, startTraining,
 * pause, resume, step, stop, saveCheckpoint, loadCheckpoint). It has no worker globals: events go
 * out through `post` and data sets come in through `fetchDataset`, so Node tests drive it as the
 * worker does.
 *
 * Every use of the GPU by a command goes through `exclusive()`, one at a time: a training step and
 * a sampling run must not interleave their kernels, and `engine.endStep()` returns every transient
 * tensor to the pool, including another task's. The run loop takes the lock once per step and
 * yields to incoming messages between steps, so pause/stop/saveCheckpoint are answered within a
 * step. Steps are submitted without waiting for the GPU; losses come back once per logging window.
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
import type { TrainConfig, WorkerEvent } from './protocol';

export interface SessionDeps {
  /** The current engine (a new one after a device loss). */
  engine: () => Engine;
  post: (event: WorkerEvent, transfer?: Transferable[]) => void;
  /** The bytes of public/data/<name>.bin. */
  fetchDataset: (name: string) => Promise<ArrayBuffer>;
}

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
  private lock: Promise<unknown> = Promise.resolve();
  private recovery: { bytes: Uint8Array; totalSteps: number } | null = null;

  /** True while startTraining loads data and builds the trainer; a pause then is remembered. */
  private starting = false;
  private pauseRequested = false;

  constructor(private readonly deps: SessionDeps) {}

  /** Runs `fn` when no other GPU task is running (FIFO). Sampling handlers use it too. */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
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

  async loadDataset(name: string): Promise<Dataset> {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`loadDataset: '${name}' is not a data set name (letters, digits, '-' and '_')`);
    let ds = this.datasets.get(name);
    if (!ds) {
      const bytes = await this.deps.fetchDataset(name);
      ds = parseDataset(bytes, `${name}.bin`);
      this.datasets.set(name, ds);
    }
    this.deps.post({ type: 'datasetLoaded', name, molecules: ds.count });
    return ds;
  }

  async startTraining(config: TrainConfig, resumeFrom?: ArrayBuffer): Promise<void> {
    this.starting = true;
    this.pauseRequested = false;
    try {
      await this.halt();
      await this.setUpRun(config, resumeFrom);
    } finally {
      this.starting = false;
    }
    if (this.pauseRequested) {
      // 'pause' arrived while the run was being set up: honour it instead of losing it.
      this.pauseRequested = false;
      this.state = 'paused';
      this.deps.post({ type: 'paused', step: this.trainer?.steps ?? 0 });
      return;
    }
    this.state = 'running';
    void this.loop();
  }

  private async setUpRun(config: TrainConfig, resumeFrom?: ArrayBuffer): Promise<void> {
    const dataset = this.datasets.get(config.dataset) ?? (await this.loadDataset(config.dataset));
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

  pause(): void {
    if (this.starting) {
      this.pauseRequested = true;
      return;
    }
    if (this.state !== 'running') {
      if (this.trainer) this.deps.post({ type: 'paused', step: this.trainer.steps });
      return;
    }
    // The loop sees this after its current step, reads back the window and posts 'paused'.
    this.state = 'paused';
  }

  resume(): void {
    if (!this.trainer) throw new Error('resume: there is no training run (start training or load a checkpoint first)');
    if (this.state === 'running') return;
    if (this.trainer.steps >= this.totalSteps) {
      this.deps.post({ type: 'done', step: this.trainer.steps });
      return;
    }
    this.state = 'running';
    void this.loop();
  }

  /** One step while paused (or stopped), with its losses read back at once. */
  async stepOnce(): Promise<void> {
    const trainer = this.requireTrainer('step');
    if (this.state === 'running') throw new Error('step: training is running; pause it first');
    await this.exclusive(async () => {
      // A step that closes a logging window returns that window; otherwise flush the partial one,
      // so every single step reports its losses.
      const result = await trainer.step();
      const w = result.window ?? (await trainer.flush());
      if (w) this.report(w);
    });
    if (this.state === 'idle') this.state = 'paused';
  }

  async stop(): Promise<void> {
    if (this.state === 'running') {
      this.state = 'stopped';
      return; // the loop posts 'done'
    }
    this.state = 'stopped';
    const trainer = this.trainer;
    if (trainer) {
      await this.exclusive(async () => {
        const w = await trainer.flush();
        if (w) this.report(w);
      });
      this.deps.post({ type: 'done', step: trainer.steps });
    }
  }

  async saveCheckpoint(): Promise<void> {
    const trainer = this.requireTrainer('saveCheckpoint');
    const { bytes, step } = await this.exclusive(async () => {
      const { bytes, window } = await trainer.checkpoint();
      if (window) this.report(window);
      return { bytes, step: trainer.steps };
    });
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    this.deps.post({ type: 'checkpoint', bytes: buffer, step }, [buffer]);
  }

  /**
   * A full checkpoint replaces the run (paused at its step; its data set is loaded if needed).
   * A weights-only checkpoint loads into the current run's model if there is one (same shapes),
   * else becomes the model that sampling uses.
   */
  async loadCheckpoint(bytes: ArrayBuffer, totalSteps?: number): Promise<void> {
    const c = decodeCheckpoint(bytes);
    await this.halt();
    if (c.trainer) {
      const dataset = this.datasets.get(c.trainer.dataset.name) ?? (await this.loadDataset(c.trainer.dataset.name));
      await this.exclusive(() => this.replaceTrainer(Trainer.resume(this.deps.engine(), dataset, bytes, { datasetName: c.trainer!.dataset.name })));
      this.totalSteps = Math.max(totalSteps ?? this.totalSteps, c.step);
      this.state = 'paused';
      this.deps.post({ type: 'paused', step: c.step });
      return;
    }
    await this.exclusive(() => {
      if (this.trainer) {
        this.trainer.loadWeights(bytes);
        return;
      }
      const model = new MoleculeSDE(this.deps.engine(), configFromCheckpoint(c.preset as PresetName, c.config), 0);
      restoreWeights(this.deps.engine(), model, c);
      this.loadedModel = model;
    });
    this.deps.post({ type: 'paused', step: c.step });
  }

  // ---------------------------------------------------------------- device loss

  /** The old device is gone: drop everything that lived on it. */
  onDeviceLost(): void {
    this.state = this.trainer ? 'paused' : this.state;
    this.trainer = null;
    this.loadedModel = null;
    this.lock = Promise.resolve();
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
    if (!this.trainer) throw new Error(`${op}: there is no training run (start training or load a checkpoint first)`);
    return this.trainer;
  }

  private replaceTrainer(next: Trainer): void {
    this.trainer?.dispose();
    this.trainer = next;
    this.loadedModel = null;
  }

  /** Stops a running loop and waits until it has finished its step. */
  private async halt(): Promise<void> {
    if (this.state === 'running') this.state = 'paused';
    while (this.looping) await yieldToEvents();
  }

  private report(w: LogWindow): void {
    const t = this.trainer;
    if (!t) return;
    for (const s of w.skipped) this.deps.post({ type: 'stepSkipped', step: s.step, reason: s.reason, lr: s.lr });
    this.deps.post({
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
          if (r.window) this.report(r.window);
          if (trainer.steps % recoveryEvery === 0) {
            const { bytes, window } = await trainer.checkpoint();
            if (window) this.report(window);
            this.recovery = { bytes, totalSteps: this.totalSteps };
          }
        });
        await yieldToEvents();
      }
      if (this.trainer !== trainer) return;
      await this.exclusive(async () => {
        const w = await trainer.flush();
        if (w) this.report(w);
      });
      if (this.state === 'running') {
        this.state = 'stopped';
        this.deps.post({ type: 'done', step: trainer.steps });
      } else if (this.state === 'paused') {
        this.deps.post({ type: 'paused', step: trainer.steps });
      } else if (this.state === 'stopped') {
        this.deps.post({ type: 'done', step: trainer.steps });
      }
    } catch (err) {
      this.state = 'paused';
      const diverged = err instanceof TrainingDivergedError;
      const message = err instanceof Error ? err.message : String(err);
      this.deps.post({ type: 'error', message: diverged ? message : `Training stopped at step ${trainer.steps}: ${message}`, recoverable: true });
      this.deps.post({ type: 'paused', step: trainer.steps });
    } finally {
      this.looping = false;
    }
  }
}
