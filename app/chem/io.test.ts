/**
 * SMILES / SDF / XYZ: round trips (write, read back, same graph and coordinates), invalid input
 * with reasons, and a multi-record SDF with one bad record. Fixtures in fixtures/ are 3D
 * conformers written by Python RDKit (make_fixtures.py).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addSdfProps, readMolblock, readSdf, readSmiles, readSmilesFile, readSmilesOrMolblock, writeSdf, writeSmiles } from './io';
import type { ChemMolecule } from './molecule';
import { getRDKit, type RDKit } from './rdkit';
import { readXyz, writeXyz, xyzToMolecule } from './xyz';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

let rd: RDKit;
beforeAll(async () => {
  rd = await getRDKit();
});

function sameGraph(a: ChemMolecule, b: ChemMolecule) {
  expect(b.atoms).toEqual(a.atoms);
  expect(b.bonds).toEqual(a.bonds);
  expect(Array.from(b.atomFeatures)).toEqual(Array.from(a.atomFeatures));
  expect(Array.from(b.bondFeatures)).toEqual(Array.from(a.bondFeatures));
  expect(b.smiles).toBe(a.smiles);
}

function closeCoords(a: ArrayLike<number>, b: ArrayLike<number>, tol: number) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `coordinate ${i}`).toBeLessThanOrEqual(tol);
}

describe('reading', () => {
  it('reads the fixture SDF with 3D coordinates, names, data items and stereo from 3D', () => {
    const { molecules, errors } = readSdf(rd, fixture('conformers.sdf'));
    expect(errors).toEqual([]);
    expect(molecules.map((m) => m.molecule.name)).toEqual(['L-alanine', 'tert-butanol', 'benzene', 'E-crotonic acid', 'toluene']);
    for (const { molecule, props } of molecules) {
      expect(molecule.positions?.length).toBe(molecule.atoms.length * 3);
      // The geometry (not a written stereo flag) must give back the SMILES it was embedded from.
      expect(molecule.smiles).toBe(readSmiles(rd, props.smiles).smiles);
    }
    expect(molecules[0].molecule.stereo.atoms).toEqual([{ atom: 1, label: 'S' }]);
    expect(molecules[3].molecule.stereo.bonds).toEqual([{ bond: 1, label: 'E' }]);
    expect(molecules[2].record).toBe(3);
  });

  it('reads what the editor sends: a SMILES, or a molblock recognised by its M  END line', () => {
    const fromMolblock = readSmilesOrMolblock(rd, fixture('alanine_v3000.mol'));
    expect(fromMolblock.smiles).toBe('C[C@H](N)C(=O)O');
    expect(fromMolblock.positions?.length).toBe(18);
    const fromSmiles = readSmilesOrMolblock(rd, 'C[C@H](N)C(=O)O');
    expect(fromSmiles.smiles).toBe(fromMolblock.smiles);
    expect(fromSmiles.positions).toBeUndefined();
    expect(() => readSmilesOrMolblock(rd, 'C1CC')).toThrow(/SMILES|smiles/);
  });

  it('reads V3000', () => {
    const m = readMolblock(rd, fixture('alanine_v3000.mol'));
    expect(m.smiles).toBe('C[C@H](N)C(=O)O');
    expect(m.positions?.length).toBe(18);
    expect(m.positions![0]).toBeCloseTo(-1.038614, 5);
  });

  it('reads XYZ with hydrogens: perceived bonds, then bond orders from valences', () => {
    const { frames, errors } = readXyz(fixture('with_h.xyz'));
    expect(errors).toEqual([]);
    expect(frames.map((f) => f.comment)).toEqual(['CC(=O)O', 'C=CC#N', 'C[C@H](N)C(=O)O']);
    expect(frames[0].bondsPerceived).toBe(true);
    expect(frames[0].perceivedBonds).toHaveLength(7); // acetic acid: 3 heavy-heavy + 4 C-H / O-H
    for (const f of frames) {
      const m = xyzToMolecule(rd, f);
      expect(m.smiles).toBe(readSmiles(rd, f.comment).smiles);
      expect(m.atoms.length * 3).toBe(m.positions?.length);
    }
  });
});

describe('round trips', () => {
  it('SDF: data items added to a written SDF are read back per record, the rest unchanged', () => {
    const { molecules } = readSdf(rd, fixture('conformers.sdf'));
    const text = writeSdf(molecules.map((m, i) => ({ molecule: m.molecule, props: { conformer: String(i + 1) } })));
    const more = addSdfProps(text, (i) => ({ rmsd_A: (0.5 * i).toFixed(3) }));
    const back = readSdf(rd, more);
    expect(back.errors).toEqual([]);
    expect(back.molecules.map((m) => m.props)).toEqual(molecules.map((_, i) => ({ conformer: String(i + 1), rmsd_A: (0.5 * i).toFixed(3) })));
    expect(more.replace(/> <rmsd_A>\n[^\n]*\n\n/g, '')).toBe(text);
    expect(() => addSdfProps(text, () => ({ bad: 'two\nlines' }))).toThrow(/one line/);
    expect(() => addSdfProps(text.slice(0, -5), () => ({}))).toThrow(/does not end with/);
  });

  it('SDF: write then read gives the same graph and coordinates (V2000 precision)', () => {
    const { molecules } = readSdf(rd, fixture('conformers.sdf'));
    const text = writeSdf(molecules.map((m) => ({ molecule: m.molecule, props: { source: 'fixture' } })));
    const back = readSdf(rd, text);
    expect(back.errors).toEqual([]);
    expect(back.molecules).toHaveLength(molecules.length);
    back.molecules.forEach((b, i) => {
      sameGraph(molecules[i].molecule, b.molecule);
      closeCoords(b.molecule.positions!, molecules[i].molecule.positions!, 1e-4);
      expect(b.props.source).toBe('fixture');
      expect(b.molecule.name).toBe(molecules[i].molecule.name);
    });
  });

  it('SDF round trip of charged and radical molecules keeps charges and H counts', () => {
    for (const smi of ['C[N+](=O)[O-]', '[NH4+]', 'c1cc[nH]c1', '[CH2]CC', 'C[S+](C)[O-]', 'c1ccc2[nH]ccc2c1', 'Cn1cnc2c1c(=O)n(C)c(=O)n2C']) {
      const m = readSmiles(rd, smi);
      // Any coordinates do for a graph round trip; spread the atoms on a line.
      const positions = new Float32Array(m.atoms.length * 3).map((_, i) => (i % 3 === 0 ? (i / 3) * 1.5 : 0));
      const back = readSdf(rd, writeSdf([{ molecule: m, positions }]));
      expect(back.errors, smi).toEqual([]);
      const b = back.molecules[0].molecule;
      expect(b.atoms).toEqual(m.atoms);
      expect(b.bonds).toEqual(m.bonds);
      expect(Array.from(b.atomFeatures), smi).toEqual(Array.from(m.atomFeatures));
      expect(Array.from(b.bondFeatures), smi).toEqual(Array.from(m.bondFeatures));
      closeCoords(b.positions!, positions, 1e-4);
    }
  });

  it('SMILES: stereo survives SMILES -> model -> SMILES and 3D -> SMILES', () => {
    for (const smi of ['C[C@H](N)C(=O)O', 'F/C=C\\F', 'O=C(O)c1ccccc1O']) {
      const m = readSmiles(rd, smi);
      const again = readSmiles(rd, writeSmiles(rd, m));
      sameGraph(m, again);
    }
    const ala = readSdf(rd, fixture('conformers.sdf')).molecules[0].molecule;
    expect(writeSmiles(rd, ala)).toBe('C[C@H](N)C(=O)O');
  });

  it('XYZ: write then read gives the same atoms, coordinates and (perceived) connectivity', () => {
    const { molecules } = readSdf(rd, fixture('conformers.sdf'));
    for (const { molecule } of molecules) {
      const { frames, errors } = readXyz(writeXyz(molecule));
      expect(errors).toEqual([]);
      expect(frames[0].elements).toEqual(molecule.atoms.map((a) => a.element));
      closeCoords(frames[0].positions, molecule.positions!, 1e-6);
      const key = (b: { a: number; b: number }) => `${Math.min(b.a, b.b)}-${Math.max(b.a, b.b)}`;
      expect(frames[0].perceivedBonds.map(key).sort()).toEqual(molecule.bonds.map(key).sort());
    }
  });
});

describe('invalid input gives errors with reasons', () => {
  it('bad SMILES and pentavalent carbon carry RDKit reasons', () => {
    expect(() => readSmiles(rd, 'C1CC')).toThrow(/invalid SMILES: .*unclosed ring/);
    expect(() => readSmiles(rd, 'C(C)(C)(C)(C)C')).toThrow(/Explicit valence for atom # 0 C, 5, is greater than permitted/);
    expect(() => readSmiles(rd, 'c1cccc1')).toThrow(/kekulize/i);
    expect(() => readSmiles(rd, '')).toThrow(/empty input/);
  });

  it('a .smi file returns the good lines and reports the bad ones by line', () => {
    const r = readSmilesFile(rd, '# header\nCCO ethanol\nC1CC broken ring\n\nc1ccccc1 benzene\n');
    expect(r.molecules.map((m) => [m.line, m.molecule.name])).toEqual([[2, 'ethanol'], [5, 'benzene']]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].line).toBe(3);
    expect(r.errors[0].reason).toMatch(/line 3: invalid SMILES: .*unclosed ring/);
  });

  it('a truncated SDF names the record and the line', () => {
    const sdf = fixture('conformers.sdf');
    const lines = sdf.split('\n');
    const truncated = lines.slice(0, 8).join('\n'); // header, counts and 4 of 6 atom lines
    const r = readSdf(rd, truncated);
    expect(r.molecules).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].reason).toMatch(/record 1 \(line 1\): expected 6 atom lines, found 4: truncated at line 9/);
    expect(() => readMolblock(rd, truncated)).toThrow(/truncated at line 9/);
  });

  it('a multi-record SDF with one bad record returns the others and reports exactly that one', () => {
    const records = fixture('conformers.sdf').split('$$$$\n').filter((r) => r.trim() !== '');
    // Record 2 (tert-butanol): make the O a fluorine bonded twice (a valence RDKit rejects).
    const broken = records[1].replace(/^  5  4/m, '  5  5').replace('M  END', '  1  5  1  0\nM  END').replace(/ O   0/, ' F   0');
    expect(broken).not.toBe(records[1]);
    const text = [records[0], broken, records[2], records[3], records[4]].map((r) => r + '$$$$\n').join('');
    const r = readSdf(rd, text);
    expect(r.molecules.map((m) => m.record)).toEqual([1, 3, 4, 5]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].record).toBe(2);
    expect(r.errors[0].line).toBe(records[0].split('\n').length + 1);
    expect(r.errors[0].reason).toMatch(/record 2 .*valence/i);
  });

  it('XYZ with a bad count line, a short frame or an unknown element', () => {
    const bad = readXyz('three\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n');
    expect(bad.frames).toEqual([]);
    expect(bad.errors[0].reason).toMatch(/line 1: expected the number of atoms .* got "three"/);
    const short = readXyz('3\nwater\nO 0 0 0\nH 0.96 0 0\n');
    expect(short.errors[0].reason).toMatch(/says 3 atoms but the file ends after 2 atom lines/);
    const unknown = readXyz('1\nx\nQq 0 0 0\n');
    expect(unknown.errors[0].reason).toMatch(/line 3: unknown element "Qq"/);
    // A good frame before a bad one is kept.
    const mixed = readXyz('1\nmethane C\nC 0 0 0\nx\n');
    expect(mixed.frames).toHaveLength(1);
    expect(mixed.errors[0].reason).toMatch(/frame 2, line 4/);
  });

  it('XYZ without hydrogens or with an impossible valence cannot be turned into a molecule', () => {
    const noH = readXyz('2\nCO\nC 0 0 0\nO 1.2 0 0\n').frames[0];
    expect(() => xyzToMolecule(rd, noH)).toThrow(/no hydrogens/);
    const crowded = readXyz('6\nCH5\nC 0 0 0\nH 1.09 0 0\nH -1.09 0 0\nH 0 1.09 0\nH 0 -1.09 0\nH 0 0 1.09\n').frames[0];
    expect(() => xyzToMolecule(rd, crowded)).toThrow(/C1 has 5 neighbours/);
  });
});
