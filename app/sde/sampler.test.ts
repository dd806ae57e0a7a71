import { describe, expect, it } from 'vitest';
import type { Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { mulberry32, randnArray } from '../../kernels/random';
import { expectClose, readF64, testEngine } from '../../kernels/testing';
import {
  combine, densePairsLayout, denseRowsLayout, disposeLayout, fillNoise, langevinStep, langevinStepWithNoise, predictorStepWithNoise, rowNorms, sparseRowsLayout,
  type StateLayout,
} from './kernels';
import { runSampler, type DiffusionProblem, type SamplerSettings } from './sampler';
import { createSDE, type SDEKind } from '../model/sde';
import { liveMask, referenceNoise, referenceRowNorms, referenceSample, type ReferenceProblem } from './samplerReference';

/** A known score: out = a(t) x + b with fixed b per state. */
interface AffineScore {
  a: (t: number) => number;
  b: Float64Array[];
}

function gpuProblem(e: Engine, layouts: StateLayout[], kind: SDEKind, min: number, max: number, score: AffineScore): DiffusionProblem {
  const bias = score.b.map((b, i) => e.fromArray(b, [layouts[i].rows, layouts[i].cols], { persistent: true }));
  const sde = createSDE(kind, min, max);
  return {
    layouts,
    sde: { kind, min, max },
    numGraphs: layouts[0].numGraphs,
    scoreScale: (t) => -1 / sde.marginalStd(t),
    evaluate: (states: Tensor[], _t: Tensor, t: number) =>
      states.map((x, i) => {
        const o = e.empty(x.shape);
        e.copy(x, o);
        combine(o, layouts[i], score.a(t), 1, bias[i]);
        return o;
      }),
  };
}

function hostProblem(layouts: StateLayout[], kind: SDEKind, min: number, max: number, score: AffineScore): ReferenceProblem {
  const sde = createSDE(kind, min, max);
  return {
    layouts,
    sde: { kind, min, max },
    scoreScale: (t) => -1 / sde.marginalStd(t),
    evaluate: (states, t) => states.map((x, i) => x.map((v, k) => score.a(t) * v + score.b[i][k])),
  };
}

async function sampleBoth(kind: SDEKind, min: number, max: number, settings: Partial<SamplerSettings>, withPairs: boolean) {
  const e = await testEngine();
  const layouts = [sparseRowsLayout(e, [3, 5, 1], 3)];
  if (withPairs) layouts.push(densePairsLayout(e, [3, 5, 1], 5));
  const rng = mulberry32(11);
  const score: AffineScore = { a: (t) => 0.3 + 0.5 * t, b: layouts.map((l) => randnArray(l.rows * l.cols, rng, 0.5)) };
  const gpu = await runSampler(e, gpuProblem(e, layouts, kind, min, max, score), settings);
  const host = referenceSample(hostProblem(layouts, kind, min, max, score), settings);
  layouts.forEach((l) => disposeLayout(e, l));
  return { gpu: gpu.states, host, layouts };
}

describe('sampler kernels', () => {
  it('noise is Philox N(0, 1) on live elements; adjacency noise is symmetric with a zero diagonal and zero padding', async () => {
    const e = await testEngine();
    const counts = [2, 4, 3];
    for (const layout of [sparseRowsLayout(e, counts, 3), denseRowsLayout(e, counts, 4, 6), densePairsLayout(e, counts, 4)]) {
      const z = e.empty([layout.rows, layout.cols]);
      fillNoise(z, layout, 5, 77, 2);
      const got = await readF64(z);
      expectClose(got, referenceNoise(layout, 5, 77, 2), { atol: 1e-5, rtol: 1e-5, what: `noise ${layout.kind}` });
      const mask = liveMask(layout);
      got.forEach((v, i) => expect(v === 0).toBe(mask[i] === 0));
      if (layout.kind === 'pairs') {
        for (let g = 0; g < counts.length; g++) {
          const s = layout.starts[g];
          for (let i = 0; i < counts[g]; i++) {
            expect(got[(s + i) * 4 + i]).toBe(0);
            for (let j = 0; j < counts[g]; j++) expect(got[(s + i) * 4 + j]).toBe(got[(s + j) * 4 + i]);
          }
        }
      }
      disposeLayout(e, layout);
    }
    e.endStep();
  });

  it('per-graph mean row norms match float64 over live elements only', async () => {
    const e = await testEngine();
    const rng = mulberry32(3);
    for (const layout of [sparseRowsLayout(e, [4, 1, 6], 3), densePairsLayout(e, [3, 5], 5)]) {
      const a = randnArray(layout.rows * layout.cols, rng);
      const b = randnArray(layout.rows * layout.cols, rng, 2);
      const norms = await readF64(rowNorms(e.fromArray(a, [layout.rows, layout.cols]), e.fromArray(b, [layout.rows, layout.cols]), layout));
      const ra = referenceRowNorms(layout, a);
      const rb = referenceRowNorms(layout, b);
      expectClose(norms, Array.from(ra).flatMap((v, g) => [v, rb[g]]), { atol: 1e-5, rtol: 1e-5, what: `norms ${layout.kind}` });
      disposeLayout(e, layout);
    }
    e.endStep();
  });
});

describe('fused update kernels (noise drawn inside the update)', () => {
  const layoutsOf = (e: Engine) => [sparseRowsLayout(e, [4, 1, 6], 3), denseRowsLayout(e, [2, 4, 3], 4, 5), densePairsLayout(e, [3, 5, 1], 5)];

  it('the corrector equals fillNoise + langevinStep bit for bit, and its float64 formula', async () => {
    const e = await testEngine();
    const rng = mulberry32(8);
    for (const layout of layoutsOf(e)) {
      const n = layout.rows * layout.cols;
      const mask = liveMask(layout);
      const x0 = randnArray(n, rng).map((v, i) => (mask[i] ? v : 0));
      const out = randnArray(n, rng, 3);
      const k = { scoreScale: -0.7, snr: 0.16, alpha: 0.95, noiseScale: 0.9 };
      const fused = e.fromArray(x0, [layout.rows, layout.cols]);
      const outT = e.fromArray(out, [layout.rows, layout.cols]);
      langevinStepWithNoise(fused, outT, layout, 13, 4242, k);
      const unfused = e.fromArray(x0, [layout.rows, layout.cols]);
      const z = e.empty([layout.rows, layout.cols]);
      fillNoise(z, layout, 13, 4242);
      langevinStep(unfused, outT, z, layout, k);
      const got = await readF64(fused);
      expect(Array.from(got)).toEqual(Array.from(await readF64(unfused)));
      // Float64: per graph, step = 2 alpha (snr |z|_g / (|scoreScale| |out|_g))^2 over live elements.
      const zRef = referenceNoise(layout, 13, 4242);
      const on = referenceRowNorms(layout, out);
      const zn = referenceRowNorms(layout, zRef);
      const want = new Float64Array(n);
      for (let g = 0; g < layout.numGraphs; g++) {
        const step = 2 * k.alpha * ((k.snr * zn[g]) / (Math.abs(k.scoreScale) * on[g])) ** 2;
        for (let r = layout.starts[g]; r < layout.starts[g] + layout.counts[g]; r++) {
          for (let c = 0; c < layout.cols; c++) {
            const i = r * layout.cols + c;
            if (mask[i]) want[i] = x0[i] + step * k.scoreScale * out[i] + Math.sqrt(2 * step) * k.noiseScale * zRef[i];
          }
        }
      }
      expectClose(got, want, { atol: 1e-5, rtol: 1e-4, what: `corrector ${layout.kind}` });
      got.forEach((v, i) => expect(mask[i] === 1 || v === 0).toBe(true));
      disposeLayout(e, layout);
    }
    e.endStep();
  });

  it('the predictor equals fillNoise + combine bit for bit, and its float64 formula', async () => {
    const e = await testEngine();
    const rng = mulberry32(9);
    for (const layout of layoutsOf(e)) {
      const n = layout.rows * layout.cols;
      const mask = liveMask(layout);
      const x0 = randnArray(n, rng).map((v, i) => (mask[i] ? v : 0));
      const out = randnArray(n, rng, 2);
      const [ca, cb, noiseStd] = [1.01, -0.3, 0.25];
      const fused = e.fromArray(x0, [layout.rows, layout.cols]);
      const outT = e.fromArray(out, [layout.rows, layout.cols]);
      predictorStepWithNoise(fused, outT, layout, ca, cb, noiseStd, 77, 31);
      const unfused = e.fromArray(x0, [layout.rows, layout.cols]);
      const z = e.empty([layout.rows, layout.cols]);
      fillNoise(z, layout, 77, 31);
      combine(unfused, layout, ca, cb, outT, noiseStd, z);
      const got = await readF64(fused);
      expect(Array.from(got)).toEqual(Array.from(await readF64(unfused)));
      const zRef = referenceNoise(layout, 77, 31);
      const want = Float64Array.from(x0, (v, i) => (mask[i] ? ca * v + cb * out[i] + noiseStd * zRef[i] : 0));
      expectClose(got, want, { atol: 1e-5, rtol: 1e-4, what: `predictor ${layout.kind}` });
      disposeLayout(e, layout);
    }
    e.endStep();
  });
});

describe('predictor-corrector and ODE steps match their float64 formulas for a known score', () => {
  const cases: [string, SDEKind, number, number][] = [
    ['VE (paper 2D->3D)', 'VE', 0.2, 1],
    ['VE (generative)', 'VE', 0.01, 10],
    ['VP (paper)', 'VP', 0.2, 1],
  ];
  it.each(cases)('%s: 3 PC steps with 2 corrector steps, positions and a symmetric adjacency', async (_name, kind, min, max) => {
    const settings = { sampler: 'pc' as const, steps: 3, correctorSteps: 2, seed: 9, snr: 0.16, noiseScale: 0.9 };
    const { gpu, host } = await sampleBoth(kind, min, max, settings, true);
    gpu.forEach((g, i) => expectClose(g, host[i], { atol: 1e-4, rtol: 1e-3, what: `${kind} state ${i}` }));
  });

  it.each(cases)('%s: one predictor step without denoising', async (_name, kind, min, max) => {
    const { gpu, host } = await sampleBoth(kind, min, max, { sampler: 'pc', steps: 2, correctorSteps: 0, seed: 4, denoise: false }, false);
    expectClose(gpu[0], host[0], { atol: 1e-5, rtol: 1e-4, what: `${kind} predictor` });
  });

  it.each(['euler', 'heun'] as const)('probability-flow ODE (%s), VE and VP', async (method) => {
    for (const [kind, min, max] of [['VE', 0.01, 10], ['VP', 0.1, 20]] as const) {
      const { gpu, host } = await sampleBoth(kind, min, max, { sampler: 'ode', odeMethod: method, steps: 4, seed: 2 }, true);
      gpu.forEach((g, i) => expectClose(g, host[i], { atol: 1e-4, rtol: 1e-3, what: `${kind} ${method} state ${i}` }));
    }
  });
});

describe('sampling is reproducible from the seed', () => {
  it('same seed: bit-identical; another seed: different', async () => {
    const run = async (seed: number) => (await sampleBoth('VE', 0.01, 10, { steps: 6, correctorSteps: 1, seed }, true)).gpu;
    const a = await run(21);
    const b = await run(21);
    const c = await run(22);
    a.forEach((s, i) => expect(Array.from(s)).toEqual(Array.from(b[i])));
    expect(Array.from(a[0])).not.toEqual(Array.from(c[0]));
    expect(Array.from(a[1])).not.toEqual(Array.from(c[1]));
  });
});

// Known-answer tests with exact scores of analytic targets (Gaussian, point, two-point) are in
// analyticTargets.test.ts.
