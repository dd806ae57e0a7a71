import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../data/batch';
import { parseDataset } from '../data/dataset';
import { resolveConfig, type DeepPartial, type ModelConfig, type PresetName } from './config';
import { MoleculeSDE } from './moleculeSDE';
import { uploadBatch } from './batchGpu';
import { tinyMolecules } from './testMolecules';
import { createSDE } from './sde';
import { testEngine } from '../../kernels/testing';

const small: DeepPartial<ModelConfig> = { gin: { dim: 16 }, schnet: { dim: 16, numFilters: 16, numGaussians: 8 }, score3Dto2D: { nfeat: 16 }, numAtomClasses: 10 };

/** |a - b| <= 1e-5 (1 + |b|): f32 sums against float64. */
const expectNear = (a: number, b: number, what: string) => {
  if (!(Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b)))) throw new Error(`${what}: ${a} vs float64 ${b}`);
};

const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

describe('MoleculeSDE losses', () => {
  it.each(['paper', 'generative'] as const)('%s: all four losses are finite and every parameter gets a gradient', async (preset) => {
    const e = await testEngine();
    // paper runs with the faithful 119 atom classes, generative with the 10-class option.
    const model = new MoleculeSDE(e, resolveConfig(preset, { ...small, numAtomClasses: preset === 'paper' ? 119 : 10 }), 1);
    const batch = uploadBatch(e, makeBatch(tinyMolecules(4, 3)));
    const L = model.losses(batch, { seed: 5, step: 0 });
    e.backward(L.total);
    const values = await Promise.all([L.total, L.contrastive, L.denoise2Dto3D, L.atoms3Dto2D, L.bonds3Dto2D].map(async (t) => (await e.readF32(t))[0]));
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    const [total, cl, d23, ax, ab] = values;
    expect(total).toBeCloseTo(cl + d23 + 0.5 * (ax + ab), 4);
    const missing: string[] = [];
    for (const p of model.parameters()) {
      const g = p.tensor.grad ? await e.readF32(p.tensor.grad) : null;
      if (!g || !g.some((v) => v !== 0)) missing.push(p.name);
    }
    expect(missing).toEqual([]);
    e.endStep();
  });

  // A VP 2D->3D SDE with anneal power 2 exercises the mean coefficient and the std^p weights.
  const cases: [PresetName, DeepPartial<ModelConfig>][] = [
    ['paper', {}],
    ['generative', {}],
    ['paper', { sde2Dto3D: { kind: 'VP', min: 0.2, max: 1 }, sde3Dto2D: { kind: 'VP', min: 0.2, max: 1 }, annealPower: 2, coeffs: { contrastive: 0.5, gen2Dto3D: 2, gen3Dto2D: 3 } }],
  ];
  it.each(cases)('%s %j: loss values equal a float64 recomputation from the intermediates', async (preset, over) => {
    const e = await testEngine();
    const config = resolveConfig(preset, { ...small, ...over });
    const model = new MoleculeSDE(e, config, 2);
    const host = makeBatch(tinyMolecules(5, 4));
    const batch = uploadBatch(e, host);
    const L = model.lossesWithIntermediates(batch, { seed: 7, step: 3 });
    const I = L.intermediates;
    const read = (t: Parameters<typeof e.readF32>[0]) => e.readF32(t);
    const [h2, h3, z, xt, eps, zX, zA, outX, outA] = await Promise.all([I.h2, I.h3, I.z2Dto3D, I.xt2Dto3D, I.epsHat, I.zX, I.zA, I.outX, I.outA].map(read));
    const [total, cl, d23, ax, ab] = await Promise.all([L.total, L.contrastive, L.denoise2Dto3D, L.atoms3Dto2D, L.bonds3Dto2D].map(async (t) => (await read(t))[0]));
    const N = host.numNodes;
    const B = host.numGraphs;
    const d = config.gin.dim;
    const T = config.temperature;

    // EBM-NCE, node level, two directions with their own permutations.
    const dot = (a: Float32Array, i: number, b: Float32Array, j: number) => {
      let s = 0;
      for (let f = 0; f < d; f++) s += a[i * d + f] * b[j * d + f];
      return s;
    };
    let pos = 0, neg23 = 0, neg32 = 0;
    for (let i = 0; i < N; i++) {
      pos += softplus(-dot(h2, i, h3, i) / T);
      neg23 += softplus(dot(h2, i, h3, I.perm23[i]) / T);
      neg32 += softplus(dot(h3, i, h2, I.perm32[i]) / T);
    }
    const clRef = (0.5 * (2 * pos + neg23 + neg32)) / N;
    expectNear(cl, clRef, 'contrastive');
    expect(Array.from(I.perm23)).not.toEqual(Array.from(I.perm32));

    // 2D->3D: x_t = mean x0 + std z, loss = mean_g mean_i std^p |eps_hat - z|^2.
    const sde = createSDE(config.sde2Dto3D.kind, config.sde2Dto3D.min, config.sde2Dto3D.max);
    let d23Ref = 0;
    for (let i = 0; i < N; i++) {
      const g = host.nodeGraph[i];
      const tg = I.t2Dto3D[g];
      const std = sde.marginalStd(tg);
      let sq = 0;
      for (let c = 0; c < 3; c++) {
        expect(xt[3 * i + c]).toBeCloseTo(sde.marginalMean(tg) * host.positions[3 * i + c] + std * z[3 * i + c], 4);
        sq += (eps[3 * i + c] - z[3 * i + c]) ** 2;
      }
      d23Ref += (std ** config.annealPower * sq) / (host.dense.counts[g] * B);
    }
    expectNear(d23, d23Ref, 'denoise2Dto3D');

    // 3D->2D: means over all B * Nmax * C (B * Nmax * Nmax) entries, padding included.
    const sde32 = createSDE(config.sde3Dto2D.kind, config.sde3Dto2D.min, config.sde3Dto2D.max);
    const n = host.dense.nmax;
    const C = config.numAtomClasses;
    const paper = config.loss3Dto2D === 'paper';
    let axRef = 0, abRef = 0;
    for (let g = 0; g < B; g++) {
      const std = sde32.marginalStd(I.t3Dto2D[g]);
      const w = std ** config.annealPower;
      const k = paper ? 1 / std : 1;
      for (let s = g * n; s < (g + 1) * n; s++) {
        for (let c = 0; c < C; c++) axRef += (w * (zX[s * C + c] - k * outX[s * C + c]) ** 2) / (B * n * C);
        for (let j = 0; j < n; j++) abRef += (w * (zA[s * n + j] - k * outA[s * n + j]) ** 2) / (B * n * n);
      }
    }
    expectNear(ax, axRef, 'atoms3Dto2D');
    expectNear(ab, abRef, 'bonds3Dto2D');
    const c = config.coeffs;
    expectNear(total, c.contrastive * cl + c.gen2Dto3D * d23 + c.gen3Dto2D * 0.5 * (ax + ab), 'total');
    e.endStep();
  });

  it('a step is reproducible from (seed, step) and changes with the step', async () => {
    const e = await testEngine();
    const model = new MoleculeSDE(e, resolveConfig('paper', small), 3);
    const host = makeBatch(tinyMolecules(4, 5));
    const run = async (step: number) => {
      const L = model.losses(uploadBatch(e, host), { seed: 11, step });
      const v = await Promise.all([L.total, L.contrastive, L.denoise2Dto3D, L.atoms3Dto2D, L.bonds3Dto2D].map(async (t) => (await e.readF32(t))[0]));
      e.endStep();
      return v;
    };
    const a = await run(4);
    const b = await run(4);
    const c = await run(5);
    expect(b).toEqual(a);
    expect(c[2]).not.toEqual(a[2]);
  });

  it('runs on the real fixture molecules (a lone water atom, a chiral centre, a ring) with finite losses and gradients', async () => {
    const e = await testEngine();
    const ds = parseDataset(new Uint8Array(readFileSync(new URL('../data/fixtures/tiny.bin', import.meta.url))), 'tiny.bin');
    const host = makeBatch(ds, Array.from({ length: ds.count }, (_, i) => i));
    const model = new MoleculeSDE(e, resolveConfig('paper', small), 6);
    const L = model.losses(uploadBatch(e, host), { seed: 1, step: 0 });
    e.backward(L.total);
    for (const t of [L.total, L.contrastive, L.denoise2Dto3D, L.atoms3Dto2D, L.bonds3Dto2D]) expect(Number.isFinite((await e.readF32(t))[0])).toBe(true);
    for (const p of model.parameters()) {
      if (p.tensor.grad) expect((await e.readF32(p.tensor.grad)).every(Number.isFinite), p.name).toBe(true);
    }
    e.endStep();
  });
});
