/**
 * The chirality correction (chirality.ts): a conformer whose stereocentres are all inverted is
 * mirrored back; a correct one, a molecule without centres, and a diastereomer (one centre right,
 * one wrong: mirroring cannot help) are left alone. Labels are judged by RDKit from 3D
 * (chem/metrics.ts: chiralityCheck), independently of the code under test.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMolblock, readSdf } from '../chem/io';
import { chiralityCheck } from '../chem/metrics';
import type { ChemMolecule } from '../chem/molecule';
import { writeMolblock } from '../chem/molfile';
import { getRDKit, type RDKit } from '../chem/rdkit';
import { describeChiralityFix, fixBatchChirality, fixConformerChirality, invertCentre, mirrorInPlace, summariseChiralityFix, turnDoubleBond } from './chirality';

let rd: RDKit;
let fixtures: Map<string, ChemMolecule>;
beforeAll(async () => {
  rd = await getRDKit();
  const text = readFileSync(new URL('../chem/fixtures/conformers.sdf', import.meta.url), 'utf8');
  fixtures = new Map(readSdf(rd, text).molecules.map((m) => [m.molecule.name!, m.molecule]));
});

/**
 * Butane-2,3-diol C1-C2(O5)-C3(O6)-C4 built by hand: C2 at the origin, C3 on +x, staggered
 * tetrahedral substituents (bond 1.5 Å). Read back from 3D, RDKit gives it two R/S centres.
 * Returns the molecule and the spot of C3's (implicit) hydrogen, so a test can invert C3 alone.
 */
function butanediol(): { mol: ChemMolecule; c3Hydrogen: number[] } {
  const L = 1.5;
  const s = Math.sqrt(8 / 9);
  const tet = (sign: number, deg: number) => {
    const phi = (deg * Math.PI) / 180;
    return [(sign * L) / 3, L * s * Math.cos(phi), L * s * Math.sin(phi)];
  };
  const c2 = [0, 0, 0];
  const c3 = [L, 0, 0];
  const add = (a: number[], b: number[]) => a.map((v, k) => v + b[k]);
  const c1 = add(c2, tet(-1, 0));
  const o5 = add(c2, tet(-1, 120)); // C2's H sits at 240
  const c4 = add(c3, tet(1, 60));
  // O6 at 300 degrees makes the chiral (R,R)/(S,S) form; at 180 (where the H is) it would be meso.
  const o6 = add(c3, tet(1, 300));
  const c3Hydrogen = add(c3, tet(1, 180));
  const positions = [c1, c2, c3, c4, o5, o6].flat();
  const block = writeMolblock(
    ['C', 'C', 'C', 'C', 'O', 'O'].map((element) => ({ element })),
    [{ a: 0, b: 1, order: 1 }, { a: 1, b: 2, order: 1 }, { a: 2, b: 3, order: 1 }, { a: 1, b: 4, order: 1 }, { a: 2, b: 5, order: 1 }],
    { positions, name: 'butane-2,3-diol' },
  );
  return { mol: readMolblock(rd, block, undefined, 'test geometry'), c3Hydrogen };
}

