/**
 * 3D -> 2D score networks, dense GDSS style (docs/method.md §3.3-3.5), conditioned on SchNet's
 * SE(3)-invariant H3. Dense tensors are [B, Nmax, ...] with slot = graph * Nmax + local atom;
 * pair tensors are channels-last [B, Nmax, Nmax, C] (rows B * Nmax * Nmax).
 *
 *   Z = Linear(H3) + Linear(X_t)                                   (+ noise-level embedding)
 *   X net: x_l = tanh(GCN_l(x_{l-1}, A_t)), out_X = mask(MLP_silu([x_0 .. x_depth]))
 *   A net: [A_t, A_t·A_t] -> EdgeNet x numLayers -> MLP_silu over the 30 stacked channels per pair
 *          (+ RBF(|x_i - x_j|) channels in the generative preset), zero diagonal, masked rows/cols
 */
import type { Tensor } from '../../kernels/tensor';
import type { Engine } from '../../kernels/engine';
import { add } from '../../kernels/ops/elementwise';
import { concat, split } from '../../kernels/ops/concat';
import { tanh } from '../../kernels/ops/activation';
import { bmm } from '../../kernels/ops/bmm';
import { gcnNormalize } from '../../kernels/ops/gcn';
import { maskPairs, maskRows } from '../../kernels/ops/mask';
import { symmetrize } from '../../kernels/ops/symmetrize';
import { DISTANCE_RBF, type Score3Dto2DConfig, type SDEConfig } from './config';
import { applyLinear, applyMlp, type LinearParams, type ParamStore } from './params';
import type { GpuBatch } from './batchGpu';
import { headAttention, noiseEmbedding, toDense } from './kernels';
import { TIME_FREQUENCIES } from './score2Dto3D';

interface GcnParams {
  weight: Tensor; // [out, in], no bias inside the product
  bias: Tensor; // [out], added after Â (x W)
}

interface EdgeNetChannel {
  q: LinearParams[];
  k: LinearParams[];
  /** Absent in the last layer, whose x output is unused (docs/method.md §3.5): no dead parameters. */
  v?: GcnParams;
}

interface EdgeNetLayer {
  cin: number;
  cout: number;
  fout: number;
  channels: EdgeNetChannel[];
  multiChannel?: LinearParams[];
  mlp: LinearParams[];
}

export interface Score3Dto2DInputs {
  batch: GpuBatch;
  h3: Tensor; // [N, d]
  xt: Tensor; // [B * Nmax, C] (or [B, Nmax, C])
  at: Tensor; // [B, Nmax, Nmax]
  t?: Tensor; // [B], only with the noise-level embedding
}

export class Score3Dto2D {
  readonly inputH3: LinearParams;
  readonly inputX: LinearParams;
  readonly gcnX: GcnParams[] = [];
  readonly finalX: LinearParams[];
  readonly edgeLayers: EdgeNetLayer[] = [];
  readonly finalA: LinearParams[];
  readonly timeW?: Tensor;
  readonly timeProj?: LinearParams;

