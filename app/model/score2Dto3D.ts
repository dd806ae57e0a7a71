/**
 * 2D -> 3D conditional score network, variant _02 (docs/method.md §2.4): SE(3)-equivariant and
 * reflection-antisymmetric through per-edge local frames built from absolute positions.
 *
 *   n_i   = Linear(H2_i)                                   (+ noise-level embedding, generative only)
 *   a_e   = Linear(ReLU(BN(Linear([H2_j ; H2_i]))))        2D edge feature
 *           (+ Emb(bond type) + Emb(hop bucket) with the edge-structure option, docs/method.md §2.9)
 *   b_e   = MLP_silu([sin, cos, emb(c_j), emb(c_i)])       frame-invariant scalars
 *   r_e   = u_e ⊙ a_e + b_e, u_e = Linear(gff'(|x_j - x_i|))
 *   blocks of GATLayers (TransformerConv + LayerNorm, FFN + LayerNorm), then per block
 *   eps_hat += segment-mean over incoming edges of (c1 e1 + c2 e2 + c3 e3), c = MLP([u_j + u_i ; r_e])
 */
import type { Tensor } from '../../kernels/tensor';
import type { Engine } from '../../kernels/engine';
import { gatherRows } from '../../kernels/ops/gather';
import { embeddingSum } from '../../kernels/ops/embedding';
import { segmentMean, segmentSum } from '../../kernels/ops/segment';
import { segmentSoftmax } from '../../kernels/ops/softmax';
import { add, mul, scaleRows } from '../../kernels/ops/elementwise';
import { concat } from '../../kernels/ops/concat';
import { rowDot } from '../../kernels/ops/rowdot';
import { silu } from '../../kernels/ops/activation';
import { batchNorm } from '../../kernels/ops/batchnorm';
import { layerNorm } from '../../kernels/ops/layernorm';
import { dropout } from '../../kernels/ops/dropout';
import type { Score2Dto3DConfig, SDEConfig } from './config';
import { applyLinear, applyMlp, type BatchNormParams, type LayerNormParams, type LinearParams, type ParamStore } from './params';
import type { GpuBatch } from './batchGpu';
import { EDGE_STRUCTURE_TABLES } from './edgeStructure';
import { edgeFrames, edgePairConcat, frameMix, frameMixMean, mulAdd, noiseEmbedding, residualLayerNorm, TRANSFORMER_CONV_MAX_HEAD_DIM, transformerConv } from './kernels';

/** Frequencies of the noise-level embedding (generative preset). */
export const TIME_FREQUENCIES = 16;

interface GatLayer {
  query: LinearParams;
  key: LinearParams;
  value: LinearParams;
  edge: LinearParams; // no bias
  skip: LinearParams;
  norm1: LayerNormParams;
  ff: LinearParams[];
  norm2: LayerNormParams;
}

/** Dropout randomness of one forward: site k draws from (seed, stream + k). */
export interface DropoutKey {
  seed: number;
  stream: number;
}

export interface Score2Dto3DInputs {
  batch: GpuBatch;
  h2: Tensor; // [N, d]
  xt: Tensor; // [N, 3]
  /** [B] per-graph times, needed only with the noise-level embedding. */
  t?: Tensor;
  training: boolean;
  dropoutKey?: DropoutKey;
  /**
   * Analysis hook: weights on the (e1, e2, e3) components of every edge vector (default 1, 1, 1).
   * [0, 1, 0] isolates the reflection-antisymmetric e2 part; the symmetry tests use it.
   */
  frameComponents?: readonly [number, number, number];
  /**
   * Parts of the forward that do not depend on x_t, computed beforehand (sampling evaluates the
   * network hundreds of times on one batch): the same kernels on the same inputs, so the same
   * values. Eval mode only (the 2D edge feature's BatchNorm uses its running statistics).
   */
  precomputed?: Score2Dto3DPrecomputed;
}

export interface Score2Dto3DPrecomputed {
  /** [N, h]: Linear(H2), plus the noise-level embedding of this forward's t when the network has one. */
  nodeInput: Tensor;
  /** [E, h]: the 2D edge feature a_e (null when the batch has no extended edges). */
  edge2D: Tensor | null;
  /** The fused path's stacked weights (stackAttentionWeights), built once instead of per forward. */
  attention?: StackedAttentionWeights;
}

/**
 * Weights of the eval-mode attention path, stacked so that one GEMM does the work of several: per
 * layer [q; k; v; skip] ([4h, h] and bias [4h]), and every layer's edge projection [L h, h] (r is
 * the same for all layers). Copies of the parameters: rebuild them after the weights change.
 */
