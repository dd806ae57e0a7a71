/** A weights-only checkpoint of a randomly initialised tiny model, for tests of the sampling CLIs. */
import type { Engine } from '../../kernels/engine';
import { resolveConfig, type PresetName } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { encodeCheckpoint, snapshotWeights } from './checkpoint';

/** Narrow widths for every network (default depths), 10 atom classes: the tiny model the sampling tests run. */
export const TINY_OVERRIDES = { gin: { dim: 16 }, schnet: { dim: 16, numFilters: 16, numGaussians: 8 }, score3Dto2D: { nfeat: 16 }, numAtomClasses: 10 } as const;

export async function randomCheckpoint(engine: Engine, preset: PresetName = 'generative', seed = 1): Promise<Uint8Array> {
  const config = resolveConfig(preset, TINY_OVERRIDES);
  const model = new MoleculeSDE(engine, config, seed);
  const weights = await snapshotWeights(engine, model);
  return encodeCheckpoint({ preset, config: config as unknown as Record<string, unknown>, step: 0, weights, optimizer: null, trainer: null });
}
