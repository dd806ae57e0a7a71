/** Concatenation along the last (feature) axis, and its inverse split. */
import code from './concat.wgsl?raw';
import partsCode from './concatParts.wgsl?raw';
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

/** Parts one dispatch of concatParts.wgsl handles (its eight part bindings). */
const PARTS_PER_DISPATCH = 8;
/** Distinct 1-float buffers for the part slots of a scatter that nothing writes to. */
const unusedOuts = new WeakMap<Engine, Tensor[]>();

/** One part of a gather/scatter: its tensor (absent: slot unused), and whether it adds or is left out. */
interface PartSlot {
  tensor?: Tensor;
  accumulate: boolean;
}

/**
 * One dispatch per group of up to eight parts, covering whole's columns [offsets[k], offsets[k+1])
 * for the parts of the group. gather: whole (+)= parts (concat forward, split backward); scatter:
 * parts (+)= whole (split forward, concat backward). Written buffers must be distinct (the caller
 * checks); read-only ones may repeat.
 */
function copyParts(e: Engine, op: string, direction: 'gather' | 'scatter', rows: number, whole: Tensor, offsets: number[], slots: PartSlot[]): void {
  const cols = offsets[offsets.length - 1];
  let outs = unusedOuts.get(e);
  if (!outs) {
    outs = Array.from({ length: PARTS_PER_DISPATCH }, (_, k) => e.zeros([1], { persistent: true, name: `concat.unusedPart${k}` }));
    unusedOuts.set(e, outs);
  }
  for (let g = 0; g < slots.length; g += PARTS_PER_DISPATCH) {
    const group = slots.slice(g, g + PARTS_PER_DISPATCH);
    const o: number[] = [];
    for (let k = 0; k <= PARTS_PER_DISPATCH; k++) o.push(offsets[g + Math.min(k, group.length)]);
    // Nothing to copy: no rows, no columns, or no part in the group takes part.
    if (rows === 0 || o[PARTS_PER_DISPATCH] === o[0] || !group.some((s) => s.tensor)) continue;
    const params: Record<string, number> = { rows, cols, accumulate: 0, skip: 0 };
    o.forEach((v, k) => (params[`o${k}`] = v));
    const bindings: Record<string, Tensor> = {};
    // Unused input slots re-bind a part of the group (read-only, never read); whole is written.
    const fallback = group.find((s) => s.tensor)!.tensor!;
    for (let k = 0; k < PARTS_PER_DISPATCH; k++) {
      const s = group[k];
      if (s?.accumulate) params.accumulate |= 1 << k;
      if (!s?.tensor) params.skip |= 1 << k;
      if (direction === 'gather') bindings[`in${k}`] = s?.tensor ?? fallback;
      else bindings[`out${k}`] = s?.tensor ?? outs[k];
    }
    if (direction === 'gather') bindings.whole = whole;
    else bindings.src = whole;
    e.dispatch({ op, code: partsCode, entryPoint: `${direction}_parts`, params, bindings, workgroups: grid1d(rows * (o[PARTS_PER_DISPATCH] - o[0])) });
  }
}

/** True when two of the tensors share a GPU buffer (views of one base, one arena, a repeated part). */
function sharesBuffer(ts: Tensor[]): boolean {
  return new Set(ts.map((t) => t.buffer)).size !== ts.length;
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
  // From the leading axes, not first.rows (size / cols is NaN for a zero-width first part).
  const rows = lead.reduce((a, b) => a * b, 1);
  const offsets: number[] = [0];
  for (const p of parts) offsets.push(offsets[offsets.length - 1] + p.cols);
  const total = offsets[parts.length];
  const y = e.empty([...lead, total], { requiresGrad: parts.some((p) => p.requiresGrad), name: `concat(${parts.map((p) => p.name).join(', ')})` });
  copyParts(e, 'concat', 'gather', rows, y, offsets, parts.map((tensor) => ({ tensor, accumulate: false })));
  if (e.needsGrad(...parts)) {
    e.tape.push('concat', () => {
      const dy = e.gradOf(y);
      // Each slice covers all of its part's gradient: a first contribution overwrites it.
      const grads = parts.map((p) => (p.requiresGrad ? e.gradInto(p) : null));
      const written = grads.filter((g) => g !== null).map((g) => g.grad);
      if (sharesBuffer(written)) {
        // Two parts whose gradients share a buffer (e.g. the same tensor twice) cannot be written
        // by one dispatch: copy part by part, in order, as the one-part kernel does.
        grads.forEach((g, k) => {
          if (g) copyColumns(e, 'concat.backward', rows, parts[k].cols, { tensor: dy, cols: total, off: offsets[k] }, { tensor: g.grad, cols: parts[k].cols, off: 0 }, g.accumulate);
        });
        return;
      }
      copyParts(e, 'concat.backward', 'scatter', rows, dy, offsets, grads.map((g) => ({ tensor: g?.grad, accumulate: g?.accumulate ?? false })));
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
  const rows = lead.reduce((a, b) => a * b, 1);
  const offsets: number[] = [0];
  for (const size of sizes) offsets.push(offsets[offsets.length - 1] + size);
  const parts = sizes.map((size, k) => e.empty([...lead, size], { requiresGrad: x.requiresGrad, name: `split(${x.name})[${k}]` }));
  copyParts(e, 'split', 'scatter', rows, x, offsets, parts.map((tensor) => ({ tensor, accumulate: false })));
  if (e.needsGrad(x)) {
    e.tape.push('split', () => {
      // A part that received no gradient contributes nothing; skip it rather than allocate zeros.
      // When every part has one, together they cover x's gradient and a first one overwrites it.
      const all = parts.every((p) => p.grad);
      const { grad, accumulate } = all ? e.gradInto(x) : { grad: e.gradOf(x), accumulate: true };
      copyParts(e, 'split.backward', 'gather', rows, grad, offsets, parts.map((p) => ({ tensor: p.grad ?? undefined, accumulate })));
    });
  }
  // A copy: the backward keeps `parts` in slice order, whatever the caller does to the array.
  return [...parts];
}
