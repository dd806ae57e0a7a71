/**
 * Adam (PyTorch semantics: bias correction, no weight decay) over parameter groups with per-group
 * learning-rate scales. `step()` encodes one fused update kernel per parameter into the engine's
 * current command encoder (after the backward pass) and does not submit, so forward, backward and
 * update are one command buffer. Parameters whose gradient was never allocated are skipped, as
 * PyTorch skips parameters whose .grad is None.
 *
 * Skipping on the GPU: `step({ skipIf })` names a u32 flag word computed earlier in the same command
 * buffer (a NaN/Inf check). When it is non-zero the step is a true no-op: parameters, both moments
 * and the step count are left bit for bit as they were. The step count therefore lives on the GPU
 * (the host cannot know it without a readback); `readStepCount`/`exportState` read it back.
 *
 * Arena mode: when the parameters are exactly the tensors of one arena with gradients
 * (kernels/arena.ts, a model's ParamStore), the moments share the arena's layout and a step is one
 * `update_arena` dispatch over the whole arena plus the count's `advance`; zeroGrad is one clear.
 * Which tensors have a gradient, and each one's learning rate, go to the GPU in a small table
 * (written only when it changes). Otherwise (loose tensors) one `update` dispatch per tensor.
 */
import code from './adam.wgsl?raw';
import { grid1d, type Engine } from '../engine';
import { ARENA_CHUNK, type Arena } from '../arena';
import type { Tensor } from '../tensor';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export interface AdamGroup {
  params: Tensor[];
  lrScale: number;
}

/** Checkpointable state, keyed by parameter name (the shape of app/model/checkpoint.ts's OptimizerSnapshot). */
export interface AdamState {
  type: 'Adam';
  /** Updates applied so far, skipped steps not counted (bias correction uses it). */
  step: number;
  lr: number;
  betas: [number, number];
  eps: number;
  expAvg: Map<string, Float32Array>;
  expAvgSq: Map<string, Float32Array>;
}