describe('chirality fix: mirror a conformer whose stereocentres are inverted', () => {
  it('L-alanine: the mirror image is mirrored back and then keeps its label; the original is untouched', () => {
    const ala = fixtures.get('L-alanine')!;
    expect(ala.stereo.atoms.length).toBe(1);
    const original = Float32Array.from(ala.positions!);
    const right = Float32Array.from(original);
    expect(fixConformerChirality(rd, ala, right)).toEqual({ centres: 1, doubleBonds: 0, wrongBefore: 0, wrongAfter: 0, mirrored: false, inverted: [], turned: [] });
    expect(Array.from(right)).toEqual(Array.from(original));

    // A reflection through the xy plane (not the fix's own x -> -x): any mirror image must be caught.
    const wrong = Float32Array.from(original, (v, i) => (i % 3 === 2 ? -v : v));
    expect(chiralityCheck(rd, ala, wrong).ok).toBe(false);
    const outcome = fixConformerChirality(rd, ala, wrong);
    expect(outcome).toEqual({ centres: 1, doubleBonds: 0, wrongBefore: 1, wrongAfter: 0, mirrored: true, inverted: [], turned: [] });
    expect(chiralityCheck(rd, ala, wrong).ok).toBe(true);
    // Mirroring keeps every interatomic distance.
    const d = (x: Float32Array, i: number, j: number) => Math.hypot(x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]);
    for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) expect(d(wrong, i, j)).toBeCloseTo(d(original, i, j), 5);
  });

  it('molecules without stereo, and a right E/Z bond, are untouched (even as a mirror image)', () => {
    for (const name of ['tert-butanol', 'benzene', 'E-crotonic acid', 'toluene']) {
      const mol = fixtures.get(name)!;
      expect(mol.stereo.atoms.length, name).toBe(0);
      const x = Float32Array.from(mol.positions!, (v, i) => (i % 3 === 0 ? -v : v)); // a mirror image keeps E/Z
      const before = Array.from(x);
      const doubleBonds = name === 'E-crotonic acid' ? 1 : 0;
      expect(fixConformerChirality(rd, mol, x), name).toEqual({ centres: 0, doubleBonds, wrongBefore: 0, wrongAfter: 0, mirrored: false, inverted: [], turned: [] });
      expect(Array.from(x), name).toEqual(before);
    }
  });

  it('a Z geometry of E-crotonic acid gets one side turned by 180° about the double bond: E again, bonds kept', () => {
    const mol = fixtures.get('E-crotonic acid')!;
    const p = Float32Array.from(mol.positions!);
    // Make it Z by hand (as in chem/metrics.test.ts): reflect C0 through the plane that holds the
    // C1=C2 axis and is perpendicular to the molecular plane.
    const [c1, c2] = [1, 2].map((i) => [p[i * 3], p[i * 3 + 1], p[i * 3 + 2]]);
    const axis = c2.map((v, k) => v - c1[k]);
    const u = axis.map((v) => v / Math.hypot(...axis));
    const c0 = [p[0], p[1], p[2]].map((v, k) => v - c1[k]);
    const along = c0[0] * u[0] + c0[1] * u[1] + c0[2] * u[2];
    [0, 1, 2].forEach((k) => (p[k] = c1[k] + along * u[k] - (c0[k] - along * u[k])));
    expect(chiralityCheck(rd, mol, p).mismatches).toEqual(['bond 2-3: expected E, geometry gives Z']);
    const before = Float32Array.from(p);
    const outcome = fixConformerChirality(rd, mol, p);
    expect(outcome).toMatchObject({ doubleBonds: 1, wrongBefore: 1, wrongAfter: 0, mirrored: false, inverted: [] });
    expect(outcome.turned).toHaveLength(1);
    expect(describeChiralityFix(outcome)).toMatch(/^kept, turned double bond \d+$/);
    expect(chiralityCheck(rd, mol, p).ok).toBe(true);
    const d = (x: Float32Array, i: number, j: number) => Math.hypot(x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]);
    for (const b of mol.bonds) expect(d(p, b.a, b.b)).toBeCloseTo(d(before, b.a, b.b), 4);
  });

  it('a double bond in a ring is never turned', () => {
    const benzene = fixtures.get('benzene')!;
    const x = Float32Array.from(benzene.positions!);
    expect(turnDoubleBond(benzene, x, 0)).toBe(false);
    expect(Array.from(x)).toEqual(Array.from(benzene.positions!));
  });

  it('two centres: both inverted is mirrored back; one inverted (a diastereomer) has that centre inverted in place', () => {
    const { mol, c3Hydrogen } = butanediol();
    expect(mol.stereo.atoms.map((s) => s.atom).sort()).toEqual([1, 2]);
    expect(new Set(mol.stereo.atoms.map((s) => s.label)).size, 'R,R or S,S: the chiral form').toBe(1);
    const x = mol.positions!;
    expect(chiralityCheck(rd, mol, x).ok).toBe(true);

    const enantiomer = mirrorInPlace(Float32Array.from(x));
    expect(chiralityCheck(rd, mol, enantiomer).mismatches.length).toBe(2);
    expect(fixConformerChirality(rd, mol, enantiomer)).toEqual({ centres: 2, doubleBonds: 0, wrongBefore: 2, wrongAfter: 0, mirrored: true, inverted: [], turned: [] });
    expect(chiralityCheck(rd, mol, enantiomer).ok).toBe(true);

    // Swap C3's oxygen and hydrogen: C3 inverts, C2 does not (the meso form; its mirror image is itself).
    const diastereomer = Float32Array.from(x);
    diastereomer.set(c3Hydrogen, 3 * 5);
    expect(chiralityCheck(rd, mol, diastereomer).mismatches.length).toBe(1);
    const before = Float32Array.from(diastereomer);
    const outcome = fixConformerChirality(rd, mol, diastereomer);
    // A mirror would leave one centre wrong (the meso form is its own mirror image): not taken.
    expect(outcome).toEqual({ centres: 2, doubleBonds: 0, wrongBefore: 1, wrongAfter: 0, mirrored: false, inverted: [2], turned: [] });
    expect(describeChiralityFix(outcome)).toBe('kept, inverted centre 3');
    expect(chiralityCheck(rd, mol, diastereomer).ok).toBe(true);
    // Only C3 (atom 2) moved, and its three bonds kept their lengths.
    const d = (x: Float32Array, i: number, j: number) => Math.hypot(x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]);
    for (let i = 0; i < 6; i++) if (i !== 2) expect(Array.from(diastereomer.subarray(3 * i, 3 * i + 3))).toEqual(Array.from(before.subarray(3 * i, 3 * i + 3)));
    expect(Math.hypot(diastereomer[6] - before[6], diastereomer[7] - before[7], diastereomer[8] - before[8])).toBeGreaterThan(0.5);
    for (const j of [1, 3, 5]) expect(d(diastereomer, 2, j)).toBeCloseTo(d(before, 2, j), 5);
  });

  it('a centre with four heavy neighbours is never inverted in place (no hydrogen to move through the plane)', () => {
    const tbu = fixtures.get('tert-butanol')!;
    const x = Float32Array.from(tbu.positions!);
    expect(invertCentre(tbu, x, 1)).toBe(false);
    expect(Array.from(x)).toEqual(Array.from(tbu.positions!));
  });

  it('a batch: each conformer is judged against its own molecule, in place, and the summary counts them', () => {
    const ala = fixtures.get('L-alanine')!;
    const tbu = fixtures.get('tert-butanol')!;
    const right = ala.positions!;
    const wrong = mirrorInPlace(Float32Array.from(right));
    const positions = Float32Array.from([...right, ...tbu.positions!, ...wrong]);
    const offsets = [0, 6, 11, 17];
    const outcomes = fixBatchChirality(rd, [ala, tbu, ala], positions, offsets);
    expect(outcomes.map((o) => o.mirrored)).toEqual([false, false, true]);
    expect(Array.from(positions.subarray(33, 51))).toEqual(Array.from(right));
    expect(summariseChiralityFix(outcomes)).toBe('chirality fix: of 2 conformers with stereo, mirrored 1, inverted single centres in 0, turned double bonds in 0; 0 still wrong');
    expect(() => fixBatchChirality(rd, [ala, ala], positions, offsets)).toThrow(/2 molecules but 3 conformers/);
  });
});
