/**
 * The trajectory view's atom colour mapping: the sequential map's ends and midpoints, the scale of
 * a frame, and the element / missing-value cases.
 */
import { describe, expect, it } from 'vitest';
import { atomColours, MISSING_COLOUR, scaleOf, sequentialColour, VIRIDIS } from './atomColours';
import { color3D } from '../elementColors';

describe('sequentialColour', () => {
  it('hits the stops at 0, 1/4, .., 1 and clamps outside [0, 1]', () => {
    VIRIDIS.forEach((c, i) => expect(sequentialColour(i / (VIRIDIS.length - 1))).toBe(c));
    expect(sequentialColour(-3)).toBe(VIRIDIS[0]);
    expect(sequentialColour(7)).toBe(VIRIDIS[VIRIDIS.length - 1]);
    expect(sequentialColour(Number.NaN)).toBe(VIRIDIS[0]);
  });

  it('interpolates linearly between two stops (halfway from #440154 to #3b528b is #402a70)', () => {
    // (0x44 + 0x3b) / 2 = 63.5 -> 64 = 0x40; (0x01 + 0x52) / 2 = 41.5 -> 42 = 0x2a; (0x54 + 0x8b) / 2 = 111.5 -> 112 = 0x70.
    expect(sequentialColour(0.125)).toBe('#402a70');
  });
});

describe('atomColours', () => {
  const elements = ['C', 'N', 'O'];

  it('element mode gives the CPK colours and no scale', () => {
    expect(atomColours('element', elements, [1, 2, 3])).toEqual({ colours: elements.map(color3D), scale: null });
  });

  it('a value mode maps the frame min to the first stop and its max to the last', () => {
    const r = atomColours('step', elements, [0.5, 2.5, 1.5]);
    expect(r.scale).toEqual({ min: 0.5, max: 2.5 });
    expect(r.colours).toEqual([VIRIDIS[0], VIRIDIS[4], VIRIDIS[2]]);
  });

  it('missing values are grey; equal values take the middle colour', () => {
    expect(atomColours('score', elements, null)).toEqual({ colours: [MISSING_COLOUR, MISSING_COLOUR, MISSING_COLOUR], scale: null });
    const r = atomColours('score', elements, [1, Number.NaN, 1]);
    expect(r.colours).toEqual([VIRIDIS[2], MISSING_COLOUR, VIRIDIS[2]]);
    expect(scaleOf([Number.NaN])).toBeNull();
    expect(() => atomColours('step', elements, [1, 2])).toThrow(/2 values for 3 atoms/);
  });
});
