/**
 * The downstream model: the pretraining GIN (app/model/gin.ts, same parameter names gin.*), mean
 * pooling of its per-atom output over each molecule's atoms, and one linear head with an output
 * per task (named head.weight [T, d], head.bias [T]). The encoder starts from a checkpoint's gin.*
 * tensors (weights and BatchNorm running statistics) or from the seeded initialisation.
 */
import type { Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { segmentMean } from '../../kernels/ops/segment';
import type { GinConfig } from '../model/config';
import { GIN, type RandomKey } from '../model/gin';
import { applyLinear, ParamStore, type LinearParams } from '../model/params';
import type { GpuBatch } from '../model/batchGpu';
import { CheckpointError, type Checkpoint, type CheckpointableModel, type NamedTensor } from '../model/checkpoint';

export const ENCODER_PREFIX = 'gin.';

/** The GIN settings of a checkpoint's config (numLayers, dim), with the fine-tuning dropout. */
export function ginConfigOf(c: Checkpoint, dropout: number): GinConfig {
  const g = c.config.gin as Partial<GinConfig> | undefined;
  if (!g || !Number.isInteger(g.numLayers) || !Number.isInteger(g.dim)) {
    throw new CheckpointError(`checkpoint: its config has no GIN settings (gin.numLayers, gin.dim); got ${JSON.stringify(g)}`);
  }
  return { numLayers: g.numLayers!, dim: g.dim!, dropout };
}

export class FinetuneModel implements CheckpointableModel {
  readonly store: ParamStore;
  readonly gin: GIN;
  readonly head: LinearParams;

  constructor(
    readonly engine: Engine,
    readonly ginConfig: GinConfig,
    readonly numTasks: number,
    seed: number,
  ) {
    if (!(Number.isInteger(numTasks) && numTasks >= 1)) throw new Error(`FinetuneModel: numTasks must be a positive integer, got ${numTasks}`);
    this.store = new ParamStore(engine, seed);
    this.gin = new GIN(this.store, ginConfig, 'gin');
    this.head = this.store.linear('head', ginConfig.dim, numTasks, 'gin');
  }

  parameters(): NamedTensor[] {
    return this.store.params.map(({ name, tensor }) => ({ name, tensor }));
  }

  buffers(): NamedTensor[] {
    return this.store.buffers.map(({ name, tensor }) => ({ name, tensor }));
  }

  /** Trainable tensors (every parameter: the encoder is fine-tuned, not frozen). */
  trainable(): Tensor[] {
    return this.store.params.map((p) => p.tensor);
  }

  parameterCount(): number {
    return this.store.params.reduce((s, p) => s + p.tensor.size, 0);
  }

  /**
   * Copies every gin.* parameter and buffer from the checkpoint (names and shapes must match; the
   * other networks of a pretraining checkpoint are ignored). Returns the number of tensors copied.
   */
  loadEncoder(c: Checkpoint): number {
    const mine = [...this.parameters(), ...this.buffers()].filter((t) => t.name.startsWith(ENCODER_PREFIX));
    for (const { name, tensor } of mine) {
      const w = c.weights.get(name);
      if (!w) throw new CheckpointError(`checkpoint: encoder tensor '${name}' is missing (shape [${tensor.shape.join(', ')}] expected)`);
      if (w.shape.length !== tensor.shape.length || w.shape.some((d, i) => d !== tensor.shape[i])) {
        throw new CheckpointError(`checkpoint: encoder tensor '${name}' has shape [${w.shape.join(', ')}], the model expects [${tensor.shape.join(', ')}]`);
      }
    }
    // Writes go to the queue directly: submit pending work first so it still sees the old values.
    this.engine.submit();
    for (const { name, tensor } of mine) this.engine.write(tensor, c.weights.get(name)!.data as Float32Array);
    return mine.length;
  }

  /** Per-graph outputs [B, T] (logits or standardised values). */
  forward(batch: GpuBatch, training: boolean, key?: RandomKey): Tensor {
    const h = this.gin.forward(batch, training, key);
    const pooled = segmentMean(h, batch.atomsByGraph);
    return applyLinear(pooled, this.head);
  }
}
