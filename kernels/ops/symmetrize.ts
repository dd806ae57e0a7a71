/** Symmetrisation of pair tensors over their two node axes: x_ij + x_ji, or the mean. */
import code from './symmetrize.wgsl?raw';
import { grid1d } from '../engine';
import { assertDType, shapeString, type Tensor } from '../tensor';

/**
 * x [B, N, N, C] -> y_bijc = x_bijc + x_bjic ('sum') or half of it ('mean'). Saves nothing: the map
 * is its own adjoint, so the backward symmetrises dy into dx.
 */
export function symmetrize(x: Tensor, mode: 'sum' | 'mean'): Tensor {
  const e = x.engine;
  const op = `symmetrize(${mode})`;
  assertDType(op, x, 'f32', 'x');
  if (mode !== 'sum' && mode !== 'mean') throw new Error(`symmetrize: unknown mode '${String(mode)}'`);
  const [, N, N2, C] = x.shape;
  if (x.shape.length !== 4 || N !== N2) throw new Error(`${op}: expected x [B, N, N, C], got ${shapeString(x.shape)}`);
  const params = { n: x.size, channels: Math.max(1, C), nodes: N, factor: mode === 'mean' ? 0.5 : 1 };
  const y = e.empty(x.shape, { requiresGrad: x.requiresGrad, name: `${op}(${x.name})` });
  e.dispatch({ op, code, entryPoint: 'symmetrize', params: { ...params, accumulate: 0 }, bindings: { x, y }, workgroups: grid1d(x.size) });
  if (e.needsGrad(x)) {
    e.tape.push(op, () => {
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint: 'symmetrize',
        params: { ...params, accumulate: 1 },
        bindings: { x: e.gradOf(y), y: e.gradOf(x) },
        workgroups: grid1d(x.size),
      });
    });
  }
  return y;
}
