/**
 * Per-molecule centring of [N, 3] row vectors, x_i - mean_{j in graph(i)} x_j, with autograd
 * (a segment mean over the atoms of each graph, gathered back and subtracted). The generative
 * recipe centres the 2D->3D network's input and output with it: the network's frames are built
 * from absolute positions, so only centred inputs make it translation-invariant.
 */
import type { Tensor } from '../../kernels/tensor';
import { sub } from '../../kernels/ops/elementwise';
import { gatherRows } from '../../kernels/ops/gather';
import { segmentMean } from '../../kernels/ops/segment';
import type { GpuBatch } from './batchGpu';
import { centreRowsFused } from './kernels';

export function centreRows(x: Tensor, batch: Pick<GpuBatch, 'atomsByGraph' | 'graphOf'>): Tensor {
  // Nothing to differentiate (sampling): the same operations in one dispatch.
  if (!x.engine.needsGrad(x)) return centreRowsFused(x, batch.graphOf, batch.atomsByGraph);
  const mean = segmentMean(x, batch.atomsByGraph);
  // x - mean: the same numbers as x + (-1) mean (negation is exact), one op fewer each way.
  return sub(x, gatherRows(mean, batch.graphOf, batch.atomsByGraph));
}
