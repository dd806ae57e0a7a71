import { describe, expect, it } from 'vitest';
import { edgeFrames, frameMix, ginCombine, headAttention, noiseEmbedding, noisyAdjacency, noisyAtomTypes, pairRbf, PADDING_SLOT, toDense } from './kernels';
import {
  edgeFramesRef, frameMixBackwardRef, frameMixRef, ginCombineBackwardRef, ginCombineRef, headAttentionBackwardRef, headAttentionRef, noiseEmbeddingRef,
  noisyAdjacencyRef, noisyAtomTypesRef, pairRbfRef, toDenseRef,
} from './reference';
import { createSDE } from './sde';
import { mulberry32, randnArray } from '../../kernels/random';
import { expectClose, finiteDiffGrad, readF64, testEngine } from '../../kernels/testing';

const rng = mulberry32(11);

function randomEdges(n: number, E: number) {
  const src = new Uint32Array(E);
  const dst = new Uint32Array(E);
  for (let e = 0; e < E; e++) {
    src[e] = Math.floor(rng() * n);
    dst[e] = (src[e] + 1 + Math.floor(rng() * (n - 1))) % n;
  }
  return { src, dst };
}

describe('edgeFrames', () => {
  it('matches the float64 twin and gives orthonormal frames with a vanishing e2 projection', async () => {
    const e = await testEngine();
    const n = 13;
    const E = 70; // not a multiple of the workgroup size
    const h = 8;
    const pos = randnArray(3 * n, rng, 1.5);
    const { src, dst } = randomEdges(n, E);
    const W = randnArray(2 * h, rng);
    const g = edgeFrames(e.fromArray(pos, [n, 3]), e.fromArray(src, [E], { dtype: 'u32' }), e.fromArray(dst, [E], { dtype: 'u32' }), e.fromArray(W, [2 * h]));
    const ref = edgeFramesRef(pos, src, dst, W);
    expectClose(await readF64(g.frames), ref.frames, { atol: 1e-5, what: 'frames' });
    expectClose(await readF64(g.angles), ref.angles, { atol: 2e-4, what: 'angles' });
    expectClose(await readF64(g.featj), ref.featj, { atol: 3e-4, what: 'featj' });
    expectClose(await readF64(g.feati), ref.feati, { atol: 3e-4, what: 'feati' });
    expectClose(await readF64(g.featd), ref.featd, { atol: 3e-4, what: 'featd' });
    // The twin's frames are orthonormal and e2 is orthogonal to both endpoints.
    for (let k = 0; k < E; k++) {
      const f = ref.frames.subarray(9 * k, 9 * k + 9);
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          let d = 0;
          for (let c = 0; c < 3; c++) d += f[3 * a + c] * f[3 * b + c];
          // Unit up to the eps in the denominators (eps / |x_j × x_i|).
          expect(Math.abs(d - (a === b ? 1 : 0))).toBeLessThan(1e-4);
        }
      }
      const xj = pos.subarray(3 * src[k], 3 * src[k] + 3);
      expect(Math.abs(f[3] * xj[0] + f[4] * xj[1] + f[5] * xj[2])).toBeLessThan(1e-9);
    }
    e.endStep();
  });
});

describe('pairRbf', () => {
  it('matches the twin, with the cutoff at zero beyond the radius', async () => {
    const e = await testEngine();
    const n = 9;
    const P = 40;
    const pos = randnArray(3 * n, rng, 4);
    const { src, dst } = randomEdges(n, P);
    const out = pairRbf(e.fromArray(pos, [n, 3]), e.fromArray(src, [P], { dtype: 'u32' }), e.fromArray(dst, [P], { dtype: 'u32' }), 7, 5);
    const ref = pairRbfRef(pos, src, dst, 7, 5);
    expectClose(await readF64(out.rbf), ref.rbf, { atol: 1e-5, what: 'rbf' });
    expectClose(await readF64(out.cutoff), ref.cutoff, { atol: 1e-5, what: 'cutoff' });
    expect(ref.cutoff.some((c) => c === 0)).toBe(true);
    expect(ref.cutoff.some((c) => c > 0.5)).toBe(true);
    e.endStep();
  });
});

