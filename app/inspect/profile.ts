/**
 * The kernel profiler of the playground: one training step and one sampling step on the visitor's
 * own GPU, through Engine.startProfile. Where the adapter has timestamp queries each dispatch is
 * timed in its own compute pass; where it has not (SwiftShader in a page, most browsers without a
 * flag) the dispatches are only counted, and the report says so.
 *
 * Both runs leave the user's state alone: the training step runs on a throwaway Trainer built from
 * the Train panel's settings (a first, unprofiled step compiles the pipelines), the sampling step on
 * the chosen model, stopped after its first predictor-corrector step.
 */
import type { Engine, ProfileReport, ProfileRow } from '../../kernels/engine';
import type { Dataset } from '../data/dataset';
import type { MoleculeSDE } from '../model/moleculeSDE';
import type { BatchMolecule } from '../data/batch';
import { Trainer, type TrainerOptions } from '../train/loops';
import { replicate, sampleConformers } from '../sde/conformers';

export interface ProfileFamily {
  family: string;
  gpuMs: number;
  count: number;
}

export interface ProfilePhase {
  /** What was profiled, in words. */
  what: string;
  timestamps: boolean;
  dispatches: number;
  clears: number;
  copies: number;
  /** GPU time in dispatches (0 without timestamps). */
  gpuMs: number;
  /** Wall time of the profiled run, host and GPU (the per-dispatch passes add a little). */
  wallMs: number;
  families: ProfileFamily[];
  /** Every kernel (op entryPoint), by GPU time, or by count without timestamps. */
  kernels: ProfileRow[];
}

export interface ProfileResult {
  adapter: string;
  timestampQuery: boolean;
  phases: ProfilePhase[];
  /** ISO time of the run. */
  at: string;
}

/** The op family of a dispatch label `op entryPoint` (e.g. 'bmm gemm_nn' -> 'bmm'). */
export function familyOf(label: string): string {
  return label.split(/[ .(+]/)[0] || label;
}

/** Groups a profile's rows by op family, sorted by GPU time (by count when untimed). */
export function summariseProfile(report: ProfileReport, what: string, wallMs: number): ProfilePhase {
  const byFamily = new Map<string, ProfileFamily>();
  for (const r of report.rows) {
    const f = familyOf(r.label);
    const v = byFamily.get(f) ?? { family: f, gpuMs: 0, count: 0 };
    v.gpuMs += r.gpuMs;
    v.count += r.count;
    byFamily.set(f, v);
  }
  const order = report.timestamps
    ? (a: { gpuMs: number; count: number }, b: { gpuMs: number; count: number }) => b.gpuMs - a.gpuMs || b.count - a.count
    : (a: { gpuMs: number; count: number }, b: { gpuMs: number; count: number }) => b.count - a.count;
  return {
    what,
    timestamps: report.timestamps,
    dispatches: report.dispatches,
    clears: report.clears,
    copies: report.copies,
    gpuMs: report.gpuMs,
    wallMs,
    families: [...byFamily.values()].sort(order),
    kernels: [...report.rows].sort(order),
  };
}

async function profiled(engine: Engine, what: string, run: () => Promise<void>): Promise<ProfilePhase> {
  await engine.sync();
  engine.startProfile({ timestamps: 'auto' });
  const t0 = performance.now();
  try {
    await run();
    await engine.sync();
  } catch (e) {
    await engine.stopProfile().catch(() => undefined);
    throw e;
  }
  const wallMs = performance.now() - t0;
  return summariseProfile(await engine.stopProfile(), what, wallMs);
}

/**
 * One training step of a fresh Trainer (the given options, e.g. the Train panel's settings), after
 * one unprofiled warm-up step that compiles the pipelines and fills the buffer pool.
 */
export async function profileTrainingStep(engine: Engine, dataset: Dataset, options: TrainerOptions): Promise<ProfilePhase> {
  const trainer = Trainer.create(engine, dataset, { ...options, logEvery: 1_000_000 });
  try {
    await trainer.step();
    await engine.sync();
    return await profiled(engine, `one training step: ${options.preset} preset, batch ${options.batchSize} of ${dataset.name}, ${trainer.parameterCount()} parameters (forward, backward, health check, Adam)`, async () => {
      await trainer.step();
    });
  } finally {
    trainer.dispose();
  }
}

/**
 * One predictor-corrector step (1 Langevin corrector + 1 reverse-diffusion predictor) of sampling
 * `count` conformers of `molecule`, after a warm-up run of the same kind. The profiled run also
 * holds the 2D encoder, the prior draw and the final read-back, which a whole run does once.
 */
export async function profileSamplingStep(engine: Engine, model: MoleculeSDE, molecule: BatchMolecule, count: number, label: string): Promise<ProfilePhase> {
  const settings = { sampler: 'pc' as const, steps: 200, correctorSteps: 1, evalsPerSubmit: 2, frameStride: 0, seed: 1 };
  const once = () => sampleConformers(engine, model, replicate([molecule], count), settings, { shouldStop: () => true });
  const warm = await once();
  if (warm.steps !== 1) throw new Error(`profiler: the sampling warm-up ran ${warm.steps} steps, expected 1`);
  return profiled(engine, `one sampling step: ${count} conformers x ${molecule.numAtoms} atoms, 1 corrector + 1 predictor step with ${label} (plus the 2D encoder, prior draw and read-back)`, async () => {
    await once();
  });
}
