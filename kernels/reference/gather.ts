/** Float64 twin of gatherRows. Indexes by the raw index array (no CSR), as an independent check. */

/** x: [N, F] row-major, index: [E]; returns [E, F]. */
export function gatherForward(x: ArrayLike<number>, cols: number, index: ArrayLike<number>): Float64Array {
  const rows = x.length / cols;
  const y = new Float64Array(index.length * cols);
  for (let e = 0; e < index.length; e++) {
    const r = index[e];
    if (r >= rows) throw new Error(`gatherForward: index[${e}] = ${r} is not below ${rows} rows`);
    for (let f = 0; f < cols; f++) y[e * cols + f] = x[r * cols + f];
  }
  return y;
}

/** dX [N, F] from dY [E, F]: scatter-add in element order. */
export function gatherBackward(dy: ArrayLike<number>, cols: number, index: ArrayLike<number>, rows: number): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let e = 0; e < index.length; e++) {
    for (let f = 0; f < cols; f++) dx[index[e] * cols + f] += dy[e * cols + f];
  }
  return dx;
}

/** gatherRows with an addend: Y = X[index] + A. */
export function gatherAddForward(x: ArrayLike<number>, cols: number, index: ArrayLike<number>, addend: ArrayLike<number>): Float64Array {
  return gatherForward(x, cols, index).map((v, i) => v + addend[i]);
}

/** dX as gatherBackward; the addend's gradient is dY. */
export function gatherAddBackward(dy: ArrayLike<number>, cols: number, index: ArrayLike<number>, rows: number): { dx: Float64Array; dadd: Float64Array } {
  return { dx: gatherBackward(dy, cols, index, rows), dadd: Float64Array.from(dy) };
}
