/**
 * 3D -> 2D sampling with a MoleculeSDE (docs/method.md §3.7): from a geometry (atoms and positions), the
 * dense one-hot atom types X [B, Nmax, C] and bond-order codes A [B, Nmax, Nmax] by the same
 * predictor-corrector (or ODE) scheme, then chem/decode.ts turns them into molecules.
 *
 * - The atom count is known: every state and the networks' masks use it (the networks' flags are
 *   replaced by the atom mask, so no bond information from the input reaches them).
 * - X and A start from N(0, prior std) on live entries; A's noise is symmetric with a zero diagonal
 *   (GDSS's symmetric prior; the reference debug script leaves the initial A unsymmetrised).
 * - Score: s = -out / std(t) for both X and A, as the reference's get_score_fn (§3.6). With the
 *   'paper' loss the network learns out ~ std z, so this score is ~ std x the true one (the pitfall
 *   docs/method.md §3.6 describes); with the 'gdss' loss it is the true score.
 */
import type { Engine } from '../../kernels/engine';
import { makeBatch, type Batch, type BatchMolecule } from '../data/batch';
import { uploadBatch } from '../model/batchGpu';
import type { MoleculeSDE } from '../model/moleculeSDE';
import type { RDKit } from '../chem/rdkit';
import { decodeMolecule, type DecodedMolecule } from '../chem/decode';
import { denseRowsLayout, densePairsLayout, disposeLayout } from './kernels';
import { runSampler, type SamplerSettings } from './sampler';

export interface TopologyFrameHook {
  /** Dense A [B, Nmax, Nmax] after `step` of `total` steps. */
  onFrame?: (step: number, total: number, adjacency: Float32Array, atomTypes: Float32Array) => void | Promise<void>;
  shouldStop?: () => boolean;
}

export interface TopologyResult {
  batch: Batch;
  nmax: number;
  numClasses: number;
  /** [B, Nmax, C] final X. */
  x: Float32Array;
  /** [B, Nmax, Nmax] final A. */
  a: Float32Array;
  steps: number;
  stopped: boolean;
}

/** Samples (X, A) for each molecule's geometry (atom types for SchNet and positions are used). */
export async function sampleTopology(
  engine: Engine, model: MoleculeSDE, molecules: readonly BatchMolecule[], settings: Partial<SamplerSettings>, hooks: TopologyFrameHook = {},
): Promise<TopologyResult> {
  const batch = makeBatch(molecules, { positions: 'stored', radius: true, cutoff: model.config.schnet.cutoff });
  const gpu = uploadBatch(engine, batch, { persistent: true });
  const { nmax, counts, nodeMask } = batch.dense;
  const B = batch.numGraphs;
  const C = model.config.numAtomClasses;
  const atomMask = engine.fromArray(nodeMask, [B * nmax], { persistent: true, name: 'topology.atomMask' });
  const masked = { ...gpu, flags: atomMask };
  const xLayout = denseRowsLayout(engine, Array.from(counts), nmax, C);
  const aLayout = densePairsLayout(engine, Array.from(counts), nmax);
  const h3 = engine.keep(model.encode3D(masked, gpu.positions));
  const sde = model.config.sde3Dto2D;
  try {
    const result = await runSampler(
      engine,
      {
        layouts: [xLayout, aLayout],
        sde: { kind: sde.kind, min: sde.min, max: sde.max },
        numGraphs: B,
        evaluate: ([x, a], t) => {
          const out = model.out3Dto2D(masked, h3, x, engine.reshape(a, [B, nmax, nmax]), t);
          return [engine.reshape(out.x, [B * nmax, C]), engine.reshape(out.a, [B * nmax, nmax])];
        },
        scoreScale: (t) => -1 / model.sde3Dto2D.marginalStd(t),
      },
      settings,
      {
        shouldStop: hooks.shouldStop,
        onFrame: hooks.onFrame ? (step, total, [x, a]) => hooks.onFrame!(step, total, a, x) : undefined,
      },
    );
    return { batch, nmax, numClasses: C, x: result.states[0], a: result.states[1], steps: result.steps, stopped: result.stopped };
  } finally {
    engine.dispose(h3);
    engine.dispose(atomMask);
    disposeLayout(engine, xLayout);
    disposeLayout(engine, aLayout);
    gpu.dispose();
  }
}

/**
 * Decodes graph g of a topology result into a molecule (with its input positions for stereo), with
 * the decoder's valency correction unless `valencyCorrection` is false (chem/decode.ts).
 */
export function decodeTopology(rd: RDKit, r: TopologyResult, g: number, opts: { valencyCorrection?: boolean } = {}): DecodedMolecule {
  const n = r.batch.dense.counts[g];
  const o = r.batch.nodeOffsets[g];
  return decodeMolecule(rd, r.x, r.a, n, r.numClasses, {
    stride: r.nmax,
    xOffset: g * r.nmax * r.numClasses,
    aOffset: g * r.nmax * r.nmax,
    positions: r.batch.positions.subarray(3 * o, 3 * (o + n)),
    valencyCorrection: opts.valencyCorrection,
  });
}
