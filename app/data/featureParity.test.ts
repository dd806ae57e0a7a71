/**
 * The features stored by the Python build equal what the app computes from the stored SMILES with
 * rdkit-js (app/chem): atom order, bonds, and all 9 + 3 OGB features. Models trained on the files
 * then see the same inputs as molecules typed into the app.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, permutation } from '../../kernels/random';
import { readSmiles } from '../chem/io';
import { DEFAULT_LIMITS } from '../chem/molecule';
import { getRDKit, type RDKit } from '../chem/rdkit';
import { parseDataset, type Dataset } from './dataset';

let rd: RDKit;
beforeAll(async () => {
  rd = await getRDKit();
});

const load = (rel: string) => parseDataset(new Uint8Array(readFileSync(new URL(rel, import.meta.url))), rel);

/** Up to `count` molecules chosen by a seeded permutation; returns "index smiles: what differs" lines. */
function mismatches(ds: Dataset, count: number, seed: number): string[] {
  const order = permutation(ds.count, mulberry32(seed)).subarray(0, count);
  const out: string[] = [];
  for (const i of order) {
    const m = ds.molecule(i);
    const app = readSmiles(rd, m.smiles, { ...DEFAULT_LIMITS, maxHeavyAtoms: 64 });
    const bonds = app.bonds.map((b) => [Math.min(b.a, b.b), Math.max(b.a, b.b)]);
    const stored = Array.from({ length: m.numBonds }, (_, b) => [m.bonds[2 * b], m.bonds[2 * b + 1]]);
    // Compare bonds as sets, with their features, since bond order in a list is a free choice.
    const key = (p: number[], f: ArrayLike<number>, k: number) => `${p[0]}-${p[1]}:${Array.from(f).slice(3 * k, 3 * k + 3).join(',')}`;
    const appBonds = bonds.map((p, k) => key(p, app.bondFeatures, k)).sort();
    const storedBonds = stored.map((p, k) => key(p, m.bondFeatures, k)).sort();
    if (app.atoms.length !== m.numAtoms) out.push(`${i} ${m.smiles}: ${app.atoms.length} atoms in the app, ${m.numAtoms} stored`);
    else if (Array.from(app.atomFeatures).join() !== Array.from(m.atomFeatures).join()) {
      out.push(`${i} ${m.smiles}: atom features app ${Array.from(app.atomFeatures).join()} stored ${Array.from(m.atomFeatures).join()}`);
    } else if (appBonds.join() !== storedBonds.join()) out.push(`${i} ${m.smiles}: bonds app ${appBonds} stored ${storedBonds}`);
  }
  return out;
}

describe('stored features equal the app featuriser on the stored SMILES', () => {
  it('the Python-written fixture', () => {
    expect(mismatches(load('./fixtures/tiny.bin'), 5, 1)).toEqual([]);
  });
  it('400 QM9-like molecules', () => {
    expect(mismatches(load('../../public/data/qm9like.bin'), 400, 3)).toEqual([]);
  });
  it('400 drug-like molecules', () => {
    expect(mismatches(load('../../public/data/druglike.bin'), 400, 2)).toEqual([]);
  });
});
