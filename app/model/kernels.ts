/**
 * Host side of the model's own kernels (geometry.wgsl: forward-only functions of data and noise;
 * dense.wgsl: densify, frame mix and the EdgeNet attention map with backward, and the 3D->2D noise).
 * Float64 twins in ./reference.ts.
 */
import geometryCode from './geometry.wgsl?raw';
import denseCode from './dense.wgsl?raw';
import attentionCode from './attention.wgsl?raw';
import fusedCode from './fusedEval.wgsl?raw';
import { grid1d, type Engine } from '../../kernels/engine';
import { assertDType, assertShape, type Tensor } from '../../kernels/tensor';
import type { SDEConfig } from './config';
import type { Csr } from '../../kernels/graph';

const NONE = 0xffffffff;
export { NONE as PADDING_SLOT };

function checkEdges(op: string, pos: Tensor, src: Tensor, dst: Tensor): void {
  assertShape(op, pos, [null, 3], 'positions');
  assertDType(op, pos, 'f32', 'positions');
  assertDType(op, src, 'u32', 'src');
  assertDType(op, dst, 'u32', 'dst');
  assertShape(op, src, [null], 'src');
  assertShape(op, dst, [src.size], 'dst');
}

export interface EdgeGeometry {
  /** [E, 9]: e1, e2, e3 of each edge. */
  frames: Tensor;
  /** [E, 2]: pseudo_sin, pseudo_cos. */
  angles: Tensor;
  /** [E, 4h]: Fourier features of the source's frame projections c_j[0], c_j[2]. */
  featj: Tensor;
  /** [E, 4h]: the same for the target c_i. */
  feati: Tensor;
  /** [E, 2h]: Fourier features of the distance (second weight set). */
  featd: Tensor;
}

/**
 * Frames and invariant scalars of every directed edge (j = src -> i = dst) on positions x
 * (docs/method.md §2.4 c-e). fourier: [2h] = [W; W'] fixed Gaussian weights. No gradient.
 */
export function edgeFrames(pos: Tensor, src: Tensor, dst: Tensor, fourier: Tensor, eps = 1e-6): EdgeGeometry {
  const op = 'edgeFrames';
  checkEdges(op, pos, src, dst);
  if (fourier.shape.length !== 1 || fourier.size % 2 !== 0) throw new Error(`${op}: fourier weights must be [2h], got [${fourier.shape.join(', ')}]`);
  const e = pos.engine;
  const E = src.size;
  const h = fourier.size / 2;
  const frames = e.empty([E, 9], { name: 'frames' });
  const angles = e.empty([E, 2], { name: 'angles' });
  const featj = e.empty([E, 4 * h], { name: 'featj' });
  const feati = e.empty([E, 4 * h], { name: 'feati' });
  const featd = e.empty([E, 2 * h], { name: 'featd' });
  e.dispatch({
    op, code: geometryCode, entryPoint: 'edge_frames',
    params: { n: E, h, rows: pos.shape[0], kind: 0, eps, a: 0, b: 0, c: 0 },
    bindings: { pos, src, dst, fourier, frames, angles, featj, feati, featd },
    workgroups: grid1d(E, 64),
  });
  return { frames, angles, featj, feati, featd };
}

/**
 * SchNet pair features on positions x: Gaussian RBF [P, K] with centres linspace(0, cutoff, K)
 * and gamma = 0.5 / spacing², and the cosine cutoff [P] (0 beyond the cutoff). No gradient.
 */
export function pairRbf(pos: Tensor, src: Tensor, dst: Tensor, numGaussians: number, cutoff: number): { rbf: Tensor; cutoff: Tensor } {
  const op = 'pairRbf';
  checkEdges(op, pos, src, dst);
  const e = pos.engine;
  const P = src.size;
  const spacing = cutoff / (numGaussians - 1);
  const rbf = e.empty([P, numGaussians], { name: 'rbf' });
  const cut = e.empty([P], { name: 'cutoff' });
  e.dispatch({
    op, code: geometryCode, entryPoint: 'pair_rbf',
    params: { n: P, h: numGaussians, rows: pos.shape[0], kind: 0, eps: 0, a: spacing, b: 0.5 / (spacing * spacing), c: cutoff },
    bindings: { pos, src, dst, rbf, cutoffw: cut },
    workgroups: grid1d(P, 64),
  });
  return { rbf, cutoff: cut };
}

