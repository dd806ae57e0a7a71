/**
 * Per-step training health, kept on the GPU: each step copies its five loss terms into a history
 * row and sets a flag when a loss or a gradient is NaN/Inf. The optimiser reads the flag in the
 * same command buffer and skips its update (`skipCondition`); tensors that the forward pass changes
 * in place (BatchNorm running stats) are backed up and restored when the flag is set. The host
 * reads history and flags back once per logging window, so catching a bad step costs no per-step
 * readback stall.
 */
import code from './health.wgsl?raw';
import { grid1d, type Engine } from '../../kernels/engine';
import type { SkipIf } from '../../kernels/optim/adam';
import type { Tensor } from '../../kernels/tensor';
import type { LossTerms } from './lossTerms';

export const LOSS_TERMS = ['total', 'contrastive', 'denoise2Dto3D', 'atoms3Dto2D', 'bonds3Dto2D'] as const satisfies readonly (keyof LossTerms)[];
export type LossTensors = Record<(typeof LOSS_TERMS)[number], Tensor>;

export const FLAG_LOSS = 1;
export const FLAG_GRAD = 2;

/** Workgroups for the gradient scan: enough to keep a GPU busy, few atomics. */
const MAX_CHECK_GROUPS = 64;
const WG = 256;

export interface WindowReadback {
  /** One row per step of the window, in step order. */
  losses: LossTerms[];
  /** Bit set per step (FLAG_LOSS | FLAG_GRAD); 0 = healthy. */
  flags: Uint32Array;
}

export function describeFlags(flag: number): string {
  const parts: string[] = [];
  if (flag & FLAG_LOSS) parts.push('a loss term is NaN or infinite');
  if (flag & FLAG_GRAD) parts.push('a gradient is NaN or infinite');
  return parts.join(' and ') || 'healthy';
}

export class StepHealth {
  /** u32 [window]: flags of each step of the current window. */
  readonly flags: Tensor;
  /** f32 [window, 5]: the loss terms of each step of the current window. */
  readonly history: Tensor;

  constructor(
    private readonly engine: Engine,
    readonly window: number,
  ) {
    if (!Number.isInteger(window) || window < 1) throw new Error(`StepHealth: window ${window} must be a positive integer`);
    this.flags = engine.zeros([window], { dtype: 'u32', persistent: true, name: 'health.flags' });
    this.history = engine.zeros([window, LOSS_TERMS.length], { persistent: true, name: 'health.history' });
  }

