/**
 * Float64 twin of gcnNormalize: A' = A with diagonal 1, deg_i = Σ_j A'_ij, s_i = max(1, deg_i)^-1/2,
 * Â_ij = s_i A'_ij s_j, for a stack a [B, N, N].
 */
type Arr = ArrayLike<number>;

function prepare(a: Arr, B: number, N: number) {
  const ap = Float64Array.from(a);
  const deg = new Float64Array(B * N);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < N; i++) {
      ap[(b * N + i) * N + i] = 1;
      let s = 0;
      for (let j = 0; j < N; j++) s += ap[(b * N + i) * N + j];
      deg[b * N + i] = s;
    }
  const s = deg.map((d) => 1 / Math.sqrt(Math.max(1, d)));
  return { ap, deg, s };
}

export function gcnForward(a: Arr, B: number, N: number): Float64Array {
  const { ap, s } = prepare(a, B, N);
  return ap.map((v, k) => {
    const j = k % N;
    const row = Math.floor(k / N);
    const b = Math.floor(row / N);
    return s[row] * v * s[b * N + j];
  });
}

/** Gradient of Σ dy ⊙ Â with respect to a (zero on the diagonal, which A' overwrites). */
export function gcnBackward(a: Arr, dy: Arr, B: number, N: number): Float64Array {
  const { ap, deg, s } = prepare(a, B, N);
  const idx = (b: number, i: number, j: number) => (b * N + i) * N + j;
  // dL/ds_k, then through s_k = deg_k^-1/2 (flat where the clamp max(1, .) is active).
  const gDeg = new Float64Array(B * N);
  for (let b = 0; b < B; b++)
    for (let k = 0; k < N; k++) {
      let ds = 0;
      for (let j = 0; j < N; j++) {
        ds += dy[idx(b, k, j)] * ap[idx(b, k, j)] * s[b * N + j];
        ds += dy[idx(b, j, k)] * ap[idx(b, j, k)] * s[b * N + j];
      }
      const d = deg[b * N + k];
      gDeg[b * N + k] = d > 1 ? ds * -0.5 * Math.pow(d, -1.5) : 0;
    }
  const da = new Float64Array(a.length);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        if (i === j) continue;
        // Â_ij directly, plus A'_ij's share of deg_i.
        da[idx(b, i, j)] = dy[idx(b, i, j)] * s[b * N + i] * s[b * N + j] + gDeg[b * N + i];
      }
  return da;
}
