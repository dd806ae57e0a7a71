/**
 * Regression tests of issue 12's chemistry reproductions: limits checked before RDKit sees the
 * text, recovery after an RDKit trap, SMILES with whitespace or non-ASCII, the decoder's last atom
 * class, strict XYZ numbers and writers that refuse values they cannot represent.
 */
import { describe, expect, it } from 'vitest';
import { checkSmilesInput, readMolblock, readSdf, readSmiles, writeSdf } from './io';
import { geometryProblem } from './molecule';
import { ChemError, countSmilesHeavyAtoms, getRDKit, isRetired, onRDKitRestart, parseMol, retireRDKit, guardRDKit } from './rdkit';
import { classToAtomicNumber, checkMolecule, decodeMolecule } from './decode';
import { readXyz, writeXyz } from './xyz';

describe('limits before the parser', () => {
  it('a 1000-atom SMILES is refused before RDKit, and RDKit still parses CCO afterwards', async () => {
    const rd = await getRDKit();
    expect(() => readSmiles(rd, 'C'.repeat(1000))).toThrow(/1000 characters, more than the 600/);
    expect(() => readSmiles(rd, 'C'.repeat(40))).toThrow(ChemError);
    expect(readSmiles(await getRDKit(), 'CCO').atoms.length).toBe(3);
  });

  it('the heavy-atom estimate counts bracket, two-letter and aromatic atoms but not hydrogens', () => {
    expect(countSmilesHeavyAtoms('CCO')).toBe(3);
    expect(countSmilesHeavyAtoms('c1ccccc1Cl')).toBe(7);
    expect(countSmilesHeavyAtoms('[2H]C([H])[NH3+]')).toBe(2);
    expect(countSmilesHeavyAtoms('Br[Si](C)(C)C')).toBe(5);
  });
});

describe('V3000 counts before the parser', () => {
  it('a V3000 block claiming 100000 atoms is refused with its line before RDKit', async () => {
    const rd = await getRDKit();
    const block = ['x', '  t', '', '  0  0  0  0  0  0  0  0  0  0999 V3000', 'M  V30 BEGIN CTAB', 'M  V30 COUNTS 100000 0 0 0 0', 'M  V30 END CTAB', 'M  END'].join('\n');
    expect(() => readMolblock(rd, block)).toThrow(/bad V3000 COUNTS line \(line 6\)/);
  });
});

describe('RDKit trap recovery', () => {
  it('a trapped module is discarded, the user told, and a fresh one parses CCO', async () => {
    const rd = await getRDKit();
    const messages: string[] = [];
    const off = onRDKitRestart((m) => messages.push(m));
    // The real trap: RDKit's wasm overflows on a ~1000-atom chain (the limits above keep users
    // from reaching this; the test goes around them on purpose).
    expect(() => parseMol(rd, 'C'.repeat(1000), {}, 'SMILES')).toThrow(/RDKit crashed on this input.*fresh one/);
    off();
    expect(messages.length).toBe(1);
    expect(isRetired(rd)).toBe(true);
    expect(() => parseMol(rd, 'CCO')).toThrow(/crashed earlier and was discarded/);
    const fresh = await getRDKit();
    expect(fresh).not.toBe(rd);
    expect(readSmiles(fresh, 'CCO').smiles).toBe('CCO');
  });

  it('guardRDKit turns a WebAssembly RuntimeError into a ChemError and passes other errors through', async () => {
    const rd = await getRDKit();
    expect(() => guardRDKit(rd, () => { throw new TypeError('not a trap'); })).toThrow(TypeError);
    expect(isRetired(rd)).toBe(false);
    const err = retireRDKit(rd, 'simulated');
    expect(err).toBeInstanceOf(ChemError);
    expect(readSmiles(await getRDKit(), 'CCO').atoms.length).toBe(3);
  });
});