/**
 * Noise-level embedding per row: [sin(2π W ln std(t_g)), cos(...)] with g = graphOf[row], for
 * the `generative` preset's time conditioning. t: [B]; W: [h]. Returns [R, 2h]. No gradient.
 */
export function noiseEmbedding(t: Tensor, graphOf: Tensor, W: Tensor, sde: SDEConfig): Tensor {
  const op = 'noiseEmbedding';
  assertShape(op, t, [null], 't');
  assertDType(op, graphOf, 'u32', 'graphOf');
  const e = t.engine;
  const R = graphOf.size;
  const h = W.size;
  const out = e.empty([R, 2 * h], { name: 'noiseEmbedding' });
  const ve = sde.kind === 'VE';
  e.dispatch({
    op, code: geometryCode, entryPoint: 'noise_embed',
    params: {
      n: R, h, rows: t.size, kind: ve ? 0 : 1, eps: 0,
      a: ve ? Math.log(sde.min) : sde.min, b: ve ? Math.log(sde.max / sde.min) : sde.max, c: 0,
    },
    bindings: { tgraph: t, graphof: graphOf, fourier: W, tembed: out },
    workgroups: grid1d(R),
  });
  return out;
}

function denseParams(p: Partial<Record<'n' | 'cols' | 'rows' | 'nmax' | 'heads' | 'hdim' | 'scale' | 'classes', number>>) {
  return { n: 0, cols: 1, rows: 0, nmax: 1, heads: 1, hdim: 1, scale: 1, classes: 1, ...p };
}

/**
 * x: [N, F] -> [S, F] with S = atomOfSlot.size (B * Nmax); slot s holds atom atomOfSlot[s] or zeros
 * (PADDING_SLOT). slotOfAtom: [N], the inverse map. Backward: a gather back, no reduction.
 */
export function toDense(x: Tensor, atomOfSlot: Tensor, slotOfAtom: Tensor): Tensor {
  const op = 'toDense';
  assertShape(op, x, [null, null], 'x');
  assertDType(op, atomOfSlot, 'u32', 'atomOfSlot');
  assertShape(op, slotOfAtom, [x.shape[0]], 'slotOfAtom');
  const e = x.engine;
  const [N, F] = x.shape;
  const S = atomOfSlot.size;
  const y = e.empty([S, F], { requiresGrad: x.requiresGrad, name: `toDense(${x.name})` });
  e.dispatch({ op, code: denseCode, entryPoint: 'to_dense', params: denseParams({ n: S * F, cols: F }), bindings: { xin: x, atomofslot: atomOfSlot, yout: y }, workgroups: grid1d(S * F) });
  if (e.needsGrad(x)) {
    e.tape.push(op, () => {
      e.dispatch({
        op: `${op}.backward`, code: denseCode, entryPoint: 'to_dense_backward',
        params: denseParams({ rows: N, cols: F }),
        bindings: { slotofatom: slotOfAtom, dyout: e.gradOf(y), dxin: e.gradOf(x) },
        workgroups: grid1d(N * F),
      });
    });
  }
  return y;
}

/** v[e] = c[e,0] e1 + c[e,1] e2 + c[e,2] e3 with coef [E, 3] and constant frames [E, 9]. */
export function frameMix(coef: Tensor, frames: Tensor): Tensor {
  const op = 'frameMix';
  assertShape(op, coef, [null, 3], 'coef');
  assertShape(op, frames, [coef.shape[0], 9], 'frames');
  const e = coef.engine;
  const E = coef.shape[0];
  const y = e.empty([E, 3], { requiresGrad: coef.requiresGrad, name: 'frameMix' });
  e.dispatch({ op, code: denseCode, entryPoint: 'frame_mix', params: denseParams({ n: E }), bindings: { coef, frm: frames, yout: y }, workgroups: grid1d(3 * E) });
  if (e.needsGrad(coef)) {
    e.tape.push(op, () => {
      e.dispatch({
        op: `${op}.backward`, code: denseCode, entryPoint: 'frame_mix_backward', params: denseParams({ n: E }),
        bindings: { frm: frames, dyout: e.gradOf(y), dcoef: e.gradOf(coef) }, workgroups: grid1d(3 * E),
      });
    });
  }
  return y;
}

