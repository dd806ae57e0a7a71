/** Float64 twin of embeddingSum, indexing the packed table directly (no CSR). */

/** table: [V, F], index: [N, T] row-major; returns h [N, F] = Σ_t table[index[n, t]]. */
export function embeddingSumForward(table: ArrayLike<number>, cols: number, index: ArrayLike<number>, slots: number): Float64Array {
  const vocab = table.length / cols;
  const rows = index.length / slots;
  const h = new Float64Array(rows * cols);
  for (let n = 0; n < rows; n++) {
    for (let t = 0; t < slots; t++) {
      const v = index[n * slots + t];
      if (v >= vocab) throw new Error(`embeddingSumForward: index[${n}, ${t}] = ${v} is not below ${vocab} rows`);
      for (let f = 0; f < cols; f++) h[n * cols + f] += table[v * cols + f];
    }
  }
  return h;
}

/** dTable [V, F] from dh [N, F]: every slot adds its row's gradient to the table row it read. */
export function embeddingSumBackward(dh: ArrayLike<number>, cols: number, index: ArrayLike<number>, slots: number, vocab: number): Float64Array {
  const dTable = new Float64Array(vocab * cols);
  for (let j = 0; j < index.length; j++) {
    const n = Math.floor(j / slots);
    for (let f = 0; f < cols; f++) dTable[index[j] * cols + f] += dh[n * cols + f];
  }
  return dTable;
}