  constructor(
    store: ParamStore,
    readonly config: Score3Dto2DConfig,
    embDim: number,
    readonly numClasses: number,
    readonly timeEmbedding: boolean,
    readonly sde: SDEConfig,
    prefix = 'sde3Dto2D',
  ) {
    const c = config;
    const g = 'sde3Dto2D' as const;
    const gcn = (name: string, fin: number, fout: number): GcnParams => ({
      weight: store.xavier(`${name}.weight`, [fout, fin], g),
      bias: store.constant(`${name}.bias`, [fout], 0, g),
    });
    this.inputH3 = store.linear(`${prefix}.input_h3`, embDim, c.nfeat, g);
    this.inputX = store.linear(`${prefix}.input_x`, numClasses, c.nfeat, g);
    for (let l = 0; l < c.depthX; l++) this.gcnX.push(gcn(`${prefix}.x_net.layers.${l}`, l === 0 ? c.nfeat : c.nhid, c.nhid));
    const fdim = c.nfeat + c.depthX * c.nhid;
    const hid = c.nodeMlpHidden > 0 ? c.nodeMlpHidden : 2 * fdim;
    this.finalX = store.mlp(`${prefix}.x_net.final`, [fdim, hid, hid, numClasses], g);
    for (let l = 0; l < c.numLayers; l++) {
      const cin = l === 0 ? c.cInit : c.cHid;
      const cout = l + 1 === c.numLayers ? c.cFinal : c.cHid;
      const fin = l === 0 ? c.nfeat : c.nhid;
      const p = `${prefix}.a_net.layers.${l}`;
      const H = 2 * Math.max(cin, cout);
      const last = l + 1 === c.numLayers;
      const channels: EdgeNetChannel[] = [];
      for (let ch = 0; ch < cin; ch++) {
        channels.push({
          q: store.mlp(`${p}.attn.${ch}.q`, [fin, 2 * c.adim, 2 * c.adim], g),
          k: store.mlp(`${p}.attn.${ch}.k`, [fin, 2 * c.adim, 2 * c.adim], g),
          v: last ? undefined : gcn(`${p}.attn.${ch}.v`, fin, c.nhid),
        });
      }
      const mlpDims = [2 * cin, ...Array<number>(c.numLinears - 1).fill(H), cout];
      this.edgeLayers.push({
        cin, cout, fout: c.nhid, channels,
        multiChannel: last ? undefined : store.mlp(`${p}.multi_channel`, [cin * c.nhid, H, c.nhid], g),
        mlp: store.mlp(`${p}.mlp`, mlpDims, g),
      });
    }
    const stacked = c.cInit + (c.numLayers - 1) * c.cHid + c.cFinal + c.distanceChannels;
    this.finalA = store.mlp(`${prefix}.a_net.final`, [stacked, 2 * stacked, 2 * stacked, 1], g);
    if (timeEmbedding) {
      this.timeW = store.gaussianBuffer(`${prefix}.time_emb.W`, [TIME_FREQUENCIES], 1, g);
      this.timeProj = store.linear(`${prefix}.time_proj`, 2 * TIME_FREQUENCIES, c.nfeat, g);
    }
  }

  /** Raw outputs: x [B * Nmax, C] (masked rows) and a [B, Nmax, Nmax] (zero diagonal, masked). */
  forward({ batch, h3, xt, at, t }: Score3Dto2DInputs): { x: Tensor; a: Tensor } {
    const e = h3.engine;
    const B = batch.numGraphs;
    const n = batch.nmax;
    const S = B * n;
    const C = this.numClasses;
    if (xt.size !== S * C) throw new Error(`Score3Dto2D: xt has ${xt.size} values, expected [${B}, ${n}, ${C}]`);
    if (at.size !== B * n * n) throw new Error(`Score3Dto2D: at has ${at.size} values, expected [${B}, ${n}, ${n}]`);
    const x2 = e.reshape(xt, [S, C]);
    const a3 = e.reshape(at, [B, n, n]);
    const flagsBN = e.reshape(batch.flags, [B, n]);

    let z = add(applyLinear(toDense(h3, batch.atomOfSlot, batch.slotOfAtom), this.inputH3), applyLinear(x2, this.inputX));
    if (this.timeEmbedding) {
      if (!t) throw new Error('Score3Dto2D: the noise-level embedding needs per-graph times t');
      z = add(z, applyLinear(noiseEmbedding(t, batch.slotGraph, this.timeW!, this.sde), this.timeProj!));
    }

    // Node network on the GCN-normalised noisy adjacency (a constant here).
    const aHat = gcnNormalize(a3);
    const xs: Tensor[] = [z];
    let x = z;
    for (const layer of this.gcnX) {
      x = tanh(this.gcn(e, x, aHat, layer, B, n));
      xs.push(x);
    }
    const outX = maskRows(applyMlp(concat(xs), this.finalX, 'silu'), batch.flags);

    // Edge network: channels [A_t, A_t·A_t], then EdgeNet layers.
    const aa = bmm(a3, a3);
    let adj = concat([e.reshape(a3, [B * n * n, 1]), e.reshape(aa, [B * n * n, 1])]);
    const stack: Tensor[] = [adj];
    let h = z;
    for (const layer of this.edgeLayers) {
      const out = this.edgeNet(e, layer, h, adj, batch);
      if (out.x) h = out.x;
      adj = out.adj;
      stack.push(adj);
    }
    if (this.config.distanceChannels > 0) stack.push(e.fromArray(distanceRbf(batch, this.config.distanceChannels), [B * n * n, this.config.distanceChannels]));
    const score = applyMlp(concat(stack), this.finalA, 'silu');
    const outA = maskPairs(e.reshape(score, [B, n, n, 1]), flagsBN, true);
    return { x: outX, a: e.reshape(outA, [B, n, n]) };
  }

