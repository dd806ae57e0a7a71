/**
 * Tensor = a GPUBuffer + a shape + a dtype. Tensors are created through an Engine, which owns the
 * buffer pool: transient tensors go back to the pool at `engine.endStep()`, persistent ones
 * (parameters, gradients of parameters, optimiser state, data) live until `dispose()`.
 */
import type { Engine } from './engine';
import type { ArenaSlot } from './arena';

export type DType = 'f32' | 'u32' | 'i32';

export class Tensor {
  /** Gradient of the current backward pass, allocated lazily by `engine.gradOf`. */
  grad: Tensor | null = null;
  /**
   * Byte offset of the tensor inside `buffer` and the byte span bound for it; span 0 means the
   * tensor owns its whole (pooled) buffer. Non-zero for views into an arena (kernels/arena.ts):
   * kernels bind `{ buffer, offset, size: span }` and index from 0, so they never see the offset.
   */
  offset = 0;
  span = 0;
  /** The arena slot when this tensor (or its gradient) lives in an arena. */
  arena: ArenaSlot | null = null;

  constructor(
    readonly engine: Engine,
    /** Mutable only so an arena can adopt a tensor (kernels/arena.ts); ops never reassign it. */
    public buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: DType,
    public requiresGrad: boolean,
    public persistent: boolean,
    public name = '',
    /** For a reshaped view: the tensor that owns the buffer and the gradient. */
    readonly base: Tensor | null = null,
  ) {}

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  get byteLength(): number {
    return this.size * 4;
  }

  /** Number of rows when seen as a [rows, cols] matrix (the last axis is the feature axis). */
  get rows(): number {
    return this.shape.length === 0 ? 1 : this.size / this.shape[this.shape.length - 1];
  }

  get cols(): number {
    return this.shape.length === 0 ? 1 : this.shape[this.shape.length - 1];
  }

  read(): Promise<Float32Array | Uint32Array | Int32Array> {
    return this.engine.read(this);
  }

  toString(): string {
    return `Tensor(${this.name || 'unnamed'}, [${this.shape.join(', ')}], ${this.dtype})`;
  }
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws an error naming the op and both shapes when two shapes differ. */
export function assertSameShape(op: string, a: readonly number[], b: readonly number[], what = 'inputs'): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new Error(`${op}: ${what} have different shapes ${shapeString(a)} and ${shapeString(b)}`);
  }
}

export function assertShape(op: string, t: Tensor, expected: readonly (number | null)[], what: string): void {
  const ok = t.shape.length === expected.length && expected.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    const want = `[${expected.map((d) => (d === null ? '?' : d)).join(', ')}]`;
    throw new Error(`${op}: ${what} has shape ${shapeString(t.shape)}, expected ${want}`);
  }
}

export function assertDType(op: string, t: Tensor, dtype: DType, what: string): void {
  if (t.dtype !== dtype) throw new Error(`${op}: ${what} must be ${dtype}, got ${t.dtype}`);
}
