/**
 * Where along the noise schedule a 2D->3D model is good or bad: for fixed held-out molecules and a
 * ladder of noise levels sigma, the epsilon loss per coordinate of the network next to
 *
 * - the oracle floor: the true conformer, optimally rotated onto x_t (Kabsch, proper rotations),
 *   as the denoiser. No rotation-equivariant network can know the orientation of x0 better than
 *   x_t reveals it, so this is (roughly) the best any such model can do;
 * - the isotropic-Gaussian denoiser eps = x_t sigma / (sigma^2 + s^2), s the RMS coordinate of the
 *   molecules: what a model that knows nothing of chemistry achieves;
 *
 * and the one-step denoised geometry x0_hat = x_t - sigma eps_hat: its RMSD to x0 after
 * superposition and its mean bond-length error. A model whose loss sits on the Gaussian line at
 * sigma 0.1-1 Å puts the wrong atoms next to each other when sampling; the first run of this
 * project failed exactly there (eval/diagnostics.md).
 *
 * Noise follows the model's own convention (centred per molecule under the generative recipe).
 * All randomness comes from `seed`.
 */
import type { Engine } from '../../kernels/engine';
import { hostRng, randn } from '../../kernels/random';
import { kabschRotation, alignedRmsd } from '../chem/align';
import { makeBatch, type BatchMolecule } from '../data/batch';
import { uploadBatch } from '../model/batchGpu';
import type { MoleculeSDE } from '../model/moleculeSDE';
import { epsPreconditioning } from '../model/sde';
import { centrePerGraph } from './conformers';

export const DEFAULT_DIAGNOSTIC_SIGMAS = [0.01, 0.03, 0.1, 0.3, 1, 3, 10] as const;

export interface SigmaDiagnostics {
  sigma: number;
  /** Mean squared error of eps_hat per coordinate (the training loss without weights). */
  network: number;
  oracle: number;
  gaussian: number;
  /** Mean over molecules of the aligned RMSD (Å) of x0_hat = x_t - sigma eps_hat to x0. */
  denoisedRmsd: number;
  /** The same for the noisy input x_t itself (what denoising starts from). */
  noisyRmsd: number;
  /** Mean |d_ij(x0_hat) - d_ij(x0)| over all bonds (Å). */
  bondError: number;
}

export interface DiagnoseOptions {
  sigmas?: readonly number[];
  /** Noise draws per molecule and sigma. */
  repeats?: number;
  seed?: number;
  /**
   * Centre the noise per molecule (default: the model's own convention). Centred noise on both
   * sides is how a legacy (uncentred) checkpoint is compared with a centred one on equal terms.
   */
  centredNoise?: boolean;
}

/** The time t of the model's 2D->3D SDE whose marginal std is sigma (VE: log-linear). */
export function timeOfSigma(model: MoleculeSDE, sigma: number): number {
  const sde = model.config.sde2Dto3D;
  if (sde.kind !== 'VE') throw new Error('diagnose: needs a VE 2D->3D SDE (sigma in Å)');
  if (!(sigma >= sde.min && sigma <= sde.max)) throw new Error(`diagnose: sigma ${sigma} lies outside the model's range [${sde.min}, ${sde.max}]`);
  return Math.log(sigma / sde.min) / Math.log(sde.max / sde.min);
}

