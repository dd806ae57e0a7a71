/**
 * 2D -> 3D sampling with a MoleculeSDE (docs/method.md §2.7): K conformers of one molecule, or many
 * molecules, as one disjoint-union batch (each molecule replicated K times), reverse diffusion on
 * positions with the network's eps_hat (score = -eps_hat / std(t)), all on the GPU.
 *
 * The result is the network's raw output (the last predictor mean), centred per conformer (a
 * translation: the model is translation-equivariant only through centring). No force-field
 * clean-up happens here.
 */
import type { Engine } from '../../kernels/engine';
import { makeBatch, type Batch, type BatchMolecule } from '../data/batch';
import { uploadBatch } from '../model/batchGpu';
import type { MoleculeSDE } from '../model/moleculeSDE';
import { checkSampledValues } from './health';
import { disposeLayout, sparseRowsLayout } from './kernels';
import { runSampler, type SamplerHooks, type SamplerSettings } from './sampler';

/** Each molecule `count` times in a row: [m0, m0, .., m1, m1, ..]. */
export function replicate<T>(molecules: readonly T[], count: number): T[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`replicate: count must be a positive integer, got ${count}`);
  return molecules.flatMap((m) => Array.from({ length: count }, () => m));
}

/** Subtracts each graph's mean position (rows nodeOffsets[g] .. nodeOffsets[g+1]) in place. */
export function centrePerGraph<T extends Float32Array | Float64Array>(positions: T, nodeOffsets: ArrayLike<number>): T {
  for (let g = 0; g + 1 < nodeOffsets.length; g++) {
    const [a, b] = [nodeOffsets[g], nodeOffsets[g + 1]];
    for (let k = 0; k < 3; k++) {
      let c = 0;
      for (let i = a; i < b; i++) c += positions[3 * i + k];
      c /= b - a;
      for (let i = a; i < b; i++) positions[3 * i + k] -= c;
    }
  }
  return positions;
}

export interface ConformerFrame {
  /** The frame's time t and sigma(t) (Å), the 2D->3D SDE's marginal std. */
  t: number;
  sigma: number;
  /** With `frameScores`: the score s_theta(x_t, t) [N, 3] at the frame's (uncentred) positions. */
  scores?: Float32Array;
}

export interface ConformerFrameHook {
  /** Positions [N, 3] of the whole batch (centred per graph) after `step` of `total` steps. */
  onFrame?: (step: number, total: number, positions: Float32Array, frame: ConformerFrame) => void | Promise<void>;
  /** Evaluate the score at every recorded frame (one extra network evaluation per frame). */
  frameScores?: boolean;
  shouldStop?: () => boolean;
}

export interface ConformerResult {
  batch: Batch;
  /** [N, 3] in batch order, centred per graph. */
  positions: Float32Array;
  /** Conformer g's atoms are rows nodeOffsets[g] .. nodeOffsets[g + 1]. */
  nodeOffsets: Uint32Array;
  steps: number;
  stopped: boolean;
}

/**
 * Samples one conformer per entry of `molecules` (replicate() first for K per molecule). The
 * molecules need their 2D graph only; any positions they carry are ignored.
 */
export async function sampleConformers(
  engine: Engine, model: MoleculeSDE, molecules: readonly BatchMolecule[], settings: Partial<SamplerSettings>, hooks: ConformerFrameHook = {},
): Promise<ConformerResult> {
  const batch = makeBatch(molecules, { positions: 'none', radius: false });
  const gpu = uploadBatch(engine, batch, { persistent: true });
  const layout = sparseRowsLayout(engine, Array.from(batch.dense.counts), 3);
  const h2 = engine.keep(model.encode2D(gpu));
  const network = model.epsEvaluator2Dto3D(gpu, h2);
  const sde = model.config.sde2Dto3D;
  // Every frame read back is checked for divergence before anyone sees it (the check is a pass
  // over values already on the host); the final state is checked below.
  const samplerHooks: SamplerHooks = {
    shouldStop: hooks.shouldStop,
    frameScores: hooks.frameScores,
    onFrame: hooks.onFrame
      ? (step, total, [x], extra) => {
          checkSampledValues(x, step, total, settings);
          const frame: ConformerFrame = { t: extra.t, sigma: model.sde2Dto3D.marginalStd(extra.t), scores: extra.scores?.[0] };
          return hooks.onFrame!(step, total, centrePerGraph(x, batch.nodeOffsets), frame);
        }
      : undefined,
  };
  try {
    const result = await runSampler(
      engine,
      {
        layouts: [layout],
        sde: { kind: sde.kind, min: sde.min, max: sde.max },
        numGraphs: batch.numGraphs,
        evaluate: ([x], t, tHost) => [network.eps(x, t, tHost)],
        scoreScale: (t) => -1 / model.sde2Dto3D.marginalStd(t),
      },
      settings,
      samplerHooks,
    );
    checkSampledValues(result.states[0], result.steps, settings.steps ?? result.steps, settings);
    return {
      batch,
      positions: centrePerGraph(result.states[0], batch.nodeOffsets),
      nodeOffsets: batch.nodeOffsets,
      steps: result.steps,
      stopped: result.stopped,
    };
  } finally {
    network.dispose();
    engine.dispose(h2);
    disposeLayout(engine, layout);
    gpu.dispose();
  }
}

/** Positions of conformer g as its own [n, 3] array. */
export function conformerOf(result: Pick<ConformerResult, 'positions' | 'nodeOffsets'>, g: number): Float32Array {
  return result.positions.slice(3 * result.nodeOffsets[g], 3 * result.nodeOffsets[g + 1]);
}
