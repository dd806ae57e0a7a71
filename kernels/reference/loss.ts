/** Float64 twins of the scalar losses in kernels/ops/loss.ts. Each returns [loss] and, for backward, the gradients scaled by the upstream gradient g. */

const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const sig = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

export function sumForward(x: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return Float64Array.of(s);
}

export function sumBackward(n: number, g: number): Float64Array {
  return new Float64Array(n).fill(g);
}

/** mean_i [softplus(z_i) - t_i z_i], the stable form of binary cross-entropy on logits. */
export function bceForward(z: ArrayLike<number>, t: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += softplus(z[i]) - t[i] * z[i];
  return Float64Array.of(s / z.length);
}

export function bceBackward(z: ArrayLike<number>, t: ArrayLike<number>, g: number): { dLogits: Float64Array; dTargets: Float64Array } {
  const n = z.length;
  return {
    dLogits: Float64Array.from(z, (v, i) => (g * (sig(v) - t[i])) / n),
    dTargets: Float64Array.from(z, (v) => (-g * v) / n),
  };
}

/** Σ_i w_i Σ_f (p_if - t_if)² over pred/target [M, F] (row-major) and rowWeight [M]. */
export function wseForward(p: ArrayLike<number>, t: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const m = w.length;
  const f = p.length / m;
  let s = 0;
  for (let i = 0; i < m; i++) {
    let row = 0;
    for (let k = 0; k < f; k++) row += (p[i * f + k] - t[i * f + k]) ** 2;
    s += w[i] * row;
  }
  return Float64Array.of(s);
}

export function wseBackward(
  p: ArrayLike<number>,
  t: ArrayLike<number>,
  w: ArrayLike<number>,
  g: number,
): { dPred: Float64Array; dTarget: Float64Array; dWeight: Float64Array } {
  const m = w.length;
  const f = p.length / m;
  const dPred = new Float64Array(p.length);
  const dWeight = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < f; k++) {
      const d = p[i * f + k] - t[i * f + k];
      dPred[i * f + k] = 2 * g * w[i] * d;
      dWeight[i] += g * d * d;
    }
  }
  return { dPred, dTarget: dPred.map((v) => -v), dWeight };
}

/** mean |p - t|; the derivative at p = t is taken as 0 (sign(0) = 0, as PyTorch). */
export function l1Forward(p: ArrayLike<number>, t: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - t[i]);
  return Float64Array.of(s / p.length);
}

export function l1Backward(p: ArrayLike<number>, t: ArrayLike<number>, g: number): { dPred: Float64Array; dTarget: Float64Array } {
  const n = p.length;
  const dPred = Float64Array.from(p, (v, i) => (g * Math.sign(v - t[i])) / n);
  return { dPred, dTarget: dPred.map((v) => -v) };
}