export interface StackedAttentionWeights {
  nodes: LinearParams[];
  edges: LinearParams;
}

export class Score2Dto3D {
  readonly nodeEmb: LinearParams;
  readonly edge0: LinearParams;
  readonly edgeBn: BatchNormParams;
  readonly edge3: LinearParams;
  /** [2, h]: row 0 W of the coordinate Fourier features, row 1 W' of the distance features. */
  readonly fourier: Tensor;
  readonly coordEmb: LinearParams;
  readonly project: LinearParams[];
  readonly distProj: LinearParams;
  readonly layers: GatLayer[] = [];
  readonly coeffMlps: LinearParams[][] = [];
  readonly timeW?: Tensor;
  readonly timeProj?: LinearParams;
  /** [bond classes + hop buckets, h]: the edge-structure embedding (EDGE_STRUCTURE_TABLES), when configured. */
  readonly edgeStructure?: Tensor;

  constructor(
    store: ParamStore,
    readonly config: Score2Dto3DConfig,
    embDim: number,
    readonly timeEmbedding: boolean,
    readonly sde: SDEConfig,
    prefix = 'sde2Dto3D',
  ) {
    const h = config.hidden;
    const d = embDim;
    const g = 'sde2Dto3D' as const;
    this.nodeEmb = store.linear(`${prefix}.node_emb`, d, h, g);
    this.edge0 = store.linear(`${prefix}.edge_2D_emb.0`, 2 * d, d, g);
    this.edgeBn = store.batchNorm(`${prefix}.edge_2D_emb.1`, d, g);
    this.edge3 = store.linear(`${prefix}.edge_2D_emb.3`, d, h, g);
    if (config.edgeStructure) {
      // Zero: a warm start from a checkpoint without it (which copies every tensor whose name and
      // shape match) begins with exactly that checkpoint's function.
      this.edgeStructure = store.constant(`${prefix}.edge_structure_emb.weight`, [EDGE_STRUCTURE_TABLES.total, h], 0, g);
    }
    this.fourier = store.gaussianBuffer(`${prefix}.gaussian_fourier.W`, [2, h], config.fourierScale, g);
    this.coordEmb = store.linear(`${prefix}.coff_mlp`, 4 * h, h, g);
    this.project = store.mlp(`${prefix}.project`, [2 * h + 2, h, h], g);
    this.distProj = store.linear(`${prefix}.dist_proj`, 2 * h, h, g);
    for (let l = 0; l < config.numBlocks * config.convsPerBlock; l++) {
      const p = `${prefix}.score_network.gnn_layers.${l}`;
      this.layers.push({
        query: store.linear(`${p}.conv.lin_query`, h, h, g),
        key: store.linear(`${p}.conv.lin_key`, h, h, g),
        value: store.linear(`${p}.conv.lin_value`, h, h, g),
        edge: store.linear(`${p}.conv.lin_edge`, h, h, g, false),
        skip: store.linear(`${p}.conv.lin_skip`, h, h, g),
        norm1: store.layerNorm(`${p}.norm1`, h, g),
        ff: [store.linear(`${p}.ff.0`, h, h, g), store.linear(`${p}.ff.3`, h, h, g)],
        norm2: store.layerNorm(`${p}.norm2`, h, g),
      });
    }
    for (let b = 0; b < config.numBlocks; b++) {
      this.coeffMlps.push(store.mlp(`${prefix}.score_network.equi_modules.${b}.coeff_mlp`, [2 * h, config.coeffHidden, 3], g));
    }
    if (timeEmbedding) {
      this.timeW = store.gaussianBuffer(`${prefix}.time_emb.W`, [TIME_FREQUENCIES], 1, g);
      this.timeProj = store.linear(`${prefix}.time_proj`, 2 * TIME_FREQUENCIES, h, g);
    }
  }

