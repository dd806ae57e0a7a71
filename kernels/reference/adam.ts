/** Float64 twin of the fused Adam update (PyTorch torch.optim.Adam, no weight decay, no amsgrad). */

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * One update at step t (1-based), in place:
 *   m ← β1 m + (1 - β1) g;  v ← β2 v + (1 - β2) g²
 *   p ← p - lr / (1 - β1^t) · m / (sqrt(v) / sqrt(1 - β2^t) + eps)
 */
export function adamUpdate(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, t: number, h: AdamHyper): void {
  const bc1 = 1 - h.beta1 ** t;
  const bc2 = 1 - h.beta2 ** t;
  for (let i = 0; i < p.length; i++) {
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i];
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];
    p[i] -= (h.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps));
  }
}
