/**
 * Issue 12: sampling that diverges (--snr 100 reached 1e4-1e6 Å) or goes non-finite stops with the
 * step and the settings to change, instead of reaching a file writer.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SAMPLED_COORDINATE, SamplingDivergedError, checkSampledValues } from './health';

describe('sampling health', () => {
  it('NaN and coordinates beyond the limit are reported with the step and advice; sane values pass', () => {
    expect(() => checkSampledValues(new Float32Array([0, 1, -2]), 5, 10, {})).not.toThrow();
    expect(() => checkSampledValues(new Float32Array([0, Number.NaN]), 7, 20, { snr: 100 })).toThrow(SamplingDivergedError);
    expect(() => checkSampledValues(new Float32Array([0, Number.NaN]), 7, 20, { snr: 100 })).toThrow(/step 7 of 20: the coordinates hold NaN.*smaller --snr \(it was 100/);
    expect(() => checkSampledValues(new Float32Array([MAX_SAMPLED_COORDINATE * 60]), 3, 20, { steps: 20 })).toThrow(/reach 6\.00e\+4 .*more --steps \(it was 20\).*--sampler ode/);
  });
});
