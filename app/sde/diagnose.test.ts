import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { resolveConfig } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { TINY_OVERRIDES } from '../model/testCheckpoint';
import { tinyMolecules } from '../model/testMolecules';
import { diagnose2Dto3D, diagnosticsTable, timeOfSigma } from './diagnose';

describe('per-sigma diagnostics of the 2D->3D network', () => {
  it.each([
    ['generative', 1],
    ['paper', 2],
  ] as const)('%s: the oracle floor at small sigma is the rotational (+ translational) share of the noise, %i/n per coordinate', async (preset, dofPerN) => {
    const e = await testEngine();
    // Large enough molecules that the small-sigma (linearised) Kabsch fit is accurate.
    const molecules = tinyMolecules(24, 31, 6, 10);
    const config = resolveConfig(preset, { ...TINY_OVERRIDES, sde2Dto3D: { kind: 'VE', min: 0.001, max: 10, N: 1000 } });
    const model = new MoleculeSDE(e, config, 3);
    const rows = await diagnose2Dto3D(e, model, molecules, { sigmas: [0.001, 10], repeats: 8, seed: 5 });
    // At sigma -> 0 the superposition absorbs the projection of z on the 3 rotational directions
    // (and, for uncentred noise, the 3 translations): expected loss 3 k / (3 n) = k / n per coordinate.
    const expected = molecules.reduce((s, m) => s + dofPerN / m.numAtoms, 0) / molecules.length;
    // 192 draws of a chi-square-like quantity with 3k degrees of freedom: relative standard error < 6%.
    expect(Math.abs(rows[0].oracle - expected) / expected).toBeLessThan(0.2);
    // The Gaussian denoiser is ~0 at small sigma, so its loss is the noise itself: (n - 1)/n per
    // coordinate for centred noise, 1 otherwise.
    const noiseShare = molecules.reduce((s, m) => s + (dofPerN === 1 ? (m.numAtoms - 1) / m.numAtoms : 1), 0) / molecules.length;
    expect(Math.abs(rows[0].gaussian - noiseShare) / noiseShare).toBeLessThan(0.1);
    for (const r of rows) for (const v of Object.values(r)) expect(Number.isFinite(v)).toBe(true);
    // One-step denoising from sigma = 0.001 can only be as good as the noise: the noisy RMSD is ~sigma.
    expect(rows[0].noisyRmsd).toBeLessThan(0.002);
    expect(diagnosticsTable(rows).split('\n')).toHaveLength(2 + rows.length);
    expect(() => timeOfSigma(model, 20)).toThrow(/outside/);
  });
});
