/**
 * The worker's models, as peers for training, sampling, topology and inspection:
 * - shipped: public/checkpoints/default.safetensors, loaded once per engine on first use;
 * - loaded: a weights-only checkpoint the user opened (when no training run exists);
 * - trained: the model of the tab's training run (owned by the TrainingSession).
 * "The tab's model" is the run's model, else the loaded one.
 */
import type { Engine } from '../../kernels/engine';
import { modelFromCheckpoint } from '../model/loadModel';
import type { MoleculeSDE } from '../model/moleculeSDE';
import type { GpuLock } from './gpuLock';
import { WorkerError } from './protocol';

/** 'any' = the tab's model when there is one, else the shipped one. */
export type ModelChoice = 'default' | 'trained' | 'any';

export interface ModelRegistryDeps {
  engine: () => Engine;
  lock: GpuLock;
  /** Bytes of the shipped checkpoint. */
  fetchShipped: () => Promise<ArrayBuffer>;
  /** The training run's model, if a run exists. */
  trained: () => MoleculeSDE | null;
}

export class ModelRegistry {
  private shippedModel: { engine: Engine; model: MoleculeSDE } | null = null;
  private loadedModel: MoleculeSDE | null = null;

  constructor(private readonly deps: ModelRegistryDeps) {}

  /** The tab's model: the training run's, else one loaded from a weights-only checkpoint. */
  tabModel(): MoleculeSDE | null {
    return this.deps.trained() ?? this.loadedModel;
  }

  /** A weights-only checkpoint became the tab's model (null: a training run replaced it). */
  setLoaded(model: MoleculeSDE | null): void {
    this.loadedModel = model;
  }

  /** The shipped checkpoint's model, loaded once per engine. `op` names the command in errors. */
  async shipped(op = 'sample'): Promise<MoleculeSDE> {
    const engine = this.deps.engine();
    if (this.shippedModel?.engine !== engine) {
      let bytes: ArrayBuffer;
      try {
        bytes = await this.deps.fetchShipped();
      } catch (e) {
        throw new WorkerError('bad-checkpoint', `${op}: the default weights could not be loaded: ${(e as Error).message}`);
      }
      const { model } = await this.deps.lock.run(() => {
        try {
          return modelFromCheckpoint(engine, bytes);
        } catch (e) {
          // A static server may answer a missing file with its index page: say what was expected.
          throw new WorkerError('bad-checkpoint', `${op}: the default weights (checkpoints/default.safetensors) are not a usable checkpoint: ${(e as Error).message}`);
        }
      });
      this.shippedModel = { engine, model };
    }
    return this.shippedModel.model;
  }

  async get(choice: ModelChoice, op = 'sample'): Promise<MoleculeSDE> {
    if (choice !== 'default') {
      const tab = this.tabModel();
      if (tab) return tab;
      if (choice === 'trained') throw new WorkerError('no-model', `${op}: there is no trained model yet (start training or load a checkpoint), or choose the default weights`);
    }
    return this.shipped(op);
  }

  /** The device is gone: every model lived on it. */
  onDeviceLost(): void {
    this.shippedModel = null;
    this.loadedModel = null;
  }
}
