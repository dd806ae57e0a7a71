import { describe, expect, it } from 'vitest';
import { hostRng, mixSeed, mulberry32, randn } from '../../kernels/random';
import { antitheticTimes, createSDE, epsPreconditioning, lognormalTimes, TIME_EPS } from './sde';

const close = (a: number, b: number, tol: number, what: string) => {
  if (!(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)))) throw new Error(`${what}: ${a} vs ${b}`);
};

describe('VE SDE', () => {
  const sde = createSDE('VE', 0.2, 1.0);

  it('has the geometric sigma(t) and unit mean', () => {
    close(sde.marginalStd(0), 0.2, 1e-12, 'sigma(0)');
    close(sde.marginalStd(1), 1.0, 1e-12, 'sigma(1)');
    // Geometric mean at t = 1/2.
    close(sde.marginalStd(0.5), Math.sqrt(0.2), 1e-12, 'sigma(1/2)');
    expect(sde.marginalMean(0.37)).toBe(1);
    expect(sde.drift(3, 0.5)).toBe(0);
  });

  it('satisfies d sigma^2 / dt = g^2 (forward Kolmogorov for the variance)', () => {
    for (const t of [0.1, 0.4, 0.9]) {
      const h = 1e-6;
      const dv = (sde.marginalStd(t + h) ** 2 - sde.marginalStd(t - h) ** 2) / (2 * h);
      close(dv, sde.diffusion(t) ** 2, 1e-6, `dvar/dt at ${t}`);
    }
  });

  it('discretises on the geometric grid: G^2 telescopes to sigma_max^2', () => {
    let total = 0;
    // Mid-cell times, so floor(t (N - 1)) hits every index once.
    for (let i = 0; i < sde.N; i++) total += sde.discretize(Math.min(1, (i + 0.5) / (sde.N - 1))).G ** 2;
    close(total, 1.0, 1e-9, 'sum G^2');
    // First step: sigma_{-1} = 0 so G = sigma_min.
    close(sde.discretize(0).G, 0.2, 1e-12, 'G at i = 0');
    const r = sde.reverseStep(0.5);
    expect(r.xCoeff).toBe(1);
    close(r.scoreCoeff, r.noiseStd ** 2, 1e-12, 'G^2 = scoreCoeff');
    expect(sde.langevinAlpha(0.3)).toBe(1);
  });
});

describe('VP SDE', () => {
  const b0 = 0.2;
  const b1 = 1.0;
  const sde = createSDE('VP', b0, b1);

  it('has the closed-form mean and std', () => {
    for (const t of [0, 0.25, 1]) {
      const m = -0.25 * t * t * (b1 - b0) - 0.5 * t * b0;
      close(sde.marginalMean(t), Math.exp(m), 1e-12, `mean(${t})`);
      close(sde.marginalStd(t), Math.sqrt(1 - Math.exp(2 * m)), 1e-12, `std(${t})`);
    }
    close(sde.marginalMean(1), Math.exp(-0.3), 1e-12, 'e^{-0.3}');
    close(sde.diffusion(0.5), Math.sqrt(0.6), 1e-12, 'g(1/2)');
    close(sde.drift(2, 0.5), -0.6, 1e-12, 'f(2, 1/2)');
  });

  it('mean and variance solve the moment ODEs of dx = -beta/2 x dt + sqrt(beta) dW', () => {
    for (const t of [0.1, 0.5, 0.95]) {
      const h = 1e-6;
      const mu = (s: number) => sde.marginalMean(s);
      const v = (s: number) => sde.marginalStd(s) ** 2;
      close((mu(t + h) - mu(t - h)) / (2 * h), sde.driftCoeff(t) * mu(t), 1e-6, `dmu/dt at ${t}`);
      close((v(t + h) - v(t - h)) / (2 * h), 2 * sde.driftCoeff(t) * v(t) + sde.diffusion(t) ** 2, 1e-6, `dvar/dt at ${t}`);
    }
  });

  it('DDPM discretisation: prod alpha_i approximates e^{2m(1)}, predictor as (2 - sqrt(alpha)) x + beta s', () => {
    let logProd = 0;
    for (let i = 0; i < sde.N; i++) logProd += Math.log(sde.langevinAlpha(Math.min(1, (i + 0.5) / (sde.N - 1))));
    close(Math.exp(logProd), sde.marginalMean(1) ** 2, 1e-3, 'prod alpha');
    const t = 0.3;
    const i = Math.floor(t * 999);
    const beta = b0 / 1000 + (i / 999) * (b1 / 1000 - b0 / 1000);
    const r = sde.reverseStep(t);
    close(r.xCoeff, 2 - Math.sqrt(1 - beta), 1e-12, 'xCoeff');
    close(r.scoreCoeff, beta, 1e-12, 'scoreCoeff');
    close(r.noiseStd, Math.sqrt(beta), 1e-12, 'noiseStd');
    close(sde.discretize(t).fCoeff, Math.sqrt(1 - beta) - 1, 1e-12, 'fCoeff');
  });

  it('rejects bad arguments with a clear message', () => {
    expect(() => createSDE('VP', 1, 0.5)).toThrow(/min < max/);
    expect(() => sde.marginalStd(1.5)).not.toThrow();
    expect(() => sde.stepIndex(1.5)).toThrow(/t must lie/);
  });
});

