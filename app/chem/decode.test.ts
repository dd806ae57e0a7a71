import { describe, expect, it } from 'vitest';
import { getRDKit, withMol } from './rdkit';
import { readSmiles } from './io';
import { mulberry32 } from '../../kernels/random';
import { TEN_CLASS_ELEMENTS, atomClass } from '../model/config';
import { bondsOfCodes, checkMolecule, decodeGraph, decodeMolecule, kekulizeBonds, roundBondCode } from './decode';
import { loadFixtureMolecules, moleculeCodes } from '../sde/testFixtures';

/** Dense (X, A) of a molecule with optional uniform noise of amplitude `noise`, padded to `nmax`. */
function denseOf(atomicNumbers: number[], codes: Uint8Array, classes: 119 | 10, nmax: number, noise: number, seed: number) {
  const n = atomicNumbers.length;
  const rng = mulberry32(seed);
  const jitter = () => (2 * rng() - 1) * noise;
  const x = new Float32Array(nmax * classes);
  atomicNumbers.forEach((z, i) => {
    for (let c = 0; c < classes; c++) x[i * classes + c] = jitter();
    x[i * classes + atomClass(z - 1, classes)] += 1;
  });
  const a = new Float32Array(nmax * nmax);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) a[i * nmax + j] = codes[i * n + j] + jitter();
  return { x, a };
}

describe('decode', () => {
  it('rounds adjacency values to the nearest code in 0..4', () => {
    expect([-0.7, 0.49, 0.51, 1.49, 2.6, 3.2, 3.7, 9, Number.NaN].map(roundBondCode)).toEqual([0, 0, 1, 1, 3, 3, 4, 4, 0]);
  });

  it('symmetrises A, zeroes the diagonal and takes argmax atom classes', () => {
    // a[0][1] = 0.8, a[1][0] = 1.6 -> mean 1.2 -> single; diagonal values are ignored.
    const a = [5, 0.8, 0, 1.6, 5, 2.2, 0, 1.8, 5];
    // 10 classes are C N O F P S Cl Br I other: rows peak at C, N, O.
    const x = [0.9, 0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.7, 0, 0, 0, 0, 0, 0, 0, 0.3, 0, 0, 0.5, 0.4, 0, 0, 0, 0, 0, 0];
    const g = decodeGraph(x, a, 3, 10);
    expect(g.atomicNumbers).toEqual([6, 7, 8]);
    expect(Array.from(g.codes)).toEqual([0, 1, 0, 1, 0, 2, 0, 2, 0]);
  });

  it('round-trips clean and noisy (X, A) of known molecules through RDKit (119 and 10 classes)', async () => {
    const rd = await getRDKit();
    const smiles = ['CC(=O)Oc1ccccc1C(=O)O', 'c1cc[nH]c1', 'c1ccncc1', 'c1ccoc1', 'CC#N', 'Cn1cnc2c1c(=O)n(C)c(=O)n2C', 'OC1CC1F', 'c1ccc2ccccc2c1', 'FC(F)(F)C(=O)N'];
    for (const s of smiles) {
      const mol = readSmiles(rd, s);
      const zs = mol.atoms.map((a) => a.atomicNumber);
      const codes = moleculeCodes(mol);
      const expected = mol.smiles.replace(/@/g, '');
      for (const [classes, noise] of [[119, 0], [10, 0], [119, 0.45], [10, 0.45]] as const) {
        const nmax = zs.length + 2;
        const { x, a } = denseOf(zs, codes, classes, nmax, noise, zs.length);
        const d = decodeMolecule(rd, x, a, zs.length, classes, { stride: nmax });
        expect(d.reason, `${s} (${classes} classes, noise ${noise})`).toBeNull();
        expect(d.valid).toBe(true);
        expect(d.atomicNumbers).toEqual(zs);
        expect(Array.from(d.codes)).toEqual(Array.from(codes));
        expect(Array.from(d.sanitizedCodes!)).toEqual(Array.from(codes));
        expect(d.graphSmiles).toBe(withMol(rd, expected, {}, (m) => m.get_smiles()));
      }
    }
  });

  it('keeps stereo from 3D positions in the isomeric SMILES', async () => {
    const rd = await getRDKit();
    const mol = loadFixtureMolecules(rd).get('(R)-butan-2-ol')!;
    const zs = mol.atoms.map((a) => a.atomicNumber);
    const check = checkMolecule(rd, zs, bondsOfCodes(moleculeCodes(mol), zs.length), mol.positions);
    expect(check.smiles).toBe(mol.smiles);
    expect(check.smiles).toContain('@');
  });

  it('names the reason when the decoded graph is not a molecule', async () => {
    const rd = await getRDKit();
    // Pentavalent carbon: a C bonded to five C.
    const zs = [6, 6, 6, 6, 6, 6];
    const star = [1, 2, 3, 4, 5].map((j) => ({ a: 0, b: j, order: 1 }));
    const bad = checkMolecule(rd, zs, star);
    expect(bad.valid).toBe(false);
    expect(bad.reason).toMatch(/valence/i);
    // With 3D positions the molblock is a 3D one: RDKit's reason comes without header warnings.
    const bad3d = checkMolecule(rd, zs, star, [0, 0, 0, 1.5, 0, 0, -1.5, 0, 0, 0, 1.5, 0, 0, -1.5, 0, 0, 0, 1.5]);
    expect(bad3d.reason).toMatch(/^Explicit valence/);
    // The 10-class 'other' class.
    const other = decodeGraph([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0], 1, 10);
    expect(other.atomicNumbers).toEqual([0]);
    expect(checkMolecule(rd, other.atomicNumbers, []).reason).toMatch(/other/);
    // An aromatic chain cannot be kekulised: three carbons in a row, all aromatic.
    const chain = kekulizeBonds([6, 6, 6], [{ a: 0, b: 1, order: 4 }, { a: 1, b: 2, order: 4 }]);
    expect('reason' in chain && chain.reason).toMatch(/kekulise/);
    expect(TEN_CLASS_ELEMENTS.length).toBe(9);
  });
});
