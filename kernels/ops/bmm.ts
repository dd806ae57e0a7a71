/**
 * Batched matrix multiply and the strided GEMM every dense op is built on (bmm.wgsl).
 *
 * A GEMM operand is a *view*: a row-major stored matrix (per batch) seen with element strides, so a
 * transposed operand or output is the same buffer with its row and column strides swapped.
 */
import gemmSource from './bmm.wgsl?raw';
import activationSource from './activation.wgsl?raw';
import { MAX_GROUPS_PER_DIM, grid1d, type Engine } from '../engine';
import { shapeString, assertDType, type Tensor } from '../tensor';
import { addColumnSums } from './linear';

export interface MatrixView {
  tensor: Tensor;
  /** Logical size of one matrix of the view. */
  rows: number;
  cols: number;
  /** Element strides between batches, rows and columns. */
  batch: number;
  row: number;
  col: number;
}

/** A stored row-major [rows, cols] matrix (one per batch), or its transpose when `transposed`. */
export function matrixView(tensor: Tensor, rows: number, cols: number, transposed = false): MatrixView {
  const v: MatrixView = { tensor, rows, cols, batch: rows * cols, row: cols, col: 1 };
  return transposed ? transposeView(v) : v;
}

export function transposeView(v: MatrixView): MatrixView {
  return { ...v, rows: v.cols, cols: v.rows, row: v.col, col: v.row };
}

export interface GemmSpec {
  /** Op name for error messages. */
  op: string;
  a: MatrixView;
  b: MatrixView;
  c: MatrixView;
  batch?: number;
  /** c += a b instead of c = a b (backward accumulation; no epilogue then). */
  accumulate?: boolean;
  /** Epilogue c = act(a b + bias): bias indexed by output column. */
  bias?: Tensor;
  /** 0 = identity, else 1 + index into ACTIVATIONS (activation.ts). */
  act?: number;
  /** Also store act'(a b + bias) here (same layout as c; needs an activation): the backward's gate. */
  gate?: Tensor;
}

// The activation functions (fn act, fn act_derivative and their helpers) of activation.wgsl,
// reused verbatim in the fused epilogue: everything between its constants and its first entry point.
function activationMath(): string {
  const start = activationSource.indexOf('const LN2');
  const end = activationSource.indexOf('@compute');
  if (start < 0 || end < start) throw new Error('bmm: cannot find the activation functions in activation.wgsl');
  return activationSource.slice(start, end);
}

/** Workgroup shapes: 8x8 blocks in general; a column or a row of 64 blocks for skinny outputs. */
type Shape = readonly [number, number];
const SQUARE: Shape = [8, 8];
const TALL: Shape = [1, 64];
const WIDE: Shape = [64, 1];
const codeCache = new Map<string, string>();

function gemmCode(shape: Shape): string {
  const key = shape.join('x');
  let code = codeCache.get(key);
  if (!code) {
    const marker = '@workgroup_size(8, 8)';
    if (!gemmSource.includes(marker)) throw new Error(`bmm: ${marker} not found in bmm.wgsl`);
    code = activationMath() + gemmSource.replaceAll(marker, `@workgroup_size(${shape[0]}, ${shape[1]})`);
    codeCache.set(key, code);
  }
  return code;
}

function viewString(v: MatrixView): string {
  return `${v.tensor.name || 'unnamed'} viewed as [${v.rows}, ${v.cols}]`;
}