describe('antithetic times', () => {
  it('pairs k with N-1-k, stays in (0, 1], and is reproducible from (seed, step)', () => {
    const t = antitheticTimes(7, { seed: 3, step: 11 });
    expect(t.length).toBe(7);
    const k = Array.from(t, (v) => Math.round(((v - TIME_EPS) / (1 - TIME_EPS)) * 1000));
    for (let i = 0; i < 3; i++) expect(k[i] + k[i + 4]).toBe(999);
    for (const v of t) expect(v >= TIME_EPS && v <= 1).toBe(true);
    expect(Array.from(antitheticTimes(7, { seed: 3, step: 11 }))).toEqual(Array.from(t));
    expect(Array.from(antitheticTimes(7, { seed: 3, step: 12 }))).not.toEqual(Array.from(t));
  });

  it('has mean 1/2 exactly per pair and a uniform spread', () => {
    const t = antitheticTimes(2000, hostRng(5));
    let mean = 0;
    for (const v of t) mean += v;
    mean /= t.length;
    close(mean, 0.4995 * (1 - TIME_EPS) + TIME_EPS, 1e-6, 'mean');
    const low = Array.from(t).filter((v) => v < 0.25).length / t.length;
    expect(Math.abs(low - 0.25)).toBeLessThan(0.04);
  });

  it('mixSeed separates streams', () => {
    expect(mixSeed(1, 2, 3)).not.toBe(mixSeed(1, 2, 4));
    expect(mixSeed(1, 2, 3)).toBe(mixSeed(1, 2, 3));
  });
});

describe('generative recipe: log-normal noise levels and the Gaussian preconditioning', () => {
  it('lognormalTimes: antithetic log-normal sigma, clamped to [min, max], quantiles as the distribution says', () => {
    const sde = createSDE('VE', 0.01, 10);
    const B = 20000;
    const logMean = Math.log(0.3);
    const logStd = 1.2;
    const t = lognormalTimes(B, { seed: 3, step: 7, stream: 11 }, sde, logMean, logStd);
    const logSigma = Array.from(t, (v) => Math.log(sde.marginalStd(v)));
    for (const v of logSigma) expect(v).toBeGreaterThanOrEqual(Math.log(0.01) - 1e-5);
    for (const v of logSigma) expect(v).toBeLessThanOrEqual(Math.log(10) + 1e-5);
    // Antithetic: graph b and b + B/2 are mirror images around logMean (unless clamped).
    for (let b = 0; b < 50; b++) {
      const [u, v] = [logSigma[b] - logMean, logSigma[b + B / 2] - logMean];
      if (Math.abs(u) < 2.5 * logStd) expect(u + v).toBeCloseTo(0, 4);
    }
    // Fraction inside +-1 std of a normal: 0.6827; the standard error at n = B/2 independent pairs is < 0.005.
    const inside = logSigma.filter((v) => Math.abs(v - logMean) < logStd).length / B;
    expect(Math.abs(inside - 0.6827)).toBeLessThan(0.02);
    // Same key, same times; another step, other times.
    expect(lognormalTimes(B, { seed: 3, step: 7, stream: 11 }, sde, logMean, logStd)).toEqual(t);
    expect(lognormalTimes(8, { seed: 3, step: 8, stream: 11 }, sde, logMean, logStd)).not.toEqual(t.slice(0, 8));
  });

  it('epsPreconditioning: the skip coefficient is the least-squares eps denoiser of Gaussian data', () => {
    const rng = mulberry32(9);
    const sd = 1.5;
    for (const sigma of [0.05, 0.3, 1, 5]) {
      // Regress z on x = x0 + sigma z with x0 ~ N(0, sd^2): slope = E[x z] / E[x^2] = sigma / (sigma^2 + sd^2).
      let xz = 0;
      let xx = 0;
      const n = 200000;
      for (let i = 0; i < n; i++) {
        const x0 = sd * randn(rng);
        const z = randn(rng);
        const x = x0 + sigma * z;
        xz += x * z;
        xx += x * x;
      }
      const { skip, out } = epsPreconditioning(sigma, sd);
      // Relative standard error of the slope: sqrt(1 - rho^2) / (rho sqrt(n)), rho = corr(x, z); allow 5 of them.
      const rho = sigma / Math.sqrt(sigma * sigma + sd * sd);
      expect(Math.abs(xz / xx - skip) / skip).toBeLessThan((5 * Math.sqrt(1 - rho * rho)) / (rho * Math.sqrt(n)));
      // The network's share is the residual std of eps given x: sd / sqrt(sigma^2 + sd^2).
      expect(out).toBeCloseTo(Math.sqrt(1 - (sigma * sigma) / (sigma * sigma + sd * sd)), 12);
    }
    expect(epsPreconditioning(0.3, 0)).toEqual({ skip: 0, out: 1 });
  });
});
