/**
 * Scalar losses, each returning a [1] tensor: sum, mean BCE with logits, weighted squared error,
 * mean L1. Reductions are chunked and ordered (see loss.wgsl), so results are bit-identical run to
 * run. Gradients flow to every input that requires them (targets and weights included).
 */
import code from './loss.wgsl?raw';
import { grid1d } from '../engine';
import { assertSameShape, assertShape, shapeString, type Tensor } from '../tensor';

/** Elements per partial sum: 256 keeps each invocation's serial loop short on CPU adapters. */
const CHUNK = 256;

const KIND_SUM = 0;
const KIND_BCE = 1;
const KIND_WSE = 2;
const KIND_L1 = 3;

interface LossInputs {
  op: string;
  kind: number;
  a: Tensor;
  b?: Tensor;
  w?: Tensor;
  cols: number;
  /** Multiplies the total (1/n for means). */
  scale: number;
}

function assertF32(op: string, t: Tensor, what: string): void {
  if (t.dtype !== 'f32') throw new Error(`${op}: ${what} must be f32, got ${t.dtype} ${shapeString(t.shape)}`);
}

function reduceLoss({ op, kind, a, b, w, cols, scale }: LossInputs): Tensor {
  const e = a.engine;
  let src = a;
  let count = a.size;
  let k = kind;
  for (;;) {
    const chunks = Math.max(1, Math.ceil(count / CHUNK));
    const last = chunks === 1;
    const dst = e.empty([chunks], { name: last ? op : `${op}.partial` });
    e.dispatch({
      op,
      code,
      entryPoint: 'reduce',
      params: { n: count, chunk: CHUNK, kind: k, cols, scale: last ? scale : 1 },
      // Unused inputs are bound to `src` (read-only aliases are allowed).
      bindings: { a: src, b: k === KIND_SUM ? src : (b ?? src), w: k === KIND_SUM ? src : (w ?? src), partial: dst },
      workgroups: grid1d(chunks),
    });
    if (last) return dst;
    src = dst;
    count = chunks;
    k = KIND_SUM;
  }
}

function lossOp(inputs: LossInputs): Tensor {
  const { op, kind, a, b, w, cols, scale } = inputs;
  const e = a.engine;
  const loss = reduceLoss(inputs);
  loss.requiresGrad = [a, b, w].some((t) => t?.requiresGrad);
  // Saves nothing: backward re-reads a, b and w.
  if (e.needsGrad(a, b, w)) {
    e.tape.push(op, () => {
      const dloss = e.gradOf(loss);
      const common = { a, b: b ?? a, w: w ?? a, dloss };
      const n = a.size;
      if (a.requiresGrad) {
        e.dispatch({ op: `${op}.backward`, code, entryPoint: 'grad_a', params: { n, chunk: CHUNK, kind, cols, scale }, bindings: { ...common, da: e.gradOf(a) }, workgroups: grid1d(n) });
      }
      if (b?.requiresGrad) {
        e.dispatch({ op: `${op}.backward`, code, entryPoint: 'grad_b', params: { n, chunk: CHUNK, kind, cols, scale }, bindings: { ...common, db: e.gradOf(b) }, workgroups: grid1d(n) });
      }
      if (w?.requiresGrad) {
        const rows = w.size;
        e.dispatch({ op: `${op}.backward`, code, entryPoint: 'grad_w', params: { n: rows, chunk: CHUNK, kind, cols, scale: 1 }, bindings: { ...common, dw: e.gradOf(w) }, workgroups: grid1d(rows) });
      }
    });
  }
  return loss;
}

/** Σ x over all elements: [1]. */
export function sum(x: Tensor): Tensor {
  assertF32('sum', x, 'x');
  return lossOp({ op: 'sum', kind: KIND_SUM, a: x, cols: 1, scale: 1 });
}

/** mean_i [softplus(z_i) - t_i z_i] (stable binary cross-entropy on logits): [1]. */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  const op = 'bceWithLogits';
  assertF32(op, logits, 'logits');
  assertF32(op, targets, 'targets');
  assertSameShape(op, logits.shape, targets.shape, 'logits and targets');
  if (logits.size === 0) throw new Error(`${op}: the mean of an empty input ${shapeString(logits.shape)} is undefined`);
  return lossOp({ op, kind: KIND_BCE, a: logits, b: targets, cols: 1, scale: 1 / logits.size });
}

/** Σ_i w_i Σ_f (pred_if - target_if)² over pred, target [M, F] and rowWeight [M]: [1]. */
export function weightedSquaredError(pred: Tensor, target: Tensor, rowWeight: Tensor): Tensor {
  const op = 'weightedSquaredError';
  assertF32(op, pred, 'pred');
  assertF32(op, target, 'target');
  assertF32(op, rowWeight, 'rowWeight');
  assertShape(op, pred, [null, null], 'pred');
  assertSameShape(op, pred.shape, target.shape, 'pred and target');
  assertShape(op, rowWeight, [pred.shape[0]], 'rowWeight');
  return lossOp({ op, kind: KIND_WSE, a: pred, b: target, w: rowWeight, cols: Math.max(1, pred.shape[1]), scale: 1 });
}

/** mean |pred - target| over all elements: [1]. */
export function l1Loss(pred: Tensor, target: Tensor): Tensor {
  const op = 'l1Loss';
  assertF32(op, pred, 'pred');
  assertF32(op, target, 'target');
  assertSameShape(op, pred.shape, target.shape, 'pred and target');
  if (pred.size === 0) throw new Error(`${op}: the mean of an empty input ${shapeString(pred.shape)} is undefined`);
  return lossOp({ op, kind: KIND_L1, a: pred, b: target, cols: 1, scale: 1 / pred.size });
}
