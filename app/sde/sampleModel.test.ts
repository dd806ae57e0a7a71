import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { resolveConfig, type PresetName } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { tinyMolecules } from '../model/testMolecules';
import { replicate, sampleConformers } from './conformers';
import { TINY_OVERRIDES } from '../model/testCheckpoint';
import { sampleTopology } from './topology';

async function tinyModel(preset: PresetName, seed = 3) {
  const e = await testEngine();
  return { e, model: new MoleculeSDE(e, resolveConfig(preset, TINY_OVERRIDES), seed) };
}

describe('sampling a tiny randomly initialised MoleculeSDE', () => {
  it.each(['generative', 'paper'] as const)('%s 2D->3D: K conformers per molecule, deterministic by seed, frames every frameStride steps', async (preset) => {
    const { e, model } = await tinyModel(preset);
    const mols = replicate(tinyMolecules(2, 5), 3);
    const settings = { steps: 6, correctorSteps: 1, frameStride: 2 };
    const frames: number[] = [];
    const a = await sampleConformers(e, model, mols, { ...settings, seed: 7 }, { onFrame: (step, total, pos) => void frames.push(step, total, pos.length) });
    const b = await sampleConformers(e, model, mols, { ...settings, seed: 7 });
    const c = await sampleConformers(e, model, mols, { ...settings, seed: 8 });
    const N = mols.reduce((s, m) => s + m.numAtoms, 0);
    expect(a.positions.length).toBe(3 * N);
    expect(a.positions.every(Number.isFinite)).toBe(true);
    expect(Array.from(a.positions)).toEqual(Array.from(b.positions));
    expect(Array.from(a.positions)).not.toEqual(Array.from(c.positions));
    // Replicas of one molecule get different noise, so different conformers.
    const n0 = mols[0].numAtoms;
    expect(Array.from(a.positions.subarray(0, 3 * n0))).not.toEqual(Array.from(a.positions.subarray(3 * n0, 6 * n0)));
    expect(frames).toEqual([2, 6, 3 * N, 4, 6, 3 * N, 6, 6, 3 * N]);
  });

  it.each(['generative', 'paper'] as const)('%s 3D->2D: dense X and A, symmetric A with zero diagonal and padding, deterministic by seed', async (preset) => {
    const { e, model } = await tinyModel(preset);
    const mols = tinyMolecules(3, 9, 3, 6);
    const settings = { steps: 5, correctorSteps: 1 };
    const a = await sampleTopology(e, model, mols, { ...settings, seed: 1 });
    const b = await sampleTopology(e, model, mols, { ...settings, seed: 1 });
    const c = await sampleTopology(e, model, mols, { ...settings, seed: 2 });
    const { nmax, counts } = a.batch.dense;
    expect(a.x.length).toBe(3 * nmax * 10);
    expect(a.a.length).toBe(3 * nmax * nmax);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.a)).toEqual(Array.from(b.a));
    expect(Array.from(a.a)).not.toEqual(Array.from(c.a));
    for (let g = 0; g < 3; g++) {
      for (let i = 0; i < nmax; i++) {
        for (let j = 0; j < nmax; j++) {
          const v = a.a[(g * nmax + i) * nmax + j];
          if (i === j || i >= counts[g] || j >= counts[g]) expect(v).toBe(0);
          else expect(Math.abs(v - a.a[(g * nmax + j) * nmax + i])).toBeLessThan(1e-5);
        }
        if (i >= counts[g]) for (let k = 0; k < 10; k++) expect(a.x[(g * nmax + i) * 10 + k]).toBe(0);
      }
    }
  });
});
