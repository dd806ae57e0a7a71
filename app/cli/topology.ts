/**
 * 3D -> 2D: recover the molecular graph from a geometry with the model, from the command line.
 *
 *   npm run topology -- --in mol.sdf [--checkpoint public/checkpoints/default.safetensors]
 *     [--steps 500] [--seed 1] [--sampler pc|ode] [--corrector 1] [--snr 0.2] [--no-valency-correction]
 *
 * Every record of the SDF is a geometry (heavy atoms; hydrogens are dropped); all records are
 * sampled as one batch. For each it prints the recovered SMILES (or why the graph is not a
 * molecule), the bond accuracy against the record's own bonds, and the distance-perception
 * baseline's result beside it. A graph that is not a molecule as decoded goes through the
 * decoder's valency correction (docs/method.md §3.8: the least confident bond orders are lowered
 * until it is one), and its line says which bonds were lowered; --no-valency-correction skips it.
 */
import { readFileSync } from 'node:fs';
import { readSdf } from '../chem/io';
import { geometryProblem } from '../chem/molecule';
import { readXyz, xyzToMolecule } from '../chem/xyz';
import { getRDKit } from '../chem/rdkit';
import { DEFAULT_CHECKPOINT, UsageError, loadCheckpointFile, openEngine, parseFlags, runCli } from '../sde/cliSupport';
import { batchMoleculeOf } from '../sde/molecules';
import { perceiveMolecule } from '../chem/perceive';
import { resolveSamplerSettings, type SamplerKind } from '../sde/sampler';
import { decodeTopology, sampleTopology } from '../sde/topology';
import { compareTopology, formatBondAccuracy } from '../chem/topologyMetrics';
import type { ChemMolecule } from '../chem/molecule';

const USAGE = `usage: npm run topology -- --in FILE.sdf|FILE.xyz [--checkpoint ${DEFAULT_CHECKPOINT}] [--steps 500] [--seed 1]
       [--sampler pc|ode] [--corrector 1] [--snr 0.2] [--no-valency-correction]`;

function codesOf(mol: ChemMolecule): Uint8Array {
  const n = mol.atoms.length;
  const codes = new Uint8Array(n * n);
  for (const b of mol.bonds) codes[b.a * n + b.b] = codes[b.b * n + b.a] = b.order;
  return codes;
}


runCli('topology', USAGE, async () => {
  const f = parseFlags(process.argv.slice(2), { in: 'string', checkpoint: 'string', steps: 'int', seed: 'int', sampler: 'string', corrector: 'int', snr: 'number', 'no-valency-correction': 'boolean' });
  if (typeof f.in !== 'string') throw new UsageError('--in is required');
  let settings;
  try {
    settings = resolveSamplerSettings({
      sampler: f.sampler as SamplerKind | undefined, steps: f.steps as number | undefined, seed: f.seed as number | undefined,
      correctorSteps: f.corrector as number | undefined, snr: f.snr as number | undefined,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const checkpoint = (f.checkpoint as string | undefined) ?? DEFAULT_CHECKPOINT;
  const rd = await getRDKit();
  let text: string;
  try {
    text = readFileSync(f.in, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${f.in}: ${(e as Error).message}`);
  }
  // An .xyz file (or text that starts with an atom count) is read as XYZ frames, bonds perceived.
  const isXyz = /\.xyz$/i.test(f.in) || /^\s*\d+\s*\r?\n/.test(text) && !/M {2}END/.test(text);
  const entries: { record: number; molecule: ChemMolecule }[] = [];
  if (isXyz) {
    const { frames, errors } = readXyz(text);
    for (const err of errors) process.stderr.write(`topology: ${f.in}: ${err.reason}\n`);
    for (const frame of frames) {
      try {
        entries.push({ record: frame.frame, molecule: xyzToMolecule(rd, frame) });
      } catch (e) {
        process.stderr.write(`topology: ${f.in}: ${(e as Error).message}; skipped\n`);
      }
    }
  } else {
    const { molecules, errors } = readSdf(rd, text);
    for (const err of errors) process.stderr.write(`topology: ${f.in}: ${err.reason}\n`);
    entries.push(...molecules.map((m) => ({ record: m.record, molecule: m.molecule })));
  }
  const mols = entries.map((m) => m.molecule).filter((m, i) => {
    const problem = m.positions ? geometryProblem(m.positions) : 'it has no 3D coordinates';
    if (!problem) return true;
    process.stderr.write(`topology: ${f.in}: record ${entries[i].record}: ${problem}; skipped\n`);
    return false;
  });
  if (mols.length === 0) throw new Error(`${f.in} holds no usable 3D record`);
  const { engine, adapter } = await openEngine();
  const { model, preset, step } = loadCheckpointFile(engine, checkpoint);
  process.stderr.write(`topology: ${mols.length} geometr${mols.length === 1 ? 'y' : 'ies'}; ${checkpoint} (${preset}, step ${step}); ${adapter}\n`);
  const result = await sampleTopology(engine, model, mols.map((m) => batchMoleculeOf(m)), settings);
  // One record's failure (a decoder or RDKit error) is reported on its line; the others still print.
  let failed = 0;
  for (let g = 0; g < mols.length; g++) {
    const mol = mols[g];
    const name = mol.name ? ` ${mol.name}` : '';
    console.log(`record ${g + 1}${name}: input ${mol.smiles}`);
    try {
      const rdNow = await getRDKit(); // a fresh module if an earlier record made RDKit trap
      const zs = mol.atoms.map((a) => a.atomicNumber);
      const ref = codesOf(mol);
      const d = decodeTopology(rdNow, result, g, { valencyCorrection: f['no-valency-correction'] !== true });
      const cm = compareTopology(zs, ref, d.atomicNumbers, d.sanitizedCodes ?? d.codes);
      const base = perceiveMolecule(rdNow, zs, mol.positions!);
      const cb = compareTopology(zs, ref, zs, base.check.sanitizedCodes ?? base.codes);
      console.log(`  model:    ${d.smiles ?? `not a molecule (${d.reason})`}   bond accuracy ${formatBondAccuracy(cm)}${cm.exact ? ', exact graph' : ''}`);
      if (d.corrections.length) {
        const lowered = d.corrections.map((c) => `${c.a + 1}-${c.b + 1} ${c.from}->${c.to}`).join(', ');
        console.log(`  valency correction (as decoded: ${d.reasonAsDecoded}): lowered ${lowered}`);
      }
      console.log(`  baseline: ${base.check.smiles ?? `not a molecule (${base.check.reason})`}   bond accuracy ${formatBondAccuracy(cb)}${cb.exact ? ', exact graph' : ''}`);
    } catch (e) {
      failed++;
      console.log(`  error: ${(e as Error).message}`);
    }
  }
  if (failed > 0) throw new Error(`${failed} of ${mols.length} records could not be decoded (see their lines above)`);
});
