/**
 * The sampler's recorded-frame hook (SamplerHooks.frameScores): every recorded frame carries the
 * time its states stand at and the score at those states and that time. Checked on a Gaussian
 * target whose score is known in closed form (analyticTargets.ts): VE, x_0 ~ N(mu, s^2 I), so
 * s(x, t) = -(x - mu) / (s^2 + sigma(t)^2) with sigma(t) = min (max / min)^t.
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { gaussianProblem, type AnalyticSDE, type Vec3 } from './analyticTargets';
import { runSampler, type SamplerKind } from './sampler';

const VE: AnalyticSDE = { kind: 'VE', min: 0.01, max: 10 };
const MU: Vec3 = [0.5, -1, 2];
const S = 0.7;

/**
 * The documented frame times, written out here: PC walks linspace(1, tEnd, steps) and its state
 * after `step` steps is next evaluated at index `step` (held at tEnd after the last step); the ODE
 * walks linspace(1, tEnd, steps + 1) and its state after `step` steps is at index `step`.
 */
function expectedTime(sampler: SamplerKind, steps: number, step: number, tEnd: number): number {
  if (sampler === 'pc') return step >= steps - 1 ? tEnd : 1 + (step / (steps - 1)) * (tEnd - 1);
  return 1 + (step / steps) * (tEnd - 1);
}

describe('recorded frames carry their time and the score at their states', () => {
  for (const sampler of ['pc', 'ode'] as const) {
    it(`${sampler}: t per frame and s(x_frame, t) = -(x - mu) / (s^2 + sigma(t)^2)`, async () => {
      const e = await testEngine();
      const problem = gaussianProblem(e, VE, MU, S, 16, 4);
      const steps = 12;
      const tEnd = 1e-3;
      const seen: { step: number; t: number; x: Float32Array; score: Float32Array }[] = [];
      try {
        await runSampler(e, problem, { sampler, steps, tEnd, seed: 3, frameStride: 4, correctorSteps: 1 }, {
          frameScores: true,
          onFrame: (step, _total, [x], extra) => {
            expect(extra.scores, 'frameScores asks for the scores').toBeDefined();
            seen.push({ step, t: extra.t, x: Float32Array.from(x), score: extra.scores![0] });
          },
        });
      } finally {
        problem.dispose();
      }
      expect(seen.map((f) => f.step)).toEqual([4, 8, 12]);
      for (const f of seen) {
        expect(f.t).toBeCloseTo(expectedTime(sampler, steps, f.step, tEnd), 12);
        const sigma = VE.min * (VE.max / VE.min) ** f.t;
        const v = S * S + sigma * sigma;
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < f.x.length; i++) {
          const want = -(f.x[i] - MU[i % 3]) / v;
          worst = Math.max(worst, Math.abs(f.score[i] - want));
          scale = Math.max(scale, Math.abs(want));
        }
        expect(worst, `frame at step ${f.step}`).toBeLessThan(1e-4 * Math.max(1, scale));
      }
    });
  }

  it('without frameScores the frames carry the time only', async () => {
    const e = await testEngine();
    const problem = gaussianProblem(e, VE, MU, S, 8, 4);
    const extras: unknown[] = [];
    try {
      await runSampler(e, problem, { sampler: 'pc', steps: 4, seed: 1, frameStride: 2 }, { onFrame: (_s, _t, _x, extra) => void extras.push(extra) });
    } finally {
      problem.dispose();
    }
    expect(extras.map((x) => Object.keys(x as object))).toEqual([['t'], ['t']]);
    expect((extras as { t: number }[]).map((x) => x.t)).toEqual([expectedTime('pc', 4, 2, 1e-4), expectedTime('pc', 4, 4, 1e-4)].map((t) => expect.closeTo(t, 12)));
  });
});
