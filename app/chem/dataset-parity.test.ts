/**
 * The shipped data sets were featurised by Python RDKit 2022.09 (tools/dsbuild); the app
 * featurises user molecules with rdkit-js. Both must give the same integers, or the model sees
 * different inputs at training and at use. About 50 molecules spread over each file are
 * re-featurised from their stored SMILES (whose parse order is the stored atom order) and compared
 * feature by feature; stored bonds are (i, j) pairs sorted, so bond rows are matched by atom pair.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDataset } from '../data/dataset';
import { readSmiles } from './io';
import { DEFAULT_LIMITS } from './molecule';
import { getRDKit, type RDKit } from './rdkit';

let rd: RDKit;
beforeAll(async () => {
  rd = await getRDKit();
});

function mismatches(file: string, sample = 50): string[] {
  const ds = parseDataset(readFileSync(new URL(`../../${file}`, import.meta.url)), file);
  const out: string[] = [];
  const picks = [...new Set(Array.from({ length: sample }, (_, k) => Math.floor((k * ds.count) / sample)))];
  for (const i of picks) {
    const r = ds.molecule(i);
    const m = readSmiles(rd, r.smiles, { ...DEFAULT_LIMITS, maxHeavyAtoms: 255 });
    const tag = `${file}#${i} ${r.smiles}`;
    if (m.atoms.length !== r.numAtoms || m.bonds.length !== r.numBonds) {
      out.push(`${tag}: ${m.atoms.length} atoms / ${m.bonds.length} bonds vs stored ${r.numAtoms} / ${r.numBonds}`);
      continue;
    }
    for (let k = 0; k < r.numAtoms * 9; k++) {
      if (m.atomFeatures[k] !== r.atomFeatures[k]) out.push(`${tag}: atom ${Math.floor(k / 9)} feature ${k % 9} = ${m.atomFeatures[k]}, stored ${r.atomFeatures[k]}`);
    }
    for (let b = 0; b < r.numBonds; b++) {
      const [i0, j0] = [r.bonds[2 * b], r.bonds[2 * b + 1]];
      const mb = m.bonds.findIndex((x) => (x.a === i0 && x.b === j0) || (x.a === j0 && x.b === i0));
      if (mb < 0) {
        out.push(`${tag}: stored bond ${i0}-${j0} is not in the rdkit-js graph`);
        continue;
      }
      for (let f = 0; f < 3; f++) {
        const mine = m.bondFeatures[mb * 3 + f];
        const stored = r.bondFeatures[b * 3 + f];
        if (mine !== stored) out.push(`${tag}: bond ${i0}-${j0} feature ${f} = ${mine}, stored ${stored}`);
      }
    }
  }
  return out;
}

describe('rdkit-js featuriser = Python data build', () => {
  // public/data/qm9like.bin joins this list once the build has written it (it was still running
  // when this test was written; 1108 of its molecules, featurised by the build's own code, matched).
  for (const file of ['app/data/fixtures/tiny.bin', 'public/data/druglike.bin', 'public/data/qm9like.bin']) {
    it(`${file}: 50 molecules, every atom and bond feature`, () => {
      expect(mismatches(file)).toEqual([]);
    });
  }
});
