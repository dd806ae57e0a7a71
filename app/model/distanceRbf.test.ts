import { describe, expect, it } from 'vitest';
import { DISTANCE_RBF } from './config';
import { distanceRbf } from './score3Dto2D';

describe('3D->2D distance channels', () => {
  it('put 1 on the centre that equals the pair distance, follow the Gaussian elsewhere, and leave the diagonal and padding at 0', () => {
    const K = DISTANCE_RBF.count;
    const { first, width } = DISTANCE_RBF;
    const pad = 0xffffffff;
    // Two graphs, nmax 3: graph 0 has atoms 0, 1 (slot 2 padding); graph 1 has atoms 2, 3, 4.
    const d01 = first + 5 * width; // exactly on centre 5
    const positions = Float32Array.from([0, 0, 0, d01, 0, 0, 0, 0, 0, 0, 1.5, 0, 0, 0, 2.2]);
    const atomOfSlot = Uint32Array.from([0, 1, pad, 2, 3, 4]);
    const out = distanceRbf({ numGraphs: 2, nmax: 3, host: { positions, atomOfSlot } as never }, K);
    const at = (g: number, i: number, j: number, k: number) => out[((g * 3 + i) * 3 + j) * K + k];
    expect(at(0, 0, 1, 5)).toBeCloseTo(1, 6);
    expect(at(0, 1, 0, 5)).toBeCloseTo(1, 6);
    expect(at(0, 0, 1, 6)).toBeCloseTo(Math.exp(-1), 6);
    for (let k = 0; k < K; k++) {
      expect(at(0, 0, 0, k)).toBe(0);
      expect(at(0, 0, 2, k)).toBe(0);
      expect(at(0, 2, 1, k)).toBe(0);
      expect(at(1, 1, 2, k)).toBeCloseTo(Math.exp(-(((Math.hypot(1.5, 2.2) - (first + k * width)) / width) ** 2)), 6);
    }
  });
});
