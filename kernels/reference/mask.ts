/** Float64 twins of maskRows and maskPairs (the masks are constants: no gradient to them). */
type Arr = ArrayLike<number>;

export function maskRowsForward(x: Arr, mask: Arr, cols: number): Float64Array {
  return Float64Array.from(x, (v, i) => v * mask[Math.floor(i / cols)]);
}

/** The mask is linear in x: dx = mask ⊙ dy. */
export const maskRowsBackward = (dy: Arr, mask: Arr, cols: number): Float64Array => maskRowsForward(dy, mask, cols);

/** x [B, N, N, C] * f[b, i] * f[b, j] * (i != j when zeroDiagonal). */
export function maskPairsForward(x: Arr, flags: Arr, B: number, N: number, C: number, zeroDiagonal: boolean): Float64Array {
  const y = new Float64Array(B * N * N * C);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const f = zeroDiagonal && i === j ? 0 : flags[b * N + i] * flags[b * N + j];
        for (let c = 0; c < C; c++) {
          const k = ((b * N + i) * N + j) * C + c;
          y[k] = x[k] * f;
        }
      }
  return y;
}

export const maskPairsBackward = (dy: Arr, flags: Arr, B: number, N: number, C: number, zeroDiagonal: boolean): Float64Array =>
  maskPairsForward(dy, flags, B, N, C, zeroDiagonal);
