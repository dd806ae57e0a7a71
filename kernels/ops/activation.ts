/** Pointwise activations: ReLU, SiLU, tanh, ELU, shifted softplus, sigmoid. */
import code from './activation.wgsl?raw';
import { grid1d } from '../engine';
import type { Tensor } from '../tensor';

export const ACTIVATIONS = ['relu', 'silu', 'tanh', 'elu', 'ssp', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export function activationCode(kind: Activation): number {
  const k = ACTIVATIONS.indexOf(kind);
  if (k < 0) throw new Error(`activation: unknown kind '${kind}'`);
  return k;
}

export function activation(x: Tensor, kind: Activation): Tensor {
  const e = x.engine;
  const k = activationCode(kind);
  const y = e.empty(x.shape, { requiresGrad: x.requiresGrad, name: `${kind}(${x.name})` });
  e.dispatch({ op: kind, code, entryPoint: 'forward', params: { n: x.size, kind: k, accumulate: 0 }, bindings: { x, y }, workgroups: grid1d(x.size) });
  if (e.needsGrad(x)) {
    e.tape.push(kind, () => {
      const { grad, accumulate } = e.gradInto(x);
      e.dispatch({
        op: `${kind}.backward`,
        code,
        entryPoint: 'backward',
        params: { n: x.size, kind: k, accumulate: accumulate ? 1 : 0 },
        bindings: { x, dy: e.gradOf(y), dx: grad },
        workgroups: grid1d(x.size),
      });
    });
  }
  return y;
}

export const relu = (x: Tensor) => activation(x, 'relu');
export const silu = (x: Tensor) => activation(x, 'silu');
export const tanh = (x: Tensor) => activation(x, 'tanh');
export const elu = (x: Tensor) => activation(x, 'elu');
export const shiftedSoftplus = (x: Tensor) => activation(x, 'ssp');
export const sigmoid = (x: Tensor) => activation(x, 'sigmoid');
