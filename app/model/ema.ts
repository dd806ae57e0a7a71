/**
 * An exponential moving average of the parameters (Polyak averaging), the weights sampling uses.
 *
 * Diffusion models sample markedly better from averaged weights than from the last iterate, whose
 * noise at a fixed learning rate shows up directly as a noisy score. The average is kept on the
 * host and updated every `every` steps with the decay raised to that power (ema <- d^k ema +
 * (1 - d^k) w), which equals a per-step EMA of a piecewise-constant sequence and costs one read
 * of the weights per `every` steps instead of a second copy of every parameter on the GPU.
 * Bias correction as in Adam: before the average has seen ~1/(1 - d) steps, `averaged()` divides
 * by 1 - d^n so early checkpoints are not pulled towards zero.
 */
import type { Engine } from '../../kernels/engine';
import type { NamedParameter } from './params';

export interface EmaState {
  decay: number;
  every: number;
  /** Number of updates folded in (each worth `every` steps). */
  updates: number;
  /** Uncorrected running averages by parameter name. */
  weights: Map<string, Float32Array>;
}

export class WeightAverage {
  readonly weights: Map<string, Float32Array>;
  updates: number;

  constructor(
    readonly decay: number,
    readonly every: number,
    state?: EmaState,
  ) {
    if (!(decay > 0 && decay < 1)) throw new Error(`EMA: decay must lie in (0, 1), got ${decay}`);
    if (!Number.isInteger(every) || every < 1) throw new Error(`EMA: every must be a positive integer, got ${every}`);
    this.weights = state ? new Map(state.weights) : new Map();
    this.updates = state?.updates ?? 0;
  }

  /** Folds the current parameters in (reads them back from the GPU). */
  async update(engine: Engine, params: readonly NamedParameter[]): Promise<void> {
    const d = this.decay ** this.every;
    const values = await readAll(engine, params);
    params.forEach((p, k) => {
      const w = values[k];
      let avg = this.weights.get(p.name);
      if (!avg || avg.length !== w.length) {
        avg = new Float32Array(w.length);
        this.weights.set(p.name, avg);
      }
      for (let i = 0; i < w.length; i++) avg[i] = d * avg[i] + (1 - d) * w[i];
    });
    this.updates++;
  }

  /** Bias-corrected averages by parameter name (empty before the first update). */
  averaged(): Map<string, Float32Array> {
    const correction = 1 - (this.decay ** this.every) ** this.updates;
    const out = new Map<string, Float32Array>();
    if (this.updates === 0) return out;
    for (const [name, avg] of this.weights) out.set(name, Float32Array.from(avg, (v) => v / correction));
    return out;
  }

  state(): EmaState {
    return { decay: this.decay, every: this.every, updates: this.updates, weights: new Map(this.weights) };
  }
}

/**
 * Every parameter's values: one readback of the parameter arena when they all live in one
 * (kernels/arena.ts, a MoleculeSDE's parameters), else one per tensor.
 */
async function readAll(engine: Engine, params: readonly NamedParameter[]): Promise<Float32Array[]> {
  const arena = params[0]?.tensor.arena?.arena;
  if (arena && params.every((p) => p.tensor.arena?.arena === arena && p.tensor.buffer === arena.values.buffer)) {
    const all = await engine.readF32(arena.values);
    return params.map(({ tensor }) => all.slice(tensor.arena!.offset, tensor.arena!.offset + tensor.size));
  }
  return Promise.all(params.map((p) => engine.readF32(p.tensor)));
}
