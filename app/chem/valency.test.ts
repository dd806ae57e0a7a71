/**
 * The decoder's valency correction (decode.ts: correctValences, docs/method.md §3.8): a decoded
 * graph that is not a molecule has its least confident bond orders lowered, one step at a time,
 * until RDKit accepts it; a valid graph is never changed; with the correction off the graph stays
 * as decoded. The expected molecules are written out by hand and canonicalised by RDKit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { atomClass } from '../model/config';
import { decodeMolecule } from './decode';
import { getRDKit, withMol, type RDKit } from './rdkit';

let rd: RDKit;
beforeAll(async () => {
  rd = await getRDKit();
});

/** Dense 10-class X and an n x n A holding the given continuous bond values (0 elsewhere). */
function dense(atomicNumbers: number[], bonds: [number, number, number][]): { x: Float32Array; a: Float32Array; n: number } {
  const n = atomicNumbers.length;
  const x = new Float32Array(n * 10);
  atomicNumbers.forEach((z, i) => (x[i * 10 + (z === 0 ? 9 : atomClass(z - 1, 10))] = 1));
  const a = new Float32Array(n * n);
  for (const [i, j, v] of bonds) a[i * n + j] = a[j * n + i] = v;
  return { x, a, n };
}

const canonical = (smiles: string) => withMol(rd, smiles, {}, (m) => m.get_smiles());

describe('valency correction of decoded graphs', () => {
  it('a valid graph is left exactly as decoded', () => {
    // Acetic acid CC(=O)O with confident values.
    const { x, a, n } = dense([6, 6, 8, 8], [[0, 1, 1.1], [1, 2, 1.9], [1, 3, 0.95]]);
    const d = decodeMolecule(rd, x, a, n, 10);
    expect(d.valid).toBe(true);
    expect(d.validAsDecoded).toBe(true);
    expect(d.corrections).toEqual([]);
    expect(d.graphSmiles).toBe(canonical('CC(=O)O'));
  });

  it('a pentavalent carbon loses its least confident bond, and only that one', () => {
    // C0 bonded to five carbons; the bond to C4 (0.62) nearly rounded to "no bond".
    const { x, a, n } = dense([6, 6, 6, 6, 6, 6], [[0, 1, 1.0], [0, 2, 1.1], [0, 3, 0.9], [0, 4, 0.62], [0, 5, 1.2]]);
    const d = decodeMolecule(rd, x, a, n, 10);
    expect(d.validAsDecoded).toBe(false);
    expect(d.reasonAsDecoded).toMatch(/valence/i);
    expect(d.corrections).toEqual([{ a: 0, b: 4, from: 1, to: 0 }]);
    expect(d.valid).toBe(true);
    expect(d.graphSmiles).toBe(canonical('CC(C)(C)C.C'));

    const off = decodeMolecule(rd, x, a, n, 10, { valencyCorrection: false });
    expect(off.valid).toBe(false);
    expect(off.reason).toMatch(/valence/i);
    expect(off.corrections).toEqual([]);
    expect(off.codes[0 * n + 4]).toBe(1); // the bond as decoded
  });

  it('lowers one step at a time: an over-valent triple bond becomes a double bond, not nothing', () => {
    // C1 has a triple bond to C0 (2.6, barely a triple) and two single bonds: valence 5.
    const { x, a, n } = dense([6, 6, 6, 6], [[0, 1, 2.6], [1, 2, 1.0], [1, 3, 1.05]]);
    const d = decodeMolecule(rd, x, a, n, 10);
    expect(d.validAsDecoded).toBe(false);
    expect(d.corrections).toEqual([{ a: 0, b: 1, from: 3, to: 2 }]);
    expect(d.graphSmiles).toBe(canonical('C=C(C)C'));
  });

  it('an aromatic ring that cannot be kekulised (five aromatic carbons) is lowered to cyclopentadiene', () => {
    // Ring 0-1-2-3-4 all aromatic; confidence 3.6 (2-3) < 3.7 (4-0) < 3.8 (1-2) < 3.9 (0-1) < 3.95 (3-4).
    const { x, a, n } = dense([6, 6, 6, 6, 6], [[0, 1, 3.9], [1, 2, 3.8], [2, 3, 3.6], [3, 4, 3.95], [0, 4, 3.7]]);
    const d = decodeMolecule(rd, x, a, n, 10);
    expect(d.validAsDecoded).toBe(false);
    expect(d.reasonAsDecoded).toMatch(/kekulise/);
    // After 2-3 and 4-0 are single, 3-4 kekulises alone; the chain 0-1-2 still cannot, so its least
    // confident bond (1-2) goes too, and 0-1 becomes a double bond.
    expect(d.corrections).toEqual([
      { a: 2, b: 3, from: 4, to: 1 },
      { a: 0, b: 4, from: 4, to: 1 },
      { a: 1, b: 2, from: 4, to: 1 },
    ]);
    expect(d.valid).toBe(true);
    expect(d.graphSmiles).toBe(canonical('C1=CCC=C1'));
  });

  it("an atom of the 'other' class cannot be fixed by bond orders: invalid, and the loop ends", () => {
    const { x, a, n } = dense([6, 0], [[0, 1, 1.0]]);
    const d = decodeMolecule(rd, x, a, n, 10);
    expect(d.valid).toBe(false);
    expect(d.reason).toMatch(/other/);
    expect(d.corrections).toEqual([]);
  });
});
