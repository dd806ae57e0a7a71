/**
 * Linear layers (PyTorch layout: weight [out, in], bias [out]) with the activation fused into the
 * GEMM epilogue, plain 2-D matmul, and column sums (bias gradients).
 */
import colsumCode from './linear.wgsl?raw';
import { activationCode as activationIndex, type Activation } from './activation';
import { batchedProduct, gemmInto, matrixView, transposeView, type TransposeOptions } from './bmm';
import { elementwiseInto } from './elementwise';
import { grid1d, type Engine } from '../engine';
import { assertDType, assertShape, shapeString, type Tensor } from '../tensor';

/** Rows summed per invocation in the first pass of the column sums. */
const CHUNK_ROWS = 64;

/** out[j] += Σ_i x[i, j], x seen as [x.rows, x.cols] and out as [x.cols]. */
export function addColumnSums(op: string, x: Tensor, out: Tensor): void {
  const e = x.engine;
  const rows = x.rows;
  const cols = x.cols;
  if (out.size !== cols) throw new Error(`${op}: column sums of ${shapeString(x.shape)} need ${cols} outputs, got ${shapeString(out.shape)}`);
  if (cols === 0) return;
  if (e.fusedLinearBackward && rows <= FUSED_BACKWARD_MAX_ROWS) {
    // CPU adapters: one dispatch, one invocation per column (as linear_backward's bias sums); the
    // cost there is per dispatch, not per idle lane. Fixed per engine and shape: deterministic.
    const params = { rows, cols, chunkRows: rows, chunks: 1, inF: 0, outF: 0, dxGroups: 0, accumulateDx: 0, hasBias: 0, vec4: 0 };
    e.dispatch({ op, code: colsumCode, entryPoint: 'colsum_single', params, bindings: { x, out }, workgroups: grid1d(cols) });
    return;
  }
  const chunks = Math.max(1, Math.ceil(rows / CHUNK_ROWS));
  const partial = e.empty([chunks, cols], { name: `${op}.partialColumnSums` });
  const params = { rows, cols, chunkRows: CHUNK_ROWS, chunks, inF: 0, outF: 0, dxGroups: 0, accumulateDx: 0, hasBias: 0, vec4: 0 };
  e.dispatch({ op, code: colsumCode, entryPoint: 'colsum_partial', params, bindings: { x, partial }, workgroups: grid1d(chunks * cols) });
  e.dispatch({ op, code: colsumCode, entryPoint: 'colsum_final', params, bindings: { partial, out }, workgroups: grid1d(cols) });
}

/**
 * y = act(x Wᵀ + b) for x [..., in] (rows = everything but the last axis), in one GEMM dispatch.
 * Saves x and W for the backward; with an activation and a gradient to compute, the forward also
 * stores gate = act'(Z) of the pre-activation Z (one extra write, instead of recomputing the GEMM
 * or a separate activation backward pass).
 * Backward: dZ = dY ⊙ gate; dX += dZ W; dW += dZᵀ X; db += column sums of dZ. The one-dispatch
 * backward (CPU adapters) applies the gate as it reads dY; the split one first forms dZ.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, act: Activation | 'none' = 'none'): Tensor {
  const e = x.engine;
  const op = act === 'none' ? 'linear' : `linear+${act}`;
  if (weight.shape.length !== 2) throw new Error(`${op}: weight must be [out, in], got ${shapeString(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.shape.length < 1 || x.cols !== inF) {
    throw new Error(`${op}: x ${shapeString(x.shape)} does not end in the weight's in-features (weight ${shapeString(weight.shape)})`);
  }
  assertDType(op, x, 'f32', 'x');
  assertDType(op, weight, 'f32', 'weight');
  if (bias) {
    assertShape(op, bias, [outF], 'bias');
    assertDType(op, bias, 'f32', 'bias');
  }
  const actCode = act === 'none' ? 0 : 1 + activationIndex(act);
  const M = x.rows;
  const outShape = [...x.shape.slice(0, -1), outF];
  const needsGrad = e.needsGrad(x, weight, bias);
  const y = e.empty(outShape, { requiresGrad: needsGrad, name: `${op}(${x.name})` });
  const gate = needsGrad && actCode !== 0 ? e.empty(outShape, { name: `${op}.gate` }) : undefined;
  const xView = matrixView(x, M, inF);
  const wT = matrixView(weight, outF, inF, true);
  gemmInto(e, { op, a: xView, b: wT, c: matrixView(y, M, outF), bias, act: actCode, gate });
  if (needsGrad) {
    e.tape.push(op, () => {
      const dY = e.gradOf(y);
      if (e.fusedLinearBackward && weight.requiresGrad && M > 0 && M <= FUSED_BACKWARD_MAX_ROWS && inF > 0 && outF > 0) {
        linearBackwardFused(op, dY, gate, x, weight, bias?.requiresGrad ? bias : undefined);
        return;
      }
      let dZ = dY;
      if (gate) {
        // dZ = dY ⊙ act'(Z), every element written (not accumulated).
        dZ = e.empty(outShape, { name: `${op}.dZ` });
        elementwiseInto(e, `${op}.backward(act)`, 'mul', { a: dY, b: gate, y: dZ });
      }
      const dZView = matrixView(dZ, M, outF);
      if (x.requiresGrad) {
        const { grad, accumulate } = e.gradInto(x);
        gemmInto(e, { op: `${op}.backward(x)`, a: dZView, b: matrixView(weight, outF, inF), c: matrixView(grad, M, inF), accumulate });
      }
      if (weight.requiresGrad) {
        gemmInto(e, { op: `${op}.backward(weight)`, a: transposeView(dZView), b: xView, c: matrixView(e.gradOf(weight), outF, inF), accumulate: true });
      }
      if (bias?.requiresGrad) addColumnSums(`${op}.backward(bias)`, dZ, e.gradOf(bias));
    });
  }
  return y;
}

/**
 * Rows up to which the one-dispatch backward is used. Its dW job has few invocations, each summing
 * over all rows; past a few thousand rows (measured on lavapipe: [10000, 64] -> 64 and [40000, 64]
 * -> 64 ran about 1.5x slower than split-K, [300, 64] -> 128 and [2600, 64] -> 64 faster) split-K's
 * parallel reduction wins over the dispatches it saves.
 */
