/** Concatenation along the last (feature) axis, and its inverse split. */
import code from './concat.wgsl?raw';
import { grid1d, type Engine } from '../engine';
import { assertDType, shapeString, type Tensor } from '../tensor';

interface Slice {
  tensor: Tensor;
  cols: number;
  off: number;
}

/** dst[:, dst.off + c] (+)= src[:, src.off + c] for c < width, over `rows` rows. */
function copyColumns(e: Engine, op: string, rows: number, width: number, src: Slice, dst: Slice, accumulate: boolean): void {
  const n = rows * width;
  if (n === 0) return;
  e.dispatch({
    op,
    code,
    entryPoint: 'copy_cols',
    params: { rows, width, srcCols: src.cols, srcOff: src.off, dstCols: dst.cols, dstOff: dst.off, accumulate: accumulate ? 1 : 0 },
    bindings: { src: src.tensor, dst: dst.tensor },
    workgroups: grid1d(n),
  });
}

/** parts [..., Fi] with equal leading axes -> [..., Σ Fi]. Saves nothing: each part's gradient is its slice. */
export function concat(parts: Tensor[]): Tensor {
  if (parts.length === 0) throw new Error('concat: no parts');
  const first = parts[0];
  const e = first.engine;
  const lead = first.shape.slice(0, -1);
  for (const [k, p] of parts.entries()) {
    assertDType('concat', p, 'f32', `part ${k}`);
    const ok = p.shape.length === first.shape.length && p.shape.length >= 1 && lead.every((d, i) => d === p.shape[i]);
    if (!ok) throw new Error(`concat: part ${k} ${shapeString(p.shape)} does not match part 0 ${shapeString(first.shape)} before the last axis`);
  }
  const rows = first.rows;
  const offsets: number[] = [];
  let total = 0;
  for (const p of parts) {
    offsets.push(total);
    total += p.cols;
  }
  const y = e.empty([...lead, total], { requiresGrad: parts.some((p) => p.requiresGrad), name: `concat(${parts.map((p) => p.name).join(', ')})` });
  parts.forEach((p, k) => copyColumns(e, 'concat', rows, p.cols, { tensor: p, cols: p.cols, off: 0 }, { tensor: y, cols: total, off: offsets[k] }, false));
  if (e.needsGrad(...parts)) {
    e.tape.push('concat', () => {
      const dy = e.gradOf(y);
      parts.forEach((p, k) => {
        if (!p.requiresGrad) return;
        // The slice covers all of p's gradient: a first contribution overwrites it.
        const { grad, accumulate } = e.gradInto(p);
        copyColumns(e, 'concat.backward', rows, p.cols, { tensor: dy, cols: total, off: offsets[k] }, { tensor: grad, cols: p.cols, off: 0 }, accumulate);
      });
    });
  }
  return y;
}

/** x [..., F] -> parts [..., sizes[k]] with Σ sizes = F. Backward adds each part's gradient into its slice. */
export function split(x: Tensor, sizes: number[]): Tensor[] {
  const e = x.engine;
  assertDType('split', x, 'f32', 'x');
  const F = x.shape.length >= 1 ? x.cols : 0;
  const sum = sizes.reduce((s, v) => s + v, 0);
  if (x.shape.length < 1 || sizes.some((s) => !Number.isInteger(s) || s < 0) || sum !== F) {
    throw new Error(`split: sizes [${sizes.join(', ')}] do not partition the last axis of x ${shapeString(x.shape)}`);
  }
  const lead = x.shape.slice(0, -1);
  const rows = x.rows;
  const parts: Tensor[] = [];
  let off = 0;
  const offsets: number[] = [];
  for (const [k, size] of sizes.entries()) {
    const p = e.empty([...lead, size], { requiresGrad: x.requiresGrad, name: `split(${x.name})[${k}]` });
    copyColumns(e, 'split', rows, size, { tensor: x, cols: F, off }, { tensor: p, cols: size, off: 0 }, false);
    parts.push(p);
    offsets.push(off);
    off += size;
  }
  if (e.needsGrad(x)) {
    e.tape.push('split', () => {
      parts.forEach((p, k) => {
        // A part that received no gradient contributes nothing; skip it rather than allocate zeros.
        if (!p.grad) return;
        copyColumns(e, 'split.backward', rows, p.cols, { tensor: p.grad, cols: p.cols, off: 0 }, { tensor: e.gradOf(x), cols: F, off: offsets[k] }, true);
      });
    });
  }
  return parts;
}