/** Encodes C (+)= A B (or the fused epilogue) for `batch` matrices. */
export function gemmInto(e: Engine, spec: GemmSpec): void {
  const { op, a, b, c } = spec;
  const batch = spec.batch ?? 1;
  const M = c.rows;
  const N = c.cols;
  const K = a.cols;
  if (a.rows !== M || b.rows !== K || b.cols !== N) {
    throw new Error(`${op}: cannot multiply ${viewString(a)} by ${viewString(b)} into ${viewString(c)}`);
  }
  for (const v of [a, b, c]) assertDType(op, v.tensor, 'f32', v.tensor.name || 'operand');
  const epilogue = spec.bias !== undefined || (spec.act ?? 0) !== 0 || spec.gate !== undefined;
  if (spec.gate && !spec.act) throw new Error(`${op}: a gate needs an activation`);
  if (epilogue && spec.accumulate) throw new Error(`${op}: an accumulating GEMM has no epilogue`);
  if (M === 0 || N === 0 || batch === 0) return;
  const shape = N <= 4 ? TALL : M <= 4 ? WIDE : SQUARE;
  const groups: [number, number, number] = [
    Math.ceil(Math.ceil(N / 4) / shape[0]),
    Math.ceil(Math.ceil(M / 4) / shape[1]),
    batch,
  ];
  if (groups.some((g) => g > MAX_GROUPS_PER_DIM)) {
    throw new Error(`${op}: ${batch} x [${M}, ${N}] output needs ${shapeString(groups)} workgroups, over ${MAX_GROUPS_PER_DIM} per dimension`);
  }
  const split = epilogue ? { splits: 1, kChunk: K } : splitK(groups[0] * groups[1] * batch, K, batch);
  const params = {
    M, N, K,
    aBatch: a.batch, aRow: a.row, aCol: a.col,
    bBatch: b.batch, bRow: b.row, bCol: b.col,
    cBatch: c.batch, cRow: c.row, cCol: c.col,
    accumulate: spec.accumulate ? 1 : 0,
    hasBias: spec.bias ? 1 : 0,
    act: spec.act ?? 0,
    splits: split.splits,
    kChunk: split.kChunk,
    batches: batch,
    nt4: split.splits === 1 && e.vec4Gemm && a.col === 1 && b.row === 1 && [K, a.row, a.batch, b.col, b.batch].every((v) => v % 4 === 0) ? 1 : 0,
  };
  if (split.splits > 1) {
    // Fixed chunking (a function of the shapes only) and an in-order second pass: deterministic.
    const partial = e.empty([batch * split.splits, M, N], { name: `${op}.splitK` });
    const code = gemmCode(shape);
    const bindings = { a: a.tensor, b: b.tensor, partial };
    e.dispatch({ op, code, entryPoint: 'gemm_partial', params, bindings, workgroups: [groups[0], groups[1], batch * split.splits] });
    e.dispatch({ op, code, entryPoint: 'gemm_reduce', params, bindings: { partial, c: c.tensor }, workgroups: grid1d(batch * M * N) });
    return;
  }
  const bindings: Record<string, Tensor> = { a: a.tensor, b: b.tensor, c: c.tensor, a4: a.tensor, b4: b.tensor };
  let entryPoint = 'gemm';
  if (epilogue) {
    // Without a bias the binding is unused; any read-only buffer satisfies the layout.
    bindings.bias = spec.bias ?? a.tensor;
    entryPoint = 'gemm_epilogue';
    if (spec.gate) {
      bindings.gate = spec.gate;
      entryPoint = 'gemm_epilogue_gate';
    }
  }
  e.dispatch({ op, code: gemmCode(shape), entryPoint, params, bindings, workgroups: groups });
}

/** Split-K when the output has few workgroups and K is long: at least this many per chunk... */
const SPLITK_MIN_CHUNK = 128;
/** ...and chunks until the grid has about this many workgroups. */
const SPLITK_TARGET_GROUPS = 64;

/**
 * How to cut K: `splits` chunks of `kChunk` (splits = 1: no split). Depends on the shapes only,
 * so the summation order, hence every bit of the result, is the same on every run.
 */
export function splitK(groups: number, K: number, batch: number): { splits: number; kChunk: number } {
  if (groups >= SPLITK_TARGET_GROUPS || K < 2 * SPLITK_MIN_CHUNK) return { splits: 1, kChunk: K };
  const want = Math.min(Math.ceil(SPLITK_TARGET_GROUPS / groups), Math.floor(K / SPLITK_MIN_CHUNK), Math.floor(MAX_GROUPS_PER_DIM / batch));
  if (want <= 1) return { splits: 1, kChunk: K };
  const kChunk = Math.ceil(K / want);
  return { splits: Math.ceil(K / kChunk), kChunk };
}

