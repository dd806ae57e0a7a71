/**
 * Colouring the trajectory view's atoms by a per-atom quantity (step size, score norm) instead of
 * by element: a sequential colour map (viridis: perceptually even, readable for colour-blind
 * viewers, light = large) over the frame's own range, and the legend's scale. Pure functions.
 */
import { color3D } from '../elementColors';

export type ColourMode = 'element' | 'step' | 'score';

export const COLOUR_MODES: { value: ColourMode; label: string; quantity: string; unit: string }[] = [
  { value: 'element', label: 'Element', quantity: '', unit: '' },
  { value: 'step', label: 'Step size', quantity: '|x_i − x_i(previous frame)|', unit: 'Å' },
  { value: 'score', label: 'Score norm', quantity: '‖s_θ(x_t, t)_i‖', unit: 'Å⁻¹' },
];

/** Viridis at five evenly spaced stops (u = 0, 0.25, .., 1). */
export const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'] as const;

/** Colour of atoms whose value this frame does not have (the first frame's step size). */
export const MISSING_COLOUR = '#808080';

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const hex2 = (v: number) => Math.round(v).toString(16).padStart(2, '0');

/** The colour map at u in [0, 1] (clamped), linearly interpolated between the stops, as #rrggbb. */
export function sequentialColour(u: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = rgb(VIRIDIS[i]);
  const b = rgb(VIRIDIS[i + 1]);
  return `#${a.map((v, k) => hex2(v + (b[k] - v) * f)).join('')}`;
}

export interface ColourScale {
  min: number;
  max: number;
}

/** The range of the finite values, or null when there are none. */
export function scaleOf(values: ArrayLike<number>): ColourScale | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return min <= max ? { min, max } : null;
}

export interface AtomColouring {
  colours: string[];
  /** The legend's range (null in element mode or when the frame has no values). */
  scale: ColourScale | null;
}

/**
 * Colours of the atoms: by element, or by `values` mapped over their own [min, max] (a frame
 * where every atom has the same value shows the middle colour). Missing values (null, or a
 * non-finite entry) are grey.
 */
export function atomColours(mode: ColourMode, elements: readonly string[], values: ArrayLike<number> | null): AtomColouring {
  if (mode === 'element') return { colours: elements.map(color3D), scale: null };
  if (values && values.length !== elements.length) throw new Error(`atomColours: ${values.length} values for ${elements.length} atoms`);
  const scale = values ? scaleOf(values) : null;
  if (!values || !scale) return { colours: elements.map(() => MISSING_COLOUR), scale: null };
  const span = scale.max - scale.min;
  const colours = elements.map((_, i) => (Number.isFinite(values[i]) ? sequentialColour(span > 0 ? (values[i] - scale.min) / span : 0.5) : MISSING_COLOUR));
  return { colours, scale };
}
