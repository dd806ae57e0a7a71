/**
 * MoleculeSDE: the two encoders, the two conditional score networks and the pretraining objective
 * (docs/method.md §1):  L = a1 L_CL + a2 L_2D->3D + a3 0.5 (L_X + L_A).
 *
 * Randomness of one step is keyed by (seed, step): Gaussian noise and dropout masks come from the
 * engine's Philox RNG with seed mixSeed(seed, step) and fixed streams; antithetic times and the
 * contrastive permutations come from host streams hostRng(seed, step, stream). So a step is
 * reproducible from (seed, step) alone.
 */
import type { Engine } from '../../kernels/engine';
import type { Arena } from '../../kernels/arena';
import type { Tensor } from '../../kernels/tensor';
import { add, scale, scaleRows } from '../../kernels/ops/elementwise';
import { gatherRows } from '../../kernels/ops/gather';
import { rowDot } from '../../kernels/ops/rowdot';
import { bceWithLogits, weightedSquaredError } from '../../kernels/ops/loss';
import { randomNormal } from '../../kernels/ops/rng';
import { buildCsr } from '../../kernels/graph';
import { hostRng, mixSeed, permutation } from '../../kernels/random';
import { antitheticTimes, createSDE, epsPreconditioning, lognormalTimes, type SDE } from './sde';
import { centreRows } from './centre';
import { validateConfig, type ModelConfig } from './config';
import { ParamStore, type NamedParameter } from './params';
import { GIN } from './gin';
import { SchNet } from './schnet';
import { Score2Dto3D, type Score2Dto3DPrecomputed } from './score2Dto3D';
import { Score3Dto2D } from './score3Dto2D';
import type { GpuBatch } from './batchGpu';
import { noisyAdjacency, noisyAtomTypes } from './kernels';

export type { NamedParameter } from './params';

/** GPU RNG streams of one step (seed = mixSeed(seed, step)). */
const STREAM = { positions: 1, atomTypes: 2, adjacency: 3, dropout2Dto3D: 100, dropoutGin: 200 } as const;
/** Host RNG streams of one step. */
const HOST_STREAM = { times2Dto3D: 11, times3Dto2D: 12, perm23: 13, perm32: 14 } as const;

/** See MoleculeSDE.epsEvaluator2Dto3D. */
export interface Eps2Dto3DEvaluator {
  /** eps_hat [N, 3] at x_t; every graph at the same time: tPerGraph [B] on the GPU holds tHost. */
  eps(xt: Tensor, tPerGraph: Tensor, tHost: number): Tensor;
  dispose(): void;
}

export interface LossTensors {
  total: Tensor;
  contrastive: Tensor;
  denoise2Dto3D: Tensor;
  atoms3Dto2D: Tensor;
  bonds3Dto2D: Tensor;
}

/** What one loss evaluation saw and produced (tests, diagnostics, the UI's inspection views). */
export interface LossIntermediates {
  h2: Tensor;
  h3: Tensor;
  /** Host permutations of the two contrastive directions (H2 vs H3[perm23], H3 vs H2[perm32]). */
  perm23: Uint32Array;
  perm32: Uint32Array;
  t2Dto3D: Float32Array;
  z2Dto3D: Tensor; // [N, 3]
  xt2Dto3D: Tensor; // [N, 3]
  epsHat: Tensor; // [N, 3]
  t3Dto2D: Float32Array;
  zX: Tensor; // [B * Nmax, C]
  zA: Tensor; // [B, Nmax, Nmax]
  outX: Tensor; // [B * Nmax, C]
  outA: Tensor; // [B, Nmax, Nmax]
}

export class MoleculeSDE {
  readonly gin: GIN;
  readonly schnet: SchNet;
  readonly score2Dto3D: Score2Dto3D;
  readonly score3Dto2D: Score3Dto2D;
  readonly sde2Dto3D: SDE;
  readonly sde3Dto2D: SDE;
  private readonly store: ParamStore;

