/**
 * A MoleculeSDE from checkpoint bytes (weights-only or full): the checkpoint's preset and config
 * build the networks, then its weights are validated against them and written in.
 */
import type { Engine } from '../../kernels/engine';
import { resolveConfig, type PresetName } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { decodeCheckpoint, restoreWeights } from './checkpoint';

export interface LoadedModel {
  model: MoleculeSDE;
  preset: string;
  step: number;
}

export function modelFromCheckpoint(engine: Engine, bytes: ArrayBuffer | Uint8Array): LoadedModel {
  const c = decodeCheckpoint(bytes);
  const model = new MoleculeSDE(engine, resolveConfig(c.preset as PresetName, c.config), 0);
  restoreWeights(engine, model, c);
  return { model, preset: c.preset, step: c.step };
}