describe('noiseEmbedding', () => {
  it.each(['VE', 'VP'] as const)('%s: Fourier features of ln std(t) per row', async (kind) => {
    const e = await testEngine();
    const sdeConfig = { kind, min: kind === 'VE' ? 0.01 : 0.2, max: kind === 'VE' ? 10 : 1, N: 1000 };
    const sde = createSDE(kind, sdeConfig.min, sdeConfig.max);
    const t = [0.001, 0.3, 0.97];
    const graphOf = Uint32Array.from([0, 0, 1, 2, 2, 2, 1]);
    const W = randnArray(5, rng);
    const out = noiseEmbedding(e.fromArray(t, [3]), e.fromArray(graphOf, [7], { dtype: 'u32' }), e.fromArray(W, [5]), sdeConfig);
    const ref = noiseEmbeddingRef(t.map((v) => Math.log(sde.marginalStd(v))), graphOf, W);
    expectClose(await readF64(out), ref, { atol: 2e-4, what: `noise embedding ${kind}` });
    e.endStep();
  });
});

describe('frameMix', () => {
  const E = 37;
  const coef = randnArray(3 * E, rng);
  const frames = randnArray(9 * E, rng);
  const dy = randnArray(3 * E, rng);

  it('forward and backward match the twin', async () => {
    const e = await testEngine();
    const c = e.fromArray(coef, [E, 3], { requiresGrad: true });
    const y = frameMix(c, e.fromArray(frames, [E, 9]));
    expectClose(await readF64(y), frameMixRef(coef, frames), { what: 'frameMix' });
    e.backward(y, e.fromArray(dy, [E, 3]));
    expectClose(await readF64(e.gradOf(c)), frameMixBackwardRef(dy, frames), { what: 'dcoef' });
    e.endStep();
  });

  it('twin backward matches finite differences', () => {
    expectClose(frameMixBackwardRef(dy, frames), finiteDiffGrad((v) => frameMixRef(v, frames), coef, dy), { atol: 1e-7, rtol: 1e-6, what: 'fd frameMix' });
  });
});

