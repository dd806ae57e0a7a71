/**
 * 2D encoder: OGB-style GIN (docs/method.md §4.2). Atom and per-layer bond embeddings are sums over
 * the 9 / 3 OGB feature tables; sum aggregation of ReLU(h_j + b_ji) over incoming bonds; learned
 * eps; MLP Linear(d -> 2d) -> BN -> ReLU -> Linear(2d -> d); BN after every layer, ReLU on all but
 * the last; JK = last (per-node H2, no final ReLU).
 */
import type { Tensor } from '../../kernels/tensor';
import { embeddingSum } from '../../kernels/ops/embedding';
import { gatherRows } from '../../kernels/ops/gather';
import { segmentSum } from '../../kernels/ops/segment';
import { relu } from '../../kernels/ops/activation';
import { batchNorm } from '../../kernels/ops/batchnorm';
import { dropout } from '../../kernels/ops/dropout';
import type { GinConfig } from './config';
import { applyLinear, type BatchNormParams, type LinearParams, type ParamStore } from './params';
import { ATOM_TABLES, BOND_TABLES, type GpuBatch } from './batchGpu';
import { ginCombine } from './kernels';

interface GinLayer {
  eps: Tensor; // [1]
  bondTable: Tensor; // [13, d]
  mlp0: LinearParams;
  mlpBn: BatchNormParams;
  mlp3: LinearParams;
  bn: BatchNormParams;
}

export interface RandomKey {
  seed: number;
  stream: number;
}

export class GIN {
  readonly atomTable: Tensor;
  readonly layers: GinLayer[] = [];

  constructor(
    store: ParamStore,
    readonly config: GinConfig,
    prefix = 'gin',
  ) {
    const d = config.dim;
    const g = 'gin' as const;
    this.atomTable = store.xavier(`${prefix}.atom_encoder.weight`, [ATOM_TABLES.total, d], g);
    for (let l = 0; l < config.numLayers; l++) {
      const p = `${prefix}.layers.${l}`;
      this.layers.push({
        eps: store.constant(`${p}.eps`, [1], 0, g),
        bondTable: store.xavier(`${p}.bond_encoder.weight`, [BOND_TABLES.total, d], g),
        mlp0: store.linear(`${p}.mlp.0`, d, 2 * d, g),
        mlpBn: store.batchNorm(`${p}.mlp.1`, 2 * d, g),
        mlp3: store.linear(`${p}.mlp.3`, 2 * d, d, g),
        bn: store.batchNorm(`${prefix}.batch_norms.${l}`, d, g),
      });
    }
  }

  /** H2 [N, d]. `training` selects batch statistics (and updates the running ones) and dropout. */
  forward(batch: GpuBatch, training: boolean, key?: RandomKey): Tensor {
    const e = batch.atomIndex.engine;
    const N = batch.numAtoms;
    const { bonds } = batch;
    // Batch statistics need two rows (a lone one-atom molecule falls back to the running stats).
    const batchStats = training && N > 1;
    let h = embeddingSum(this.atomTable, batch.atomIndex, batch.atomIndexCsr);
    this.layers.forEach((layer, l) => {
      let m: Tensor;
      if (bonds.count > 0) {
        const b = embeddingSum(layer.bondTable, batch.bondIndex, batch.bondIndexCsr);
        // h[src] + bond embedding, the addition inside the gather's pass.
        const msg = relu(gatherRows(h, bonds.src, bonds.bySrc, b));
        m = segmentSum(msg, bonds.byDst);
      } else {
        m = e.zeros([N, this.config.dim]);
      }
      // (1 + eps) h + m = (h + eps h) + m, in one pass (ginCombine).
      const pre = ginCombine(h, layer.eps, m);
      let z = applyLinear(pre, layer.mlp0);
      // The ReLUs after the batch norms run inside them (batchNorm's fused 'relu').
      z = batchNorm(z, layer.mlpBn.gamma, layer.mlpBn.beta, layer.mlpBn.state, batchStats, 'relu');
      z = applyLinear(z, layer.mlp3);
      h = batchNorm(z, layer.bn.gamma, layer.bn.beta, layer.bn.state, batchStats, l + 1 < this.layers.length ? 'relu' : 'none');
      if (training && this.config.dropout > 0 && key) h = dropout(h, this.config.dropout, key.seed, key.stream + l);
    });
    return h;
  }
}