  constructor(
    readonly engine: Engine,
    readonly config: ModelConfig,
    readonly seed: number,
  ) {
    validateConfig(config);
    this.store = new ParamStore(engine, seed);
    const d = config.gin.dim;
    this.gin = new GIN(this.store, config.gin);
    this.schnet = new SchNet(this.store, config.schnet);
    this.score2Dto3D = new Score2Dto3D(this.store, config.score2Dto3D, d, config.timeEmbedding, config.sde2Dto3D);
    this.score3Dto2D = new Score3Dto2D(this.store, config.score3Dto2D, d, config.numAtomClasses, config.timeEmbedding, config.sde3Dto2D);
    this.sde2Dto3D = createSDE(config.sde2Dto3D.kind, config.sde2Dto3D.min, config.sde2Dto3D.max, config.sde2Dto3D.N);
    this.sde3Dto2D = createSDE(config.sde3Dto2D.kind, config.sde3Dto2D.min, config.sde3Dto2D.max, config.sde3Dto2D.N);
    this.store.pack();
  }

  /** Every parameter in one buffer (views with offsets), with a gradient buffer of the same layout. */
  get paramArena(): Arena {
    return this.store.paramArena!;
  }

  /** Every buffer (BatchNorm running stats, fixed Fourier weights) in one buffer. */
  get bufferArena(): Arena {
    return this.store.bufferArena!;
  }

  /** Trainable tensors with PyTorch-style names and their optimiser group. */
  parameters(): NamedParameter[] {
    return [...this.store.params];
  }

  /** Saved but untrained tensors: BatchNorm running stats, fixed Fourier weights. */
  buffers(): NamedParameter[] {
    return [...this.store.buffers];
  }

  parameterCount(): number {
    return this.store.params.reduce((n, p) => n + p.tensor.size, 0);
  }

  /** Adam groups with the reference code's lr scales (§1.3): the 3D->2D net uses the 3D scale. */
  optimizerGroups(): { params: Tensor[]; lrScale: number }[] {
    const scaleOf = { gin: this.config.lrScale2D, sde2Dto3D: this.config.lrScale2D, schnet: this.config.lrScale3D, sde3Dto2D: this.config.lrScale3D };
    return (['gin', 'schnet', 'sde2Dto3D', 'sde3Dto2D'] as const).map((g) => ({
      params: this.store.params.filter((p) => p.group === g).map((p) => p.tensor),
      lrScale: scaleOf[g],
    }));
  }

  /** One pretraining forward. The caller runs engine.backward(total). */
  losses(batch: GpuBatch, randomness: { seed: number; step: number }): LossTensors {
    const { total, contrastive, denoise2Dto3D, atoms3Dto2D, bonds3Dto2D } = this.lossesWithIntermediates(batch, randomness);
    return { total, contrastive, denoise2Dto3D, atoms3Dto2D, bonds3Dto2D };
  }

  /** `losses` plus the tensors it computed on the way. */
  lossesWithIntermediates(batch: GpuBatch, randomness: { seed: number; step: number }): LossTensors & { intermediates: LossIntermediates } {
    const { seed, step } = randomness;
    const key = mixSeed(seed, step);
    const h2 = this.gin.forward(batch, true, { seed: key, stream: STREAM.dropoutGin });
    const h3 = this.schnet.forward(batch, batch.positions);
    const cl = this.contrastiveLoss(batch, h2, h3, seed, step);
    const d = this.loss2Dto3D(batch, h2, key, seed, step);
    const g = this.loss3Dto2D(batch, h3, key, seed, step);
    const c = this.config.coeffs;
    const total = add(add(scale(cl.loss, c.contrastive), scale(d.loss, c.gen2Dto3D)), scale(add(g.atoms, g.bonds), 0.5 * c.gen3Dto2D));
    return {
      total, contrastive: cl.loss, denoise2Dto3D: d.loss, atoms3Dto2D: g.atoms, bonds3Dto2D: g.bonds,
      intermediates: {
        h2, h3, perm23: cl.perm23, perm32: cl.perm32,
        t2Dto3D: d.t, z2Dto3D: d.z, xt2Dto3D: d.xt, epsHat: d.epsHat,
        t3Dto2D: g.t, zX: g.zX, zA: g.zA, outX: g.outX, outA: g.outA,
      },
    };
  }

