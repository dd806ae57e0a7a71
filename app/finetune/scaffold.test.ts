import { describe, expect, it } from 'vitest';
import { getRDKit } from '../chem/rdkit';
import { readSmiles } from '../chem/io';
import { FINETUNE_LIMITS } from './table';
import { columnSplit, downstreamSplit, murckoScaffold, scaffoldSplitSorted } from './scaffold';

async function scaffoldOf(smiles: string): Promise<string> {
  const rd = await getRDKit();
  return murckoScaffold(rd, readSmiles(rd, smiles, FINETUNE_LIMITS));
}

async function canonical(smiles: string): Promise<string> {
  const rd = await getRDKit();
  return readSmiles(rd, smiles, FINETUNE_LIMITS).smiles;
}

describe('Bemis-Murcko scaffold', () => {
  it('strips side chains and keeps rings, linkers and exocyclic double bonds', async () => {
    // Expected scaffolds worked out by hand from the definition, compared as canonical SMILES.
    const cases: [string, string][] = [
      ['CCc1ccccc1', 'c1ccccc1'],
      ['OC(=O)c1ccc(CC2CCN(C)CC2)cc1', 'c1ccc(CC2CCNCC2)cc1'],
      ['CC(=O)N1CCCC1', 'C1CCNC1'],
      ['O=C1CCCCC1CC', 'O=C1CCCCC1'],
      ['Cn1ccnc1', 'c1c[nH]cn1'],
      ['c1ccc2ccccc2c1CCCl', 'c1ccc2ccccc2c1'],
    ];
    for (const [mol, scaffold] of cases) expect(await scaffoldOf(mol), mol).toBe(await canonical(scaffold));
  });

  it('gives acyclic molecules the empty scaffold and equal strings to one framework written differently', async () => {
    expect(await scaffoldOf('CCO')).toBe('');
    expect(await scaffoldOf('CC(C)CC(=O)O')).toBe('');
    expect(await scaffoldOf('Clc1ccc(cc1)C2CC2')).toBe(await scaffoldOf('C1CC1c1ccc(O)cc1'));
  });
});

describe('scaffold split', () => {
  const scaffolds = ['a', 'b', 'a', 'c', 'a', 'b', 'd', 'e', 'a', 'b', '', '', 'f', 'a', 'g', 'h', 'a', 'b', 'c', 'i'];

  it('is deterministic and puts the largest scaffold sets in train', () => {
    const s1 = scaffoldSplitSorted(scaffolds);
    const s2 = scaffoldSplitSorted([...scaffolds]);
    expect(s1).toEqual(s2);
    // Sets by size: a(6) b(4) c(2) ''(2) then singletons; train is filled up to 16 of 20 molecules.
    const inTrain = new Set(Array.from(s1.train, (i) => scaffolds[i]));
    expect(inTrain.has('a') && inTrain.has('b')).toBe(true);
    expect(s1.train.length + s1.valid.length + s1.test.length).toBe(scaffolds.length);
    expect(s1.train.length).toBeLessThanOrEqual(16);
  });

  it('never lets a scaffold span two parts (random-looking data, several fractions)', () => {
    let x = 12345;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
    const many = Array.from({ length: 500 }, () => `s${Math.floor(Math.sqrt(next() % 10000))}`);
    for (const f of [[0.8, 0.1, 0.1], [0.6, 0.2, 0.2]] as const) {
      const s = scaffoldSplitSorted(many, f);
      const partOf = new Map<string, number>();
      [s.train, s.valid, s.test].forEach((part, p) => {
        for (const i of part) {
          const seen = partOf.get(many[i]);
          expect(seen === undefined || seen === p, `scaffold ${many[i]} in parts ${seen} and ${p}`).toBe(true);
          partOf.set(many[i], p);
        }
      });
      expect(new Set([...s.train, ...s.valid, ...s.test]).size).toBe(many.length);
      expect(s.train.length).toBeLessThanOrEqual(f[0] * many.length);
    }
  });

  it('random split depends on the seed only; column split follows the file', () => {
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    expect(downstreamSplit('random', keys, 3)).toEqual(downstreamSplit('random', keys, 3));
    expect(downstreamSplit('random', keys, 3)).not.toEqual(downstreamSplit('random', keys, 4));
    const c = columnSplit(['train', 'test', 'valid', 'train']);
    expect([Array.from(c.train), Array.from(c.valid), Array.from(c.test)]).toEqual([[0, 3], [2], [1]]);
    expect(() => columnSplit(['train', undefined])).toThrow(/row 1 has no part/);
  });
});
