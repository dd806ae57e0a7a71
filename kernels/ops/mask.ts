/** Row masks and pair masks (padding of dense [B, N, N, C] pair tensors). Masks get no gradient. */
import code from './mask.wgsl?raw';
import { grid1d, type Engine } from '../engine';
import { assertDType, shapeString, type Tensor } from '../tensor';

interface MaskParams {
  n: number;
  cols: number;
  nodes: number;
  zeroDiagonal: number;
}

/** Forward writes y; the backward applies the same mask to dy and adds it to dx. Saves the mask. */
function applyMask(e: Engine, op: string, entryPoint: string, x: Tensor, m: Tensor, p: MaskParams): Tensor {
  const y = e.empty(x.shape, { requiresGrad: x.requiresGrad, name: `${op}(${x.name})` });
  e.dispatch({ op, code, entryPoint, params: { ...p, accumulate: 0 }, bindings: { x, m, y }, workgroups: grid1d(p.n) });
  if (e.needsGrad(x)) {
    e.tape.push(op, () => {
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint,
        params: { ...p, accumulate: 1 },
        bindings: { x: e.gradOf(y), m, y: e.gradOf(x) },
        workgroups: grid1d(p.n),
      });
    });
  }
  return y;
}

/** x[r, :] * mask[r] for x [..., F] and mask (f32 0/1) with one value per row. */
export function maskRows(x: Tensor, mask: Tensor): Tensor {
  assertDType('maskRows', x, 'f32', 'x');
  assertDType('maskRows', mask, 'f32', 'mask');
  if (x.shape.length < 1 || mask.size !== x.rows) {
    throw new Error(`maskRows: mask ${shapeString(mask.shape)} must have one value per row of x ${shapeString(x.shape)} (${x.rows} rows)`);
  }
  return applyMask(x.engine, 'maskRows', 'mask_rows', x, mask, { n: x.size, cols: Math.max(1, x.cols), nodes: 1, zeroDiagonal: 0 });
}

/** x[b, i, j, :] * f[b, i] * f[b, j] (and 0 on i == j when zeroDiagonal) for x [B, N, N, C], flags [B, N]. */
export function maskPairs(x: Tensor, flags: Tensor, zeroDiagonal: boolean): Tensor {
  assertDType('maskPairs', x, 'f32', 'x');
  assertDType('maskPairs', flags, 'f32', 'flags');
  const [B, N, N2, C] = x.shape;
  if (x.shape.length !== 4 || N !== N2 || flags.shape.length !== 2 || flags.shape[0] !== B || flags.shape[1] !== N) {
    throw new Error(`maskPairs: expected x [B, N, N, C] and flags [B, N], got x ${shapeString(x.shape)} and flags ${shapeString(flags.shape)}`);
  }
  return applyMask(x.engine, 'maskPairs', 'mask_pairs', x, flags, { n: x.size, cols: Math.max(1, C), nodes: N, zeroDiagonal: zeroDiagonal ? 1 : 0 });
}
