import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSmiles } from '../chem/io';
import { toMolblock } from '../chem/molfile';
import { getRDKit } from '../chem/rdkit';
import { parseDataset } from '../data/dataset';
import { WorkerError } from './protocol';
import { ReferenceLookup } from './reference';

const tiny = () => parseDataset(new Uint8Array(readFileSync(new URL('../data/fixtures/tiny.bin', import.meta.url))).buffer, 'tiny.bin');

function distances(p: ArrayLike<number>, n: number): number[] {
  const d: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d.push(Math.hypot(p[3 * i] - p[3 * j], p[3 * i + 1] - p[3 * j + 1], p[3 * i + 2] - p[3 * j + 2]));
  return d.sort((a, b) => a - b);
}

describe('reference geometry look-up in the worker', () => {
  it("finds a drawn molecule's data-set conformer in the drawing's atom order; a molecule not held gives null", async () => {
    const ds = tiny();
    const loads: string[] = [];
    const lookup = new ReferenceLookup({
      rdkit: getRDKit,
      dataset: async (name) => {
        loads.push(name);
        if (name === 'qm9like') return ds;
        throw new WorkerError('dataset', `no data set ${name}`);
      },
    });
    const rd = await getRDKit();
    // Phenol drawn with the oxygen last: the data set stores it as Oc1ccccc1 (oxygen first).
    const drawn = readSmiles(rd, 'c1ccc(cc1)O');
    const r = await lookup.find(toMolblock(drawn));
    const index = [...Array(ds.count).keys()].find((i) => ds.molecule(i).smiles === 'Oc1ccccc1')!;
    expect(r.origin).toBe(`data set qm9like, molecule #${index}`);
    const rec = ds.molecule(index);
    expect(r.positions!.length).toBe(rec.numAtoms * 3);
    // Same conformer (same distance multiset), and in the drawing's order: every drawn bond is a C-C or C-O bond length.
    expect(distances(r.positions!, rec.numAtoms)).toEqual(distances(rec.positions, rec.numAtoms).map((v) => expect.closeTo(v, 5)));
    for (const b of drawn.bonds) {
      const [i, j] = [b.a, b.b];
      const d = Math.hypot(r.positions![3 * i] - r.positions![3 * j], r.positions![3 * i + 1] - r.positions![3 * j + 1], r.positions![3 * i + 2] - r.positions![3 * j + 2]);
      expect(d).toBeGreaterThan(1.3);
      expect(d).toBeLessThan(1.45);
    }
    expect(await lookup.find(toMolblock(readSmiles(rd, 'CCCCCCCC')))).toEqual({ positions: null, origin: null });
    // Each data set is fetched for its index once, however many look-ups follow.
    expect(loads.filter((n) => n === 'druglike')).toHaveLength(1);
  });
});
