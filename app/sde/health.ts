/**
 * Sampling health: a reverse diffusion that blows up (too large a corrector snr, too few steps, a
 * bad checkpoint) gives coordinates of 1e4-1e6 Å or NaN. Those are caught on the frames the
 * sampler reads back (every frameStride steps) and on the final state, and the run stops with a
 * message naming the step and what to change, instead of writing a file of garbage.
 */
import type { SamplerSettings } from './sampler';

/**
 * Largest |coordinate| (Å) a sampled conformer may reach. The prior of the widest preset has std
 * 10 Å, so a sane state stays within a few tens of Å; 1000 Å is far outside any molecule and far
 * inside the SDF's 10-column limit.
 */
export const MAX_SAMPLED_COORDINATE = 1000;

export class SamplingDivergedError extends Error {
  constructor(message: string, readonly step: number) {
    super(message);
    this.name = 'SamplingDivergedError';
  }
}

/** What to try, given the settings that diverged. */
export function divergenceAdvice(settings: Partial<SamplerSettings>): string {
  const tips: string[] = [];
  if (settings.sampler !== 'ode' && settings.snr !== undefined && settings.snr > 0.3) tips.push(`a smaller --snr (it was ${settings.snr}; 0.2 is the default)`);
  if (settings.sampler !== 'ode' && (settings.correctorSteps ?? 0) > 1) tips.push(`fewer --corrector steps (it was ${settings.correctorSteps})`);
  if (settings.steps !== undefined && settings.steps < 200) tips.push(`more --steps (it was ${settings.steps})`);
  tips.push('--sampler ode');
  return `try ${tips.join(', or ')}`;
}

/**
 * Throws a SamplingDivergedError when `values` hold a non-finite number or one beyond `limit`.
 * `what` names the state (e.g. 'coordinates'), `step` / `total` where the sampler was.
 */
export function checkSampledValues(values: ArrayLike<number>, step: number, total: number, settings: Partial<SamplerSettings>, what = 'coordinates', limit = MAX_SAMPLED_COORDINATE): void {
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new SamplingDivergedError(`sampling diverged at step ${step} of ${total}: the ${what} hold ${v} (entry ${i}); ${divergenceAdvice(settings)}`, step);
    }
    const a = Math.abs(v);
    if (a > worst) worst = a;
  }
  if (worst > limit) {
    throw new SamplingDivergedError(
      `sampling diverged at step ${step} of ${total}: the ${what} reach ${worst.toExponential(2)} (more than ${limit}); ${divergenceAdvice(settings)}`,
      step,
    );
  }
}
