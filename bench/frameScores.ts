/**
 * What recording the score at every recorded frame costs (the trajectory view's score-norm
 * colouring; SamplerHooks.frameScores): the same sampling run with and without it, interleaved,
 * on the shipped checkpoint, at the 2D->3D tab's default ratio of steps to frames (one frame every
 * 5 steps).
 *
 *   node --import ./app/cli/register.mjs bench/frameScores.ts [steps=40] [reps=3]
 */
import { readSmiles } from '../app/chem/io';
import { getRDKit } from '../app/chem/rdkit';
import { replicate, sampleConformers } from '../app/sde/conformers';
import { DEFAULT_CHECKPOINT, loadCheckpointFile, openEngine } from '../app/sde/cliSupport';
import { batchMoleculeOf } from '../app/sde/molecules';

const steps = Number(process.argv[2] ?? 40);
const reps = Number(process.argv[3] ?? 3);
const rd = await getRDKit();
const mol = readSmiles(rd, 'CC(=O)O');
const { engine, adapter } = await openEngine();
const { model } = loadCheckpointFile(engine, DEFAULT_CHECKPOINT);
const molecules = replicate([batchMoleculeOf(mol)], 4);
const settings = { sampler: 'pc' as const, steps, seed: 1, correctorSteps: 1, frameStride: 5 };
const run = async (frameScores: boolean) => {
  const t0 = performance.now();
  await sampleConformers(engine, model, molecules, settings, { frameScores, onFrame: () => undefined });
  return (performance.now() - t0) / 1000;
};
await run(false); // warm-up: pipelines compile once
const times: Record<'off' | 'on', number[]> = { off: [], on: [] };
for (let r = 0; r < reps; r++) {
  times.off.push(await run(false));
  times.on.push(await run(true));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`${adapter}; CC(=O)O x 4, PC ${steps} steps (corrector 1), a frame every 5 steps`);
console.log(`without frame scores: ${times.off.map((t) => t.toFixed(2)).join(', ')} s (median ${median(times.off).toFixed(2)})`);
console.log(`with frame scores:    ${times.on.map((t) => t.toFixed(2)).join(', ')} s (median ${median(times.on).toFixed(2)})`);
console.log(`ratio with / without: ${(median(times.on) / median(times.off)).toFixed(3)}`);
process.exit(0);
