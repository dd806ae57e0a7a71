import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { mulberry32 } from '../../kernels/random';
import { resolveConfig } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { tinyMolecules } from '../model/testMolecules';
import { applyMat, checkSymmetry, det3, matMul, permuteRows, randomRotation, relativeError, SYMMETRY_TOLERANCE, type Mat3 } from './symmetry';

const small = { gin: { dim: 16 }, schnet: { dim: 16, numFilters: 16, numGaussians: 12 }, score3Dto2D: { nfeat: 16 }, numAtomClasses: 10 as const };

describe('symmetry helpers', () => {
  it('random rotations are orthogonal with det +1; the reflection has det -1', () => {
    const rng = mulberry32(4);
    for (let k = 0; k < 5; k++) {
      const R = randomRotation(rng);
      const RtR = matMul([[R[0][0], R[1][0], R[2][0]], [R[0][1], R[1][1], R[2][1]], [R[0][2], R[1][2], R[2][2]]] as Mat3, R);
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) expect(RtR[r][c]).toBeCloseTo(r === c ? 1 : 0, 12);
      expect(det3(R)).toBeCloseTo(1, 12);
      expect(det3(matMul(R, [[1, 0, 0], [0, -1, 0], [0, 0, 1]]))).toBeCloseTo(-1, 12);
    }
  });

  it('relativeError and permuteRows measure what they say', () => {
    expect(relativeError([3, 4], [3, 4])).toBe(0);
    expect(relativeError([0, 0], [3, 4])).toBeCloseTo(1, 12);
    expect(relativeError([3, 4.5], [3, 4])).toBeCloseTo(0.5 / 5, 12);
    // Row i goes to row perm[i].
    expect(Array.from(permuteRows([1, 1, 1, 2, 2, 2, 3, 3, 3], [2, 0, 1]))).toEqual([2, 2, 2, 3, 3, 3, 1, 1, 1]);
    const R = randomRotation(mulberry32(9));
    const x = [1, 2, 3, -1, 0.5, 2];
    expect(relativeError(applyMat(R, x).map((v, i) => v), applyMat(R, x))).toBe(0);
    expect(relativeError(applyMat(R, x), x)).toBeGreaterThan(1e-3);
  });
});

describe('checkSymmetry on the GPU', () => {
  for (const preset of ['paper', 'generative'] as const) {
    it(`${preset}: rotation, e2/e13 reflection parts and permutation within ${SYMMETRY_TOLERANCE}; the full output is not reflection-equivariant`, async () => {
      const e = await testEngine();
      const model = new MoleculeSDE(e, resolveConfig(preset, small), 7);
      const [mol] = tinyMolecules(1, 31, 7, 7);
      const report = await checkSymmetry(e, model, mol, 12345);
      console.log(preset, JSON.stringify({ t: report.t, rot: report.rotation.error, e2: report.reflectionE2.error, e13: report.reflectionE13.error, full: report.reflectionFull.error, perm: report.permutation.error }));
      expect(report.atoms).toBe(7);
      expect(report.outputRms).toBeGreaterThan(1e-3);
      for (const c of [report.rotation, report.reflectionE2, report.reflectionE13, report.permutation]) {
        expect(c.expected).toBe('zero');
        expect(c.error).toBeLessThan(SYMMETRY_TOLERANCE);
      }
      expect(report.reflectionFull.expected).toBe('nonzero');
      expect(report.reflectionFull.error).toBeGreaterThan(1e-2);
      // The permutation is not the identity, and the reflection is improper.
      expect(report.permutationOrder.some((p, i) => p !== i)).toBe(true);
      expect(det3(report.reflectionMatrix)).toBeCloseTo(-1, 10);
      // Same seed, same draws.
      const again = await checkSymmetry(e, model, mol, 12345);
      expect(again.t).toBe(report.t);
      expect(again.rotationMatrix).toEqual(report.rotationMatrix);
    });
  }

  it('refuses a single atom with a clear message', async () => {
    const e = await testEngine();
    const model = new MoleculeSDE(e, resolveConfig('paper', small), 7);
    const one = { numAtoms: 1, atomFeatures: [5, 0, 4, 5, 4, 0, 2, 0, 0], bonds: [], bondFeatures: [] };
    await expect(checkSymmetry(e, model, one, 1)).rejects.toThrow(/at least 2 heavy atoms/);
  });
});
