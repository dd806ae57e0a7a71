/** Float64 twins of the elementwise ops (row-major, the last axis has `cols` entries). */
type Arr = ArrayLike<number>;

export const addForward = (a: Arr, b: Arr): Float64Array => Float64Array.from(a, (v, i) => v + b[i]);
export const subForward = (a: Arr, b: Arr): Float64Array => Float64Array.from(a, (v, i) => v - b[i]);
export const mulForward = (a: Arr, b: Arr): Float64Array => Float64Array.from(a, (v, i) => v * b[i]);
export const scaleForward = (a: Arr, s: number): Float64Array => Float64Array.from(a, (v) => v * s);
export const addBiasForward = (x: Arr, b: Arr, cols: number): Float64Array => Float64Array.from(x, (v, i) => v + b[i % cols]);
export const scaleRowsForward = (x: Arr, s: Arr, cols: number): Float64Array => Float64Array.from(x, (v, i) => v * s[Math.floor(i / cols)]);

export function addBackward(dy: Arr): { da: Float64Array; db: Float64Array } {
  return { da: Float64Array.from(dy), db: Float64Array.from(dy) };
}

export function subBackward(dy: Arr): { da: Float64Array; db: Float64Array } {
  return { da: Float64Array.from(dy), db: Float64Array.from(dy, (v) => -v) };
}

export function mulBackward(a: Arr, b: Arr, dy: Arr): { da: Float64Array; db: Float64Array } {
  return { da: Float64Array.from(dy, (v, i) => v * b[i]), db: Float64Array.from(dy, (v, i) => v * a[i]) };
}

export const scaleBackward = (dy: Arr, s: number): Float64Array => Float64Array.from(dy, (v) => v * s);

export function addBiasBackward(dy: Arr, cols: number): { dx: Float64Array; db: Float64Array } {
  const db = new Float64Array(cols);
  for (let i = 0; i < dy.length; i++) db[i % cols] += dy[i];
  return { dx: Float64Array.from(dy), db };
}

export function scaleRowsBackward(x: Arr, s: Arr, dy: Arr, cols: number): { dx: Float64Array; ds: Float64Array } {
  const ds = new Float64Array(s.length);
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const r = Math.floor(i / cols);
    dx[i] = dy[i] * s[r];
    ds[r] += dy[i] * x[i];
  }
  return { dx, ds };
}
