/**
 * A MoleculeSDE from checkpoint bytes (weights-only or full): the checkpoint's preset and config
 * build the networks, then its weights are validated against them and written in.
 */
import type { Engine } from '../../kernels/engine';
import { configFromCheckpoint, type PresetName } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { decodeCheckpoint, restoreAveragedWeights, restoreWeights } from './checkpoint';

export interface LoadedModel {
  model: MoleculeSDE;
  preset: string;
  step: number;
  /** True when the weights are the checkpoint's moving average (./ema.ts). */
  averaged: boolean;
}

export function modelFromCheckpoint(engine: Engine, bytes: ArrayBuffer | Uint8Array): LoadedModel {
  const c = decodeCheckpoint(bytes);
  const model = new MoleculeSDE(engine, configFromCheckpoint(c.preset as PresetName, c.config), 0);
  restoreWeights(engine, model, c);
  // Sampling uses the moving average of the weights when the checkpoint has one.
  const averaged = restoreAveragedWeights(engine, model, c);
  return { model, preset: c.preset, step: c.step, averaged };
}
