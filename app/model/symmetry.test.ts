import { describe, expect, it } from 'vitest';
import { makeBatch, type BatchMolecule } from '../data/batch';
import { resolveConfig } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { uploadBatch } from './batchGpu';
import { tinyMolecules } from './testMolecules';
import { testEngine } from '../../kernels/testing';
import { mulberry32, permutation, randnArray } from '../../kernels/random';
import type { Engine } from '../../kernels/engine';

type Mat3 = number[][];

/** A random rotation (det +1) from a normalised random quaternion. */
function randomRotation(rng: () => number): Mat3 {
  const [a, b, c, d] = (() => {
    const q = randnArray(4, rng);
    const n = Math.hypot(...q);
    return Array.from(q, (v) => v / n);
  })();
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
  ];
}

function apply(M: Mat3, x: ArrayLike<number>, shift = [0, 0, 0]): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length / 3; i++) {
    for (let r = 0; r < 3; r++) y[3 * i + r] = M[r][0] * x[3 * i] + M[r][1] * x[3 * i + 1] + M[r][2] * x[3 * i + 2] + shift[r];
  }
  return y;
}

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const small = { gin: { dim: 16 }, schnet: { dim: 16, numFilters: 16, numGaussians: 12 }, score3Dto2D: { nfeat: 16 }, numAtomClasses: 10 as const };

/**
 * edgeStructure: the bond-type / hop-count embedding of the 2D->3D edges (docs/method.md §2.9), with
 * random (seeded, the same for every model) table values: a zero table would be the network without it.
 */
async function setup(e: Engine, molecules: BatchMolecule[], preset: 'paper' | 'generative' = 'paper', edgeStructure = false) {
  const model = new MoleculeSDE(e, resolveConfig(preset, { ...small, score2Dto3D: { edgeStructure } }), 4);
  if (edgeStructure) {
    const table = model.score2Dto3D.edgeStructure!;
    e.write(table, Float32Array.from(randnArray(table.size, mulberry32(31)), (v) => 0.5 * v));
  }
  const host = makeBatch(molecules);
  const batch = uploadBatch(e, host);
  // Perturbed positions x_t = x0 + 0.3 z (centred x0, noise not re-centred, as in training).
  const rng = mulberry32(21);
  const xt = Float32Array.from(host.positions, (v) => v + 0.3 * randnArray(1, rng)[0]);
  const t = e.fromArray(new Float32Array(host.numGraphs).fill(0.5), [host.numGraphs]);
  return { model, host, batch, xt, t };
}

for (const edgeStructure of [false, true]) describe(`2D->3D score network symmetry${edgeStructure ? ' (with the edge-structure embedding)' : ''}`, () => {
  it('is rotation-equivariant: |f(Rx) - R f(x)| <= 1e-4 |f(x)|', async () => {
    const e = await testEngine();
    const { model, batch, xt, t } = await setup(e, tinyMolecules(5, 8), 'paper', edgeStructure);
    const h2 = model.encode2D(batch);
    const f = await e.readF32(model.eps2Dto3D(batch, h2, e.fromArray(xt, [xt.length / 3, 3]), t, 0.5));
    const R = randomRotation(mulberry32(3));
    const fR = await e.readF32(model.eps2Dto3D(batch, h2, e.fromArray(apply(R, xt), [xt.length / 3, 3]), t, 0.5));
    const err = relError(fR, apply(R, f));
    console.log('rotation relative error', err);
    expect(err).toBeLessThanOrEqual(1e-4);
    // Not trivially zero.
    expect(Math.hypot(...f)).toBeGreaterThan(1e-3);
    e.endStep();
  });

  it('flips its e2 part under reflection and keeps the e1/e3 part', async () => {
    const e = await testEngine();
    const { model, batch, xt, t } = await setup(e, tinyMolecules(5, 9), 'paper', edgeStructure);
    const N = xt.length / 3;
    const P: Mat3 = [[1, 0, 0], [0, -1, 0], [0, 0, 1]];
    const h2 = model.encode2D(batch);
    const run = async (x: Float32Array, comps?: [number, number, number]) => e.readF32(model.eps2Dto3D(batch, h2, e.fromArray(x, [N, 3]), t, 0.5, comps));
    const odd = await run(xt, [0, 1, 0]);
    const even = await run(xt, [1, 0, 1]);
    const full = await run(xt);
    const oddP = await run(apply(P, xt), [0, 1, 0]);
    const evenP = await run(apply(P, xt), [1, 0, 1]);
    const fullP = await run(apply(P, xt));
    // The parts add up to the full output.
    expect(relError(Float32Array.from(odd, (v, i) => v + even[i]), full)).toBeLessThan(1e-5);
    // e2 is a pseudo-vector: its part becomes -P(.); e1 and e3 are vectors: P(.).
    expect(relError(oddP, apply(P, odd).map((v) => -v))).toBeLessThan(1e-4);
    expect(relError(evenP, apply(P, even))).toBeLessThan(1e-4);
    // Hence the full model is not reflection-equivariant (it can tell enantiomers apart)...
    expect(relError(fullP, apply(P, full))).toBeGreaterThan(1e-2);
    // ...and the e2 part at atom i is orthogonal to x_i (every e2 into i is ⟂ x_i).
    for (let i = 0; i < N; i++) {
      const dot = odd[3 * i] * xt[3 * i] + odd[3 * i + 1] * xt[3 * i + 1] + odd[3 * i + 2] * xt[3 * i + 2];
      const scaleI = Math.hypot(odd[3 * i], odd[3 * i + 1], odd[3 * i + 2]) * Math.hypot(xt[3 * i], xt[3 * i + 1], xt[3 * i + 2]);
      expect(Math.abs(dot)).toBeLessThanOrEqual(1e-4 * scaleI + 1e-7);
    }
    e.endStep();
  });

  it('is permutation-equivariant (atoms renumbered inside each molecule)', async () => {
    const e = await testEngine();
    const mols = tinyMolecules(4, 10);
    const rng = mulberry32(5);
    const perms = mols.map((m) => permutation(m.numAtoms, rng));
    // Molecule with atom i moved to position perm[i].
    const permuted: BatchMolecule[] = mols.map((m, k) => {
      const p = perms[k];
      const n = m.numAtoms;
      const atomFeatures = new Array<number>(n * 9);
      const positions = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < 9; f++) atomFeatures[9 * p[i] + f] = m.atomFeatures[9 * i + f];
        for (let c = 0; c < 3; c++) positions[3 * p[i] + c] = m.positions![3 * i + c];
      }
      return { ...m, atomFeatures, positions, bonds: Array.from(m.bonds, (a) => p[a]) };
    });
    const a = await setup(e, mols, 'paper', edgeStructure);
    const b = await setup(e, permuted, 'paper', edgeStructure);
    const N = a.xt.length / 3;
    // The same perturbed positions, permuted.
    const xtPerm = new Float32Array(3 * N);
    let o = 0;
    mols.forEach((m, k) => {
      for (let i = 0; i < m.numAtoms; i++) for (let c = 0; c < 3; c++) xtPerm[3 * (o + perms[k][i]) + c] = a.xt[3 * (o + i) + c];
      o += m.numAtoms;
    });
    const fa = await e.readF32(a.model.eps2Dto3D(a.batch, a.model.encode2D(a.batch), e.fromArray(a.xt, [N, 3]), a.t, 0.5));
    const fb = await e.readF32(b.model.eps2Dto3D(b.batch, b.model.encode2D(b.batch), e.fromArray(xtPerm, [N, 3]), b.t, 0.5));
    const fbBack = new Float32Array(3 * N);
    o = 0;
    mols.forEach((m, k) => {
      for (let i = 0; i < m.numAtoms; i++) for (let c = 0; c < 3; c++) fbBack[3 * (o + i) + c] = fb[3 * (o + perms[k][i]) + c];
      o += m.numAtoms;
    });
    expect(relError(fbBack, fa)).toBeLessThan(1e-5);
    e.endStep();
  });
});