describe('headAttention', () => {
  const B = 2;
  const n = 5;
  const heads = 3;
  const hdim = 2;
  const scale = 1 / Math.sqrt(hdim);
  const q = randnArray(B * n * heads * hdim, rng);
  const k = randnArray(B * n * heads * hdim, rng);
  const dy = randnArray(B * n * n, rng);

  it('forward is symmetric and matches the twin; backward matches the twin', async () => {
    const e = await testEngine();
    const qt = e.fromArray(q, [B * n, heads * hdim], { requiresGrad: true });
    const kt = e.fromArray(k, [B * n, heads * hdim], { requiresGrad: true });
    const y = headAttention(qt, kt, B, n, heads, hdim, scale);
    const ref = headAttentionRef(q, k, B, n, heads, hdim, scale);
    expectClose(await readF64(y), ref, { what: 'attention map' });
    expect(ref[1 * n + 3]).toBeCloseTo(ref[3 * n + 1], 12);
    e.backward(y, e.fromArray(dy, [B, n, n]));
    const back = headAttentionBackwardRef(q, k, dy, B, n, heads, hdim, scale);
    expectClose(await readF64(e.gradOf(qt)), back.dq, { what: 'dq' });
    expectClose(await readF64(e.gradOf(kt)), back.dk, { what: 'dk' });
    e.endStep();
  });

  // q and k distinct and both needing a gradient: one dispatch (head_attention_backward_rows);
  // otherwise, or with heads wider than its accumulators, the three-pass form.
  it.each([
    ['both (one dispatch)', hdim, true, true, 1],
    ['q only (three passes)', hdim, true, false, 2],
    ['k only (three passes)', hdim, false, true, 2],
    ['both, hdim 40 (three passes)', 40, true, true, 2],
  ] as const)('backward for %s matches the twin and accumulates', async (_, hd, qGrad, kGrad, dispatches) => {
    const e = await testEngine();
    const r = mulberry32(hd + (qGrad ? 1 : 0) + (kGrad ? 2 : 0));
    const qs = randnArray(B * n * heads * hd, r);
    const ks = randnArray(B * n * heads * hd, r);
    const sc = 1 / Math.sqrt(hd);
    const qt = e.fromArray(qs, [B * n, heads * hd], { requiresGrad: qGrad });
    const kt = e.fromArray(ks, [B * n, heads * hd], { requiresGrad: kGrad });
    const back = headAttentionBackwardRef(qs, ks, dy, B, n, heads, hd, sc);
    for (let pass = 1; pass <= 2; pass++) {
      const y = headAttention(qt, kt, B, n, heads, hd, sc);
      const d0 = e.dispatchCount;
      e.backward(y, e.fromArray(dy, [B, n, n]));
      expect(e.dispatchCount - d0).toBe(dispatches);
      if (qGrad) expectClose(await readF64(e.gradOf(qt)), back.dq.map((v) => pass * v), { what: `dq pass ${pass}` });
      if (kGrad) expectClose(await readF64(e.gradOf(kt)), back.dk.map((v) => pass * v), { what: `dk pass ${pass}` });
      e.tape.clear();
    }
    e.endStep();
  });

  it('twin backward matches finite differences', () => {
    const back = headAttentionBackwardRef(q, k, dy, B, n, heads, hdim, scale);
    expectClose(back.dq, finiteDiffGrad((v) => headAttentionRef(v, k, B, n, heads, hdim, scale), q, dy), { atol: 1e-7, rtol: 1e-6, what: 'fd dq' });
    expectClose(back.dk, finiteDiffGrad((v) => headAttentionRef(q, v, B, n, heads, hdim, scale), k, dy), { atol: 1e-7, rtol: 1e-6, what: 'fd dk' });
  });
});

describe('ginCombine', () => {
  // 70 nodes x 9 features = 630 elements: not a multiple of the workgroup size.
  const [N, F] = [70, 9];
  const r = mulberry32(61);
  const h = randnArray(N * F, r);
  const m = randnArray(N * F, r);
  const dy = randnArray(N * F, r);
  const eps = -0.3;

  it('forward and one-dispatch backward match the twin, and accumulate', async () => {
    const e = await testEngine();
    const ht = e.fromArray(h, [N, F], { requiresGrad: true });
    const mt = e.fromArray(m, [N, F], { requiresGrad: true });
    const et = e.fromArray([eps], [1], { requiresGrad: true });
    const back = ginCombineBackwardRef(h, eps, dy);
    for (let pass = 1; pass <= 2; pass++) {
      const y = ginCombine(ht, et, mt);
      expectClose(await readF64(y), ginCombineRef(h, eps, m), { what: 'ginCombine' });
      const d0 = e.dispatchCount;
      e.backward(y, e.fromArray(dy, [N, F]));
      expect(e.dispatchCount - d0).toBe(1);
      expectClose(await readF64(e.gradOf(ht)), back.dh.map((v) => pass * v), { what: `dh pass ${pass}` });
      expectClose(await readF64(e.gradOf(mt)), back.dm.map((v) => pass * v), { what: `dm pass ${pass}` });
      expectClose(await readF64(e.gradOf(et)), back.deps.map((v) => pass * v), { atol: 1e-4, rtol: 1e-5, what: `deps pass ${pass}` });
      e.tape.clear();
    }
    e.endStep();
  });

  it('twin backward matches finite differences', () => {
    const n = 4 * 3;
    const [hs, ms, ds] = [h.slice(0, n), m.slice(0, n), dy.slice(0, n)];
    const back = ginCombineBackwardRef(hs, eps, ds);
    const o = { atol: 1e-7, rtol: 1e-6 };
    expectClose(back.dh, finiteDiffGrad((v) => ginCombineRef(v, eps, ms), hs, ds), { ...o, what: 'fd dh' });
    expectClose(back.dm, finiteDiffGrad((v) => ginCombineRef(hs, eps, v), ms, ds), { ...o, what: 'fd dm' });
    expectClose(back.deps, finiteDiffGrad((v) => ginCombineRef(hs, v[0], ms), Float64Array.of(eps), ds), { ...o, what: 'fd deps' });
  });
});

