import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { FLAG_GRAD, FLAG_LOSS, StepHealth, describeFlags } from './health';

describe('StepHealth', () => {
  it('records loss rows and flags exactly the steps with a non-finite loss or gradient', async () => {
    const e = await testEngine();
    const h = new StepHealth(e, 4);
    const scalar = (v: number) => e.fromArray([v], [1]);
    const rows = [
      [1, 2, 3, 4, 5],
      [6, NaN, 8, 9, 10],
      [11, 12, 13, 14, 15],
      [16, 17, 18, 19, Infinity],
    ];
    // Gradients: 1000 finite values except one -Inf at the end of step 2's second tensor (past the first workgroups).
    const finite = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e30);
    const poisoned = Float32Array.from(finite);
    poisoned[999] = -Infinity;
    for (let s = 0; s < 4; s++) {
      const [total, contrastive, denoise2Dto3D, atoms3Dto2D, bonds3Dto2D] = rows[s].map(scalar);
      h.recordLosses(s, { total, contrastive, denoise2Dto3D, atoms3Dto2D, bonds3Dto2D });
      h.checkFinite(s, [e.fromArray(finite, [1000]), e.fromArray(s === 2 ? poisoned : finite, [10, 100])]);
    }
    const back = await h.read(4);
    expect(Array.from(back.flags)).toEqual([0, FLAG_LOSS, FLAG_GRAD, FLAG_LOSS]);
    expect(back.losses[0]).toEqual({ total: 1, contrastive: 2, denoise2Dto3D: 3, atoms3Dto2D: 4, bonds3Dto2D: 5 });
    expect(back.losses[1].contrastive).toBeNaN();
    expect(back.losses[3].bonds3Dto2D).toBe(Infinity);
    expect(back.losses[2].total).toBe(11);
    // read() clears the flags for the next window.
    const again = await h.read(2);
    expect(Array.from(again.flags)).toEqual([0, 0]);
    expect(describeFlags(FLAG_LOSS | FLAG_GRAD)).toMatch(/loss .* and a gradient/);
    h.dispose();
    e.endStep();
  });

  it('restores backed-up tensors only for flagged steps', async () => {
    const e = await testEngine();
    const h = new StepHealth(e, 2);
    const n = 300; // more than one workgroup
    const a = e.fromArray(Float32Array.from({ length: n }, (_, i) => i), [n], { persistent: true });
    const b = e.fromArray(Float32Array.from({ length: n }, (_, i) => -i), [3, 100], { persistent: true });
    h.backup([a, b]);
    // The "step" changes both in place; step 0 stays healthy.
    e.copy(e.fromArray(new Float32Array(n).fill(7), [n]), a);
    e.copy(e.fromArray(new Float32Array(n).fill(8), [n]), b);
    h.restoreIfFlagged(0);
    expect(Array.from(await e.readF32(a))).toEqual(new Array(n).fill(7));
    // Step 1 goes bad (a NaN gradient): both revert to the values backed up before it.
    h.backup([a, b]);
    e.copy(e.fromArray(new Float32Array(n).fill(9), [n]), a);
    e.copy(e.fromArray(new Float32Array(n).fill(NaN), [n]), b);
    h.checkFinite(1, [b]);
    h.restoreIfFlagged(1);
    expect(Array.from(await e.readF32(a))).toEqual(new Array(n).fill(7));
    expect(Array.from(await e.readF32(b))).toEqual(new Array(n).fill(8));
    expect(h.skipCondition(1)).toEqual({ flags: h.flags, index: 1 });
    expect(() => h.skipCondition(2)).toThrow(/slot 2 is outside the window of 2/);
    h.dispose();
    e.dispose(a);
    e.dispose(b);
    e.endStep();
  });

  it('rejects slots outside the window', async () => {
    const e = await testEngine();
    const h = new StepHealth(e, 2);
    expect(() => h.checkFinite(2, [])).toThrow(/slot 2 is outside the window of 2/);
    h.dispose();
  });

  it('recordAndCheck: losses and a whole gradient buffer in one dispatch flag the same steps', async () => {
    const e = await testEngine();
    const h = new StepHealth(e, 3);
    const scalar = (v: number) => e.fromArray([v], [1]);
    const finite = Float32Array.from({ length: 70000 }, (_, i) => Math.cos(i) * 1e30);
    const poisoned = Float32Array.from(finite);
    poisoned[69999] = NaN;
    const rows = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, -Infinity, 4, 5]];
    for (let s = 0; s < 3; s++) {
      const [total, contrastive, denoise2Dto3D, atoms3Dto2D, bonds3Dto2D] = rows[s].map(scalar);
      const d0 = e.dispatchCount;
      h.recordAndCheck(s, { total, contrastive, denoise2Dto3D, atoms3Dto2D, bonds3Dto2D }, e.fromArray(s === 1 ? poisoned : finite, [70000]));
      expect(e.dispatchCount - d0).toBe(1);
    }
    const back = await h.read(3);
    expect(Array.from(back.flags)).toEqual([0, FLAG_GRAD, FLAG_LOSS]);
    expect(back.losses[1]).toEqual({ total: 1, contrastive: 2, denoise2Dto3D: 3, atoms3Dto2D: 4, bonds3Dto2D: 5 });
    expect(back.losses[2].denoise2Dto3D).toBe(-Infinity);
    h.dispose();
    e.endStep();
  });
});