/**
 * EdgeNet attention map (docs/method.md §3.5): q, k [B * Nmax, heads * hdim] ->
 * M [B, Nmax, Nmax] = sym( mean_h tanh(Q_h K_hᵀ scale) ), sym(M) = (M + Mᵀ)/2.
 */
/** Constant 1-float placeholders for gradient bindings a backward call does not write. */
const unusedGrads = new WeakMap<Engine, Map<string, Tensor>>();

function unusedGrad(e: Engine, name: string): Tensor {
  let m = unusedGrads.get(e);
  if (!m) unusedGrads.set(e, (m = new Map()));
  let t = m.get(name);
  if (!t) {
    t = e.zeros([1], { persistent: true, name: `dense.unused.${name}` });
    m.set(name, t);
  }
  return t;
}

/**
 * GIN's (1 + eps) h + m for h, m [N, F] and the learned scalar eps [1], as (h + h eps) + m in one
 * pass, and its backward (dh, dm, deps) in one dispatch: the same numbers as broadcasting eps with
 * a gather, scaleRows and two adds (four dispatches forward, five backward).
 */
export function ginCombine(h: Tensor, eps: Tensor, m: Tensor): Tensor {
  const op = 'ginCombine';
  assertShape(op, h, [null, null], 'h');
  assertShape(op, m, [...h.shape], 'm');
  assertShape(op, eps, [1], 'eps');
  for (const [t, what] of [[h, 'h'], [eps, 'eps'], [m, 'm']] as const) assertDType(op, t, 'f32', what);
  const e = h.engine;
  const n = h.size;
  const cols = h.shape[1];
  if ((h.base ?? h) === (m.base ?? m)) throw new Error(`${op}: h and m must be different tensors`);
  const y = e.empty(h.shape, { requiresGrad: h.requiresGrad || eps.requiresGrad || m.requiresGrad, name: `ginCombine(${h.name})` });
  e.dispatch({ op, code: denseCode, entryPoint: 'gin_combine', params: denseParams({ n, cols }), bindings: { hself: h, epsv: eps, magg: m, yout: y }, workgroups: grid1d(n) });
  if (e.needsGrad(h, eps, m)) {
    e.tape.push(op, () => {
      // dh and dm are written whole: first contributions overwrite.
      const dh = h.requiresGrad ? e.gradInto(h) : null;
      const dm = m.requiresGrad ? e.gradInto(m) : null;
      const bits = (dh ? 1 : 0) | (dm ? 2 : 0) | (eps.requiresGrad ? 4 : 0) | (dh?.accumulate ? 8 : 0) | (dm?.accumulate ? 16 : 0);
      e.dispatch({
        op: `${op}.backward`, code: denseCode, entryPoint: 'gin_combine_backward',
        params: denseParams({ n, cols, classes: bits }),
        bindings: {
          dyout: e.gradOf(y), hself: h, epsv: eps,
          dhself: dh?.grad ?? unusedGrad(e, 'dh'), dmagg: dm?.grad ?? unusedGrad(e, 'dm'), depsv: eps.requiresGrad ? e.gradOf(eps) : unusedGrad(e, 'deps'),
        },
        workgroups: grid1d(n + 1),
      });
    });
  }
  return y;
}

/** Largest head width of the one-dispatch backward (its per-invocation accumulators, dense.wgsl). */
const HEAD_MAX_DIM = 32;

