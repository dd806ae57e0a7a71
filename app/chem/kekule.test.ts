import { describe, expect, it } from 'vitest';
import { readSmiles } from './io';
import { kekulize, type KekuleAtom } from './kekule';
import { toMolblock, writeMolblock } from './molfile';
import { getRDKit, parseMol } from './rdkit';

const heavy = (zs: number[]): KekuleAtom[] => zs.map((z) => ({ atomicNumber: z, charge: 0, hydrogens: null, radicals: 0 }));
const ring = (n: number) => Array.from({ length: n }, (_, i) => ({ a: i, b: (i + 1) % n, order: 4 }));
const doubles = (orders: number[]) => orders.filter((o) => o === 2).length;

describe('the one kekuliser', () => {
  it('benzene: three alternating double bonds, with or without known hydrogens', () => {
    for (const atoms of [heavy([6, 6, 6, 6, 6, 6]), [6, 6, 6, 6, 6, 6].map((z) => ({ atomicNumber: z, charge: 0, hydrogens: 1, radicals: 0 }))]) {
      const r = kekulize(atoms, ring(6));
      expect('orders' in r).toBe(true);
      const orders = (r as { orders: number[] }).orders;
      expect(doubles(orders)).toBe(3);
      for (let i = 0; i < 6; i++) expect(orders[i] + orders[(i + 5) % 6]).toBe(3); // each atom: one single, one double
    }
  });

  it('pyrrole as a heavy-atom graph: N keeps its hydrogen (no double bond); with the H known, the same', () => {
    const zs = [7, 6, 6, 6, 6];
    const free = kekulize(heavy(zs), ring(5)) as { orders: number[] };
    expect(doubles(free.orders)).toBe(2);
    expect(free.orders[0] + free.orders[4]).toBe(2); // both N bonds single
    const known = kekulize(zs.map((z, i) => ({ atomicNumber: z, charge: 0, hydrogens: i === 0 ? 1 : 1, radicals: 0 })), ring(5)) as { orders: number[] };
    expect(known.orders).toEqual(free.orders);
  });

  it('an aromatic chain has no placement, and the reason names the atom left over', () => {
    const r = kekulize(heavy([6, 6, 6]), [{ a: 0, b: 1, order: 4 }, { a: 1, b: 2, order: 4 }]);
    expect('reason' in r && r.reason).toMatch(/cannot kekulise the aromatic bonds \(no double-bond placement for C\d(, C\d)*\)/);
  });

  it('toMolblock of molecules read by RDKit writes Kekulé blocks RDKit reads back to the same SMILES', async () => {
    const rd = await getRDKit();
    for (const smi of ['c1ccccc1', 'c1cc[nH]c1', 'c1ccoc1', 'c1ccc2[nH]ccc2c1', 'Cc1ncc[n-]1', 'O=c1cc[nH]cc1']) {
      const mol = readSmiles(rd, smi);
      const block = toMolblock(mol);
      expect(block).not.toMatch(/^\s*\d+\s+\d+\s+4\s/m);
      const back = parseMol(rd, block, {}, 'test');
      expect(back.get_smiles()).toBe(mol.smiles);
      back.delete();
    }
  });
});

describe('the one molblock writer', () => {
  it('writes charges, radicals, the valence field and bond stereo in their V2000 places, and refuses aromatic type 4', () => {
    const block = writeMolblock(
      [{ element: 'N', charge: 1 }, { element: 'C', radicals: 1, valence: 3 }, { element: 'O', charge: -1 }],
      [{ a: 0, b: 1, order: 1, stereo: 6 }, { a: 1, b: 2, order: 1 }],
      { positions: [0, 0, 0, 1.5, 0, 0, 3, 0, 0], name: 'test' },
    );
    const lines = block.split('\n');
    expect(lines[0]).toBe('test');
    expect(lines[1].slice(20, 22)).toBe('3D');
    expect(lines[3]).toBe('  3  2  0  0  0  0  0  0  0  0999 V2000');
    expect(lines[5].slice(48, 51)).toBe('  3'); // valence field of atom 2
    expect(lines[7]).toBe('  1  2  1  6');
    expect(lines).toContain('M  CHG  2   1   1   3  -1');
    expect(lines).toContain('M  RAD  1   2   2');
    expect(() => writeMolblock([{ element: 'C' }, { element: 'C' }], [{ a: 0, b: 1, order: 4 }])).toThrow(/Kekulé orders 1..3/);
    expect(() => writeMolblock([{ element: 'C' }], [], { positions: [NaN, 0, 0] })).toThrow(/not finite/);
  });
});