  /** eps_hat [N, 3]; the score is -eps_hat / std(t). */
  forward({ batch, h2, xt, t, training, dropoutKey, frameComponents, precomputed }: Score2Dto3DInputs): Tensor {
    const e = h2.engine;
    const ext = batch.extended;
    const h = this.config.hidden;
    const p = training ? this.config.dropout : 0;
    let site = 0;
    const drop = (x: Tensor) => {
      const k = site++;
      if (p === 0) return x;
      if (!dropoutKey) throw new Error('Score2Dto3D: training with dropout needs a dropoutKey');
      return dropout(x, p, dropoutKey.seed, dropoutKey.stream + k);
    };

    if (precomputed && training) throw new Error('Score2Dto3D: precomputed parts are for eval mode only');
    let u = precomputed ? precomputed.nodeInput : this.nodeInput(batch, this.nodeEmbedding(h2), t);
    if (ext.count === 0) return e.zeros([batch.numAtoms, 3]);
    const a = precomputed ? precomputed.edge2D : this.edge2D(batch, h2, training);
    if (!a) throw new Error('Score2Dto3D: the precomputed 2D edge feature is missing for a batch with edges');

    // Frames and invariant scalars (forward-only geometry on x_t).
    const geo = edgeFrames(xt, ext.src, ext.dst, e.reshape(this.fourier, [2 * h]));
    let frames = geo.frames;
    if (frameComponents) {
      const E = ext.count;
      const w = new Float32Array(3 * E);
      for (let k = 0; k < 3 * E; k++) w[k] = frameComponents[k % 3];
      frames = e.reshape(scaleRows(e.reshape(frames, [3 * E, 3]), e.fromArray(w, [3 * E])), [E, 9]);
    }
    const embJ = applyLinear(geo.featj, this.coordEmb);
    const embI = applyLinear(geo.feati, this.coordEmb);
    const b = applyMlp(concat([geo.angles, embJ, embI]), this.project, 'silu');
    const gate = applyLinear(geo.featd, this.distProj);
    const fast = !training && !e.tape.recording;
    const r = fast ? mulAdd(gate, a, b) : add(mul(gate, a), b);

    // Without gradients or dropout (sampling), each attention layer is one GEMM over stacked
    // weights, one fused TransformerConv kernel and two fused residual LayerNorms (6 dispatches
    // instead of 24), and each block's equivariant output 4 instead of 10 (fusedEval.wgsl).
    // Training keeps the op-by-op path, which records its backward.
    // The fused TransformerConv holds a head's accumulator in registers (at most
    // TRANSFORMER_CONV_MAX_HEAD_DIM wide); wider heads take the op-by-op path.
    const fusable = fast && this.config.headDim <= TRANSFORMER_CONV_MAX_HEAD_DIM;
    const stacked = fusable ? (precomputed?.attention ?? this.stackAttentionWeights(false)) : null;
    const peAll = stacked ? applyLinear(r, stacked.edges) : null;

    let eps: Tensor | null = null;
    const { numBlocks, convsPerBlock } = this.config;
    for (let blk = 0; blk < numBlocks; blk++) {
      for (let c = 0; c < convsPerBlock; c++) {
        const l = blk * convsPerBlock + c;
        const between = c + 1 < convsPerBlock;
        if (stacked) {
          u = this.gatLayerFused(l, u, peAll!, stacked, batch, between);
          continue;
        }
        u = this.gatLayer(e, this.layers[l], u, r, batch, drop);
        if (between) u = silu(u);
      }
      if (stacked) {
        // The same chain in three fused dispatches (pair sum + concat, MLP, frame mix + mean + add).
        const coeff = applyMlp(edgePairConcat(u, r, ext.src, ext.dst), this.coeffMlps[blk], 'silu');
        eps = frameMixMean(coeff, frames, ext.byDst, eps ?? undefined);
        continue;
      }
      // u[src] + u[dst], the addition inside the first gather's pass.
      const uSum = gatherRows(u, ext.src, ext.bySrc, gatherRows(u, ext.dst, ext.byDst));
      const coeff = applyMlp(concat([uSum, r]), this.coeffMlps[blk], 'silu');
      const g = segmentMean(frameMix(coeff, frames), ext.byDst);
      eps = eps ? add(eps, g) : g;
    }
    return eps!;
  }

  /** Linear(H2) [N, h], the node input before the noise-level embedding. */
  nodeEmbedding(h2: Tensor): Tensor {
    return applyLinear(h2, this.nodeEmb);
  }

  /** The node input u_0: nodeEmbedding(H2) plus, with the noise-level embedding, that of per-graph times t. */
  nodeInput(batch: GpuBatch, nodeEmbedding: Tensor, t?: Tensor): Tensor {
    if (!this.timeEmbedding) return nodeEmbedding;
    if (!t) throw new Error('Score2Dto3D: the noise-level embedding needs per-graph times t');
    const emb = noiseEmbedding(t, batch.graphOf, this.timeW!, this.sde);
    return add(nodeEmbedding, applyLinear(emb, this.timeProj!));
  }

