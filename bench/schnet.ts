/**
 * One SchNet interaction block (Schütt et al. 2017, the continuous-filter convolution), composed
 * from our ops and, separately, from tfjs ops:
 *
 *   W   = Linear(ssp(Linear(rbf)))            filter network on the RBF expansion  [E, F]
 *   W   = W * cutoff                          cosine cutoff per edge
 *   m   = Linear_nobias(h)[src] * W           gather of the transformed neighbours, product
 *   agg = segment_sum(m, dst)                 sum over the incoming edges of each atom
 *   h'  = h + Linear(ssp(Linear(agg)))        update MLP with a residual
 *
 * for 32 molecules of 9 heavy atoms, every ordered pair inside a molecule an edge; d = 64,
 * 64 filters, 25 RBF. The gradient is taken with respect to h and all nine parameters (rbf and the
 * cutoff are data).
 */
import type * as TF from '@tensorflow/tfjs-core';
import { buildCsr } from '../kernels/graph';
import { gatherRows } from '../kernels/ops/gather';
import { segmentSum } from '../kernels/ops/segment';
import { linear } from '../kernels/ops/linear';
import { add, mul, scaleRows } from '../kernels/ops/elementwise';
import type { Tensor } from '../kernels/tensor';
import { linearInit, moleculeBatch, randomArray } from './data';
import { disposeAll, persistent, zeroGrads, type BenchCase } from './harness';

const MOLECULES = 32;
const ATOMS = 9;
const HIDDEN = 64;
const FILTERS = 64;
const RBF = 25;
const CUTOFF = 10; // Å: SchNet's default; every pair in these molecules lies inside it.
const SEED = 7_000;

/** [out, in] weight shapes (PyTorch layout) and whether each layer has a bias. */
const LAYERS = {
  filter1: { out: FILTERS, in: RBF, bias: true },
  filter2: { out: FILTERS, in: FILTERS, bias: true },
  lin1: { out: FILTERS, in: HIDDEN, bias: false },
  lin2: { out: HIDDEN, in: FILTERS, bias: true },
  lin3: { out: HIDDEN, in: HIDDEN, bias: true },
} as const;
type LayerName = keyof typeof LAYERS;
const LAYER_NAMES = Object.keys(LAYERS) as LayerName[];

