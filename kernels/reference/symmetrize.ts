/** Float64 twin of symmetrize over the node axes of [B, N, N, C]. */
type Arr = ArrayLike<number>;

export function symmetrizeForward(x: Arr, B: number, N: number, C: number, mode: 'sum' | 'mean'): Float64Array {
  const h = mode === 'mean' ? 0.5 : 1;
  const y = new Float64Array(B * N * N * C);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        for (let c = 0; c < C; c++) y[((b * N + i) * N + j) * C + c] = h * (x[((b * N + i) * N + j) * C + c] + x[((b * N + j) * N + i) * C + c]);
  return y;
}

/** dx_ij = h (dy_ij + dy_ji): the map is self-adjoint. */
export const symmetrizeBackward = (dy: Arr, B: number, N: number, C: number, mode: 'sum' | 'mean'): Float64Array =>
  symmetrizeForward(dy, B, N, C, mode);
