import { describe, expect, it } from 'vitest';
import { centreRowsFused, edgePairConcat, frameMix, frameMixMean, mulAdd, residualLayerNorm } from './kernels';
import { edgePairConcatRef, frameMixMeanRef, residualLayerNormRef } from './reference';
import { buildCsr } from '../../kernels/graph';
import { gatherRows } from '../../kernels/ops/gather';
import { segmentMean } from '../../kernels/ops/segment';
import { layerNorm } from '../../kernels/ops/layernorm';
import { concat } from '../../kernels/ops/concat';
import { add, mul, scale } from '../../kernels/ops/elementwise';
import { silu } from '../../kernels/ops/activation';
import { mulberry32, randnArray } from '../../kernels/random';
import { expectClose, readF64, testEngine } from '../../kernels/testing';

const rng = mulberry32(23);

/** Random directed edges among n nodes; node `isolated` receives none. */
function randomEdges(n: number, E: number, isolated: number) {
  const src: number[] = [];
  const dst: number[] = [];
  while (src.length < E) {
    const [j, i] = [Math.floor(rng() * n), Math.floor(rng() * n)];
    if (i === j || i === isolated) continue;
    src.push(j);
    dst.push(i);
  }
  return { src: Uint32Array.from(src), dst: Uint32Array.from(dst) };
}