export function headAttention(q: Tensor, k: Tensor, B: number, nmax: number, heads: number, hdim: number, scale: number): Tensor {
  const op = 'headAttention';
  assertShape(op, q, [B * nmax, heads * hdim], 'q');
  assertShape(op, k, [B * nmax, heads * hdim], 'k');
  const e = q.engine;
  const n = B * nmax * nmax;
  const y = e.empty([B, nmax, nmax], { requiresGrad: q.requiresGrad || k.requiresGrad, name: 'headAttention' });
  const params = denseParams({ n, nmax, heads, hdim, scale });
  e.dispatch({ op, code: denseCode, entryPoint: 'head_attention', params, bindings: { qm: q, km: k, yout: y }, workgroups: grid1d(n) });
  if (e.needsGrad(q, k)) {
    e.tape.push(op, () => {
      const dy = e.gradOf(y);
      if (q.requiresGrad && k.requiresGrad && (q.base ?? q) !== (k.base ?? k) && hdim <= HEAD_MAX_DIM) {
        // One dispatch: each (row, head) of dQ and of dK recomputes the score gradients it needs.
        const dq = e.gradInto(q);
        const dk = e.gradInto(k);
        const bits = (dq.accumulate ? 1 : 0) | (dk.accumulate ? 2 : 0);
        const rows = B * nmax * heads;
        e.dispatch({
          op: `${op}.backward`, code: denseCode, entryPoint: 'head_attention_backward_rows',
          params: denseParams({ n: rows, nmax, heads, hdim, scale, classes: bits }),
          bindings: { km: k, qm: q, dyout: dy, dqm: dq.grad, dkm: dk.grad },
          workgroups: grid1d(2 * rows),
        });
        return;
      }
      // Per (b, i, j, h) gradient of the pre-tanh score, then two contractions with K and Q.
      const gbuf = e.empty([n, heads], { name: 'headAttention.g' });
      e.dispatch({ op: `${op}.backward`, code: denseCode, entryPoint: 'head_attention_grad', params, bindings: { qm: q, km: k, dyout: dy, gbuf }, workgroups: grid1d(n * heads) });
      // Both contractions write every element: a first contribution overwrites (no clear).
      const rowsParams = (bits: number) => denseParams({ n: B * nmax, nmax, heads, hdim, scale, classes: bits });
      const total = B * nmax * heads * hdim;
      if (q.requiresGrad && k.requiresGrad && (q.base ?? q) !== (k.base ?? k)) {
        const dq = e.gradInto(q);
        const dk = e.gradInto(k);
        const bits = (dq.accumulate ? 1 : 0) | (dk.accumulate ? 2 : 0);
        e.dispatch({ op: `${op}.backward(q, k)`, code: denseCode, entryPoint: 'head_attention_dqk', params: rowsParams(bits), bindings: { km: k, qm: q, gbuf, dqm: dq.grad, dkm: dk.grad }, workgroups: grid1d(2 * total) });
        return;
      }
      if (q.requiresGrad) {
        const { grad, accumulate } = e.gradInto(q);
        e.dispatch({ op: `${op}.backward(q)`, code: denseCode, entryPoint: 'head_attention_dq', params: rowsParams(accumulate ? 1 : 0), bindings: { km: k, gbuf, dqm: grad }, workgroups: grid1d(total) });
      }
      if (k.requiresGrad) {
        const { grad, accumulate } = e.gradInto(k);
        e.dispatch({ op: `${op}.backward(k)`, code: denseCode, entryPoint: 'head_attention_dk', params: rowsParams(accumulate ? 2 : 0), bindings: { qm: q, gbuf, dkm: grad }, workgroups: grid1d(total) });
      }
    });
  }
  return y;
}

/**
 * 3D->2D perturbed atom types: classOfSlot u32 [S] (PADDING_SLOT for padding), znoise [S, C],
 * flags [S], mean/std per graph [B] (S = B * nmax). Returns the masked noise z and X_t, both [S, C].
 */
export function noisyAtomTypes(classOfSlot: Tensor, znoise: Tensor, flags: Tensor, mean: Tensor, std: Tensor, nmax: number, classes: number): { z: Tensor; xt: Tensor } {
  const op = 'noisyAtomTypes';
  const S = classOfSlot.size;
  assertShape(op, znoise, [S, classes], 'znoise');
  assertShape(op, flags, [S], 'flags');
  const e = znoise.engine;
  const z = e.empty([S, classes], { name: 'zX' });
  const xt = e.empty([S, classes], { name: 'Xt' });
  e.dispatch({
    op, code: denseCode, entryPoint: 'noisy_x', params: denseParams({ n: S * classes, nmax, classes }),
    bindings: { classofslot: classOfSlot, znoise, flags, meang: mean, stdg: std, zout: z, xt },
    workgroups: grid1d(S * classes),
  });
  return { z, xt };
}

/**
 * 3D->2D perturbed adjacency: a0, znoise [B, nmax, nmax]; z is znoise's upper triangle mirrored,
 * zero diagonal, masked by flags on rows and columns; A_t = (mean a0 + std z) masked.
 */
