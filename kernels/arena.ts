/**
 * Arena: many persistent f32 tensors (a model's parameters) packed into one GPU buffer, each a view
 * at an offset, with a gradient buffer of the same layout. Whole-arena kernels (Adam, the step
 * health check, an EMA of the weights) then cost one dispatch instead of one per tensor, and
 * zeroing every gradient costs one clear.
 *
 * Layout: tensor i occupies floats [offset_i, offset_i + size_i) of the arena; offsets are padded
 * to CHUNK = 64 floats (256 bytes, WebGPU's minStorageBufferOffsetAlignment) so every view can be
 * bound on its own, and so a whole-arena kernel can map each 64-float chunk to exactly one tensor
 * (`chunkSlots`). Padding is zero in every buffer of the layout and no kernel writes it.
 *
 * The tensors keep their identity, shape and name: `Arena.pack` moves their contents into the
 * arena and re-points them (buffer, offset, span). Gradients keep PyTorch's "None until the first
 * backward touches it" meaning: `engine.gradOf(p)` hands out p's gradient view on first use, zeroed
 * (the view is cleared only if it was handed out since the last `zeroGrads`), and `zeroGrads`
 * clears the whole gradient buffer once and forgets every handed-out view.
 */
import type { Engine } from './engine';
import { Tensor, sizeOf } from './tensor';

/** Floats per alignment chunk: 256 bytes. */
export const ARENA_CHUNK = 64;

export interface ArenaSlot {
  arena: Arena;
  index: number;
  /** First float of the tensor in every buffer of the layout. */
  offset: number;
  size: number;
  /** Floats reserved (size rounded up to ARENA_CHUNK, at least one chunk). */
  padded: number;
}

export function paddedSize(size: number): number {
  return Math.max(ARENA_CHUNK, Math.ceil(size / ARENA_CHUNK) * ARENA_CHUNK);
}

/** A persistent view of `slot`'s floats inside `whole` (a buffer of the arena's layout). */
export function slotView(whole: Tensor, slot: ArenaSlot, shape: readonly number[], name: string): Tensor {
  if (sizeOf(shape) !== slot.size) throw new Error(`arena: a view of ${slot.size} floats cannot have shape [${shape.join(', ')}]`);
  const t = new Tensor(whole.engine, whole.buffer, [...shape], 'f32', false, true, name);
  t.offset = slot.offset * 4;
  t.span = slot.padded * 4;
  t.arena = slot;
  return t;
}

export class Arena {
  /** f32 [floats]: the values of every tensor (padding zero). */
  readonly values: Tensor;
  /** f32 [floats]: their gradients, same layout; null for an arena without gradients. */
  readonly grads: Tensor | null;
  readonly slots: ArenaSlot[] = [];
  readonly floats: number;
  private readonly gradViews: (Tensor | null)[] = [];
  /** Gradient views handed out since the last zeroGrads (their floats may be non-zero). */
  private readonly dirty: boolean[] = [];
  private readonly live = new Set<Tensor>();
  private disposed = false;

  private constructor(
    readonly engine: Engine,
    readonly tensors: readonly Tensor[],
    readonly name: string,
    withGrads: boolean,
  ) {
    let floats = 0;
    tensors.forEach((t, index) => {
      const padded = paddedSize(t.size);
      this.slots.push({ arena: this, index, offset: floats, size: t.size, padded });
      floats += padded;
    });
    this.floats = floats;
    this.values = engine.zeros([floats], { persistent: true, name: `${name}.values` });
    this.grads = withGrads ? engine.zeros([floats], { persistent: true, name: `${name}.grads` }) : null;
  }

  /**
   * Moves `tensors` (persistent, f32, owning their buffers, no gradient yet) into one arena and
   * re-points them at it; their old buffers go back to the pool. `grads`: also lay out a gradient
   * buffer (for trainable parameters).
   */
  static pack(engine: Engine, tensors: readonly Tensor[], options: { name: string; grads: boolean }): Arena {
    const seen = new Set<Tensor>();
    for (const t of tensors) {
      const what = `Arena.pack (${options.name}): ${t}`;
      if (seen.has(t)) throw new Error(`${what} appears twice`);
      seen.add(t);
      if (t.dtype !== 'f32') throw new Error(`${what} is not f32`);
      if (!t.persistent) throw new Error(`${what} is not persistent`);
      if (t.base || t.span !== 0) throw new Error(`${what} is a view; pass the tensor that owns its buffer`);
      if (t.grad) throw new Error(`${what} already has a gradient`);
    }
    const arena = new Arena(engine, tensors, options.name, options.grads);
    const old = tensors.map((t) => t.buffer);
    tensors.forEach((t, i) => {
      const slot = arena.slots[i];
      // The copy is encoded: ordered after the tensor's pending uploads, before any later kernel.
      engine.copyBytes(t.buffer, 0, arena.values.buffer, slot.offset * 4, t.byteLength);
      t.buffer = arena.values.buffer;
      t.offset = slot.offset * 4;
      t.span = slot.padded * 4;
      t.arena = slot;
      arena.live.add(t);
      arena.gradViews.push(arena.grads ? slotView(arena.grads, slot, t.shape, `${t.name}.grad`) : null);
      arena.dirty.push(false);
    });
    // Submit the copies before the old buffers go back to the pool: a later upload into a reused
    // buffer is a queue write, which would otherwise land before the encoded copy read it.
    engine.submit();
    for (const b of old) engine.releaseBuffer(b);
    return arena;
  }

  /** The gradient view of `slot`, zeroed if it was handed out since the last zeroGrads (engine.gradOf). */
  takeGrad(slot: ArenaSlot): Tensor {
    const g = this.gradViews[slot.index];
    if (!g) throw new Error(`arena ${this.name}: ${this.tensors[slot.index]} has no gradient buffer`);
    if (this.dirty[slot.index]) this.engine.fill(g, 0);
    this.dirty[slot.index] = true;
    return g;
  }

  /** Every tensor's gradient back to "none": one clear of the gradient buffer. */
  zeroGrads(): void {
    if (!this.grads) return;
    this.engine.fill(this.grads, 0);
    this.dirty.fill(false);
    for (const t of this.tensors) t.grad = null;
  }

  /** A new persistent zero buffer with this arena's layout (Adam moments, an EMA of the weights). */
  createLike(name: string): Tensor {
    return this.engine.zeros([this.floats], { persistent: true, name });
  }

  /** View of tensor `index`'s floats inside `whole` (a buffer made by createLike or values/grads). */
  view(whole: Tensor, index: number, name: string): Tensor {
    if (whole.size !== this.floats) throw new Error(`arena ${this.name}: ${whole} does not have the arena's ${this.floats} floats`);
    return slotView(whole, this.slots[index], this.tensors[index].shape, name);
  }

  /** u32 per ARENA_CHUNK-float chunk: the index of the tensor that owns it. */
  chunkSlots(): Uint32Array {
    const out = new Uint32Array(this.floats / ARENA_CHUNK);
    for (const s of this.slots) out.fill(s.index, s.offset / ARENA_CHUNK, (s.offset + s.padded) / ARENA_CHUNK);
    return out;
  }

  /** Called by engine.dispose for each packed tensor; the buffers go when the last one does. */
  drop(t: Tensor): void {
    if (!this.live.delete(t) || this.live.size > 0 || this.disposed) return;
    this.disposed = true;
    this.engine.dispose(this.values);
    if (this.grads) this.engine.dispose(this.grads);
  }
}