describe('fused eval-path kernels of the 2D->3D network', () => {
  it('residualLayerNorm = u + LayerNorm(x): float64 twin and the unfused ops', async () => {
    const e = await testEngine();
    const [rows, cols] = [70, 32]; // rows not a multiple of the workgroup size
    const [u, x, g, b] = [randnArray(rows * cols, rng), randnArray(rows * cols, rng, 3), randnArray(cols, rng), randnArray(cols, rng)];
    const [uT, xT, gT, bT] = [e.fromArray(u, [rows, cols]), e.fromArray(x, [rows, cols]), e.fromArray(g, [cols]), e.fromArray(b, [cols])];
    const got = await readF64(e.noGrad(() => residualLayerNorm(uT, xT, gT, bT)));
    expectClose(got, residualLayerNormRef(u, x, g, b, rows, cols), { atol: 1e-5, rtol: 1e-4, what: 'fused vs float64' });
    const unfused = await readF64(e.noGrad(() => add(uT, layerNorm(xT, gT, bT))));
    expectClose(got, unfused, { atol: 1e-6, rtol: 1e-6, what: 'fused vs unfused' });
    // With the SiLU that follows a convolution inside a block.
    const act = await readF64(e.noGrad(() => residualLayerNorm(uT, xT, gT, bT, { silu: true })));
    expectClose(act, residualLayerNormRef(u, x, g, b, rows, cols, true), { atol: 1e-5, rtol: 1e-4, what: 'fused+silu vs float64' });
    expectClose(act, await readF64(e.noGrad(() => silu(add(uT, layerNorm(xT, gT, bT))))), { atol: 1e-6, rtol: 1e-6, what: 'fused+silu vs unfused' });
    e.endStep();
  });

  it('mulAdd = a * b + c: float64 formula and the unfused ops, bit for bit', async () => {
    const e = await testEngine();
    const n = 300;
    const [a, b, c] = [randnArray(n, rng), randnArray(n, rng), randnArray(n, rng)];
    const [aT, bT, cT] = [e.fromArray(a, [30, 10]), e.fromArray(b, [30, 10]), e.fromArray(c, [30, 10])];
    const got = await readF64(e.noGrad(() => mulAdd(aT, bT, cT)));
    expectClose(got, Float64Array.from(a, (v, i) => v * b[i] + c[i]), { atol: 1e-6, rtol: 1e-6, what: 'fused vs float64' });
    expect(Array.from(got)).toEqual(Array.from(await readF64(e.noGrad(() => add(mul(aT, bT), cT)))));
    e.endStep();
  });

  it('edgePairConcat = [u[src] + u[dst] | r]: float64 twin and the unfused ops', async () => {
    const e = await testEngine();
    const [N, E, F, R] = [9, 40, 32, 32];
    const { src, dst } = randomEdges(N, E, 3);
    const [u, r] = [randnArray(N * F, rng), randnArray(E * R, rng)];
    const [uT, rT] = [e.fromArray(u, [N, F]), e.fromArray(r, [E, R])];
    const [srcT, dstT] = [e.fromArray(src, [E], { dtype: 'u32' }), e.fromArray(dst, [E], { dtype: 'u32' })];
    const got = await readF64(e.noGrad(() => edgePairConcat(uT, rT, srcT, dstT)));
    expectClose(got, edgePairConcatRef(u, r, src, dst, F, R), { atol: 1e-6, rtol: 1e-6, what: 'fused vs float64' });
    const unfused = await readF64(e.noGrad(() => concat([add(gatherRows(uT, srcT, buildCsr(e, src, N)), gatherRows(uT, dstT, buildCsr(e, dst, N))), rT])));
    expect(Array.from(got)).toEqual(Array.from(unfused));
    e.endStep();
  });

  it('frameMixMean = segment mean of frameMix, new or added in place: float64 twin and the unfused ops', async () => {
    const e = await testEngine();
    const [N, E] = [10, 37];
    const { dst } = randomEdges(N, E, 6);
    const [coef, frames, base] = [randnArray(3 * E, rng), randnArray(9 * E, rng), randnArray(3 * N, rng)];
    const [coefT, framesT] = [e.fromArray(coef, [E, 3]), e.fromArray(frames, [E, 9])];
    const byDst = buildCsr(e, dst, N);
    const want = frameMixMeanRef(coef, frames, dst, N);
    const fresh = await readF64(e.noGrad(() => frameMixMean(coefT, framesT, byDst)));
    expectClose(fresh, want, { atol: 1e-5, rtol: 1e-5, what: 'fused vs float64' });
    expect(Array.from(fresh.slice(18, 21))).toEqual([0, 0, 0]); // node 6 has no incoming edge
    const unfused = await readF64(e.noGrad(() => segmentMean(frameMix(coefT, framesT), byDst)));
    expectClose(fresh, unfused, { atol: 1e-6, rtol: 1e-6, what: 'fused vs unfused' });
    const into = e.fromArray(base, [N, 3]);
    const added = await readF64(e.noGrad(() => frameMixMean(coefT, framesT, byDst, into)));
    expectClose(added, Float64Array.from(want, (v, i) => v + base[i]), { atol: 1e-5, rtol: 1e-5, what: 'accumulated vs float64' });
    e.endStep();
  });

  it('centreRowsFused = x - the mean of its graph: float64 formula and the unfused ops, bit for bit', async () => {
    const e = await testEngine();
    const counts = [3, 1, 7, 4];
    const graphOf = Uint32Array.from(counts.flatMap((n, g) => Array<number>(n).fill(g)));
    const N = graphOf.length;
    const x = randnArray(3 * N, rng, 2);
    const xT = e.fromArray(x, [N, 3]);
    const graphOfT = e.fromArray(graphOf, [N], { dtype: 'u32' });
    const byGraph = buildCsr(e, graphOf, counts.length);
    const got = await readF64(e.noGrad(() => centreRowsFused(xT, graphOfT, byGraph)));
    const want = new Float64Array(3 * N);
    for (let i = 0; i < N; i++) {
      for (let d = 0; d < 3; d++) {
        let mean = 0;
        for (let j = 0; j < N; j++) if (graphOf[j] === graphOf[i]) mean += x[3 * j + d] / counts[graphOf[i]];
        want[3 * i + d] = x[3 * i + d] - mean;
      }
    }
    expectClose(got, want, { atol: 1e-5, rtol: 1e-5, what: 'fused vs float64' });
    const unfused = await readF64(e.noGrad(() => add(xT, scale(gatherRows(segmentMean(xT, byGraph), graphOfT, byGraph), -1))));
    expect(Array.from(got)).toEqual(Array.from(unfused));
    e.endStep();
  });

  it('refuse to record (they have no backward)', async () => {
    const e = await testEngine();
    const x = e.fromArray(randnArray(8, rng), [2, 4], { requiresGrad: true });
    expect(() => residualLayerNorm(x, x, e.fromArray([1, 1, 1, 1], [4]), e.zeros([4]))).toThrow(/forward only/);
    e.tape.clear();
    e.endStep();
  });
});