  private checkSlot(op: string, slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.window) throw new Error(`StepHealth.${op}: slot ${slot} is outside the window of ${this.window}`);
  }

  /** Records the step's loss terms in row `slot` and flags the step if any is non-finite. */
  recordLosses(slot: number, losses: LossTensors): void {
    this.checkSlot('recordLosses', slot);
    for (const k of LOSS_TERMS) {
      if (losses[k].size !== 1 || losses[k].dtype !== 'f32') throw new Error(`StepHealth.recordLosses: loss '${k}' is ${losses[k]}, expected an f32 scalar`);
    }
    this.engine.dispatch({
      op: 'health.recordLosses',
      code,
      entryPoint: 'record_losses',
      params: { n: 0, slot, bit: FLAG_LOSS, terms: LOSS_TERMS.length, gradBit: 0 },
      bindings: {
        flags: this.flags,
        l0: losses.total,
        l1: losses.contrastive,
        l2: losses.denoise2Dto3D,
        l3: losses.atoms3Dto2D,
        l4: losses.bonds3Dto2D,
        history: this.history,
      },
      workgroups: [1],
    });
  }

  /**
   * `recordLosses` and `checkFinite(slot, [grads])` in one dispatch, for gradients that live in one
   * buffer (a parameter arena's gradients, kernels/arena.ts).
   */
  recordAndCheck(slot: number, losses: LossTensors, grads: Tensor): void {
    this.checkSlot('recordAndCheck', slot);
    for (const k of LOSS_TERMS) {
      if (losses[k].size !== 1 || losses[k].dtype !== 'f32') throw new Error(`StepHealth.recordAndCheck: loss '${k}' is ${losses[k]}, expected an f32 scalar`);
    }
    if (grads.dtype !== 'f32') throw new Error(`StepHealth.recordAndCheck: ${grads} is not f32`);
    this.engine.dispatch({
      op: 'health.recordAndCheck',
      code,
      entryPoint: 'record_and_check',
      params: { n: grads.size, slot, bit: FLAG_LOSS, terms: LOSS_TERMS.length, gradBit: FLAG_GRAD },
      bindings: {
        x: grads,
        flags: this.flags,
        l0: losses.total,
        l1: losses.contrastive,
        l2: losses.denoise2Dto3D,
        l3: losses.atoms3Dto2D,
        l4: losses.bonds3Dto2D,
        history: this.history,
      },
      workgroups: [Math.max(1, Math.min(MAX_CHECK_GROUPS, Math.ceil(grads.size / WG)))],
    });
  }

  /** Flags step `slot` if any element of any tensor (the gradients) is non-finite. */
  checkFinite(slot: number, tensors: readonly Tensor[], bit = FLAG_GRAD): void {
    this.checkSlot('checkFinite', slot);
    for (const x of tensors) {
      if (x.dtype !== 'f32') throw new Error(`StepHealth.checkFinite: ${x} is not f32`);
      if (x.size === 0) continue;
      this.engine.dispatch({
        op: 'health.checkFinite',
        code,
        entryPoint: 'check_finite',
        params: { n: x.size, slot, bit, terms: 0, gradBit: 0 },
        bindings: { x, flags: this.flags },
        workgroups: [Math.min(MAX_CHECK_GROUPS, Math.ceil(x.size / WG))],
      });
    }
  }

  /** Reads the first `count` rows of the window back, then clears the flags for the next window. */
  async read(count: number): Promise<WindowReadback> {
    if (!Number.isInteger(count) || count < 0 || count > this.window) throw new Error(`StepHealth.read: ${count} steps do not fit the window of ${this.window}`);
    const history = await this.engine.readF32(this.history);
    const flags = (await this.engine.read(this.flags)) as Uint32Array;
    this.engine.fill(this.flags, 0);
    const losses: LossTerms[] = [];
    for (let i = 0; i < count; i++) {
      const row = history.subarray(i * LOSS_TERMS.length, (i + 1) * LOSS_TERMS.length);
      losses.push({ total: row[0], contrastive: row[1], denoise2Dto3D: row[2], atoms3Dto2D: row[3], bonds3Dto2D: row[4] });
    }
    return { losses, flags: flags.slice(0, count) };
  }

  private backups = new Map<Tensor, Tensor>();

  /**
   * Copies tensors that the coming step changes in place (BatchNorm running stats) so that
   * `restoreIfFlagged` can undo the change when the step turns out bad. Encode before the forward.
   */
  backup(tensors: readonly Tensor[]): void {
    for (const t of tensors) {
      let b = this.backups.get(t);
      if (!b) {
        b = this.engine.empty(t.shape, { persistent: true, name: `${t.name}.backup` });
        this.backups.set(t, b);
      }
      this.engine.copy(t, b);
    }
  }

  /** Restores every backed-up tensor if step `slot` is flagged. Encode after the step's last kernel. */
  restoreIfFlagged(slot: number): void {
    this.checkSlot('restoreIfFlagged', slot);
    for (const [t, b] of this.backups) {
      if (t.size === 0) continue;
      this.engine.dispatch({
        op: 'health.restoreIfFlagged',
        code,
        entryPoint: 'restore_if_flagged',
        params: { n: t.size, slot, bit: 0, terms: 0, gradBit: 0 },
        bindings: { flag_words: this.flags, backup: b, dst: t },
        workgroups: grid1d(t.size),
      });
    }
  }

  /**
   * The optimiser's GPU-side skip condition for step `slot` (Adam.step({ skipIf })): the update,
   * Adam's moments and its step count stay untouched when the step's flag is set.
   */
  skipCondition(slot: number): SkipIf {
    this.checkSlot('skipCondition', slot);
    return { flags: this.flags, index: slot };
  }

  dispose(): void {
    this.engine.dispose(this.flags);
    this.engine.dispose(this.history);
    for (const b of this.backups.values()) this.engine.dispose(b);
    this.backups.clear();
  }
}