interface Slot {
  param: Tensor;
  lrScale: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

/** The arena-mode state: the moments as whole arena-layout buffers, and the per-chunk tables. */
interface ArenaState {
  arena: Arena;
  /** f32 [arena floats]: the moments of every tensor (each slot's expAvg/expAvgSq is a view). */
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** u32 [chunks]: owning tensor of each 64-float chunk. */
  chunkSlot: Tensor;
  /** u32 [tensors, 4]: first float, size, active, lr bits (see adam.wgsl update_arena). */
  slotInfo: Tensor;
  /** What slotInfo holds on the GPU now (null: nothing written yet). */
  uploaded: Uint32Array | null;
  /** lrScale per arena tensor. */
  lrScale: Float64Array;
}

/** The arena whose tensors are exactly `params` (in any order), if there is one. */
function arenaOf(params: readonly Tensor[]): Arena | null {
  const arena = params[0]?.arena?.arena;
  if (!arena || !arena.grads || arena.tensors.length !== params.length) return null;
  for (const p of params) if (p.arena?.arena !== arena || p.buffer !== arena.values.buffer) return null;
  return arena;
}

/** A GPU-side skip condition: skip the step when `flags[index]` (u32) is non-zero. */
export interface SkipIf {
  flags: Tensor;
  index: number;
}

/** Bias-correction rows beyond which (beta2 closer to 1 than about 1 - 8e-6) the table would be too big. */
const MAX_TABLE_ROWS = 1 << 21;

/**
 * Rows t = 1..T of [1 / (1 - beta1^t), 1 / sqrt(1 - beta2^t)], computed in float64 and rounded to
 * f32, up to the first t at which both round to exactly 1 (they decrease with t, so every later row
 * would equal that one and the kernel reuses it).
 */
export function biasCorrectionTable(beta1: number, beta2: number): Float32Array {
  const rows: number[] = [];
  for (let t = 1; ; t++) {
    const a = Math.fround(1 / (1 - beta1 ** t));
    const b = Math.fround(1 / Math.sqrt(1 - beta2 ** t));
    rows.push(a, b);
    if (a === 1 && b === 1) return Float32Array.from(rows);
    if (t >= MAX_TABLE_ROWS) {
      throw new Error(`Adam: beta2 ${beta2} is too close to 1: its bias correction needs more than ${MAX_TABLE_ROWS} steps to reach 1 in f32`);
    }
  }
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private lrValue: number;
  private readonly slots: Slot[] = [];
  /** u32 [1]: updates applied so far. Only the GPU advances it (skipped steps do not). */
  private readonly stepCounter: Tensor;
  /** f32 [rows, 2]: see biasCorrectionTable. */
  private readonly biasTable: Tensor;
  /** u32 [1] = 0: the flag word of an unconditional step. */
  private readonly never: Tensor;
  private readonly arenaState: ArenaState | null;
  private disposed = false;

  constructor(
    readonly engine: Engine,
    groups: AdamGroup[],
    opts: AdamOptions,
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    if (!(this.beta1 >= 0 && this.beta1 < 1)) throw new Error(`Adam: beta1 must be in [0, 1), got ${this.beta1}`);
    if (!(this.beta2 >= 0 && this.beta2 < 1)) throw new Error(`Adam: beta2 must be in [0, 1), got ${this.beta2}`);
    if (!(this.eps >= 0)) throw new Error(`Adam: eps must be >= 0, got ${this.eps}`);
    this.lrValue = checkLr(opts.lr);
    const table = biasCorrectionTable(this.beta1, this.beta2);
    const arena = arenaOf(groups.flatMap((g) => g.params));
    const mArena = arena?.createLike('adam.exp_avg');
    const vArena = arena?.createLike('adam.exp_avg_sq');
    const seen = new Set<Tensor>();
    groups.forEach((group, gi) => {
      if (!(Number.isFinite(group.lrScale) && group.lrScale >= 0)) throw new Error(`Adam: group ${gi} has lrScale ${group.lrScale}, expected a finite number >= 0`);
      for (const p of group.params) {
        if (seen.has(p)) throw new Error(`Adam: parameter ${p} appears twice`);
        if (p.dtype !== 'f32') throw new Error(`Adam: parameter ${p} must be f32`);
        if (p.base) throw new Error(`Adam: parameter ${p} is a reshaped view; pass the tensor that owns the buffer`);
        // Transient tensors (and their gradients) return to the pool at endStep().
        if (!p.persistent) throw new Error(`Adam: parameter ${p} is not persistent`);
        seen.add(p);
        const i = p.arena?.index ?? 0;
        this.slots.push({
          param: p,
          lrScale: group.lrScale,
          expAvg: arena ? arena.view(mArena!, i, `${p.name}.exp_avg`) : engine.zeros(p.shape, { persistent: true, name: `${p.name}.exp_avg` }),
          expAvgSq: arena ? arena.view(vArena!, i, `${p.name}.exp_avg_sq`) : engine.zeros(p.shape, { persistent: true, name: `${p.name}.exp_avg_sq` }),
        });
      }
    });
    this.arenaState = null;
    if (arena) {
      const lrScale = new Float64Array(arena.tensors.length);
      for (const s of this.slots) lrScale[s.param.arena!.index] = s.lrScale;
      this.arenaState = {
        arena,
        expAvg: mArena!,
        expAvgSq: vArena!,
        chunkSlot: engine.fromArray(arena.chunkSlots(), [arena.floats / ARENA_CHUNK], { dtype: 'u32', persistent: true, name: 'adam.chunk_slot' }),
        slotInfo: engine.zeros([arena.tensors.length, 4], { dtype: 'u32', persistent: true, name: 'adam.slot_info' }),
        uploaded: null,
        lrScale,
      };
    }
    this.biasTable = engine.fromArray(table, [table.length / 2, 2], { persistent: true, name: 'adam.bias_correction' });
    this.stepCounter = engine.zeros([1], { dtype: 'u32', persistent: true, name: 'adam.step' });
    this.never = engine.zeros([1], { dtype: 'u32', persistent: true, name: 'adam.no_skip' });
  }

  get lr(): number {
    return this.lrValue;
  }

  setLr(lr: number): void {
    this.lrValue = checkLr(lr);
  }

  /** Number of updates applied (skipped steps not counted); a readback. */
  async readStepCount(): Promise<number> {
    return (await this.engine.read(this.stepCounter))[0];
  }

  get params(): Tensor[] {
    return this.slots.map((s) => s.param);
  }

  /** Clears every parameter's gradient (encoded, in order with the kernels). */
  zeroGrad(): void {
    if (this.arenaState) return this.arenaState.arena.zeroGrads();
    for (const { param } of this.slots) if (param.grad) this.engine.fill(param.grad, 0);
  }

  /**
   * Encodes one update of every parameter that has a gradient, then the step count's advance.
   * Does not submit. With `skipIf`, all of it is a no-op on the GPU when `skipIf.flags[skipIf.index]`
   * is non-zero at that point of the command buffer.
   */
  step(opts: { skipIf?: SkipIf } = {}): void {
    const { flags, index } = opts.skipIf ?? { flags: this.never, index: 0 };
    if (flags.dtype !== 'u32') throw new Error(`Adam.step: skipIf.flags ${flags} must be u32`);
    if (!Number.isInteger(index) || index < 0 || index >= flags.size) throw new Error(`Adam.step: skipIf.index ${index} is outside ${flags}`);
    const params = {
      n: 0,
      beta1: this.beta1,
      beta2: this.beta2,
      one_minus_beta1: 1 - this.beta1,
      one_minus_beta2: 1 - this.beta2,
      eps: this.eps,
      lr: 0,
      flag_index: index,
      table_rows: this.biasTable.shape[0],
    };
    const shared = { skip_flags: flags, step_count: this.stepCounter, bias: this.biasTable };
    if (this.arenaState) {
      this.stepArena(this.arenaState, params, shared);
      this.engine.dispatch({ op: 'Adam.step', code, entryPoint: 'advance', params, bindings: shared, workgroups: [1] });
      return;
    }
    for (const { param, lrScale, expAvg, expAvgSq } of this.slots) {
      if (!param.grad || param.size === 0) continue;
      this.engine.dispatch({
        op: 'Adam.step',
        code,
        entryPoint: 'update',
        params: { ...params, n: param.size, lr: this.lrValue * lrScale },
        bindings: { param, grad: param.grad, exp_avg: expAvg, exp_avg_sq: expAvgSq, ...shared },
        workgroups: grid1d(param.size),
      });
    }
    this.engine.dispatch({ op: 'Adam.step', code, entryPoint: 'advance', params, bindings: shared, workgroups: [1] });
  }

  /** One `update_arena` dispatch; the tensors' active flags and learning rates go up first if they changed. */
  private stepArena(st: ArenaState, params: Record<string, number>, shared: Record<string, Tensor>): void {
    const { arena } = st;
    const info = new Uint32Array(arena.tensors.length * 4);
    const lrBits = new Float32Array(1);
    const lrWord = new Uint32Array(lrBits.buffer);
    arena.slots.forEach((slot, i) => {
      const p = arena.tensors[i];
      lrBits[0] = this.lrValue * st.lrScale[i];
      info.set([slot.offset, slot.size, p.grad && slot.size > 0 ? 1 : 0, lrWord[0]], 4 * i);
    });
    if (!st.uploaded || st.uploaded.some((w, i) => w !== info[i])) {
      // Queue writes run before anything still encoded: submit the step so far, so an earlier
      // encoded update still sees the table it was encoded with.
      this.engine.submit();
      this.engine.write(st.slotInfo, info);
      st.uploaded = info;
    }
    const chunks = arena.floats / ARENA_CHUNK;
    this.engine.dispatch({
      op: 'Adam.step',
      code,
      entryPoint: 'update_arena',
      params: { ...params, n: chunks },
      bindings: { param: arena.values, grad: arena.grads!, exp_avg: st.expAvg, exp_avg_sq: st.expAvgSq, chunk_slot: st.chunkSlot, slot_info: st.slotInfo, ...shared },
      workgroups: grid1d(chunks * ARENA_CHUNK, ARENA_CHUNK),
    });
  }

  /** Reads both moments of every parameter back, keyed by parameter name (names must be unique and non-empty). */
  async exportState(): Promise<AdamState> {
    this.checkNames('exportState');
    const expAvg = new Map<string, Float32Array>();
    const expAvgSq = new Map<string, Float32Array>();
    if (this.arenaState) {
      // Two readbacks instead of two per tensor.
      const m = await this.engine.readF32(this.arenaState.expAvg);
      const v = await this.engine.readF32(this.arenaState.expAvgSq);
      for (const s of this.slots) {
        const { offset, size } = s.param.arena!;
        expAvg.set(s.param.name, m.slice(offset, offset + size));
        expAvgSq.set(s.param.name, v.slice(offset, offset + size));
      }
    }
    for (const s of this.arenaState ? [] : this.slots) {
      expAvg.set(s.param.name, await this.engine.readF32(s.expAvg));
      expAvgSq.set(s.param.name, await this.engine.readF32(s.expAvgSq));
    }
    const step = await this.readStepCount();
    return { type: 'Adam', step, lr: this.lrValue, betas: [this.beta1, this.beta2], eps: this.eps, expAvg, expAvgSq };
  }

  /**
   * Restores the step count, learning rate and moments saved by `exportState`, so training resumes
   * exactly. Throws, naming the parameter, if a moment is missing or has the wrong size, and if the
   * saved betas or eps differ from this optimiser's.
   */
  importState(state: AdamState): void {
    this.checkNames('importState');
    if (!Number.isInteger(state.step) || state.step < 0 || state.step > 0xffffffff) throw new Error(`Adam.importState: step must be an integer in [0, 2^32), got ${state.step}`);
    const [b1, b2] = state.betas;
    if (Math.fround(b1) !== Math.fround(this.beta1) || Math.fround(b2) !== Math.fround(this.beta2) || Math.fround(state.eps) !== Math.fround(this.eps)) {
      throw new Error(`Adam.importState: saved betas (${b1}, ${b2}) and eps ${state.eps} differ from this optimiser's (${this.beta1}, ${this.beta2}) and ${this.eps}`);
    }
    const lr = checkLr(state.lr);
    for (const s of this.slots) {
      for (const [what, map] of [['exp_avg', state.expAvg], ['exp_avg_sq', state.expAvgSq]] as const) {
        const data = map.get(s.param.name);
        if (!data) throw new Error(`Adam.importState: ${what} of parameter '${s.param.name}' is missing`);
        if (data.length !== s.param.size) throw new Error(`Adam.importState: ${what} of '${s.param.name}' has ${data.length} values, the parameter has ${s.param.size}`);
      }
    }
    // Queue writes run before anything still encoded: submit first so earlier kernels see the old state.
    this.engine.submit();
    for (const s of this.slots) {
      this.engine.write(s.expAvg, state.expAvg.get(s.param.name)!);
      this.engine.write(s.expAvgSq, state.expAvgSq.get(s.param.name)!);
    }
    this.engine.write(this.stepCounter, Uint32Array.of(state.step));
    this.lrValue = lr;
  }

  /** Frees the moment buffers, the step counter and the bias-correction table. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.slots) {
      this.engine.dispose(s.expAvg);
      this.engine.dispose(s.expAvgSq);
    }
    const st = this.arenaState;
    if (st) for (const t of [st.expAvg, st.expAvgSq, st.chunkSlot, st.slotInfo]) this.engine.dispose(t);
    for (const t of [this.stepCounter, this.biasTable, this.never]) this.engine.dispose(t);
    this.slots.length = 0;
  }

  private checkNames(op: string): void {
    const names = new Set<string>();
    for (const { param } of this.slots) {
      if (!param.name) throw new Error(`Adam.${op}: a parameter ${param} has no name; state is keyed by parameter name`);
      if (names.has(param.name)) throw new Error(`Adam.${op}: two parameters are named '${param.name}'`);
      names.add(param.name);
    }
  }
}

function checkLr(lr: number): number {
  if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`Adam: lr must be a finite number >= 0, got ${lr}`);
  return lr;
}
