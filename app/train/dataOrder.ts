/**
 * Seeded data order: epochs of a permutation of the data set. Epoch e's permutation is a
 * Fisher-Yates shuffle driven by mulberry32(hash(seed, e)), so the order is a pure function of
 * (seed, epoch, cursor); checkpoints still store the current permutation so a resume does not
 * depend on this code staying the same.
 *
 * A batch takes the next `batchSize` molecules and runs on into the next epoch when the current
 * one ends (every molecule is used once per epoch; nothing is dropped). A batch never holds the
 * same molecule twice: the batch size is capped at the data-set size.
 */
import { mulberry32, permutation } from '../../kernels/random';

/** A 32-bit mix of (seed, epoch) (splitmix-style), so nearby seeds give unrelated orders. */
function epochSeed(seed: number, epoch: number): number {
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function epochPermutation(seed: number, epoch: number, n: number): Uint32Array {
  return permutation(n, mulberry32(epochSeed(seed, epoch)));
}

export interface DataOrderState {
  epoch: number;
  cursor: number;
  order: Uint32Array;
}

export class DataOrder {
  epoch: number;
  cursor: number;
  order: Uint32Array;

  constructor(
    readonly seed: number,
    readonly size: number,
    state?: DataOrderState,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`DataOrder: the data set has ${size} molecules; need at least 1`);
    if (state) {
      if (state.order.length !== size) throw new Error(`DataOrder: saved order has ${state.order.length} entries for ${size} molecules`);
      if (state.cursor > size) throw new Error(`DataOrder: saved cursor ${state.cursor} is past ${size} molecules`);
      this.epoch = state.epoch;
      this.cursor = state.cursor;
      this.order = Uint32Array.from(state.order);
    } else {
      this.epoch = 0;
      this.cursor = 0;
      this.order = epochPermutation(seed, 0, size);
    }
  }

  /** Indices of the next batch (at most `size` of them), advancing the cursor. */
  next(batchSize: number): Uint32Array {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`DataOrder: batch size ${batchSize} must be a positive integer`);
    const n = Math.min(batchSize, this.size);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      if (this.cursor === this.size) {
        this.epoch++;
        this.cursor = 0;
        this.order = epochPermutation(this.seed, this.epoch, this.size);
      }
      out[i] = this.order[this.cursor++];
    }
    // A batch that spans two epochs could repeat a molecule; replace repeats by unused ones from
    // later in the new epoch (deterministic, and at most n - 1 swaps).
    if (new Set(out).size !== n) this.dedupe(out);
    return out;
  }

  private dedupe(out: Uint32Array): void {
    const seen = new Set<number>();
    for (let i = 0; i < out.length; i++) {
      if (!seen.has(out[i])) {
        seen.add(out[i]);
        continue;
      }
      // Swap a later, unseen entry of the current epoch into the cursor position just used.
      for (let j = this.cursor; j < this.size; j++) {
        if (!seen.has(this.order[j])) {
          const at = this.cursor - (out.length - i);
          const tmp = this.order[j];
          this.order[j] = this.order[at];
          this.order[at] = tmp;
          out[i] = tmp;
          seen.add(tmp);
          break;
        }
      }
    }
  }

  state(): DataOrderState {
    return { epoch: this.epoch, cursor: this.cursor, order: Uint32Array.from(this.order) };
  }
}
