/**
 * Issue 12: `sample -n 1000000` overflowed the call stack in the batcher (Math.max(...counts) over a
 * million-entry array). A batch of very many graphs must build like a small one.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch, type BatchMolecule } from './batch';

describe('batching very many graphs', () => {
  it('a batch of 300,000 one-atom graphs builds (no stack overflow) with the right dense padding', () => {
    const one: BatchMolecule = { numAtoms: 1, atomFeatures: new Uint8Array(9), bonds: new Uint32Array(0), bondFeatures: new Uint8Array(0) };
    const two: BatchMolecule = { numAtoms: 2, atomFeatures: new Uint8Array(18), bonds: new Uint32Array([0, 1]), bondFeatures: new Uint8Array(3) };
    const mols = Array.from({ length: 300_000 }, (_, i) => (i === 123_456 ? two : one));
    const b = makeBatch(mols, { positions: 'none', radius: false });
    expect(b.numGraphs).toBe(300_000);
    expect(b.dense.nmax).toBe(2);
    expect(b.dense.counts[123_456]).toBe(2);
  });
});