export function schnetCase(): BenchCase {
  const mol = moleculeBatch(MOLECULES, ATOMS, RBF, CUTOFF, SEED);
  const N = mol.nodes;
  const E = mol.edges;
  const h = randomArray(N * HIDDEN, SEED + 1);
  const dy = randomArray(N * HIDDEN, SEED + 2);
  const weights = LAYER_NAMES.map((name, k) => {
    const l = LAYERS[name];
    return { name, w: linearInit(l.out, l.in, SEED + 10 + 2 * k), b: l.bias ? linearInit(l.out, l.in, SEED + 11 + 2 * k, false) : null };
  });

  // FLOPs: 2·M·K·N per matrix product; one per element of each pointwise op and of the segment sum.
  const rows: Record<LayerName, number> = { filter1: E, filter2: E, lin1: N, lin2: N, lin3: N };
  const gemm = (name: LayerName) => 2 * rows[name] * LAYERS[name].in * LAYERS[name].out;
  const pointwise = E * FILTERS * 4 + N * HIDDEN * 2; // ssp, cutoff, product, sum | ssp, residual
  const forwardFlops = LAYER_NAMES.reduce((s, n) => s + gemm(n), 0) + pointwise;
  // Backward: dW for every layer, dX for every layer but the first filter layer (rbf is data).
  const backwardFlops = LAYER_NAMES.reduce((s, n) => s + gemm(n) * (n === 'filter1' ? 1 : 2), 0) + 2 * pointwise;

  return {
    name: 'SchNet interaction',
    shape: `${MOLECULES} mol x ${ATOMS} atoms (${N} nodes, ${E} edges), d=${HIDDEN}, ${FILTERS} filters, ${RBF} RBF`,
    unit: 'GFLOP/s',
    work: (pass) => (pass === 'forward' ? forwardFlops : forwardFlops + backwardFlops),
    ours(e) {
      const ht = persistent(e, h, [N, HIDDEN], 'h', true);
      const rbf = persistent(e, mol.rbf, [E, RBF], 'rbf');
      const cutoff = persistent(e, mol.cutoff, [E], 'cutoff');
      const src = persistent(e, mol.src, [E], 'src');
      const dyt = persistent(e, dy, [N, HIDDEN], 'dy');
      const csrBySrc = buildCsr(e, mol.src, N, { persistent: true, name: 'csrBySrc' });
      const csrByDst = buildCsr(e, mol.dst, N, { persistent: true, name: 'csrByDst' });
      const p = {} as Record<LayerName, { w: Tensor; b?: Tensor }>;
      for (const { name, w, b } of weights) {
        const l = LAYERS[name];
        p[name] = { w: persistent(e, w, [l.out, l.in], `${name}.weight`, true), b: b ? persistent(e, b, [l.out], `${name}.bias`, true) : undefined };
      }
      const params = [ht, ...LAYER_NAMES.flatMap((n) => (p[n].b ? [p[n].w, p[n].b] : [p[n].w]))];
      const block = () => {
        const filter = linear(linear(rbf, p.filter1.w, p.filter1.b, 'ssp'), p.filter2.w, p.filter2.b);
        const w = scaleRows(filter, cutoff);
        const xj = gatherRows(linear(ht, p.lin1.w), src, csrBySrc);
        const agg = segmentSum(mul(xj, w), csrByDst);
        const out = linear(linear(agg, p.lin2.w, p.lin2.b, 'ssp'), p.lin3.w, p.lin3.b);
        return add(ht, out);
      };
      return {
        forward: () => e.noGrad(() => [block()]),
        forwardBackward: () => {
          zeroGrads(e, params);
          e.backward(block(), dyt);
          return params.map((t) => e.gradOf(t));
        },
        dispose: () => disposeAll(e, [...params, rbf, cutoff, src, dyt, csrBySrc.offsets, csrBySrc.order, csrByDst.offsets, csrByDst.order]),
      };
    },
    tfjs(tf) {
      const ht = tf.tensor2d(h, [N, HIDDEN]);
      const rbf = tf.tensor2d(mol.rbf, [E, RBF]);
      const cutoff = tf.tensor2d(mol.cutoff, [E, 1]);
      const src = tf.tensor1d(Int32Array.from(mol.src), 'int32');
      const dst = tf.tensor1d(Int32Array.from(mol.dst), 'int32');
      const dyt = tf.tensor2d(dy, [N, HIDDEN]);
      const ln2 = tf.scalar(Math.LN2);
      const vars: TF.Tensor[] = [ht];
      for (const { name, w, b } of weights) {
        const l = LAYERS[name];
        vars.push(tf.tensor2d(w, [l.out, l.in]));
        if (b) vars.push(tf.tensor1d(b));
      }
      const dense = (x: TF.Tensor, w: TF.Tensor, b?: TF.Tensor) => tf.fused.matMul({ a: x as TF.Tensor2D, b: w as TF.Tensor2D, transposeB: true, bias: b });
      const ssp = (x: TF.Tensor) => tf.sub(tf.softplus(x), ln2);
      // Arguments in the order of `vars`: h, then each layer's weight and bias (lin1 has none).
      const block = (hi: TF.Tensor, f1w: TF.Tensor, f1b: TF.Tensor, f2w: TF.Tensor, f2b: TF.Tensor, l1w: TF.Tensor, l2w: TF.Tensor, l2b: TF.Tensor, l3w: TF.Tensor, l3b: TF.Tensor) => {
        const filter = dense(ssp(dense(rbf, f1w, f1b)), f2w, f2b);
        const w = tf.mul(filter, cutoff);
        const xj = tf.gather(dense(hi, l1w), src);
        const agg = tf.unsortedSegmentSum(tf.mul(xj, w), dst, N);
        return tf.add(hi, dense(ssp(dense(agg, l2w, l2b)), l3w, l3b));
      };
      const f = (...a: TF.Tensor[]) => block(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
      return {
        forward: () => [f(...vars)],
        forwardBackward: () => tf.grads(f)(vars, dyt),
        dispose: () => tf.dispose([...vars, rbf, cutoff, src, dst, dyt, ln2]),
      };
    },
  };
}