describe('SMILES text that RDKit would silently reinterpret', () => {
  it('whitespace inside a SMILES is refused instead of taking the rest as a name', async () => {
    const rd = await getRDKit();
    expect(() => readSmiles(rd, 'c1ccccc1 CCO')).toThrow(/whitespace at position 9/);
    expect(() => readSmiles(rd, 'CC\tO')).toThrow(/whitespace/);
  });

  it('non-ASCII characters (leading, trailing or inside) are refused, naming the code point', async () => {
    const rd = await getRDKit();
    expect(() => readSmiles(rd, '\u00a0CCO')).toThrow(/U\+00A0|whitespace/);
    expect(() => readSmiles(rd, 'CCO\u2013')).toThrow(/U\+2013/);
    expect(() => checkSmilesInput('C\u00e9O')).toThrow(/U\+00E9/);
    expect(checkSmilesInput('  CCO \n')).toBe('CCO');
  });
});

describe('3D->2D decoder', () => {
  it("class 118 of 119 (OGB's misc class) decodes to 'other', and the graph is reported invalid, not thrown", async () => {
    expect(classToAtomicNumber(118, 119)).toBe(0);
    expect(classToAtomicNumber(5, 119)).toBe(6);
    const rd = await getRDKit();
    const x = new Float32Array(2 * 119);
    x[118] = 1; // atom 1: misc
    x[119 + 5] = 1; // atom 2: carbon
    const a = new Float32Array([0, 1, 1, 0]);
    const d = decodeMolecule(rd, x, a, 2, 119);
    expect(d.valid).toBe(false);
    expect(d.reason).toMatch(/'other' element class/);
    expect(checkMolecule(rd, [119, 6], []).reason).toMatch(/#119/);
  });
});

describe('XYZ reader numbers', () => {
  it('hex, Infinity and out-of-range coordinates are refused with the line', () => {
    for (const bad of ['0x1', 'Infinity', '1e39', '1e6', '']) {
      const r = readXyz(`2\nc\nC ${bad} 0 0\nO 1.2 0 0\n`);
      expect(r.frames.length).toBe(0);
      expect(r.errors[0].reason).toMatch(/line 3: expected "element x y z"/);
    }
    expect(readXyz('2\nc\nC -1.5e0 +0 .5\nO 1.2 0 0\n').frames.length).toBe(1);
  });
});

describe('writers refuse values they cannot represent', () => {
  it('the SDF writer refuses coordinates beyond its 10-character columns and NaN; the XYZ writer NaN and huge', async () => {
    const rd = await getRDKit();
    const mol = readSmiles(rd, 'CO');
    expect(() => writeSdf([{ molecule: mol, positions: new Float32Array([0, 0, 0, 123456.5, 0, 0]) }])).toThrow(/10 columns/);
    expect(() => writeSdf([{ molecule: mol, positions: new Float32Array([0, 0, 0, -10000, 0, 0]) }])).toThrow(/10 columns/);
    expect(() => writeSdf([{ molecule: mol, positions: new Float32Array([0, Number.NaN, 0, 1, 0, 0]) }])).toThrow(/not finite/);
    // The largest values that do fit round-trip through our own reader.
    const ok = writeSdf([{ molecule: mol, positions: new Float32Array([-9999, 0, 0, 9999, 0, 0]) }]);
    expect(readSdf(rd, ok).errors).toEqual([]);
    expect(() => writeXyz(mol, new Float32Array([0, 0, 0, Number.POSITIVE_INFINITY, 0, 0]))).toThrow(/not finite/);
    expect(() => writeXyz(mol, new Float32Array([0, 0, 0, 1e7, 0, 0]))).toThrow(/beyond/);
  });
});

describe('geometry checks', () => {
  it('all atoms at the origin, or two atoms on one spot, is not a 3D geometry', () => {
    expect(geometryProblem(new Float32Array(9))).toMatch(/overlapping atoms/);
    expect(geometryProblem(new Float32Array([0, 0, 0, 1.5, 0, 0, 3, 0, 0]))).toBeNull();
    expect(geometryProblem(new Float32Array([0, 0, 0, 1e18, 0, 0]))).toMatch(/not a finite value within/);
  });
});