  /**
   * Node-level EBM-NCE (§1.2): 0.5 (L(H2, H3) + L(H3, H2)), L(X, Y) = mean softplus(-<X_i, Y_i>/T)
   * + mean softplus(<X_i, Y_pi(i)>/T), an independent permutation pi per direction.
   */
  contrastiveLoss(batch: GpuBatch, h2: Tensor, h3: Tensor, seed: number, step: number): { loss: Tensor; perm23: Uint32Array; perm32: Uint32Array } {
    const e = this.engine;
    const N = batch.numAtoms;
    const invT = 1 / this.config.temperature;
    const ones = e.fromArray(new Float32Array(N).fill(1), [N]);
    const zeros = e.zeros([N]);
    const direction = (x: Tensor, y: Tensor, perm: Uint32Array) => {
      const permT = e.fromArray(perm, [N], { dtype: 'u32' });
      const yNeg = gatherRows(y, permT, buildCsr(e, perm, N));
      const pos = rowDot(x, y, invT);
      const neg = rowDot(x, yNeg, invT);
      return add(bceWithLogits(pos, ones), bceWithLogits(neg, zeros));
    };
    const perm23 = permutation(N, hostRng(seed, step, HOST_STREAM.perm23));
    const perm32 = permutation(N, hostRng(seed, step, HOST_STREAM.perm32));
    const loss = scale(add(direction(h2, h3, perm23), direction(h3, h2, perm32)), 0.5);
    return { loss, perm23, perm32 };
  }