export async function diagnose2Dto3D(
  engine: Engine, model: MoleculeSDE, molecules: readonly BatchMolecule[], options: DiagnoseOptions = {},
): Promise<SigmaDiagnostics[]> {
  const sigmas = options.sigmas ?? DEFAULT_DIAGNOSTIC_SIGMAS;
  const repeats = options.repeats ?? 4;
  const seed = options.seed ?? 0;
  if (molecules.length === 0) throw new Error('diagnose: no molecules');
  for (const m of molecules) if (!m.positions) throw new Error('diagnose: every molecule needs its reference positions');
  const host = makeBatch(molecules, { radius: false });
  const offsets = host.nodeOffsets;
  const B = host.numGraphs;
  const N = host.numNodes;
  // Reference positions, centred per molecule in float64.
  const x0 = centrePerGraph(Float64Array.from(host.positions), offsets);
  let ss = 0;
  for (const v of x0) ss += v * v;
  const dataStd = Math.sqrt(ss / x0.length);
  // Each bond once (the batch holds both directions).
  const bondPairs: number[] = [];
  for (let e = 0; e < host.bondEdges.count; e++) if (host.bondEdges.src[e] < host.bondEdges.dst[e]) bondPairs.push(host.bondEdges.src[e], host.bondEdges.dst[e]);
  const centred = options.centredNoise ?? model.config.recipe2Dto3D.centred;

  const gpu = uploadBatch(engine, host, { persistent: true });
  const h2 = engine.keep(model.encode2D(gpu));
  const rows: SigmaDiagnostics[] = [];
  try {
    for (const [k, sigma] of sigmas.entries()) {
      const t = timeOfSigma(model, sigma);
      // The isotropic-Gaussian denoiser is the preconditioning's skip term with s = the data's RMS.
      const gaussianSkip = epsPreconditioning(sigma, dataStd).skip;
      const tvec = engine.fromArray(new Float32Array(B).fill(t), [B]);
      const acc = { network: 0, oracle: 0, gaussian: 0, denoised: 0, noisy: 0, bond: 0, bonds: 0 };
      for (let r = 0; r < repeats; r++) {
        const rng = hostRng(seed, k, r);
        const z = new Float64Array(3 * N);
        for (let i = 0; i < z.length; i++) z[i] = randn(rng);
        if (centred) centrePerGraph(z, offsets);
        const xt = Float64Array.from(x0, (v, i) => v + sigma * z[i]);
        const epsHat = await engine.readF32(model.eps2Dto3D(gpu, h2, engine.fromArray(Float32Array.from(xt), [N, 3]), tvec, t));
        engine.endStep();
        // One-step denoised geometry x0_hat = x_t - sigma eps_hat, for the RMSD and the bond error.
        const hat = Float64Array.from(xt, (v, q) => v - sigma * epsHat[q]);
        for (let g = 0; g < B; g++) {
          const [a, b] = [offsets[g], offsets[g + 1]];
          const n = b - a;
          const x0g = x0.subarray(3 * a, 3 * b);
          const xtg = Float64Array.from(xt.subarray(3 * a, 3 * b));
          // Oracle: x0 rotated onto the centred x_t; its translation is x_t's centre.
          const centre = [0, 1, 2].map((c) => {
            let m = 0;
            for (let i = 0; i < n; i++) m += xtg[3 * i + c];
            return m / n;
          });
          const xtc = Float64Array.from(xtg, (v, i) => v - centre[i % 3]);
          const R = kabschRotation(x0g, xtc, n);
          let net = 0;
          let ora = 0;
          let gau = 0;
          for (let i = 0; i < n; i++) {
            for (let c = 0; c < 3; c++) {
              const j = 3 * i + c;
              const zi = z[3 * a + j];
              const rx0 = R[c * 3] * x0g[3 * i] + R[c * 3 + 1] * x0g[3 * i + 1] + R[c * 3 + 2] * x0g[3 * i + 2] + centre[c];
              const epsOracle = (xtg[j] - rx0) / sigma;
              const epsGauss = xtc[j] * gaussianSkip;
              net += (epsHat[3 * a + j] - zi) ** 2;
              ora += (epsOracle - zi) ** 2;
              gau += (epsGauss - zi) ** 2;
            }
          }
          acc.network += net / (3 * n);
          acc.oracle += ora / (3 * n);
          acc.gaussian += gau / (3 * n);
          acc.denoised += n > 1 ? alignedRmsd(hat.subarray(3 * a, 3 * b), x0g).rmsd : 0;
          acc.noisy += n > 1 ? alignedRmsd(xtg, x0g).rmsd : 0;
        }
        for (let e = 0; e < bondPairs.length / 2; e++) {
          const [i, j] = [bondPairs[2 * e], bondPairs[2 * e + 1]];
          const d = (x: Float64Array) => Math.hypot(x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]);
          acc.bond += Math.abs(d(hat) - d(x0));
          acc.bonds++;
        }
      }
      const count = B * repeats;
      rows.push({
        sigma,
        network: acc.network / count,
        oracle: acc.oracle / count,
        gaussian: acc.gaussian / count,
        denoisedRmsd: acc.denoised / count,
        noisyRmsd: acc.noisy / count,
        bondError: acc.bonds > 0 ? acc.bond / acc.bonds : 0,
      });
    }
  } finally {
    engine.dispose(h2);
    gpu.dispose();
    engine.endStep();
  }
  return rows;
}

/** The table as Markdown (one row per sigma). */
export function diagnosticsTable(rows: readonly SigmaDiagnostics[]): string {
  const f = (v: number) => v.toFixed(3);
  const lines = [
    '| sigma (Å) | network eps loss | oracle floor | Gaussian denoiser | one-step RMSD (Å) | noisy RMSD (Å) | bond error (Å) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) lines.push(`| ${r.sigma} | ${f(r.network)} | ${f(r.oracle)} | ${f(r.gaussian)} | ${f(r.denoisedRmsd)} | ${f(r.noisyRmsd)} | ${f(r.bondError)} |`);
  return lines.join('\n');
}
