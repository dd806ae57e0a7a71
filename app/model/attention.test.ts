import { describe, expect, it } from 'vitest';
import { transformerConv } from './kernels';
import { transformerConvRef } from './reference';
import { buildCsr } from '../../kernels/graph';
import { gatherRows } from '../../kernels/ops/gather';
import { segmentSum } from '../../kernels/ops/segment';
import { segmentSoftmax } from '../../kernels/ops/softmax';
import { add, scale, scaleRows } from '../../kernels/ops/elementwise';
import { rowDot } from '../../kernels/ops/rowdot';
import { split } from '../../kernels/ops/concat';
import { mulberry32, randnArray } from '../../kernels/random';
import { expectClose, readF64, testEngine } from '../../kernels/testing';

const rng = mulberry32(17);

/** Random directed edges; nodes in `isolated` receive none (their output is their skip row). */
function randomEdges(n: number, E: number, isolated: Set<number>) {
  const src: number[] = [];
  const dst: number[] = [];
  while (src.length < E) {
    const j = Math.floor(rng() * n);
    const i = Math.floor(rng() * n);
    if (i === j || isolated.has(i)) continue;
    src.push(j);
    dst.push(i);
  }
  return { src: Uint32Array.from(src), dst: Uint32Array.from(dst) };
}

describe('transformerConv (fused TransformerConv forward)', () => {
  for (const [heads, hdim] of [[8, 4], [3, 5]] as const) {
    it(`matches its float64 twin and the unfused ops (${heads} heads x ${hdim})`, async () => {
      const e = await testEngine();
      const N = 11;
      const E = 45;
      const W = heads * hdim;
      const peCols = 3 * W; // three layers' edge projections side by side; this one is the middle block
      const { src, dst } = randomEdges(N, E, new Set([4, 9]));
      const nodesHost = randnArray(N * 4 * W, rng);
      const peHost = randnArray(E * peCols, rng, 0.7);
      const srcT = e.fromArray(src, [E], { dtype: 'u32' });
      const dstT = e.fromArray(dst, [E], { dtype: 'u32' });
      const byDst = buildCsr(e, dst, N);
      const bySrc = buildCsr(e, src, N);
      const nodes = e.fromArray(nodesHost, [N, 4 * W]);
      const pe = e.fromArray(peHost, [E, peCols]);
      const got = await readF64(e.noGrad(() => transformerConv(nodes, pe, W, srcT, byDst, heads, hdim)));
      const want = transformerConvRef(nodesHost, peHost, peCols, W, src, dst, N, heads, hdim);
      expectClose(got, want, { atol: 1e-5, rtol: 1e-4, what: 'fused vs float64' });
      for (const i of [4, 9]) {
        for (let c = 0; c < W; c++) expect(got[i * W + c]).toBe(Math.fround(nodesHost[i * 4 * W + 3 * W + c]));
      }
      // The same layer written with the unfused ops, as Score2Dto3D's training path does.
      const unfused = await readF64(e.noGrad(() => {
        const [q, k, v, skip] = split(nodes, [W, W, W, W]);
        const [, peL] = split(pe, [W, W, W]);
        const qi = gatherRows(q, dstT, byDst);
        const kj = add(gatherRows(k, srcT, bySrc), peL);
        const dots = rowDot(e.reshape(qi, [E * heads, hdim]), e.reshape(kj, [E * heads, hdim]));
        const alpha = segmentSoftmax(scale(e.reshape(dots, [E, heads]), 1 / Math.sqrt(hdim)), byDst);
        const vj = add(gatherRows(v, srcT, bySrc), peL);
        const msg = e.reshape(scaleRows(e.reshape(vj, [E * heads, hdim]), e.reshape(alpha, [E * heads])), [E, W]);
        return add(segmentSum(msg, byDst), skip);
      }));
      expectClose(got, unfused, { atol: 1e-6, rtol: 1e-5, what: 'fused vs unfused ops' });
      e.endStep();
    });
  }

  it('refuses to record (it has no backward) and head widths it cannot hold', async () => {
    const e = await testEngine();
    const { src, dst } = randomEdges(4, 6, new Set());
    const srcT = e.fromArray(src, [6], { dtype: 'u32' });
    const byDst = buildCsr(e, dst, 4);
    const nodes = e.fromArray(randnArray(4 * 4 * 8, rng), [4, 32], { requiresGrad: true });
    const pe = e.fromArray(randnArray(6 * 8, rng), [6, 8]);
    expect(() => transformerConv(nodes, pe, 0, srcT, byDst, 2, 4)).toThrow(/forward only/);
    const wide = e.fromArray(randnArray(4 * 4 * 33, rng), [4, 4 * 33]);
    expect(() => e.noGrad(() => transformerConv(wide, e.fromArray(randnArray(6 * 33, rng), [6, 33]), 0, srcT, byDst, 1, 33))).toThrow(/head width/);
    e.endStep();
  });
});