for (const edgeStructure of [false, true]) describe(`2D->3D network under the generative recipe (centred, preconditioned)${edgeStructure ? ' with the edge-structure embedding' : ''}`, () => {
  it('is translation-invariant (shift by 3 A) and rotation-equivariant', async () => {
    const e = await testEngine();
    const { model, batch, xt, t } = await setup(e, tinyMolecules(4, 13), 'generative', edgeStructure);
    expect(model.config.recipe2Dto3D.centred).toBe(true);
    expect(model.config.recipe2Dto3D.sigmaData).toBeGreaterThan(0);
    const N = xt.length / 3;
    const h2 = model.encode2D(batch);
    const run = async (x: Float32Array) => e.readF32(model.eps2Dto3D(batch, h2, e.fromArray(x, [N, 3]), t, 0.5));
    const f = await run(xt);
    const shifted = await run(apply([[1, 0, 0], [0, 1, 0], [0, 0, 1]], xt, [3, -2, 1.5]));
    expect(relError(shifted, f)).toBeLessThanOrEqual(1e-4);
    const R = randomRotation(mulberry32(17));
    const fR = await run(apply(R, xt));
    expect(relError(fR, apply(R, f))).toBeLessThanOrEqual(1e-4);
    expect(Math.hypot(...f)).toBeGreaterThan(1e-3);
    e.endStep();
  });
});

describe('3D encoders and the 3D->2D networks', () => {
  it('SchNet and the 3D->2D outputs are invariant to rotation and translation', async () => {
    const e = await testEngine();
    const { model, host, batch } = await setup(e, tinyMolecules(5, 12), 'generative');
    const N = host.numNodes;
    const R = randomRotation(mulberry32(8));
    const moved = apply(R, host.positions, [1.5, -2, 0.7]);
    const h3 = model.encode3D(batch, e.fromArray(host.positions, [N, 3]));
    const h3m = model.encode3D(batch, e.fromArray(moved, [N, 3]));
    const a = await e.readF32(h3);
    const b = await e.readF32(h3m);
    expect(relError(b, a)).toBeLessThan(1e-5);
    // Same noisy graph for both.
    const B = host.numGraphs;
    const n = host.dense.nmax;
    const C = 10;
    const rng = mulberry32(2);
    const xt = e.fromArray(randnArray(B * n * C, rng), [B, n, C]);
    const atArr = randnArray(B * n * n, rng);
    const at = e.fromArray(atArr, [B, n, n]);
    const t = e.fromArray(new Float32Array(B).fill(0.4), [B]);
    const out = model.out3Dto2D(batch, h3, xt, at, t);
    const outM = model.out3Dto2D(batch, h3m, xt, at, t);
    const [x1, a1, x2, a2] = await Promise.all([out.x, out.a, outM.x, outM.a].map((v) => e.readF32(v)));
    expect(relError(x2, x1)).toBeLessThan(1e-5);
    expect(relError(a2, a1)).toBeLessThan(1e-5);
    expect(Math.hypot(...x1)).toBeGreaterThan(1e-3);
    // The A output has a zero diagonal and zero padding rows.
    for (let g = 0; g < B; g++) for (let i = 0; i < n; i++) expect(a1[(g * n + i) * n + i]).toBe(0);
    e.endStep();
  });
});
