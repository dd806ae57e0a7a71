import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDataset } from './dataset';
import { concatDatasets } from './concat';

describe('concatDatasets', () => {
  it('numbers molecules part after part, keeps splits, offsets scaffolds, drops labels', () => {
    const a = parseDataset(readFileSync('app/data/fixtures/tiny.bin'), 'a');
    const b = parseDataset(readFileSync('app/data/fixtures/tiny.bin'), 'b');
    const c = concatDatasets([a, b]);
    expect(c.count).toBe(a.count + b.count);
    expect(c.name).toBe('a+b');
    for (const i of [0, a.count - 1, a.count, c.count - 1]) {
      const [src, j] = i < a.count ? [a, i] : [b, i - a.count];
      const r = c.molecule(i);
      expect(r.index).toBe(i);
      expect(r.smiles).toBe(src.molecule(j).smiles);
      expect(Array.from(r.positions)).toEqual(Array.from(src.molecule(j).positions));
      expect(r.labels.length).toBe(0);
      expect(c.splitCodes[i]).toBe(src.splitCodes[j]);
      expect(c.scaffoldIds[i]).toBe(src.scaffoldIds[j] + (i < a.count ? 0 : a.numScaffolds));
    }
    expect(() => c.molecule(c.count)).toThrow(/out of range/);
  });
});
