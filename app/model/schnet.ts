/**
 * 3D encoder: SchNet (docs/method.md §4.3). Gaussian RBF of pair distances with a cosine cutoff, CFConv
 * filters W = (Linear -> ssp -> Linear)(rbf) * C(d), messages (Linear_nobias h_j) ⊙ W summed at the
 * target, then Linear -> ssp -> Linear and a residual add; per-atom output
 * H3 = Linear(ssp(Linear(h))). Only distances enter, so H3 is E(3)-invariant.
 */
import type { Tensor } from '../../kernels/tensor';
import { embeddingSum } from '../../kernels/ops/embedding';
import { gatherRows } from '../../kernels/ops/gather';
import { segmentSum } from '../../kernels/ops/segment';
import { add, mul, scaleRows } from '../../kernels/ops/elementwise';
import type { SchNetConfig } from './config';
import { applyLinear, type LinearParams, type ParamStore } from './params';
import { NUM_ELEMENTS, type GpuBatch } from './batchGpu';
import { pairRbf } from './kernels';

interface Interaction {
  filter0: LinearParams; // K -> F
  filter2: LinearParams; // F -> F
  lin1: LinearParams; // d -> F, no bias
  lin2: LinearParams; // F -> d
  lin: LinearParams; // d -> d
}

export class SchNet {
  readonly embedding: Tensor;
  readonly interactions: Interaction[] = [];
  readonly out1: LinearParams;
  readonly out2: LinearParams;

  constructor(
    store: ParamStore,
    readonly config: SchNetConfig,
    prefix = 'schnet',
  ) {
    const { dim: d, numFilters: F, numGaussians: K } = config;
    const g = 'schnet' as const;
    this.embedding = store.xavier(`${prefix}.embedding.weight`, [NUM_ELEMENTS, d], g);
    for (let k = 0; k < config.numInteractions; k++) {
      const p = `${prefix}.interactions.${k}`;
      this.interactions.push({
        filter0: store.linear(`${p}.mlp.0`, K, F, g),
        filter2: store.linear(`${p}.mlp.2`, F, F, g),
        lin1: store.linear(`${p}.conv.lin1`, d, F, g, false),
        lin2: store.linear(`${p}.conv.lin2`, F, d, g),
        lin: store.linear(`${p}.lin`, d, d, g),
      });
    }
    this.out1 = store.linear(`${prefix}.lin1`, d, d, g);
    this.out2 = store.linear(`${prefix}.lin2`, d, d, g);
  }

  /** H3 [N, d] from the atom types and `positions` [N, 3] over the batch's SchNet pairs. */
  forward(batch: GpuBatch, positions: Tensor): Tensor {
    const e = positions.engine;
    const { pairs } = batch;
    let h = embeddingSum(this.embedding, batch.elementIndex, batch.elementIndexCsr);
    if (pairs.count > 0) {
      // Forward-only geometry: no gradient reaches the positions in pretraining.
      const geo = pairRbf(positions, pairs.src, pairs.dst, this.config.numGaussians, this.config.cutoff);
      for (const block of this.interactions) {
        const W = scaleRows(applyLinear(applyLinear(geo.rbf, block.filter0, 'ssp'), block.filter2), geo.cutoff);
        const xj = gatherRows(applyLinear(h, block.lin1), pairs.src, pairs.bySrc);
        const y = segmentSum(mul(xj, W), pairs.byDst);
        h = add(h, applyLinear(applyLinear(y, block.lin2, 'ssp'), block.lin));
      }
    } else {
      // No pairs (single-atom molecules only): every message is zero, as an empty radius graph.
      const y = e.zeros([batch.numAtoms, this.config.numFilters]);
      for (const block of this.interactions) h = add(h, applyLinear(applyLinear(y, block.lin2, 'ssp'), block.lin));
    }
    return applyLinear(applyLinear(h, this.out1, 'ssp'), this.out2);
  }
}