  /** GCN(x, Â) = Â (x W) + b over [B * n, F] rows. */
  private gcn(e: Engine, x: Tensor, aHat: Tensor, p: GcnParams, B: number, n: number): Tensor {
    const fout = p.weight.shape[0];
    const xw = applyLinear(x, { weight: p.weight });
    // The bias rides in the product's epilogue (no separate pass over the output or its gradient).
    const prod = bmm(aHat, e.reshape(xw, [B, n, fout]), { bias: p.bias });
    return e.reshape(prod, [B * n, fout]);
  }

  private edgeNet(e: Engine, L: EdgeNetLayer, x: Tensor, adj: Tensor, batch: GpuBatch): { x: Tensor | null; adj: Tensor } {
    const B = batch.numGraphs;
    const n = batch.nmax;
    const { adim, heads } = this.config;
    const hdim = adim / heads;
    const numHeads = (2 * adim) / hdim;
    const chans = L.cin === 1 ? [adj] : split(adj, Array<number>(L.cin).fill(1));
    const vs: Tensor[] = [];
    const maps: Tensor[] = [];
    L.channels.forEach((ch, c) => {
      const q = applyMlp(x, ch.q, 'tanh');
      const k = applyMlp(x, ch.k, 'tanh');
      const m = headAttention(q, k, B, n, numHeads, hdim, 1 / Math.sqrt(hdim));
      maps.push(e.reshape(m, [B * n * n, 1]));
      if (ch.v) vs.push(this.gcn(e, x, gcnNormalize(e.reshape(chans[c], [B, n, n])), ch.v, B, n));
    });
    const xOut = L.multiChannel ? tanh(maskRows(applyMlp(concat(vs), L.multiChannel, 'elu'), batch.flags)) : null;
    const pairIn = concat([...maps, adj]);
    const pairOut = applyMlp(pairIn, L.mlp, 'elu');
    const sym = symmetrize(e.reshape(pairOut, [B, n, n, L.cout]), 'sum');
    const masked = maskPairs(sym, e.reshape(batch.flags, [B, n]), false);
    return { x: xOut, adj: e.reshape(masked, [B * n * n, L.cout]) };
  }
}

/**
 * [B * n * n, K] Gaussian RBF of each pair's distance (DISTANCE_RBF), from the batch's host
 * positions; zero on the diagonal and for padding slots. Computed on the host: the geometry is an
 * input here (no gradient), and a pair table is small next to the network.
 */
export function distanceRbf(batch: Pick<GpuBatch, 'numGraphs' | 'nmax' | 'host'>, K: number): Float32Array {
  const { numGraphs: B, nmax: n } = batch;
  const { positions, atomOfSlot } = batch.host;
  const out = new Float32Array(B * n * n * K);
  const { first, width } = DISTANCE_RBF;
  for (let g = 0; g < B; g++) {
    for (let i = 0; i < n; i++) {
      const ai = atomOfSlot[g * n + i];
      if (ai >= positions.length / 3) continue;
      for (let j = 0; j < n; j++) {
        const aj = atomOfSlot[g * n + j];
        if (i === j || aj >= positions.length / 3) continue;
        const d = Math.hypot(positions[3 * ai] - positions[3 * aj], positions[3 * ai + 1] - positions[3 * aj + 1], positions[3 * ai + 2] - positions[3 * aj + 2]);
        const row = ((g * n + i) * n + j) * K;
        for (let k = 0; k < K; k++) out[row + k] = Math.exp(-(((d - (first + k * width)) / width) ** 2));
      }
    }
  }
  return out;
}
