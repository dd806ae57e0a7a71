/** Elementwise arithmetic: add, sub, mul, scale, addBias, scaleRows (forward + backward). */
import code from './elementwise.wgsl?raw';
import rowdotCode from './rowdot.wgsl?raw';
import { addColumnSums } from './linear';
import { grid1d, type Engine } from '../engine';
import { assertDType, assertSameShape, shapeString, type Tensor } from '../tensor';

/** y (+)= ... over n elements with one of elementwise.wgsl's entry points. */
export function elementwiseInto(
  e: Engine,
  op: string,
  entryPoint: 'add' | 'sub' | 'mul' | 'scale' | 'add_bias' | 'scale_rows' | 'axpy' | 'mul_acc',
  bindings: { a: Tensor; b?: Tensor; y: Tensor },
  { n = bindings.y.size, cols = 1, alpha = 1, accumulate = false }: { n?: number; cols?: number; alpha?: number; accumulate?: boolean } = {},
): void {
  e.dispatch({
    op,
    code,
    entryPoint,
    params: { n, cols: Math.max(cols, 1), alpha, accumulate: accumulate ? 1 : 0 },
    bindings: bindings.b ? { a: bindings.a, b: bindings.b, y: bindings.y } : { a: bindings.a, y: bindings.y },
    workgroups: grid1d(n),
  });
}

/** x's gradient (+)= alpha * dy: overwrites on the gradient's first contribution (engine.gradInto). */
export function addScaledToGrad(op: string, dy: Tensor, x: Tensor, alpha = 1): void {
  const { grad, accumulate } = dy.engine.gradInto(x);
  elementwiseInto(dy.engine, op, 'axpy', { a: dy, y: grad }, { alpha, accumulate });
}

/** x's gradient (+)= dy * b (the backward of mul), first contribution overwriting. */
function addProductToGrad(op: string, dy: Tensor, b: Tensor, x: Tensor): void {
  const { grad, accumulate } = dy.engine.gradInto(x);
  elementwiseInto(dy.engine, op, 'mul_acc', { a: dy, b, y: grad }, { accumulate });
}

/** The same tensor or two views of one buffer owner: their gradients alias. */
function sameStorage(a: Tensor, b: Tensor): boolean {
  return (a.base ?? a) === (b.base ?? b);
}

function checkFloat(op: string, ...ts: [Tensor, string][]): void {
  for (const [t, what] of ts) assertDType(op, t, 'f32', what);
}

function binary(op: 'add' | 'sub' | 'mul', a: Tensor, b: Tensor): Tensor {
  const e = a.engine;
  assertSameShape(op, a.shape, b.shape);
  checkFloat(op, [a, 'a'], [b, 'b']);
  const y = e.empty(a.shape, { requiresGrad: a.requiresGrad || b.requiresGrad, name: `${op}(${a.name}, ${b.name})` });
  elementwiseInto(e, op, op, { a, b, y });
  // Saves a and b (mul only) for the backward.
  if (e.needsGrad(a, b)) {
    e.tape.push(op, () => {
      const dy = e.gradOf(y);
      const sign = op === 'sub' ? -1 : 1;
      if (op === 'mul' && a.requiresGrad && b.requiresGrad && !sameStorage(a, b)) {
        // Both gradients in one pass over dy: da (+)= dy b, db (+)= dy a.
        const ga = e.gradInto(a);
        const gb = e.gradInto(b);
        e.dispatch({
          op: 'mul.backward(a, b)',
          code,
          entryPoint: 'mul_acc2',
          params: { n: y.size, cols: 1, alpha: 1, accumulate: (ga.accumulate ? 1 : 0) | (gb.accumulate ? 2 : 0) },
          bindings: { a: dy, b, c: a, y: ga.grad, y2: gb.grad },
          workgroups: grid1d(y.size),
        });
      } else if (op === 'mul') {
        if (a.requiresGrad) addProductToGrad('mul.backward(a)', dy, b, a);
        if (b.requiresGrad) addProductToGrad('mul.backward(b)', dy, a, b);
      } else if (a.requiresGrad && b.requiresGrad && !sameStorage(a, b)) {
        // Both gradients in one pass over dy.
        const ga = e.gradInto(a);
        const gb = e.gradInto(b);
        e.dispatch({
          op: `${op}.backward(a, b)`,
          code,
          entryPoint: 'axpy2',
          params: { n: y.size, cols: 1, alpha: sign, accumulate: (ga.accumulate ? 1 : 0) | (gb.accumulate ? 2 : 0) },
          bindings: { a: dy, y: ga.grad, y2: gb.grad },
          workgroups: grid1d(y.size),
        });
      } else {
        if (a.requiresGrad) addScaledToGrad(`${op}.backward(a)`, dy, a);
        if (b.requiresGrad) addScaledToGrad(`${op}.backward(b)`, dy, b, sign);
      }
    });
  }
  return y;
}

