/**
 * The committed data sets (public/data/*.bin) parse and hold what the data card promises:
 * sizes, elements, centred and chemically sane geometry, labels, splits and baseline conformers.
 */
import { readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDataset, type Dataset } from './dataset';
import { buildSplitCode } from './splits';

const path = (f: string) => new URL(`../../public/data/${f}`, import.meta.url);
const load = (f: string) => parseDataset(new Uint8Array(readFileSync(path(f))), f);

/** Shortest bond, longest bond and closest non-bonded pair over the whole set, in Å. */
function geometryExtremes(ds: Dataset) {
  let minBond = Infinity, maxBond = 0, minNonBonded = Infinity, maxCentre = 0;
  for (let i = 0; i < ds.count; i++) {
    const m = ds.molecule(i);
    const p = m.positions;
    const bonded = new Set<number>();
    for (let b = 0; b < m.numBonds; b++) bonded.add(m.bonds[2 * b] * 256 + m.bonds[2 * b + 1]);
    const centre = [0, 0, 0];
    for (let a = 0; a < m.numAtoms; a++) for (let c = 0; c < 3; c++) centre[c] += p[3 * a + c] / m.numAtoms;
    maxCentre = Math.max(maxCentre, ...centre.map(Math.abs));
    for (let a = 0; a < m.numAtoms; a++) {
      for (let b = a + 1; b < m.numAtoms; b++) {
        const d = Math.hypot(p[3 * a] - p[3 * b], p[3 * a + 1] - p[3 * b + 1], p[3 * a + 2] - p[3 * b + 2]);
        if (bonded.has(a * 256 + b)) {
          minBond = Math.min(minBond, d);
          maxBond = Math.max(maxBond, d);
        } else minNonBonded = Math.min(minNonBonded, d);
      }
    }
  }
  return { minBond, maxBond, minNonBonded, maxCentre };
}

/** Every stored split equals the SMILES-hash rule (the shipped checkpoint's no-leak claim rests on it). */
function expectHashSplit(ds: Dataset) {
  const seed = (ds.meta.seed as number) + 2;
  let wrong = 0;
  for (let i = 0; i < ds.count; i++) if (ds.splitCodes[i] !== buildSplitCode(seed, ds.molecule(i).smiles)) wrong++;
  expect(wrong).toBe(0);
}

function splitShares(ds: Dataset) {
  const c = [0, 0, 0];
  ds.splitCodes.forEach((s) => c[s]++);
  return c.map((x) => x / ds.count);
}

describe('public/data/qm9like.bin', () => {
  let ds: Dataset;
  beforeAll(() => {
    ds = load('qm9like.bin');
  });

  it('is a QM9-like set of at least 20,000 molecules under 10 MB', () => {
    expect(statSync(path('qm9like.bin')).size).toBeLessThan(10 * 1024 * 1024);
    expect(ds.count).toBeGreaterThanOrEqual(20000);
    expect(ds.meta.labelNames).toEqual(['gap', 'dipole', 'energy']);
    expect(ds.meta.labelUnits).toEqual(['eV', 'D', 'Eh']);
    // Collect offenders and assert once: one expect per atom costs seconds on 200k atoms.
    const offenders: string[] = [];
    for (let i = 0; i < ds.count; i++) {
      const m = ds.molecule(i);
      if (m.numAtoms > 9) offenders.push(`${i} ${m.smiles}: ${m.numAtoms} atoms`);
      for (let a = 0; a < m.numAtoms; a++) {
        const z1 = m.atomFeatures[9 * a]; // Z - 1 of C, N, O, F is 5..8
        const charge = m.atomFeatures[9 * a + 3]; // formal charge 0 is stored as 5
        if (z1 < 5 || z1 > 8 || charge !== 5) offenders.push(`${i} ${m.smiles}: atom ${a} Z-1 ${z1}, charge code ${charge}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('has sane GFN2-xTB labels', () => {
    const offenders: string[] = [];
    for (let i = 0; i < ds.count; i++) {
      const [gap, dipole, energy] = ds.molecule(i).labels;
      if (!(gap > 0 && gap < 25 && dipole >= 0 && dipole < 20 && energy < 0)) offenders.push(`${i}: gap ${gap}, dipole ${dipole}, energy ${energy}`);
    }
    expect(offenders).toEqual([]);
  });

  it('has centred, chemically sane heavy-atom geometry', () => {
    const g = geometryExtremes(ds);
    expect(g.maxCentre).toBeLessThan(1e-4);
    expect(g.minBond).toBeGreaterThan(1.05); // shortest heavy-atom bond: C#N ~1.15 Å
    expect(g.maxBond).toBeLessThan(1.85);
    expect(g.minNonBonded).toBeGreaterThan(1.3);
  });

  it('has an 80/10/10 split and two baseline conformers for (nearly) every test molecule', () => {
    // The split hashes each SMILES (80/10/10 in expectation): within 1.5 points on 20k molecules.
    const [train, valid, test] = splitShares(ds);
    expect(Math.abs(train - 0.8)).toBeLessThan(0.015);
    expect(Math.abs(valid - 0.1)).toBeLessThan(0.015);
    expect(Math.abs(test - 0.1)).toBeLessThan(0.015);
    expectHashSplit(ds);
    let tests = 0, withTwo = 0, stray = 0;
    for (let i = 0; i < ds.count; i++) {
      const m = ds.molecule(i);
      if (m.split !== 'test') {
        if (m.baselinePositions) stray++;
        continue;
      }
      tests++;
      if (m.baselinePositions?.length === 2) withTwo++;
    }
    // ETKDG with the baseline's own seed fails on some strained small-ring molecules that the build
    // embedded earlier with another seed; the shipped build has both baselines for 97.2% of its test
    // molecules. The evaluation compares model and baseline on the molecules that have them.
    expect(stray).toBe(0); // only test molecules carry baselines
    expect(withTwo / tests).toBeGreaterThan(0.96);
  });
});

describe('public/data/druglike.bin', () => {
  let ds: Dataset;
  beforeAll(() => {
    ds = load('druglike.bin');
  });

  it('holds the NCI drug-like molecules (<= 32 heavy atoms) without labels', () => {
    expect(statSync(path('druglike.bin')).size).toBeLessThan(10 * 1024 * 1024);
    expect(ds.count).toBeGreaterThan(3500);
    expect(ds.header.numLabels).toBe(0);
    let big = 0;
    const offenders: string[] = [];
    for (let i = 0; i < ds.count; i++) {
      const m = ds.molecule(i);
      if (m.numAtoms > 32 || m.source !== 'nci') offenders.push(`${i} ${m.smiles}: ${m.numAtoms} atoms, source ${m.source}`);
      if (m.numAtoms > 9) big++;
    }
    expect(offenders).toEqual([]);
    expect(big / ds.count).toBeGreaterThan(0.9);
  });

  it('has centred, chemically sane geometry and a split', () => {
    const g = geometryExtremes(ds);
    expect(g.maxCentre).toBeLessThan(1e-4);
    expect(g.minBond).toBeGreaterThan(1.05);
    expect(g.maxBond).toBeLessThan(2.5); // C-I ~2.1 Å, S-S ~2.05 Å
    expect(g.minNonBonded).toBeGreaterThan(1.2);
    expect(Math.abs(splitShares(ds)[0] - 0.8)).toBeLessThan(0.03);
    expectHashSplit(ds);
  });
});
