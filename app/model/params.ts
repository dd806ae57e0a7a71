/**
 * Parameter store: PyTorch-style names, four optimiser groups, xavier-uniform weights and zero
 * biases (the reference code's init), each tensor drawn from its own seeded host stream keyed by
 * (seed, name) so that adding a module does not change the others' initial values.
 */
import type { Engine } from '../../kernels/engine';
import { Arena } from '../../kernels/arena';
import type { Tensor } from '../../kernels/tensor';
import { linear } from '../../kernels/ops/linear';
import type { Activation } from '../../kernels/ops/activation';
import type { BatchNormState } from '../../kernels/ops/batchnorm';
import { hostRng } from '../../kernels/random';

export type ParamGroup = 'gin' | 'schnet' | 'sde2Dto3D' | 'sde3Dto2D';

export interface NamedParameter {
  name: string;
  tensor: Tensor;
  group: ParamGroup;
}

export interface LinearParams {
  weight: Tensor; // [out, in]
  bias?: Tensor; // [out]
}

export interface BatchNormParams {
  gamma: Tensor;
  beta: Tensor;
  state: BatchNormState;
}

export interface LayerNormParams {
  gamma: Tensor;
  beta: Tensor;
}

/** FNV-1a of a string: the per-parameter stream id. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class ParamStore {
  readonly params: NamedParameter[] = [];
  readonly buffers: NamedParameter[] = [];
  private names = new Set<string>();
  /** Set by pack(): every parameter (with gradients) in one arena, every buffer in another. */
  paramArena: Arena | null = null;
  bufferArena: Arena | null = null;

  constructor(
    readonly engine: Engine,
    readonly seed: number,
  ) {}

  /** A host uniform stream for `name` (used for init and for fixed random buffers). */
  rng(name: string): () => number {
    return hostRng(this.seed, nameHash(name), 0x1a2b3c4d);
  }

  /**
   * Packs the parameters (and their gradients) into one arena and the buffers into another
   * (kernels/arena.ts), so Adam, the health check and zeroing gradients are one dispatch or clear
   * each. Call once, after the last parameter is registered; later registrations are refused.
   */
  pack(): void {
    if (this.paramArena) throw new Error('ParamStore.pack: already packed');
    this.paramArena = Arena.pack(this.engine, this.params.map((p) => p.tensor), { name: 'params', grads: true });
    this.bufferArena = Arena.pack(this.engine, this.buffers.map((p) => p.tensor), { name: 'buffers', grads: false });
  }

  private register(list: NamedParameter[], name: string, data: Float32Array, shape: number[], group: ParamGroup, trainable: boolean): Tensor {
    if (this.paramArena) throw new Error(`ParamStore: '${name}' registered after pack()`);
    if (this.names.has(name)) throw new Error(`ParamStore: duplicate parameter name '${name}'`);
    this.names.add(name);
    const tensor = this.engine.fromArray(data, shape, { persistent: true, requiresGrad: trainable, name });
    list.push({ name, tensor, group });
    return tensor;
  }

  /** xavier_uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)) for a [out, in] (or [rows, cols]) tensor. */
  xavier(name: string, shape: [number, number], group: ParamGroup): Tensor {
    const [fanOut, fanIn] = shape;
    const a = Math.sqrt(6 / (fanIn + fanOut));
    const r = this.rng(name);
    const data = new Float32Array(fanOut * fanIn);
    for (let i = 0; i < data.length; i++) data[i] = (2 * r() - 1) * a;
    return this.register(this.params, name, data, shape, group, true);
  }

  constant(name: string, shape: number[], value: number, group: ParamGroup): Tensor {
    const n = shape.reduce((p, d) => p * d, 1);
    return this.register(this.params, name, new Float32Array(n).fill(value), shape, group, true);
  }

  /** A saved, untrained tensor (BatchNorm running stats, fixed Fourier weights). */
  buffer(name: string, data: Float32Array, shape: number[], group: ParamGroup): Tensor {
    return this.register(this.buffers, name, data, shape, group, false);
  }

  /** A fixed N(0, scale²) buffer (Gaussian Fourier weights). */
  gaussianBuffer(name: string, shape: number[], scale: number, group: ParamGroup): Tensor {
    const r = this.rng(name);
    const n = shape.reduce((p, d) => p * d, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = Math.max(r(), 1e-12);
      data[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
    }
    return this.buffer(name, data, shape, group);
  }

  linear(prefix: string, inDim: number, outDim: number, group: ParamGroup, bias = true): LinearParams {
    const weight = this.xavier(`${prefix}.weight`, [outDim, inDim], group);
    return { weight, bias: bias ? this.constant(`${prefix}.bias`, [outDim], 0, group) : undefined };
  }

  /** Linear layers dims[0] -> dims[1] -> ... named prefix.0, prefix.2, ... (activation modules in between). */
  mlp(prefix: string, dims: number[], group: ParamGroup): LinearParams[] {
    const layers: LinearParams[] = [];
    for (let i = 0; i + 1 < dims.length; i++) layers.push(this.linear(`${prefix}.${2 * i}`, dims[i], dims[i + 1], group));
    return layers;
  }

  batchNorm(prefix: string, dim: number, group: ParamGroup): BatchNormParams {
    return {
      gamma: this.constant(`${prefix}.weight`, [dim], 1, group),
      beta: this.constant(`${prefix}.bias`, [dim], 0, group),
      state: {
        runningMean: this.buffer(`${prefix}.running_mean`, new Float32Array(dim), [dim], group),
        runningVar: this.buffer(`${prefix}.running_var`, new Float32Array(dim).fill(1), [dim], group),
        momentum: 0.1,
        eps: 1e-5,
      },
    };
  }

  layerNorm(prefix: string, dim: number, group: ParamGroup): LayerNormParams {
    return { gamma: this.constant(`${prefix}.weight`, [dim], 1, group), beta: this.constant(`${prefix}.bias`, [dim], 0, group) };
  }
}

export function applyLinear(x: Tensor, l: LinearParams, act: Activation | 'none' = 'none'): Tensor {
  return linear(x, l.weight, l.bias, act);
}

/** Linear layers with `act` between them and none after the last. */
export function applyMlp(x: Tensor, layers: LinearParams[], act: Activation): Tensor {
  let h = x;
  layers.forEach((l, i) => {
    h = applyLinear(h, l, i + 1 < layers.length ? act : 'none');
  });
  return h;
}