const FUSED_BACKWARD_MAX_ROWS = 4096;
/** Workgroups of `linear_backward` (linear.wgsl): 64 register blocks of 4x4 each. */
const BLOCKS_PER_GROUP = 64;
/** Constant 1-float placeholders for the bindings of a job that a call does not run. */
const placeholders = new WeakMap<Engine, { dx: Tensor; db: Tensor }>();

/** linear.wgsl with GATED = true: the backward variant that applies a fused activation's gate. */
let gatedCode: string | null = null;
function gatedBackwardCode(): string {
  if (!gatedCode) {
    const marker = 'const GATED = false;';
    if (!colsumCode.includes(marker)) throw new Error(`linear: ${marker} not found in linear.wgsl`);
    gatedCode = colsumCode.replace(marker, 'const GATED = true;');
  }
  return gatedCode;
}

/**
 * The whole backward of act(x Wᵀ + b) in one dispatch (CPU adapters, see Engine.fusedLinearBackward):
 * with dZ = dY ⊙ gate (dZ = dY without an activation), dX (+)= dZ W when x needs a gradient,
 * dW += dZᵀ x, db += column sums of dZ when `bias` is given.
 */
function linearBackwardFused(op: string, dY: Tensor, gate: Tensor | undefined, x: Tensor, weight: Tensor, bias: Tensor | undefined): void {
  const e = x.engine;
  const [outF, inF] = weight.shape;
  const rows = x.rows;
  let ph = placeholders.get(e);
  if (!ph) {
    ph = { dx: e.zeros([1], { persistent: true, name: 'linear.backward.unusedDx' }), db: e.zeros([1], { persistent: true, name: 'linear.backward.unusedDb' }) };
    placeholders.set(e, ph);
  }
  const dxGroups = x.requiresGrad ? Math.ceil((Math.ceil(rows / 4) * Math.ceil(inF / 4)) / BLOCKS_PER_GROUP) : 0;
  const dwGroups = Math.ceil((Math.ceil(outF / 4) * Math.ceil((inF + (bias ? 1 : 0)) / 4)) / BLOCKS_PER_GROUP);
  const dx = x.requiresGrad ? e.gradInto(x) : { grad: ph.dx, accumulate: false };
  e.dispatch({
    op: `${op}.backward`,
    code: gate ? gatedBackwardCode() : colsumCode,
    entryPoint: 'linear_backward',
    params: {
      rows, cols: 0, chunkRows: 0, chunks: 0, inF, outF, dxGroups, accumulateDx: dx.accumulate ? 1 : 0, hasBias: bias ? 1 : 0,
      vec4: inF % 4 === 0 && outF % 4 === 0 ? 1 : 0,
    },
    // Without a gate, gate4 re-binds dY (read-only, never read).
    bindings: { dz: dY, w: weight, xin: x, dx: dx.grad, dw: e.gradOf(weight), db: bias ? e.gradOf(bias) : ph.db, dz4: dY, w4: weight, xin4: x, gate4: gate ?? dY },
    workgroups: grid1d((dxGroups + dwGroups) * BLOCKS_PER_GROUP, BLOCKS_PER_GROUP),
  });
}

/** [M, K] x [K, N] -> [M, N]; with transA a is [K, M], with transB b is [N, K]. */
export function matmul(a: Tensor, b: Tensor, opts: TransposeOptions = {}): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new Error(`matmul: expected 2-D a and b, got ${shapeString(a.shape)} and ${shapeString(b.shape)}`);
  }
  const [ar, ac] = a.shape;
  const [br, bc] = b.shape;
  const M = opts.transA ? ac : ar;
  const N = opts.transB ? br : bc;
  return batchedProduct('matmul', a, b, 1, [ar, ac], [br, bc], [M, N], opts);
}
