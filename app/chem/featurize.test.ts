/**
 * OGB features on molecules whose features follow from chemistry. Expected rows are written by
 * hand: [Z-1, chirality, total degree, charge+5, total H, radicals, hybridisation, aromatic, ring]
 * with chirality 0 none / 1 CW / 2 CCW, hybridisation 0 SP / 1 SP2 / 2 SP3; bonds
 * [type (0 single, 1 double, 2 triple, 3 aromatic), stereo (0 none, 1 Z, 2 E), conjugated].
 * RDKit's conventions that the rows follow: a terminal F or an O-H next to nothing conjugated
 * has four electron domains (SP3); an O or N with a lone pair next to a conjugated bond is SP2.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readSmiles } from './io';
import { QM9_LIMITS } from './molecule';
import { getRDKit, type RDKit } from './rdkit';

let rd: RDKit;
beforeAll(async () => {
  rd = await getRDKit();
});

const rows = (a: Uint8Array, w: number) => Array.from({ length: a.length / w }, (_, i) => Array.from(a.subarray(i * w, (i + 1) * w)));

function expectFeatures(smiles: string, atoms: number[][], bonds: number[][]) {
  const m = readSmiles(rd, smiles);
  expect(rows(m.atomFeatures, 9), `${smiles} atoms`).toEqual(atoms);
  expect(rows(m.bondFeatures, 3), `${smiles} bonds`).toEqual(bonds);
  return m;
}

describe('OGB atom and bond features', () => {
  it('L-alanine: CCW chiral centre, amine, carboxylic acid', () => {
    const m = expectFeatures(
      'C[C@H](N)C(=O)O',
      [
        [5, 0, 4, 5, 3, 0, 2, 0, 0], // CH3
        [5, 2, 4, 5, 1, 0, 2, 0, 0], // C-alpha, '@' = counter-clockwise
        [6, 0, 3, 5, 2, 0, 2, 0, 0], // NH2: lone pair, no conjugated bond: sp3
        [5, 0, 3, 5, 0, 0, 1, 0, 0], // carboxyl C: sp2
        [7, 0, 1, 5, 0, 0, 1, 0, 0], // =O: one bond + two lone pairs: sp2
        [7, 0, 2, 5, 1, 0, 1, 0, 0], // O-H conjugated with C=O: sp2
      ],
      [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [1, 0, 1],
        [0, 0, 1],
      ],
    );
    expect(m.stereo.atoms).toEqual([{ atom: 1, label: 'S' }]); // L-alanine is (S)
    const d = readSmiles(rd, 'C[C@@H](N)C(=O)O');
    expect(d.atomFeatures[9 + 1]).toBe(1); // '@@' = clockwise
    expect(d.stereo.atoms).toEqual([{ atom: 1, label: 'R' }]);
  });

  it('aromatic rings: benzene and pyrrole', () => {
    const c = [5, 0, 3, 5, 1, 0, 1, 1, 1];
    expectFeatures('c1ccccc1', [c, c, c, c, c, c], Array(6).fill([3, 0, 1]));
    expectFeatures('c1cc[nH]c1', [c, c, c, [6, 0, 3, 5, 1, 0, 1, 1, 1], c], Array(5).fill([3, 0, 1]));
  });

  it('charges: ammonium and a nitro group', () => {
    expectFeatures('[NH4+]', [[6, 0, 4, 6, 4, 0, 2, 0, 0]], []);
    expectFeatures(
      'C[N+](=O)[O-]',
      [
        [5, 0, 4, 5, 3, 0, 2, 0, 0],
        [6, 0, 3, 6, 0, 0, 1, 0, 0], // N+: three bonds, no lone pair: sp2
        [7, 0, 1, 5, 0, 0, 1, 0, 0],
        [7, 0, 1, 4, 0, 0, 1, 0, 0], // O-: three lone pairs but conjugated: sp2
      ],
      [
        [0, 0, 0], // C-N: the sp3 carbon cannot conjugate
        [1, 0, 1],
        [0, 0, 1],
      ],
    );
  });

  it('triple bond: acetonitrile', () => {
    expectFeatures(
      'CC#N',
      [
        [5, 0, 4, 5, 3, 0, 2, 0, 0],
        [5, 0, 2, 5, 0, 0, 0, 0, 0], // sp
        [6, 0, 1, 5, 0, 0, 0, 0, 0], // N: one bond + one lone pair: sp
      ],
      [
        [0, 0, 0],
        [2, 0, 0], // nothing to conjugate with
      ],
    );
  });

  it('hypervalent S and P: dimethyl sulfone and phosphoric acid', () => {
    const ch3 = [5, 0, 4, 5, 3, 0, 2, 0, 0];
    const oDouble = [7, 0, 1, 5, 0, 0, 1, 0, 0];
    expectFeatures(
      'CS(=O)(=O)C',
      [ch3, [15, 0, 4, 5, 0, 0, 2, 0, 0], oDouble, oDouble, ch3],
      [
        [0, 0, 0],
        [1, 0, 0], // S=O of a four-coordinate third-row atom: not conjugated
        [1, 0, 0],
        [0, 0, 0],
      ],
    );
    const oh = [7, 0, 2, 5, 1, 0, 2, 0, 0]; // P-OH: nothing conjugated: sp3
    expectFeatures('OP(=O)(O)O', [oh, [14, 0, 4, 5, 0, 0, 2, 0, 0], oDouble, oh, oh], [[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]]);
  });

  it('E/Z double bonds', () => {
    const f = [8, 0, 1, 5, 0, 0, 2, 0, 0];
    const ch = [5, 0, 3, 5, 1, 0, 1, 0, 0];
    const e = expectFeatures('F/C=C/F', [f, ch, ch, f], [[0, 0, 0], [1, 2, 0], [0, 0, 0]]);
    expect(e.stereo.bonds).toEqual([{ bond: 1, label: 'E' }]);
    const z = expectFeatures('F/C=C\\F', [f, ch, ch, f], [[0, 0, 0], [1, 1, 0], [0, 0, 0]]);
    expect(z.stereo.bonds).toEqual([{ bond: 1, label: 'Z' }]);
    // F/C(Cl)=C/F: the two F are trans, but on C1 chlorine outranks fluorine, so the
    // higher-ranked pair (Cl, F) is cis: Z, although the written stereo atoms are trans.
    expectFeatures(
      'F/C(Cl)=C/F',
      [f, [5, 0, 3, 5, 0, 0, 1, 0, 0], [16, 0, 1, 5, 0, 0, 2, 0, 0], ch, f],
      [[0, 0, 0], [0, 0, 0], [1, 1, 0], [0, 0, 0]],
    );
    // (E)-crotonic acid: C=C conjugated with the carboxyl group.
    expectFeatures(
      'C/C=C/C(=O)O',
      [
        [5, 0, 4, 5, 3, 0, 2, 0, 0],
        ch,
        ch,
        [5, 0, 3, 5, 0, 0, 1, 0, 0],
        [7, 0, 1, 5, 0, 0, 1, 0, 0],
        [7, 0, 2, 5, 1, 0, 1, 0, 0],
      ],
      [
        [0, 0, 0],
        [1, 2, 1],
        [0, 0, 1],
        [1, 0, 1],
        [0, 0, 1],
      ],
    );
  });

  it('model fields: atoms, aromatic bond order 4, canonical SMILES', () => {
    const m = readSmiles(rd, 'c1ccccc1[N+](=O)[O-]');
    expect(m.atoms.map((a) => a.element).join('')).toBe('CCCCCCNOO');
    expect(m.atoms.map((a) => a.charge)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, -1]);
    expect(m.bonds.filter((b) => b.order === 4)).toHaveLength(6);
    expect(m.bonds.find((b) => b.a === 6 && b.b === 7)?.order).toBe(2);
    expect(m.smiles).toBe('O=[N+]([O-])c1ccccc1');
  });
});

describe('limits', () => {
  it('rejects too many atoms and unsupported elements with the limit in the message', () => {
    expect(() => readSmiles(rd, 'CCCCCCCCCC', QM9_LIMITS)).toThrow(/10 heavy atoms(; the limit is|, more than the) 9\b/);
    expect(() => readSmiles(rd, 'CCCl', QM9_LIMITS)).toThrow(/element Cl \(atom 3\) is not supported; allowed: C, N, O, F/);
    expect(() => readSmiles(rd, 'C'.repeat(33))).toThrow(/33 heavy atoms(; the limit is|, more than the) 32\b/);
    expect(() => readSmiles(rd, '[Na+].[Cl-]')).toThrow(/element Na/);
    expect(readSmiles(rd, 'OCC(F)C#N', QM9_LIMITS).atoms).toHaveLength(6);
  });
});