describe('toDense', () => {
  it('pads rows into slots and routes the gradient back', async () => {
    const e = await testEngine();
    // Two graphs of 3 and 2 atoms, Nmax = 3.
    const atomOfSlot = Uint32Array.from([0, 1, 2, 3, 4, PADDING_SLOT]);
    const slotOfAtom = Uint32Array.from([0, 1, 2, 3, 4]);
    const F = 3;
    const x = randnArray(5 * F, rng);
    const xt = e.fromArray(x, [5, F], { requiresGrad: true });
    const y = toDense(xt, e.fromArray(atomOfSlot, [6], { dtype: 'u32' }), e.fromArray(slotOfAtom, [5], { dtype: 'u32' }));
    expectClose(await readF64(y), toDenseRef(x, F, atomOfSlot), { what: 'dense' });
    const dy = randnArray(6 * F, rng);
    e.backward(y, e.fromArray(dy, [6, F]));
    expectClose(await readF64(e.gradOf(xt)), dy.slice(0, 5 * F), { what: 'dx' });
    e.endStep();
  });
});

describe('3D->2D noise', () => {
  it('noisy atom types and symmetric noisy adjacency match the twins', async () => {
    const e = await testEngine();
    const B = 2;
    const n = 4;
    const C = 5;
    const classOfSlot = Uint32Array.from([0, 3, 4, PADDING_SLOT, 1, 1, PADDING_SLOT, PADDING_SLOT]);
    const flags = [1, 1, 1, 0, 1, 1, 0, 0];
    const mean = [0.9, 0.6];
    const std = [0.3, 0.8];
    const zx = randnArray(B * n * C, rng);
    const zr = randnArray(B * n * n, rng);
    const a0 = new Float64Array(B * n * n);
    a0[0 * n + 1] = a0[1 * n + 0] = 1;
    a0[1 * n + 2] = a0[2 * n + 1] = 2;
    a0[16 + 0 * n + 1] = a0[16 + 1 * n + 0] = 4;
    const f = e.fromArray(flags, [B * n]);
    const m = e.fromArray(mean, [B]);
    const s = e.fromArray(std, [B]);
    const X = noisyAtomTypes(e.fromArray(classOfSlot, [B * n], { dtype: 'u32' }), e.fromArray(zx, [B * n, C]), f, m, s, n, C);
    const refX = noisyAtomTypesRef(classOfSlot, zx, flags, mean, std, n, C);
    expectClose(await readF64(X.z), refX.z, { what: 'zX' });
    expectClose(await readF64(X.xt), refX.xt, { what: 'Xt' });
    const A = noisyAdjacency(e.fromArray(a0, [B, n, n]), e.fromArray(zr, [B, n, n]), f, m, s);
    const refA = noisyAdjacencyRef(a0, zr, flags, mean, std, B, n);
    expectClose(await readF64(A.z), refA.z, { what: 'zA' });
    expectClose(await readF64(A.at), refA.at, { what: 'At' });
    // Symmetric, zero diagonal, masked padding.
    expect(refA.z[0 * n + 2]).toBe(refA.z[2 * n + 0]);
    expect(refA.z[1 * n + 1]).toBe(0);
    expect(refA.at[0 * n + 3]).toBe(0);
    e.endStep();
  });
});
