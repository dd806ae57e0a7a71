/**
 * Float64 twins of segmentSum / segmentMean / segmentMax. They take one key per element (the
 * segment of element e is keys[e]) rather than a CSR, so they check the CSR path independently.
 */

export type SegmentReduce = 'sum' | 'mean' | 'max';

function counts(keys: ArrayLike<number>, segments: number): Float64Array {
  const c = new Float64Array(segments);
  for (let e = 0; e < keys.length; e++) c[keys[e]]++;
  return c;
}

/** x: [E, F], keys: [E] with values < segments; returns [S, F]. Empty segments give 0. */
export function segmentForward(x: ArrayLike<number>, cols: number, keys: ArrayLike<number>, segments: number, kind: SegmentReduce): Float64Array {
  const y = new Float64Array(segments * cols);
  if (kind === 'max') {
    const seen = new Uint8Array(segments);
    for (let e = 0; e < keys.length; e++) {
      const s = keys[e];
      for (let f = 0; f < cols; f++) {
        const v = x[e * cols + f];
        if (!seen[s] || v > y[s * cols + f]) y[s * cols + f] = v;
      }
      seen[s] = 1;
    }
    return y;
  }
  for (let e = 0; e < keys.length; e++) {
    for (let f = 0; f < cols; f++) y[keys[e] * cols + f] += x[e * cols + f];
  }
  if (kind === 'mean') {
    const c = counts(keys, segments);
    for (let s = 0; s < segments; s++) for (let f = 0; f < cols; f++) if (c[s] > 0) y[s * cols + f] /= c[s];
  }
  return y;
}

/** dX [E, F] from dY [S, F]. For max the gradient goes to the lowest element id reaching the max. */
export function segmentBackward(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  cols: number,
  keys: ArrayLike<number>,
  segments: number,
  kind: SegmentReduce,
): Float64Array {
  const dx = new Float64Array(keys.length * cols);
  if (kind === 'max') {
    const y = segmentForward(x, cols, keys, segments, 'max');
    const taken = new Uint8Array(segments * cols);
    for (let e = 0; e < keys.length; e++) {
      const s = keys[e];
      for (let f = 0; f < cols; f++) {
        if (!taken[s * cols + f] && x[e * cols + f] === y[s * cols + f]) {
          taken[s * cols + f] = 1;
          dx[e * cols + f] = dy[s * cols + f];
        }
      }
    }
    return dx;
  }
  const c = kind === 'mean' ? counts(keys, segments) : null;
  for (let e = 0; e < keys.length; e++) {
    const s = keys[e];
    for (let f = 0; f < cols; f++) dx[e * cols + f] = c ? dy[s * cols + f] / c[s] : dy[s * cols + f];
  }
  return dx;
}
