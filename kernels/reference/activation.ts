/** Float64 twins of the pointwise activations. */
import type { Activation } from '../ops/activation';

const sig = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

export function activationValue(v: number, kind: Activation): number {
  switch (kind) {
    case 'relu': return Math.max(v, 0);
    case 'silu': return v * sig(v);
    case 'tanh': return Math.tanh(v);
    case 'elu': return v > 0 ? v : Math.expm1(v);
    case 'ssp': return softplus(v) - Math.LN2;
    case 'sigmoid': return sig(v);
  }
}

export function activationDerivative(v: number, kind: Activation): number {
  switch (kind) {
    case 'relu': return v > 0 ? 1 : 0;
    case 'silu': { const s = sig(v); return s * (1 + v * (1 - s)); }
    case 'tanh': { const t = Math.tanh(v); return 1 - t * t; }
    case 'elu': return v > 0 ? 1 : Math.exp(v);
    case 'ssp': return sig(v);
    case 'sigmoid': { const s = sig(v); return s * (1 - s); }
  }
}

export function activationForward(x: ArrayLike<number>, kind: Activation): Float64Array {
  return Float64Array.from(x, (v) => activationValue(v, kind));
}

export function activationBackward(x: ArrayLike<number>, dy: ArrayLike<number>, kind: Activation): Float64Array {
  return Float64Array.from(x, (v, i) => dy[i] * activationDerivative(v, kind));
}
