/**
 * 2D -> 3D conformers from the command line, on the same kernels as the browser worker.
 *
 *   npm run sample -- --smiles "CC(=O)Oc1ccccc1C(=O)O" -n 10 --steps 500 --seed 1 --out confs.sdf \
 *     [--checkpoint public/checkpoints/default.safetensors] [--sampler pc|ode] [--corrector 1]
 *     [--snr 0.2] [--ode heun|euler] [--force] [--no-chirality-fix]
 *
 * Writes an SDF with one record per conformer: the input graph's atoms and bonds (heavy atoms) and
 * the model's raw positions (centred, no force-field clean-up), with the settings as data items.
 * The output is checked before sampling (not the checkpoint, not an existing file unless --force,
 * a writable folder) and written atomically; a diverging sampler stops with the step it reached.
 * Stereocentres: a conformer whose centres come out inverted is mirrored (app/sde/chirality.ts,
 * docs/method.md §2.8) unless --no-chirality-fix; each record says whether it was.
 */
import { readSmiles, writeSdf } from '../chem/io';
import { getRDKit } from '../chem/rdkit';
import { conformerOf, replicate, sampleConformers } from '../sde/conformers';
import { DEFAULT_CHECKPOINT, UsageError, loadCheckpointFile, openEngine, parseFlags, runCli, trainingDomainWarning } from '../sde/cliSupport';
import { batchMoleculeOf } from '../sde/molecules';
import { describeChiralityFix, fixBatchChirality, summariseChiralityFix } from '../sde/chirality';
import { resolveSamplerSettings, type SamplerKind } from '../sde/sampler';
import { checkOutput, writeFileAtomic } from './outputs';

const USAGE = `usage: npm run sample -- --smiles SMILES --out FILE.sdf [-n 10] [--steps 500] [--seed 1]
       [--checkpoint ${DEFAULT_CHECKPOINT}] [--sampler pc|ode] [--corrector 1] [--snr 0.2] [--ode heun|euler] [--force]
       [--no-chirality-fix]`;

/** Most atoms (conformers x heavy atoms) one run samples: the batch's GPU buffers grow with it. */
export const MAX_CLI_SAMPLE_ATOMS = 200_000;

runCli('sample', USAGE, async () => {
  const f = parseFlags(process.argv.slice(2), {
    smiles: 'string', n: 'int', steps: 'int', seed: 'int', out: 'string', checkpoint: 'string', sampler: 'string', corrector: 'int', snr: 'number', ode: 'string', force: 'boolean',
    'no-chirality-fix': 'boolean',
  }, { '-n': '--n' });
  if (typeof f.smiles !== 'string') throw new UsageError('--smiles is required');
  if (typeof f.out !== 'string') throw new UsageError('--out is required');
  const count = (f.n as number | undefined) ?? 10;
  if (count < 1) throw new UsageError('-n must be at least 1');
  if (count > MAX_CLI_SAMPLE_ATOMS) throw new UsageError(`-n ${count} is more than ${MAX_CLI_SAMPLE_ATOMS} conformers; run several times with different --seed`);
  let settings;
  try {
    settings = resolveSamplerSettings({
      sampler: f.sampler as SamplerKind | undefined,
      steps: f.steps as number | undefined,
      seed: f.seed as number | undefined,
      correctorSteps: f.corrector as number | undefined,
      snr: f.snr as number | undefined,
      odeMethod: f.ode as 'euler' | 'heun' | undefined,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const checkpoint = (f.checkpoint as string | undefined) ?? DEFAULT_CHECKPOINT;
  checkOutput(f.out, { flag: '--out', inputs: [checkpoint], force: f.force === true });

  const rd = await getRDKit();
  const mol = readSmiles(rd, f.smiles);
  if (count * mol.atoms.length > MAX_CLI_SAMPLE_ATOMS) {
    throw new UsageError(`-n ${count} conformers x ${mol.atoms.length} atoms is more than ${MAX_CLI_SAMPLE_ATOMS} atoms in one run; ask for fewer conformers`);
  }
  const { engine, adapter } = await openEngine();
  const { model, preset, step, datasetName } = loadCheckpointFile(engine, checkpoint);
  process.stderr.write(`sample: ${mol.smiles}, ${mol.atoms.length} heavy atoms; ${count} conformers; ${checkpoint} (${preset}, step ${step}); ${adapter}\n`);
  const warning = trainingDomainWarning(datasetName, mol.atoms.map((a) => a.element));
  if (warning) process.stderr.write(`sample: ${warning}\n`);
  const t0 = performance.now();
  // Progress on stderr: a frame (a read-back) every ~5% of the steps; each frame is also checked
  // for divergence (app/sde/health.ts).
  const frameStride = Math.max(1, Math.round(settings.steps / 20));
  const result = await sampleConformers(engine, model, replicate([batchMoleculeOf(mol)], count), { ...settings, frameStride }, {
    onFrame: (s, total) => void process.stderr.write(`\rsample: step ${s} / ${total}`),
  }).catch((e: unknown) => {
    process.stderr.write('\n');
    throw e;
  });
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(`\rsample: ${settings.steps} steps in ${seconds.toFixed(1)} s\n`);
  const chiralityFix = f['no-chirality-fix'] !== true;
  const fixes = chiralityFix ? fixBatchChirality(rd, replicate([mol], count), result.positions, result.nodeOffsets) : null;
  if (fixes) process.stderr.write(`sample: ${summariseChiralityFix(fixes)}\n`);
  const sampler = settings.sampler === 'pc' ? `pc (corrector ${settings.correctorSteps}, snr ${settings.snr})` : `ode (${settings.odeMethod})`;
  const sdf = writeSdf(
    Array.from({ length: count }, (_, g) => ({
      molecule: { ...mol, name: `${mol.smiles} conformer ${g + 1}` },
      positions: conformerOf(result, g),
      props: {
        conformer: String(g + 1), checkpoint, sampler, steps: String(settings.steps), seed: String(settings.seed),
        chirality_fix: fixes ? describeChiralityFix(fixes[g]) : 'off',
      },
    })),
  );
  writeFileAtomic(f.out, sdf);
  process.stderr.write(`sample: wrote ${count} conformers to ${f.out}\n`);
});