export function noisyAdjacency(a0: Tensor, znoise: Tensor, flags: Tensor, mean: Tensor, std: Tensor): { z: Tensor; at: Tensor } {
  const op = 'noisyAdjacency';
  assertShape(op, a0, [null, null, null], 'a0');
  const [B, nmax] = a0.shape;
  assertShape(op, znoise, [B, nmax, nmax], 'znoise');
  assertShape(op, flags, [B * nmax], 'flags');
  const e = a0.engine;
  const n = B * nmax * nmax;
  const z = e.empty([B, nmax, nmax], { name: 'zA' });
  const at = e.empty([B, nmax, nmax], { name: 'At' });
  e.dispatch({
    op, code: denseCode, entryPoint: 'noisy_a', params: denseParams({ n, nmax }),
    bindings: { azero: a0, znoise, flags, meang: mean, stdg: std, zout: z, xt: at },
    workgroups: grid1d(n),
  });
  return { z, at };
}

/** Largest head width transformerConv supports (MAX_HDIM of attention.wgsl). */
export const TRANSFORMER_CONV_MAX_HEAD_DIM = 32;

/**
 * TransformerConv of the 2D->3D network in one dispatch, forward only (sampling; attention.wgsl):
 * nodes [N, 4 H c] holds q | k | v | skip, pe the edge projection in columns peOffset ..
 * peOffset + H c of [E, P]; conv[i] = skip[i] + sum over edges e = (j -> i) of softmax_e((q_i .
 * (k_j + pe_e)) / sqrt(c)) (v_j + pe_e), per head. Float64 twin: transformerConvRef.
 */
export function transformerConv(nodes: Tensor, pe: Tensor, peOffset: number, src: Tensor, byDst: Csr, heads: number, headDim: number): Tensor {
  const op = 'transformerConv';
  const width = heads * headDim;
  assertShape(op, nodes, [null, 4 * width], 'nodes');
  assertShape(op, pe, [src.size, null], 'pe');
  assertDType(op, nodes, 'f32', 'nodes');
  assertDType(op, pe, 'f32', 'pe');
  assertDType(op, src, 'u32', 'src');
  if (!Number.isInteger(headDim) || headDim < 1 || headDim > TRANSFORMER_CONV_MAX_HEAD_DIM) {
    throw new Error(`${op}: head width ${headDim} outside 1..${TRANSFORMER_CONV_MAX_HEAD_DIM}`);
  }
  if (!Number.isInteger(peOffset) || peOffset < 0 || peOffset + width > pe.shape[1]) throw new Error(`${op}: pe columns ${peOffset}..${peOffset + width} outside ${pe.shape[1]}`);
  const N = nodes.shape[0];
  if (byDst.numSegments !== N) throw new Error(`${op}: the CSR has ${byDst.numSegments} segments for ${N} nodes`);
  const e = nodes.engine;
  if (e.needsGrad(nodes, pe)) throw new Error(`${op}: forward only (no backward); call it under noGrad`);
  const conv = e.empty([N, width], { name: op });
  e.dispatch({
    op, code: attentionCode, entryPoint: 'transformer_conv',
    params: { nodes: N, heads, hdim: headDim, pe_cols: pe.shape[1], pe_off: peOffset, scale: 1 / Math.sqrt(headDim) },
    bindings: { node_feats: nodes, pe, src, offsets: byDst.offsets, order: byDst.order, conv },
    workgroups: grid1d(N * heads, 64),
  });
  return conv;
}

// ------------------------------------------------------------- fused eval-path kernels (sampling)

function fusedParams(p: Partial<Record<'rows' | 'cols' | 'rcols' | 'accumulate' | 'eps' | 'silu', number>>) {
  return { rows: 0, cols: 1, rcols: 0, accumulate: 0, eps: 0, silu: 0, ...p };
}

function forwardOnly(op: string, ...inputs: Tensor[]): void {
  if (inputs[0].engine.needsGrad(...inputs)) throw new Error(`${op}: forward only (no backward); call it under noGrad`);
}

/**
 * u + LayerNorm(x) γ + β over rows of [M, F] in one dispatch (layerNorm then add), then SiLU when
 * `silu` (the activation between two convolutions). Twin: residualLayerNormRef.
 */
export function residualLayerNorm(u: Tensor, x: Tensor, gamma: Tensor, beta: Tensor, { silu = false, eps = 1e-5 } = {}): Tensor {
  const op = 'residualLayerNorm';
  assertShape(op, x, [null, null], 'x');
  assertShape(op, u, x.shape, 'u');
  assertShape(op, gamma, [x.shape[1]], 'gamma');
  assertShape(op, beta, [x.shape[1]], 'beta');
  forwardOnly(op, u, x, gamma, beta);
  const e = x.engine;
  const [rows, cols] = x.shape;
  const y = e.empty([rows, cols], { name: op });
  e.dispatch({
    op, code: fusedCode, entryPoint: 'residual_layer_norm', params: fusedParams({ rows, cols, eps, silu: silu ? 1 : 0 }),
    bindings: { xin: x, uin: u, gamma, beta, yout: y }, workgroups: grid1d(rows),
  });
  return y;
}

