/**
 * Conformer metrics on inputs whose answers are worked out by hand, plus depiction.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { coords2D, depictSvg } from './depict';
import { readSdf, readSmiles } from './io';
import { bondAngleDeviation, bondLengthDeviation, chiralityCheck, clashes, coverageMatching } from './metrics';
import type { ChemMolecule } from './molecule';
import { getRDKit, type RDKit } from './rdkit';

let rd: RDKit;
let conformers: ChemMolecule[];
beforeAll(async () => {
  rd = await getRDKit();
  conformers = readSdf(rd, readFileSync(new URL('./fixtures/conformers.sdf', import.meta.url), 'utf8')).molecules.map((m) => m.molecule);
});

describe('COV / MAT', () => {
  // 3 generated x 2 reference conformers:
  //            ref0  ref1
  //   gen0     0.3   0.9
  //   gen1     0.6   0.7
  //   gen2     1.2   0.4
  // Min over generated per reference: ref0 0.3, ref1 0.4. Min over references per generated:
  // gen0 0.3, gen1 0.6, gen2 0.4.
  const m = [0.3, 0.9, 0.6, 0.7, 1.2, 0.4];

  it('threshold 0.5: COV-R 2/2, MAT-R 0.35, COV-P 2/3, MAT-P 1.3/3', () => {
    const r = coverageMatching(m, 3, 2, 0.5);
    expect(r.covR).toBeCloseTo(1, 12);
    expect(r.matR).toBeCloseTo(0.35, 12);
    expect(r.covP).toBeCloseTo(2 / 3, 12);
    expect(r.matP).toBeCloseTo(1.3 / 3, 12);
  });

  it('threshold 0.35: COV-R 1/2, COV-P 1/3; a value equal to the threshold counts as covered', () => {
    const r = coverageMatching(m, 3, 2, 0.35);
    expect(r.covR).toBeCloseTo(0.5, 12);
    expect(r.covP).toBeCloseTo(1 / 3, 12);
    expect(coverageMatching(m, 3, 2, 0.4).covR).toBe(1);
  });

  it('rejects a matrix of the wrong size or with NaN', () => {
    expect(() => coverageMatching(m, 2, 2, 0.5)).toThrow(/6 entries; expected 2 x 2/);
    expect(() => coverageMatching([Number.NaN], 1, 1, 0.5)).toThrow(/RMSD\[0\]\[0\] = NaN/);
  });
});

describe('geometry checks without a reference', () => {
  it('bond lengths: ideal ethane has no deviation; a stretched and a compressed propane bond give 0.1 Å', () => {
    const ethane = readSmiles(rd, 'CC');
    expect(bondLengthDeviation(ethane, [0, 0, 0, 1.53, 0, 0]).maxAbs).toBeCloseTo(0, 9);
    const propane = readSmiles(rd, 'CCC');
    const d = bondLengthDeviation(propane, [0, 0, 0, 1.63, 0, 0, 1.63, 1.43, 0]);
    expect(d.meanAbs).toBeCloseTo(0.1, 6);
    expect(d.maxAbs).toBeCloseTo(0.1, 6);
  });

  it('bond angles: tetrahedral propane is ideal, a 120 degree one is 10.53 degrees off; cyclopropane uses 60', () => {
    const propane = readSmiles(rd, 'CCC');
    const at = (deg: number) => {
      const t = (deg * Math.PI) / 180;
      return [1.53, 0, 0, 0, 0, 0, 1.53 * Math.cos(t), 1.53 * Math.sin(t), 0];
    };
    expect(bondAngleDeviation(propane, at(109.4712206)).maxAbs).toBeLessThan(1e-6);
    expect(bondAngleDeviation(propane, at(120)).maxAbs).toBeCloseTo(120 - 109.4712206, 5);
    const cyclopropane = readSmiles(rd, 'C1CC1');
    const tri = [0, 0, 0, 1.51, 0, 0, 0.755, 1.51 * Math.sin(Math.PI / 3), 0];
    const d = bondAngleDeviation(cyclopropane, tri);
    expect(d.count).toBe(3);
    expect(d.maxAbs).toBeLessThan(1e-6);
  });

  it('MMFF benzene from the fixture is close to ideal', () => {
    const benzene = conformers[2];
    expect(bondLengthDeviation(benzene, benzene.positions!).maxAbs).toBeLessThan(0.02);
    expect(bondAngleDeviation(benzene, benzene.positions!).maxAbs).toBeLessThan(1);
  });

  it('clashes count close non-bonded pairs but not 1-3 pairs', () => {
    const butane = readSmiles(rd, 'CCCC');
    // A square: C0-C3 (a 1-4 pair) at 1.5 Å clashes; the 1-3 diagonals (2.12 Å) are excluded anyway.
    const square = [0, 0, 0, 1.5, 0, 0, 1.5, 1.5, 0, 0, 1.5, 0];
    const c = clashes(butane, square);
    expect(c.count).toBe(1);
    expect(c.pairs[0]).toMatchObject({ a: 0, b: 3 });
    expect(c.pairs[0].distance).toBeCloseTo(1.5, 6);
    // Propane bent to 60 degrees puts the 1-3 pair at 1.53 Å: not a clash by definition.
    const propane = readSmiles(rd, 'CCC');
    expect(clashes(propane, [1.53, 0, 0, 0, 0, 0, 0.765, 1.325, 0]).count).toBe(0);
    expect(conformers.every((m) => clashes(m, m.positions!).count === 0)).toBe(true);
  });

  it('chirality: the fixture keeps its labels; its mirror image flips the stereocentre', () => {
    const ala = conformers[0];
    expect(chiralityCheck(rd, ala, ala.positions!).ok).toBe(true);
    const mirrored = Float32Array.from(ala.positions!, (v, i) => (i % 3 === 2 ? -v : v));
    const bad = chiralityCheck(rd, ala, mirrored);
    expect(bad.ok).toBe(false);
    expect(bad.mismatches).toEqual(['atom 2 (C): expected S, geometry gives R']);
    const crotonic = conformers[3];
    expect(chiralityCheck(rd, crotonic, crotonic.positions!).ok).toBe(true);
    // Rotating the methyl carbon across the double bond axis turns E into Z.
    const p = Float32Array.from(crotonic.positions!);
    const [c1, c2] = [1, 2].map((i) => [p[i * 3], p[i * 3 + 1], p[i * 3 + 2]]);
    // Reflect C0 through the plane that contains the C1=C2 axis and is perpendicular to the molecular plane.
    const axis = c2.map((v, k) => v - c1[k]);
    const l = Math.hypot(...axis);
    const u = axis.map((v) => v / l);
    const c0 = [p[0], p[1], p[2]].map((v, k) => v - c1[k]);
    const along = c0[0] * u[0] + c0[1] * u[1] + c0[2] * u[2];
    const perp = c0.map((v, k) => v - along * u[k]);
    // mirror the perpendicular component: C0 ends up on the other side of the double bond
    [0, 1, 2].forEach((k) => (p[k] = c1[k] + along * u[k] - perp[k]));
    const flipped = chiralityCheck(rd, crotonic, p);
    expect(flipped.ok).toBe(false);
    expect(flipped.mismatches).toEqual(['bond 2-3: expected E, geometry gives Z']);
  });
});

describe('depiction', () => {
  it('draws an SVG, with highlights in model indices', () => {
    const m = readSmiles(rd, 'c1ccccc1C'); // model order differs from the canonical Cc1ccccc1
    const plain = depictSvg(rd, m);
    expect(plain).toMatch(/^<\?xml[\s\S]*<svg/);
    const hl = depictSvg(rd, m, { highlightAtoms: [6], highlightBonds: [6] });
    expect(hl).not.toBe(plain);
    expect(hl.toUpperCase()).toContain('FF7F7F');
    expect(() => depictSvg(rd, m, { highlightAtoms: [7] })).toThrow(/highlight atom 7 is out of range/);
  });

  it('2D coordinates follow the model order: bonded atoms one bond length apart, others further', () => {
    const m = readSmiles(rd, 'c1ccccc1C[C@H](N)O');
    const xy = coords2D(rd, m);
    expect(xy).toHaveLength(m.atoms.length * 2);
    const b0 = m.bonds[0];
    const unit = Math.hypot(xy[b0.a * 2] - xy[b0.b * 2], xy[b0.a * 2 + 1] - xy[b0.b * 2 + 1]); // depiction scale
    expect(unit).toBeGreaterThan(0);
    const bonded = new Set(m.bonds.map((b) => `${Math.min(b.a, b.b)}-${Math.max(b.a, b.b)}`));
    for (let i = 0; i < m.atoms.length; i++) {
      for (let j = i + 1; j < m.atoms.length; j++) {
        const d = Math.hypot(xy[i * 2] - xy[j * 2], xy[i * 2 + 1] - xy[j * 2 + 1]);
        if (bonded.has(`${i}-${j}`)) expect(Math.abs(d / unit - 1), `bond ${i}-${j}`).toBeLessThan(0.1);
        else expect(d / unit, `pair ${i}-${j}`).toBeGreaterThan(1.2);
      }
    }
  });
});
