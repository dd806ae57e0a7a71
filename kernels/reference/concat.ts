/** Float64 twins of concat / split along the last axis of row-major [rows, cols_k] matrices. */
type Arr = ArrayLike<number>;

export function concatForward(parts: Arr[], widths: number[], rows: number): Float64Array {
  const total = widths.reduce((s, w) => s + w, 0);
  const y = new Float64Array(rows * total);
  let off = 0;
  parts.forEach((p, k) => {
    const w = widths[k];
    for (let r = 0; r < rows; r++) for (let c = 0; c < w; c++) y[r * total + off + c] = p[r * w + c];
    off += w;
  });
  return y;
}

/** Splits x [rows, Σ widths] into its column blocks; also the backward of concat (dy -> dparts). */
export function splitForward(x: Arr, widths: number[], rows: number): Float64Array[] {
  const total = widths.reduce((s, w) => s + w, 0);
  let off = 0;
  return widths.map((w) => {
    const p = new Float64Array(rows * w);
    for (let r = 0; r < rows; r++) for (let c = 0; c < w; c++) p[r * w + c] = x[r * total + off + c];
    off += w;
    return p;
  });
}

export const concatBackward = (dy: Arr, widths: number[], rows: number): Float64Array[] => splitForward(dy, widths, rows);

/** The backward of split: the parts' gradients placed side by side. */
export const splitBackward = (dparts: Arr[], widths: number[], rows: number): Float64Array => concatForward(dparts, widths, rows);
