/**
 * The computation of the training-parity e2e test (e2e/training-parity.spec.ts), shared verbatim by
 * its two sides so they cannot drift apart: the browser page (./parity.ts, WebGPU on Chromium's
 * SwiftShader) and the spec itself in Node (Dawn). Given an engine and the bytes of a packed data
 * set it builds one fixed small batch and, per preset, at tiny widths:
 *
 *   step 0: Trainer.step(batch): losses (seed, step 0) -> backward -> health check -> Adam,
 *           the same call the engine worker makes for every training step;
 *   step 1: model.losses(batch, seed, step 1) on the updated weights.
 *
 * Everything random (weights, noise, times, permutations, dropout) flows from SEED and the step
 * index, so both sides must give the same loss terms up to f32 rounding differences of their
 * adapters.
 */
import type { Engine } from '../../kernels/engine';
import { makeBatch, type Batch } from '../../app/data/batch';
import { parseDataset, type Dataset } from '../../app/data/dataset';
import { uploadBatch } from '../../app/model/batchGpu';
import { resolveConfig, type PresetName } from '../../app/model/config';
import { MoleculeSDE } from '../../app/model/moleculeSDE';
import { LOSS_TERMS } from '../../app/train/health';
import { Trainer, trainingIndices } from '../../app/train/loops';
import type { LossTerms } from '../../app/worker/protocol';

export const PARITY_PRESETS: readonly PresetName[] = ['generative', 'paper'];
export const PARITY_SEED = 11;
export const PARITY_BATCH = 4;
/**
 * Larger than the presets' 1e-4 so that one Adam step moves the step-1 losses by much more than
 * the parity tolerance (the spec checks this against a run without the update).
 */
export const PARITY_LR = 1e-3;
/** Molecules of this many heavy atoms keep nmax (and SwiftShader's time) small but not trivial. */
const MIN_ATOMS = 8;
const MAX_ATOMS = 14;

/** Every network at narrow widths and shallow depths; each preset keeps its own atom classes. */
export const PARITY_OVERRIDES = {
  gin: { numLayers: 2, dim: 16 },
  schnet: { numInteractions: 1, dim: 16, numFilters: 16, numGaussians: 8 },
  score2Dto3D: { numBlocks: 1 },
  score3Dto2D: { nfeat: 16, depthX: 2, numLayers: 2 },
};

export interface PresetParity {
  preset: PresetName;
  parameterCount: number;
  /** Loss terms of step 0 (initial weights) and of step 1 (after one Adam update). */
  step0: LossTerms;
  step1: LossTerms;
}

export interface ParityResult {
  dataset: { name: string; count: number };
  indices: number[];
  smiles: string[];
  numAtoms: number;
  presets: PresetParity[];
}

/** The first PARITY_BATCH training molecules with MIN_ATOMS..MAX_ATOMS heavy atoms, in file order. */
export function parityIndices(dataset: Dataset): number[] {
  const picked: number[] = [];
  for (const i of trainingIndices(dataset)) {
    if (dataset.atomCounts[i] >= MIN_ATOMS && dataset.atomCounts[i] <= MAX_ATOMS) picked.push(i);
    if (picked.length === PARITY_BATCH) return picked;
  }
  throw new Error(`parity: ${dataset.name} has fewer than ${PARITY_BATCH} training molecules with ${MIN_ATOMS}..${MAX_ATOMS} atoms`);
}

async function readTerms(e: Engine, tensors: Record<(typeof LOSS_TERMS)[number], Parameters<Engine['readF32']>[0]>): Promise<LossTerms> {
  const out = {} as LossTerms;
  for (const k of LOSS_TERMS) out[k] = (await e.readF32(tensors[k]))[0];
  return out;
}

async function runPreset(e: Engine, dataset: Dataset, batch: Batch, preset: PresetName): Promise<PresetParity> {
  const trainer = Trainer.create(e, dataset, {
    preset,
    overrides: PARITY_OVERRIDES,
    batchSize: PARITY_BATCH,
    lr: PARITY_LR,
    seed: PARITY_SEED,
    logEvery: 1,
    datasetName: dataset.name,
  });
  try {
    const r = await trainer.step(batch);
    if (!r.window) throw new Error('parity: the training step with logEvery 1 returned no loss window');
    if (r.window.skipped.length > 0) throw new Error(`parity: ${preset} step 0 was skipped: ${r.window.skipped[0].reason}`);
    const step0 = r.window.losses[0];
    const L = trainer.model.losses(uploadBatch(e, batch), { seed: PARITY_SEED, step: 1 });
    const step1 = await readTerms(e, L);
    e.endStep();
    return { preset, parameterCount: trainer.parameterCount(), step0, step1 };
  } finally {
    trainer.dispose();
  }
}

/** Both presets on the same fixed batch of the data set in `bytes`. */
export async function runParity(e: Engine, bytes: ArrayBuffer | Uint8Array, datasetName: string): Promise<ParityResult> {
  const dataset = parseDataset(bytes, datasetName);
  const indices = parityIndices(dataset);
  const batch = makeBatch(dataset, indices);
  const presets: PresetParity[] = [];
  for (const preset of PARITY_PRESETS) presets.push(await runPreset(e, dataset, batch, preset));
  return { dataset: { name: dataset.name, count: dataset.count }, indices, smiles: batch.smiles, numAtoms: batch.numNodes, presets };
}

/**
 * Control (Node side only): step-1 losses of fresh weights, i.e. without the step-0 update. Its
 * distance to the trained step-1 losses shows how much one Adam step moves them, which the
 * parity tolerance must be far below for the comparison to see a wrong or missing update.
 */
export async function stepOneWithoutUpdate(e: Engine, bytes: ArrayBuffer | Uint8Array, datasetName: string, preset: PresetName): Promise<LossTerms> {
  const dataset = parseDataset(bytes, datasetName);
  const batch = makeBatch(dataset, parityIndices(dataset));
  const model = new MoleculeSDE(e, resolveConfig(preset, PARITY_OVERRIDES), PARITY_SEED);
  const L = model.losses(uploadBatch(e, batch), { seed: PARITY_SEED, step: 1 });
  const terms = await readTerms(e, L);
  e.endStep();
  for (const p of [...model.parameters(), ...model.buffers()]) e.dispose(p.tensor);
  return terms;
}
