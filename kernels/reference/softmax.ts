/** Float64 twin of segmentSoftmax, keyed by one segment id per element (no CSR). */

/** scores: [E, H], keys: [E] with values < segments; returns alpha [E, H]. */
export function segmentSoftmaxForward(scores: ArrayLike<number>, heads: number, keys: ArrayLike<number>, segments: number): Float64Array {
  const m = new Float64Array(segments * heads).fill(-Infinity);
  for (let e = 0; e < keys.length; e++) {
    for (let h = 0; h < heads; h++) m[keys[e] * heads + h] = Math.max(m[keys[e] * heads + h], scores[e * heads + h]);
  }
  const total = new Float64Array(segments * heads);
  const alpha = new Float64Array(keys.length * heads);
  for (let e = 0; e < keys.length; e++) {
    for (let h = 0; h < heads; h++) {
      const sh = keys[e] * heads + h;
      alpha[e * heads + h] = Math.exp(scores[e * heads + h] - m[sh]);
      total[sh] += alpha[e * heads + h];
    }
  }
  for (let e = 0; e < keys.length; e++) for (let h = 0; h < heads; h++) alpha[e * heads + h] /= total[keys[e] * heads + h];
  return alpha;
}

/** dScores [E, H] from dAlpha [E, H]: alpha ⊙ (dA − Σ_seg alpha ⊙ dA). */
export function segmentSoftmaxBackward(
  scores: ArrayLike<number>,
  dAlpha: ArrayLike<number>,
  heads: number,
  keys: ArrayLike<number>,
  segments: number,
): Float64Array {
  const alpha = segmentSoftmaxForward(scores, heads, keys, segments);
  const dot = new Float64Array(segments * heads);
  for (let e = 0; e < keys.length; e++) for (let h = 0; h < heads; h++) dot[keys[e] * heads + h] += alpha[e * heads + h] * dAlpha[e * heads + h];
  return Float64Array.from(alpha, (a, j) => a * (dAlpha[j] - dot[keys[Math.floor(j / heads)] * heads + (j % heads)]));
}
