/** Float64 twin of rowDot: y[i] = Σ_f a[i, f] b[i, f] for row-major [rows, cols]. */
type Arr = ArrayLike<number>;

export function rowDotForward(a: Arr, b: Arr, cols: number): Float64Array {
  const rows = a.length / cols;
  const y = new Float64Array(rows);
  for (let i = 0; i < a.length; i++) y[Math.floor(i / cols)] += a[i] * b[i];
  return y;
}

export function rowDotBackward(a: Arr, b: Arr, dy: Arr, cols: number): { da: Float64Array; db: Float64Array } {
  const da = Float64Array.from(b, (v, i) => v * dy[Math.floor(i / cols)]);
  const db = Float64Array.from(a, (v, i) => v * dy[Math.floor(i / cols)]);
  return { da, db };
}

/** rowDot with a factor: y[i] = scale Σ_f a[i, f] b[i, f]. */
export const rowDotScaledForward = (a: Arr, b: Arr, cols: number, scale: number): Float64Array => rowDotForward(a, b, cols).map((v) => v * scale);

export function rowDotScaledBackward(a: Arr, b: Arr, dy: Arr, cols: number, scale: number): { da: Float64Array; db: Float64Array } {
  return rowDotBackward(a, b, Float64Array.from(dy, (v) => v * scale), cols);
}