  /**
   * 2D edge feature a_e [E, h] = Linear(ReLU(BN(Linear([H2_j ; H2_i])))) (BatchNorm over edges),
   * plus, with the edge-structure option, the embedding of the pair's bond type and hop bucket;
   * null without edges. The training path and the eval path (epsEvaluator2Dto3D precomputes it)
   * both come through here.
   */
  edge2D(batch: GpuBatch, h2: Tensor, training: boolean): Tensor | null {
    const ext = batch.extended;
    if (ext.count === 0) return null;
    const pairH = concat([gatherRows(h2, ext.src, ext.bySrc), gatherRows(h2, ext.dst, ext.byDst)]);
    let a = applyLinear(pairH, this.edge0);
    a = batchNorm(a, this.edgeBn.gamma, this.edgeBn.beta, this.edgeBn.state, training && ext.count > 1, 'relu');
    a = applyLinear(a, this.edge3);
    if (!this.edgeStructure) return a;
    return add(a, embeddingSum(this.edgeStructure, batch.extendedStructure, batch.extendedStructureCsr));
  }

  /** Stacked copies of the attention weights (see StackedAttentionWeights); `persistent` to keep them past endStep. */
  stackAttentionWeights(persistent: boolean): StackedAttentionWeights {
    const e = this.fourier.engine;
    const h = this.config.hidden;
    const stack = (parts: Tensor[], shape: number[], name: string) => {
      const out = e.empty(shape, { persistent, name });
      let at = 0;
      for (const p of parts) {
        e.copyBytes(p.buffer, p.offset, out.buffer, out.offset + at, p.byteLength);
        at += p.byteLength;
      }
      return out;
    };
    const nodes = this.layers.map((L, l) => {
      const lins = [L.query, L.key, L.value, L.skip];
      return {
        weight: stack(lins.map((p) => p.weight), [4 * h, h], `sde2Dto3D.layer${l}.qkvs`),
        bias: stack(lins.map((p) => p.bias!), [4 * h], `sde2Dto3D.layer${l}.qkvs.bias`),
      };
    });
    const edges = { weight: stack(this.layers.map((L) => L.edge.weight), [this.layers.length * h, h], 'sde2Dto3D.edges') };
    return { nodes, edges };
  }

  /**
   * gatLayer without dropout or gradients: [q|k|v|skip] in one GEMM, the fused TransformerConv, and
   * residual LayerNorms (the last one followed by SiLU when `siluAfter`).
   */
  private gatLayerFused(l: number, u: Tensor, peAll: Tensor, stacked: StackedAttentionWeights, batch: GpuBatch, siluAfter: boolean): Tensor {
    const L = this.layers[l];
    const ext = batch.extended;
    const { heads, headDim, hidden } = this.config;
    const conv = transformerConv(applyLinear(u, stacked.nodes[l]), peAll, l * hidden, ext.src, ext.byDst, heads, headDim);
    const out = residualLayerNorm(u, conv, L.norm1.gamma, L.norm1.beta);
    const ff = applyLinear(applyLinear(out, L.ff[0], 'silu'), L.ff[1]);
    return residualLayerNorm(out, ff, L.norm2.gamma, L.norm2.beta, { silu: siluAfter });
  }

  /** u + LN(TransformerConv(u, r)), then u + LN(FFN(u)). */
  private gatLayer(e: Engine, L: GatLayer, u: Tensor, r: Tensor, batch: GpuBatch, drop: (x: Tensor) => Tensor): Tensor {
    const ext = batch.extended;
    const E = ext.count;
    const { heads, headDim, hidden } = this.config;
    const q = applyLinear(u, L.query);
    const k = applyLinear(u, L.key);
    const v = applyLinear(u, L.value);
    const pe = applyLinear(r, L.edge);
    const qi = gatherRows(q, ext.dst, ext.byDst);
    // k[src] + pe and v[src] + pe: the edge term is added inside the gathers' passes.
    const kj = gatherRows(k, ext.src, ext.bySrc, pe);
    // Per-head dot products: view [E, H * c] as [E * H, c].
    // Per-head dot products, scaled by 1/sqrt(c) in the same pass.
    const dots = rowDot(e.reshape(qi, [E * heads, headDim]), e.reshape(kj, [E * heads, headDim]), 1 / Math.sqrt(headDim));
    const scores = e.reshape(dots, [E, heads]);
    const alpha = drop(segmentSoftmax(scores, ext.byDst));
    const vj = gatherRows(v, ext.src, ext.bySrc, pe);
    const msg = e.reshape(scaleRows(e.reshape(vj, [E * heads, headDim]), e.reshape(alpha, [E * heads])), [E, hidden]);
    const conv = add(segmentSum(msg, ext.byDst), applyLinear(u, L.skip));
    // u + LN(conv) and out + LN(ff): the residual is added inside the layer norm's pass.
    const out = layerNorm(conv, L.norm1.gamma, L.norm1.beta, 1e-5, u);
    const ff = applyLinear(drop(applyLinear(out, L.ff[0], 'silu')), L.ff[1]);
    return layerNorm(ff, L.norm2.gamma, L.norm2.beta, 1e-5, out);
  }
}
