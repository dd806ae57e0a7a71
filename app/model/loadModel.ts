/**
 * A MoleculeSDE from checkpoint bytes (weights-only or full): the checkpoint's preset and config
 * build the networks, then its weights are validated against them and written in.
 *
 * Nothing in a checkpoint is trusted: its config is bounded (validateConfig) before any buffer is
 * sized from it, every weight must be finite (a NaN weight would only show as NaN conformers), and
 * a model whose tensors do not match is released again before the error is thrown.
 */
import type { Engine } from '../../kernels/engine';
import { configFromCheckpoint, type PresetName } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { CheckpointError, checkAgainstModel, decodeCheckpoint, restoreAveragedWeights, restoreWeights, type Checkpoint } from './checkpoint';

export interface LoadedModel {
  model: MoleculeSDE;
  preset: string;
  step: number;
  /** True when the weights are the checkpoint's moving average (./ema.ts). */
  averaged: boolean;
  /** The data set the checkpoint was trained on ('qm9like', ...), when it records one. */
  datasetName: string | null;
}

/** Throws a CheckpointError naming the first weight (or moving average) that holds NaN or Infinity. */
export function checkFiniteWeights(c: Checkpoint): void {
  const all: [string, ArrayLike<number>][] = [...[...c.weights].map(([n, t]) => [n, t.data] as [string, ArrayLike<number>]), ...[...(c.ema?.weights ?? new Map<string, Float32Array>())].map(([n, d]) => [`ema.${n}`, d] as [string, ArrayLike<number>])];
  for (const [name, d] of all) {
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) throw new CheckpointError(`checkpoint: weight '${name}' holds ${d[i]} at entry ${i}; the checkpoint is corrupt (use the previous one, e.g. FILE.prev)`);
    }
  }
}

export function modelFromCheckpoint(engine: Engine, bytes: ArrayBuffer | Uint8Array): LoadedModel {
  const c = decodeCheckpoint(bytes);
  let config;
  try {
    config = configFromCheckpoint(c.preset as PresetName, c.config);
  } catch (e) {
    throw new CheckpointError(`checkpoint: its model config is not usable: ${(e as Error).message}`);
  }
  checkFiniteWeights(c);
  const model = new MoleculeSDE(engine, config, 0);
  let averaged: boolean;
  try {
    checkAgainstModel(c, model);
    restoreWeights(engine, model, c);
    // Sampling uses the moving average of the weights when the checkpoint has one.
    averaged = restoreAveragedWeights(engine, model, c);
  } catch (e) {
    for (const p of [...model.parameters(), ...model.buffers()]) engine.dispose(p.tensor);
    throw e;
  }
  return { model, preset: c.preset, step: c.step, averaged, datasetName: c.trainer?.dataset.name ?? null };
}
