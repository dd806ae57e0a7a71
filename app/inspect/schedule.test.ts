import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../model/config';
import { scheduleCurves, sigmaLadder, trapezoid } from './schedule';

describe('noise schedule curves', () => {
  it('generative: sigma runs log-linearly from min to max; the log-normal density integrates to 1 and peaks at its mean', () => {
    const c = resolveConfig('generative');
    const s = scheduleCurves(c, 401);
    expect(s.sigma[0]).toBeCloseTo(c.sde2Dto3D.min, 6);
    expect(s.sigma[400]).toBeCloseTo(c.sde2Dto3D.max, 6);
    // VE: ln sigma linear in t.
    const mid = Math.exp(0.5 * (Math.log(c.sde2Dto3D.min) + Math.log(c.sde2Dto3D.max)));
    expect(s.sigma[200]).toBeCloseTo(mid, 4);
    expect(trapezoid(s.logSigma, s.density)).toBeCloseTo(1, 6);
    expect(trapezoid(s.logSigma, s.emphasis)).toBeCloseTo(1, 6);
    if (c.recipe2Dto3D.noiseLevels === 'lognormal') {
      const peak = s.logSigma[s.density.indexOf(Math.max(...s.density))];
      expect(Math.abs(peak - c.recipe2Dto3D.logSigmaMean)).toBeLessThan(0.05);
    }
  });

  it('paper: log-uniform noise levels (flat density), weight std^p with the preset p', () => {
    const c = resolveConfig('paper');
    const s = scheduleCurves(c, 101);
    expect(s.noiseLevels).toBe('uniform');
    const flat = 1 / (Math.log(c.sde2Dto3D.max) - Math.log(c.sde2Dto3D.min));
    for (const d of s.density) expect(d).toBeCloseTo(flat, 5);
    s.logSigma.forEach((x, i) => expect(s.weight[i]).toBeCloseTo(Math.exp(x) ** c.annealPower, 9));
    // With p = 2 the loss leans to large sigma.
    const p2 = scheduleCurves({ ...c, annealPower: 2 }, 101);
    expect(p2.emphasis[100]).toBeGreaterThan(p2.emphasis[0] * 10);
  });

  it('the diagnostic ladder keeps the decades inside the range and both ends', () => {
    expect(sigmaLadder(resolveConfig('paper'), [0.01, 0.03, 0.1, 0.3, 1, 3, 10])).toEqual([0.2, 0.3, 1]);
    expect(sigmaLadder(resolveConfig('generative'), [0.01, 0.03, 0.1, 0.3, 1, 3, 10])).toEqual([0.01, 0.03, 0.1, 0.3, 1, 3, 10]);
  });
});
