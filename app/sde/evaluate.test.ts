import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { parseDataset } from '../data/dataset';
import { getRDKit } from '../chem/rdkit';
import { resolveConfig } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { runEvaluation } from './evaluate';
import { resultsJson, resultsMarkdown } from './report';
import { TINY_OVERRIDES } from '../model/testCheckpoint';
import { compareTopology } from '../chem/topologyMetrics';

describe('topology comparison', () => {
  it('counts bonds over the union of bonded pairs and requires every atom and pair for exact', () => {
    // Reference: 0-1 single, 1-2 double. Prediction: 0-1 single, 1-2 single, 0-2 single (extra).
    const ref = Uint8Array.from([0, 1, 0, 1, 0, 2, 0, 2, 0]);
    const pred = Uint8Array.from([0, 1, 1, 1, 0, 1, 1, 1, 0]);
    const c = compareTopology([6, 6, 8], ref, [6, 6, 8], pred);
    expect(c.bondsUnion).toBe(3);
    expect(c.bondsCorrect).toBe(1);
    expect(c.bondAccuracy).toBeCloseTo(1 / 3, 12);
    expect(c.exact).toBe(false);
    expect(compareTopology([6, 6, 8], ref, [6, 6, 8], ref).exact).toBe(true);
    expect(compareTopology([6, 6, 8], ref, [6, 7, 8], ref).exact).toBe(false);
  });
});

describe('held-out evaluation', () => {
  it('runs on the test split of a small data set with a tiny random model and writes the table', async () => {
    const e = await testEngine();
    const rd = await getRDKit();
    const bytes = readFileSync(fileURLToPath(new URL('../data/fixtures/tiny.bin', import.meta.url)));
    const dataset = parseDataset(bytes, 'tiny.bin');
    const config = resolveConfig('generative', TINY_OVERRIDES);
    const model = new MoleculeSDE(e, config, 4);
    const r = await runEvaluation(
      { engine: e, rd, model, dataset, checkpoint: 'random init (seed 4)' },
      { conformerSampler: { steps: 4 }, topologySampler: { steps: 4 } },
    );
    // tiny.bin's test split: phenol and (E)-1,2-difluoroethene, each with 2 stored ETKDG conformers.
    expect(r.molecules).toBe(2);
    const m = r.conformers.model;
    expect(m.molecules).toBe(2);
    expect(m.conformers).toBe(4);
    expect(m.stereoMolecules).toBe(1);
    for (const v of [m.covR, m.covP]) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of [m.matR, m.matP, m.bondLengthError, m.bondAngleError]) expect(Number.isFinite(v)).toBe(true);
    // The baseline conformers are MMFF geometries of the same graphs: close to the references.
    const b = r.conformers.baseline!;
    expect(b.conformers).toBe(4);
    expect(b.matR).toBeLessThan(0.5);
    expect(b.bondLengthError).toBeLessThan(0.05);
    expect(b.chiralityKept).toBe(1);
    // Distance perception on the stored geometries recovers both graphs.
    expect(r.topology.baseline.exact).toBe(1);
    expect(r.topology.baseline.bondAccuracy).toBe(1);
    expect(r.topology.model.molecules).toBe(2);
    const md = resultsMarkdown(r);
    expect(md).toContain('random init (seed 4)');
    expect(md).toContain('COV-R @ 0.5 Å');
    expect(md).toContain('exact-graph recovery');
    const json = JSON.parse(resultsJson(r));
    expect(json.settings.conformerSampler.steps).toBe(4);
    expect(json.topology.baseline.exact).toBe(1);
  });
});