/** a * b + c elementwise in one dispatch (mul then add), all of one shape. */
export function mulAdd(a: Tensor, b: Tensor, c: Tensor): Tensor {
  const op = 'mulAdd';
  assertShape(op, b, a.shape, 'b');
  assertShape(op, c, a.shape, 'c');
  forwardOnly(op, a, b, c);
  const e = a.engine;
  const y = e.empty(a.shape, { name: op });
  e.dispatch({
    op, code: fusedCode, entryPoint: 'mul_add', params: fusedParams({ rows: 1, cols: a.size }),
    bindings: { xin: a, uin: b, gamma: c, yout: y }, workgroups: grid1d(a.size),
  });
  return y;
}

/** [u[src_e] + u[dst_e] | r[e]] [E, F + R] in one dispatch (two gathers, add, concat). Twin: edgePairConcatRef. */
export function edgePairConcat(u: Tensor, r: Tensor, src: Tensor, dst: Tensor): Tensor {
  const op = 'edgePairConcat';
  assertShape(op, u, [null, null], 'u');
  assertShape(op, src, [null], 'src');
  assertShape(op, dst, [src.size], 'dst');
  assertShape(op, r, [src.size, null], 'r');
  assertDType(op, src, 'u32', 'src');
  assertDType(op, dst, 'u32', 'dst');
  forwardOnly(op, u, r);
  const e = u.engine;
  const E = src.size;
  const [F, R] = [u.shape[1], r.shape[1]];
  const y = e.empty([E, F + R], { name: op });
  e.dispatch({
    op, code: fusedCode, entryPoint: 'edge_pair_concat', params: fusedParams({ rows: E, cols: F, rcols: R }),
    bindings: { uin: u, xin: r, src, dst, yout: y }, workgroups: grid1d(E * (F + R)),
  });
  return y;
}

/**
 * Per node, the mean over its incoming edges (CSR byDst) of Σ_k coef[e, k] frame_k[e]: [N, 3] in
 * one dispatch (frameMix, segmentMean); added into `into` (in place, returned) when given, else a
 * new tensor. Twin: frameMixMeanRef.
 */
export function frameMixMean(coef: Tensor, frames: Tensor, byDst: Csr, into?: Tensor): Tensor {
  const op = 'frameMixMean';
  assertShape(op, coef, [null, 3], 'coef');
  assertShape(op, frames, [coef.shape[0], 9], 'frames');
  forwardOnly(op, coef);
  const e = coef.engine;
  const N = byDst.numSegments;
  if (into) assertShape(op, into, [N, 3], 'into');
  const y = into ?? e.empty([N, 3], { name: op });
  e.dispatch({
    op, code: fusedCode, entryPoint: 'frame_mix_mean', params: fusedParams({ rows: N, accumulate: into ? 1 : 0 }),
    bindings: { xin: coef, uin: frames, offsets: byDst.offsets, order: byDst.order, yout: y }, workgroups: grid1d(3 * N),
  });
  return y;
}

/**
 * x minus the mean of its graph's rows, [N, F] in one dispatch (centreRows without its autograd:
 * segment mean, gather, negate, add). graphOf [N] u32 and byGraph, the CSR of rows by graph.
 */
export function centreRowsFused(x: Tensor, graphOf: Tensor, byGraph: Csr): Tensor {
  const op = 'centreRowsFused';
  assertShape(op, x, [null, null], 'x');
  assertShape(op, graphOf, [x.shape[0]], 'graphOf');
  assertDType(op, graphOf, 'u32', 'graphOf');
  forwardOnly(op, x);
  const e = x.engine;
  const [rows, cols] = x.shape;
  const y = e.empty([rows, cols], { name: op });
  e.dispatch({
    op, code: fusedCode, entryPoint: 'centre_rows', params: fusedParams({ rows, cols }),
    bindings: { xin: x, src: graphOf, offsets: byGraph.offsets, order: byGraph.order, yout: y }, workgroups: grid1d(rows * cols),
  });
  return y;
}
