/**
 * Per-sigma diagnostics of a checkpoint's 2D->3D network on held-out molecules (app/sde/diagnose.ts):
 * its epsilon loss next to the oracle floor and the Gaussian denoiser, the one-step denoised RMSD
 * and bond error. The first thing to run after any change to the training recipe.
 *
 *   npm run diagnose -- [--checkpoint public/checkpoints/default.safetensors] [--data public/data/qm9like.bin]
 *     [--molecules 16] [--repeats 4] [--seed 0] [--sigmas 0.01,0.03,0.1,0.3,1,3,10]
 *     [--out eval/diagnostics.md] [--curve runs/curve.csv] [--noise model|centred|raw]
 *
 * Molecules: the first --molecules test-split molecules of the data set with at least 2 atoms.
 * --out writes the table as Markdown with the command, checkpoint step, adapter and wall time;
 * --curve appends one CSV row per sigma (step, sigma, network, oracle, gaussian, rmsd, bond error),
 * the learning curve of the table against training steps. --noise centred compares a legacy
 * (uncentred) checkpoint with a centred one on equal terms (default: the model's own convention).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseDataset } from '../data/dataset';
import { DEFAULT_CHECKPOINT, UsageError, loadCheckpointFile, openEngine, parseFlags, runCli } from '../sde/cliSupport';
import { DEFAULT_DIAGNOSTIC_SIGMAS, diagnose2Dto3D, diagnosticsTable } from '../sde/diagnose';
import type { BatchMolecule } from '../data/batch';

const USAGE = `usage: npm run diagnose -- [--checkpoint ${DEFAULT_CHECKPOINT}] [--data public/data/qm9like.bin] [--molecules 16]
       [--repeats 4] [--seed 0] [--sigmas 0.01,0.03,0.1,0.3,1,3,10] [--out FILE.md] [--curve FILE.csv] [--noise model|centred|raw]`;

runCli('diagnose', USAGE, async () => {
  const f = parseFlags(process.argv.slice(2), {
    checkpoint: 'string', data: 'string', molecules: 'int', repeats: 'int', seed: 'int', sigmas: 'string', out: 'string', curve: 'string', noise: 'string',
  });
  const checkpoint = (f.checkpoint as string | undefined) ?? DEFAULT_CHECKPOINT;
  const dataPath = (f.data as string | undefined) ?? 'public/data/qm9like.bin';
  const count = (f.molecules as number | undefined) ?? 16;
  const repeats = (f.repeats as number | undefined) ?? 4;
  const seed = (f.seed as number | undefined) ?? 0;
  if (count < 1) throw new UsageError('--molecules must be positive');
  if (repeats < 1) throw new UsageError('--repeats must be positive');
  if (seed < 0) throw new UsageError('--seed must not be negative');
  const sigmas = f.sigmas === undefined ? [...DEFAULT_DIAGNOSTIC_SIGMAS] : String(f.sigmas).split(',').map(Number);
  if (sigmas.length === 0 || sigmas.some((s) => !(s > 0) || !Number.isFinite(s))) throw new UsageError(`--sigmas needs positive numbers separated by commas, got '${f.sigmas}'`);
  const noise = (f.noise as string | undefined) ?? 'model';
  if (!['model', 'centred', 'raw'].includes(noise)) throw new UsageError(`--noise must be model, centred or raw, got '${noise}'`);
  const centredNoise = noise === 'model' ? undefined : noise === 'centred';
  if (!existsSync(dataPath)) throw new UsageError(`data set ${dataPath} does not exist`);
  const dataset = parseDataset(readFileSync(dataPath), dataPath.split('/').pop()!);
  const molecules: BatchMolecule[] = [];
  for (let i = 0; i < dataset.count && molecules.length < count; i++) {
    if (dataset.splitCodes[i] !== 2) continue;
    const m = dataset.molecule(i);
    if (m.numAtoms >= 2) molecules.push(m);
  }
  if (molecules.length === 0) throw new Error(`${dataPath} has no test-split molecules with 2 or more atoms`);
  const { engine, adapter } = await openEngine();
  const { model, preset, step, averaged } = loadCheckpointFile(engine, checkpoint);
  const t0 = Date.now();
  const rows = await diagnose2Dto3D(engine, model, molecules, { sigmas, repeats, seed, centredNoise });
  const seconds = (Date.now() - t0) / 1000;
  const table = diagnosticsTable(rows);
  const weights = averaged ? 'moving-average weights' : 'raw weights';
  const header = `${checkpoint} (${preset}, step ${step}, ${weights}); ${molecules.length} test molecules of ${dataPath} x ${repeats} noise draws (${noise === 'model' ? (model.config.recipe2Dto3D.centred ? 'centred' : 'uncentred') : noise === 'centred' ? 'centred' : 'uncentred'}), seed ${seed}; ${adapter}; ${seconds.toFixed(1)} s`;
  console.log(header);
  console.log(table);
  if (typeof f.out === 'string') {
    const command = `npm run diagnose -- ${process.argv.slice(2).join(' ')}`;
    writeFileSync(f.out, `# 2D->3D diagnostics\n\n\`${command}\`\n\n${header}\n\n${table}\n`);
    process.stderr.write(`diagnose: wrote ${f.out}\n`);
  }
  if (typeof f.curve === 'string') {
    if (!existsSync(f.curve)) writeFileSync(f.curve, 'step,sigma,network,oracle,gaussian,denoised_rmsd,bond_error\n');
    for (const r of rows) appendFileSync(f.curve, `${step},${r.sigma},${r.network},${r.oracle},${r.gaussian},${r.denoisedRmsd},${r.bondError}\n`);
  }
  engine.destroy();
});
