/**
 * Held-out evaluation from the command line (app/sde/evaluate.ts), writing eval/results.{md,json}.
 *
 *   npm run eval [-- --quick] [--checkpoint public/checkpoints/default.safetensors]
 *     [--data public/data/qm9like.bin] [--limit N] [--steps 500] [--topology-steps 500]
 *     [--sampler pc|ode] [--corrector 1] [--snr 0.2] [--seed 1] [--batch 16] [--out-dir DIR] [--force]
 *     [--no-chirality-fix]
 *
 * --quick: a handful of test molecules (8) and 100 steps per direction unless given, so the table
 * is there in about a minute on a CPU adapter; the full run takes every test molecule.
 * --no-chirality-fix: judge the sampler's raw conformers, without the chirality fix of
 * app/sde/chirality.ts (mirror, centre inversion, E/Z turn) that the sample CLI and the tab apply by default.
 *
 * Results go to a new folder eval/runs/run-<date-time>/ unless --out-dir names one, so the committed
 * eval/results.md is never replaced by accident; an existing results file there needs --force.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutput, freshRunFolder, writeFileAtomic } from './outputs';
import { parseDataset } from '../data/dataset';
import { getRDKit } from '../chem/rdkit';
import { DEFAULT_CHECKPOINT, UsageError, loadCheckpointFile, openEngine, parseFlags, runCli } from '../sde/cliSupport';
import { mergeEvalSettings, runEvaluation } from '../sde/evaluate';
import { resultsJson, resultsMarkdown } from '../sde/report';
import type { SamplerKind } from '../sde/sampler';

const USAGE = `usage: npm run eval [-- --quick] [--checkpoint ${DEFAULT_CHECKPOINT}] [--data public/data/qm9like.bin]
       [--limit N] [--steps 500] [--topology-steps 500] [--sampler pc|ode] [--corrector 1] [--snr 0.2]
       [--seed 1] [--batch 16] [--out-dir DIR (default: a new eval/runs/run-DATE folder)] [--force] [--no-chirality-fix]`;

runCli('eval', USAGE, async () => {
  const f = parseFlags(process.argv.slice(2), {
    quick: 'boolean', checkpoint: 'string', data: 'string', limit: 'int', steps: 'int', 'topology-steps': 'int', sampler: 'string',
    corrector: 'int', snr: 'number', seed: 'int', batch: 'int', 'out-dir': 'string', force: 'boolean',
    'no-chirality-fix': 'boolean',
  });
  const quick = f.quick === true;
  const checkpoint = (f.checkpoint as string | undefined) ?? DEFAULT_CHECKPOINT;
  const dataPath = (f.data as string | undefined) ?? 'public/data/qm9like.bin';
  const outDir = (f['out-dir'] as string | undefined) ?? freshRunFolder(join('eval', 'runs'));
  const steps = (f.steps as number | undefined) ?? (quick ? 100 : 500);
  const sampler = {
    sampler: f.sampler as SamplerKind | undefined,
    correctorSteps: f.corrector as number | undefined,
    snr: f.snr as number | undefined,
    seed: f.seed as number | undefined,
  };
  let settings;
  try {
    settings = mergeEvalSettings({
      maxMolecules: (f.limit as number | undefined) ?? (quick ? 8 : null),
      batchMolecules: (f.batch as number | undefined) ?? (quick ? 8 : 16),
      conformerSampler: { ...sampler, steps },
      topologySampler: { ...sampler, steps: (f['topology-steps'] as number | undefined) ?? steps },
      chiralityFix: f['no-chirality-fix'] !== true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  // Checked before the (long) evaluation: the results may replace neither an input nor an existing file.
  for (const name of ['results.md', 'results.json']) {
    checkOutput(join(outDir, name), { flag: '--out-dir', inputs: [checkpoint, dataPath], force: f.force === true });
  }

  let bytes: Buffer;
  try {
    bytes = readFileSync(dataPath);
  } catch (e) {
    throw new Error(`cannot read the data set ${dataPath}: ${(e as Error).message}`);
  }
  const dataset = parseDataset(bytes, dataPath);
  const rd = await getRDKit();
  const { engine, adapter } = await openEngine();
  const { preset, step, model } = loadCheckpointFile(engine, checkpoint);
  process.stderr.write(`eval: ${checkpoint} (${preset}, step ${step}) on ${dataPath}; ${adapter}\n`);
  const result = await runEvaluation(
    { engine, rd, model, dataset, checkpoint: `${checkpoint} (${preset}, step ${step})`, adapter, log: (m) => process.stderr.write(`${m}\n`) },
    settings,
  );
  const md = resultsMarkdown(result);
  writeFileAtomic(join(outDir, 'results.md'), md);
  writeFileAtomic(join(outDir, 'results.json'), resultsJson(result));
  process.stdout.write(md);
  process.stderr.write(`eval: wrote ${join(outDir, 'results.md')} and ${join(outDir, 'results.json')}\n`);
});
