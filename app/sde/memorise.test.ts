/**
 * Memorisation: the real networks (MoleculeSDE, generative preset and recipe, small widths),
 * trained by the real Trainer on the model's own loss on one molecule, must regenerate it through
 * the real sampler: every 2D->3D sample (sampleConformers, PC) within 0.1 Å heavy-atom RMSD of the
 * training geometry after Kabsch superposition, minimised over graph automorphisms (align.ts).
 * A model that memorises a single geometry is the simplest end-to-end check that the loss, the
 * preconditioning of eps_hat and the sampler agree: a mismatch of time, scale, sign or centring
 * between training and sampling leaves samples far above 0.1 Å (after 30 of the 300 training
 * steps the worst of the 8 samples is 1.2 Å off; after 300, 0.05 Å: measured while writing this).
 *
 * The molecule is acetone (heavy-atom MMFF geometry of app/sde/fixtures/molecules.sdf). The data
 * set holds it REPLICAS times and a step takes all of them, so each step sees REPLICAS noise levels.
 *
 * Not asserted here, measured while writing this test (see issue 9's closing note):
 * - 3D->2D exact graphs of one molecule: with a single graph the 3D->2D network never needs its 3D
 *   input (the noisy bond codes alone identify the graph at the trained noise levels), and from the
 *   VE prior N(0, 1) it decodes clean but arbitrary bond patterns.
 * - Rings: pyridine trained alone comes back right in about half of the samples; the rest sit at a
 *   consistent 1.3 Å (600-1200 steps, widths 16 and 32).
 * - Four acyclic molecules x 8 replicas, 1200 steps: 15/16 conformers within 0.1 Å (worst 0.155),
 *   7/8 graphs exact: not yet reliable at a CI budget.
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { automorphisms, symmetricRmsd } from '../chem/align';
import type { ChemMolecule } from '../chem/molecule';
import { getRDKit, type RDKit } from '../chem/rdkit';
import { parseDataset } from '../data/dataset';
import { writeDataset } from '../data/write';
import { Trainer } from '../train/loops';
import { conformerOf, replicate, sampleConformers } from './conformers';
import { batchMoleculeOf } from './molecules';
import { loadFixtureMolecules } from './testFixtures';
import type { SamplerSettings } from './sampler';

/** Small widths and depths, 10 atom classes, no dropout, the two generative terms (no contrastive term). */
const SMALL = {
  gin: { numLayers: 2, dim: 16 },
  schnet: { numInteractions: 1, dim: 16, numFilters: 16, numGaussians: 8 },
  score2Dto3D: { numBlocks: 1, dropout: 0 },
  score3Dto2D: { nfeat: 16, depthX: 2, numLayers: 2 },
  numAtomClasses: 10,
  lrScale3D: 1,
  coeffs: { contrastive: 0, gen2Dto3D: 1, gen3Dto2D: 1 },
};

interface MemoriseCase {
  molecules: string[];
  replicas: number;
  trainSteps: number;
  lr: number;
  conformersPerMolecule: number;
  sampler: Partial<SamplerSettings>;
}

async function trainOn(rd: RDKit, names: readonly string[], c: MemoriseCase): Promise<{ trainer: Trainer; mols: ChemMolecule[] }> {
  const e = await testEngine();
  const fixtures = loadFixtureMolecules(rd);
  const mols = names.map((n) => {
    const m = fixtures.get(n);
    if (!m) throw new Error(`memorise: no fixture molecule '${n}'`);
    return m;
  });
  const records = replicate(mols, c.replicas).map((m) => {
    const b = batchMoleculeOf(m);
    return {
      smiles: m.smiles ?? 'x', atomFeatures: b.atomFeatures, bonds: b.bonds, bondFeatures: b.bondFeatures, positions: m.positions!,
      labels: [], split: 'train' as const, scaffoldId: 0,
    };
  });
  const dataset = parseDataset(writeDataset(records, { meta: { name: 'memorise', labelNames: [], labelUnits: [] }, numScaffolds: 1 }), 'memorise.bin');
  const trainer = Trainer.create(e, dataset, {
    preset: 'generative', overrides: SMALL, batchSize: records.length, lr: c.lr, seed: 1, logEvery: 50, datasetName: 'memorise',
  });
  while (trainer.steps < c.trainSteps) {
    const { window } = await trainer.step();
    if (window) expect(window.skipped, 'no step may be skipped (NaN/Inf)').toEqual([]);
  }
  await trainer.flush();
  return { trainer, mols };
}

async function expectMemorised(c: MemoriseCase): Promise<void> {
  const e = await testEngine();
  const rd = await getRDKit();
  const { trainer, mols } = await trainOn(rd, c.molecules, c);
  try {
    const K = c.conformersPerMolecule;
    const inputs = mols.map((m) => batchMoleculeOf(m));
    const conformers = await sampleConformers(e, trainer.model, replicate(inputs, K), { seed: 3, ...c.sampler });
    const rmsds = mols.map((m, i) => {
      const perms = automorphisms(rd, m);
      return Array.from({ length: K }, (_, k) => symmetricRmsd(conformerOf(conformers, i * K + k), m.positions!, perms).rmsd);
    });
    const worst = Math.max(...rmsds.flat());
    const summary = rmsds.map((r, i) => `${c.molecules[i]} ${r.map((v) => v.toFixed(3)).join(' ')}`).join('; ');
    console.log(`memorised 2D->3D RMSD (Å): ${summary}`);
    expect(worst, `RMSD (Å) per molecule: ${summary}`).toBeLessThanOrEqual(0.1);
  } finally {
    trainer.dispose();
  }
}

describe('memorisation: trained on one molecule, the networks regenerate its geometry', () => {
  it('one molecule (acetone): every 2D->3D sample is the training geometry within 0.1 Å', async () => {
    await expectMemorised({
      molecules: ['acetone'], replicas: 8, trainSteps: 300, lr: 5e-3, conformersPerMolecule: 8,
      sampler: { sampler: 'pc', steps: 100, correctorSteps: 1 },
    });
  }, 900_000);
});