export interface TransposeOptions {
  transA?: boolean;
  transB?: boolean;
}

export interface ProductOptions extends TransposeOptions {
  /**
   * [N]: added to every row of every output matrix in the GEMM's epilogue (a GCN's Â (X W) + b),
   * instead of a separate addBias pass over the output and its gradient.
   */
  bias?: Tensor;
}

/**
 * op(A) op(B) for `batch` stacked matrices, where op transposes when asked. Shared by bmm and
 * matmul: `aDims`/`bDims` are the stored [rows, cols] of one matrix.
 * Saves a and b for the backward: d op(A) = dC op(B)ᵀ and d op(B) = op(A)ᵀ dC, each written
 * straight into the (possibly transposed) view of the stored gradient.
 */
export function batchedProduct(
  op: string,
  a: Tensor,
  b: Tensor,
  batch: number,
  aDims: readonly [number, number],
  bDims: readonly [number, number],
  outShape: readonly number[],
  { transA = false, transB = false, bias }: ProductOptions,
): Tensor {
  const e = a.engine;
  assertDType(op, a, 'f32', 'a');
  assertDType(op, b, 'f32', 'b');
  if (bias) assertDType(op, bias, 'f32', 'bias');
  const opA = matrixView(a, aDims[0], aDims[1], transA);
  const opB = matrixView(b, bDims[0], bDims[1], transB);
  if (opA.cols !== opB.rows) {
    throw new Error(
      `${op}: inner dimensions differ: a ${shapeString(a.shape)}${transA ? 'ᵀ' : ''} and b ${shapeString(b.shape)}${transB ? 'ᵀ' : ''} (${opA.cols} vs ${opB.rows})`,
    );
  }
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== opB.cols)) {
    throw new Error(`${op}: bias ${shapeString(bias.shape)} does not match the output's ${opB.cols} columns`);
  }
  const y = e.empty(outShape, { requiresGrad: a.requiresGrad || b.requiresGrad || !!bias?.requiresGrad, name: `${op}(${a.name}, ${b.name})` });
  const out = matrixView(y, opA.rows, opB.cols);
  gemmInto(e, { op, a: opA, b: opB, c: out, batch, bias });
  if (e.needsGrad(a, b, bias)) {
    e.tape.push(op, () => {
      const dC = matrixView(e.gradOf(y), opA.rows, opB.cols);
      // Each product writes all of its input's gradient: a first contribution overwrites it.
      if (a.requiresGrad) {
        const { grad, accumulate } = e.gradInto(a);
        gemmInto(e, { op: `${op}.backward(a)`, a: dC, b: transposeView(opB), c: matrixView(grad, aDims[0], aDims[1], transA), batch, accumulate });
      }
      if (b.requiresGrad) {
        const { grad, accumulate } = e.gradInto(b);
        gemmInto(e, { op: `${op}.backward(b)`, a: transposeView(opA), b: dC, c: matrixView(grad, bDims[0], bDims[1], transB), batch, accumulate });
      }
      // d bias = column sums of dC over every row of every batch (dC is a contiguous [B * M, N]).
      if (bias?.requiresGrad) addColumnSums(`${op}.backward(bias)`, e.reshape(dC.tensor, [batch * opA.rows, opB.cols]), e.gradOf(bias));
    });
  }
  return y;
}

/**
 * [B, M, K] x [B, K, N] -> [B, M, N]; with transA a is [B, K, M], with transB b is [B, N, K]; with
 * `bias` [N], + bias on every row (fused into the GEMM).
 */
export function bmm(a: Tensor, b: Tensor, opts: ProductOptions = {}): Tensor {
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`bmm: expected a [B, M, K] and b [B, K, N] with the same B, got ${shapeString(a.shape)} and ${shapeString(b.shape)}`);
  }
  const [B, ar, ac] = a.shape;
  const [, br, bc] = b.shape;
  const M = opts.transA ? ac : ar;
  const N = opts.transB ? br : bc;
  return batchedProduct('bmm', a, b, B, [ar, ac], [br, bc], [B, M, N], opts);
}