  /**
   * §2.3: x_t = mean x0 + std z; L = mean_graphs mean_atoms std^p |eps_hat - z|^2. With the
   * generative recipe, noise levels are log-normal and z is centred per molecule (x0 is centred
   * in the data sets, so x_t is too); eps_hat is the preconditioned output (eps2Dto3D).
   */
  private loss2Dto3D(batch: GpuBatch, h2: Tensor, key: number, seed: number, step: number) {
    const e = this.engine;
    const N = batch.numAtoms;
    const B = batch.numGraphs;
    const sde = this.sde2Dto3D;
    const recipe = this.config.recipe2Dto3D;
    const stream = { seed, step, stream: HOST_STREAM.times2Dto3D };
    const t = recipe.noiseLevels === 'lognormal'
      ? lognormalTimes(B, stream, sde, recipe.logSigmaMean, recipe.logSigmaStd)
      : antitheticTimes(B, stream, sde.N);
    const { graphOf, atomsPerGraph } = batch.host;
    const mean = new Float32Array(N);
    const std = new Float32Array(N);
    const weight = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      const g = graphOf[i];
      mean[i] = sde.marginalMean(t[g]);
      std[i] = sde.marginalStd(t[g]);
      weight[i] = std[i] ** this.config.annealPower / (atomsPerGraph[g] * B);
    }
    const rawZ = randomNormal(e, [N, 3], key, STREAM.positions);
    const z = recipe.centred ? e.noGrad(() => centreRows(rawZ, batch)) : rawZ;
    const xt = add(scaleRows(batch.positions, e.fromArray(mean, [N])), scaleRows(z, e.fromArray(std, [N])));
    const epsHat = this.preconditionedEps(batch, h2, xt, e.fromArray(t, [B]), t, true, { seed: key, stream: STREAM.dropout2Dto3D });
    return { loss: weightedSquaredError(epsHat, z, e.fromArray(weight, [N])), t, z, xt, epsHat };
  }

  /**
   * eps_hat of the 2D->3D network under the config's recipe: centred input and output when
   * `recipe.centred`, and eps_hat = skip(sigma) x + out(sigma) F when `recipe.sigmaData` > 0
   * (sde/sde.ts epsPreconditioning). `hostTimes` are the per-graph times (one number when all
   * graphs share it). With `frameComponents` (the symmetry analysis hook), the skip term, a true
   * vector like the e1 and e3 parts, is included only when the e1 weight is non-zero.
   */
  private preconditionedEps(
    batch: GpuBatch, h2: Tensor, xt: Tensor, t: Tensor, hostTimes: number | ArrayLike<number>, training: boolean,
    dropoutKey?: { seed: number; stream: number }, frameComponents?: readonly [number, number, number],
    precomputed?: Score2Dto3DPrecomputed,
  ): Tensor {
    const e = this.engine;
    const recipe = this.config.recipe2Dto3D;
    const x = recipe.centred ? centreRows(xt, batch) : xt;
    let eps = this.score2Dto3D.forward({ batch, h2, xt: x, t, training, dropoutKey, frameComponents, precomputed });
    if (recipe.centred) eps = centreRows(eps, batch);
    if (!(recipe.sigmaData > 0)) return eps;
    const N = batch.numAtoms;
    const B = batch.numGraphs;
    const timeOf = (g: number) => (typeof hostTimes === 'number' ? hostTimes : hostTimes[g]);
    if (typeof hostTimes !== 'number' && hostTimes.length !== B) {
      throw new Error(`eps2Dto3D: ${hostTimes.length} host times for ${B} graphs`);
    }
    const perGraph = Array.from({ length: B }, (_, g) => epsPreconditioning(this.sde2Dto3D.marginalStd(timeOf(g)), recipe.sigmaData));
    const skip = new Float32Array(N);
    const out = new Float32Array(N);
    const { graphOf } = batch.host;
    for (let i = 0; i < N; i++) {
      skip[i] = perGraph[graphOf[i]].skip;
      out[i] = perGraph[graphOf[i]].out;
    }
    eps = scaleRows(eps, e.fromArray(out, [N]));
    const withSkip = !frameComponents || frameComponents[0] !== 0;
    return withSkip ? add(eps, scaleRows(x, e.fromArray(skip, [N]))) : eps;
  }

  /**
   * §3.6. 'paper': mean over all B*Nmax*C (resp. B*Nmax*Nmax) entries of std^p (z - out/std)^2,
   * padded entries included in the count. 'gdss': std^p (z - out)^2 (epsilon matching).
   */
  private loss3Dto2D(batch: GpuBatch, h3: Tensor, key: number, seed: number, step: number) {
    const e = this.engine;
    const B = batch.numGraphs;
    const n = batch.nmax;
    const S = B * n;
    const C = this.config.numAtomClasses;
    const sde = this.sde3Dto2D;
    const t = antitheticTimes(B, { seed, step, stream: HOST_STREAM.times3Dto2D }, sde.N);
    const meanG = Float32Array.from(t, (v) => sde.marginalMean(v));
    const stdG = Float32Array.from(t, (v) => sde.marginalStd(v));
    const meanT = e.fromArray(meanG, [B]);
    const stdT = e.fromArray(stdG, [B]);
    const classes = C === 119 ? batch.classOfSlot119 : batch.classOfSlot10;
    const X = noisyAtomTypes(classes, randomNormal(e, [S, C], key, STREAM.atomTypes), batch.flags, meanT, stdT, n, C);
    const A = noisyAdjacency(batch.adjacency, randomNormal(e, [B, n, n], key, STREAM.adjacency), batch.flags, meanT, stdT);
    const out = this.score3Dto2D.forward({ batch, h3, xt: X.xt, at: A.at, t: e.fromArray(t, [B]) });

    const paper = this.config.loss3Dto2D === 'paper';
    const invStd = new Float32Array(S);
    const wX = new Float32Array(S);
    const wA = new Float32Array(S);
    for (let s = 0; s < S; s++) {
      const g = Math.floor(s / n);
      invStd[s] = 1 / stdG[g];
      const w = stdG[g] ** this.config.annealPower;
      wX[s] = w / (S * C);
      wA[s] = w / (S * n);
    }
    const invStdT = e.fromArray(invStd, [S]);
    let predX = out.x;
    let predA = e.reshape(out.a, [S, n]);
    if (paper) {
      predX = scaleRows(predX, invStdT);
      predA = scaleRows(predA, invStdT);
    }
    const atoms = weightedSquaredError(predX, X.z, e.fromArray(wX, [S]));
    const bonds = weightedSquaredError(predA, e.reshape(A.z, [S, n]), e.fromArray(wA, [S]));
    return { atoms, bonds, t, zX: X.z, zA: A.z, outX: out.x, outA: out.a };
  }

  // ------------------------------------------------------------ sampling-time networks (no grad)

  /** H2 [N, d] (GIN in eval mode). */
  encode2D(batch: GpuBatch): Tensor {
    return this.engine.noGrad(() => this.gin.forward(batch, false));
  }

  /** H3 [N, d] from `positions` [N, 3]. */
  encode3D(batch: GpuBatch, positions: Tensor): Tensor {
    return this.engine.noGrad(() => this.schnet.forward(batch, positions));
  }

  /**
   * eps_hat [N, 3] at x_t; score = -eps_hat / std(t). tPerGraph: [B] on the GPU; hostTimes: the
   * same times on the host (one number when every graph shares it), for the preconditioning.
   */
  eps2Dto3D(
    batch: GpuBatch, h2: Tensor, xt: Tensor, tPerGraph: Tensor, hostTimes: number | ArrayLike<number>,
    frameComponents?: readonly [number, number, number],
  ): Tensor {
    return this.engine.noGrad(() => this.preconditionedEps(batch, h2, xt, tPerGraph, hostTimes, false, undefined, frameComponents));
  }

  /**
   * eps2Dto3D for many evaluations on one batch and H2 (a sampling run): the network's parts that
   * depend on H2 alone (node embedding, 2D edge feature) and its stacked attention weights are
   * computed here once (rebuild the evaluator after the weights change), and its node input
   * once per time (a PC step's corrector and predictor share it). The same kernels on the same
   * inputs as eps2Dto3D, so the same values. Call dispose() when done.
   */
  epsEvaluator2Dto3D(batch: GpuBatch, h2: Tensor): Eps2Dto3DEvaluator {
    const e = this.engine;
    const net = this.score2Dto3D;
    const kept: Tensor[] = [];
    const keep = (t: Tensor | null) => {
      if (t) kept.push(e.keep(t));
      return t;
    };
    const { nodeEmb, edge2D } = e.noGrad(() => ({ nodeEmb: keep(net.nodeEmbedding(h2))!, edge2D: keep(net.edge2D(batch, h2, false)) }));
    const attention = net.stackAttentionWeights(true);
    kept.push(...attention.nodes.flatMap((l) => [l.weight, l.bias!]), attention.edges.weight);
    // The node input of the last time seen: kept until the time changes (it outlives endStep).
    let last: { t: number; nodeInput: Tensor } | null = null;
    const release = () => {
      if (last && last.nodeInput !== nodeEmb) e.dispose(last.nodeInput);
      last = null;
    };
    return {
      eps: (xt, tPerGraph, tHost) =>
        e.noGrad(() => {
          if (!last || last.t !== tHost) {
            release();
            const u = net.nodeInput(batch, nodeEmb, tPerGraph);
            last = { t: tHost, nodeInput: u === nodeEmb ? u : e.keep(u) };
          }
          return this.preconditionedEps(batch, h2, xt, tPerGraph, tHost, false, undefined, undefined, { nodeInput: last.nodeInput, edge2D, attention });
        }),
      dispose: () => {
        release();
        for (const t of kept) e.dispose(t);
      },
    };
  }

  /** Raw 3D->2D outputs x [B, Nmax, C] and a [B, Nmax, Nmax]; the score follows from §3.6. */
  out3Dto2D(batch: GpuBatch, h3: Tensor, xt: Tensor, at: Tensor, tPerGraph: Tensor): { x: Tensor; a: Tensor } {
    return this.engine.noGrad(() => {
      const out = this.score3Dto2D.forward({ batch, h3, xt, at, t: tPerGraph });
      return { x: this.engine.reshape(out.x, [batch.numGraphs, batch.nmax, this.config.numAtomClasses]), a: out.a };
    });
  }
}