export const add = (a: Tensor, b: Tensor): Tensor => binary('add', a, b);
export const sub = (a: Tensor, b: Tensor): Tensor => binary('sub', a, b);
export const mul = (a: Tensor, b: Tensor): Tensor => binary('mul', a, b);

/** a * s for a host number s. Saves nothing. */
export function scale(a: Tensor, s: number): Tensor {
  const e = a.engine;
  checkFloat('scale', [a, 'a']);
  if (!Number.isFinite(s)) throw new Error(`scale: factor ${s} is not finite`);
  const y = e.empty(a.shape, { requiresGrad: a.requiresGrad, name: `scale(${a.name})` });
  elementwiseInto(e, 'scale', 'scale', { a, y }, { alpha: s });
  if (e.needsGrad(a)) e.tape.push('scale', () => addScaledToGrad('scale.backward', e.gradOf(y), a, s));
  return y;
}

/** x[i, :] + b for x [..., F] and b [F]. Saves nothing: dx = dy, db = column sums of dy. */
export function addBias(x: Tensor, b: Tensor): Tensor {
  const e = x.engine;
  checkFloat('addBias', [x, 'x'], [b, 'bias']);
  if (x.shape.length < 1 || b.shape.length !== 1 || b.shape[0] !== x.cols) {
    throw new Error(`addBias: bias ${shapeString(b.shape)} does not match the last axis of x ${shapeString(x.shape)}`);
  }
  const y = e.empty(x.shape, { requiresGrad: x.requiresGrad || b.requiresGrad, name: `addBias(${x.name})` });
  elementwiseInto(e, 'addBias', 'add_bias', { a: x, b, y }, { cols: x.cols });
  if (e.needsGrad(x, b)) {
    e.tape.push('addBias', () => {
      const dy = e.gradOf(y);
      if (x.requiresGrad) addScaledToGrad('addBias.backward(x)', dy, x);
      if (b.requiresGrad) addColumnSums('addBias.backward(bias)', dy, e.gradOf(b));
    });
  }
  return y;
}

/**
 * x[i, :] * s[i] for x [..., F] and s with one value per row. Saves x and s:
 * dx = dy * s[row], ds[i] = Σ_f dy[i, f] x[i, f].
 */
/** Constant 1-float placeholders for the gradients a backward call does not write. */
const unusedGrads = new WeakMap<Engine, Map<string, Tensor>>();

function unusedGrad(e: Engine, name: string): Tensor {
  let m = unusedGrads.get(e);
  if (!m) unusedGrads.set(e, (m = new Map()));
  let t = m.get(name);
  if (!t) m.set(name, (t = e.zeros([1], { persistent: true, name: `scaleRows.unused.${name}` })));
  return t;
}

export function scaleRows(x: Tensor, s: Tensor): Tensor {
  const e = x.engine;
  checkFloat('scaleRows', [x, 'x'], [s, 's']);
  if (x.shape.length < 1 || s.size !== x.rows) {
    throw new Error(`scaleRows: s ${shapeString(s.shape)} must have one value per row of x ${shapeString(x.shape)} (${x.rows} rows)`);
  }
  const y = e.empty(x.shape, { requiresGrad: x.requiresGrad || s.requiresGrad, name: `scaleRows(${x.name})` });
  elementwiseInto(e, 'scaleRows', 'scale_rows', { a: x, b: s, y }, { cols: x.cols });
  if (e.needsGrad(x, s) && x.size > 0) {
    e.tape.push('scaleRows', () => {
      const dy = e.gradOf(y);
      // dx = dy s[row] (overwriting a first contribution) and ds += Σ_c dy x, one dispatch.
      const dx = x.requiresGrad ? e.gradInto(x) : null;
      const grads = (dx ? 1 : 0) | (s.requiresGrad ? 2 : 0) | (dx?.accumulate ? 4 : 0);
      e.dispatch({
        op: 'scaleRows.backward',
        code: rowdotCode,
        entryPoint: 'scale_rows_backward',
        params: { rows: x.rows, cols: x.cols, accumulate: 0, scale: 1, grads },
        bindings: { a: x, dy, srow: s, da: dx?.grad ?? unusedGrad(e, 'dx'), dsrow: s.requiresGrad ? e.gradOf(s) : unusedGrad(e, 'ds') },
        workgroups: grid1d(x.size + x.rows),
      });
    });
  }
  return y;
}
