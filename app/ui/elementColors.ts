/**
 * Element colours. 3D: the Jmol CPK palette (what chemists expect in a ball-and-stick view).
 * 2D labels: darker variants of the same hues, readable on a light background; the dark theme
 * uses the 3D colours, which are readable on a dark one.
 */
const CPK: Record<string, string> = {
  H: '#ffffff', C: '#909090', N: '#3050f8', O: '#ff0d0d', F: '#90e050', P: '#ff8000', S: '#ffff30',
  Cl: '#1ff01f', Br: '#a62929', I: '#940094', B: '#ffb5b5', Si: '#f0c8a0', Se: '#ffa100',
};
const LABEL_LIGHT: Record<string, string> = {
  N: '#2040d0', O: '#d00000', F: '#3a8f1a', P: '#d06000', S: '#9a8a00', Cl: '#178a17', Br: '#8f2222', I: '#7a007a', B: '#b06060', Si: '#8a6a40',
};

/** CPK blue and dark red are too dim on a dark background. */
const LABEL_DARK: Record<string, string> = { N: '#7c9cff', O: '#ff6b6b', Br: '#e07a5f', P: '#ffa040' };

export function color3D(el: string): string {
  return CPK[el] ?? '#ff1493';
}

/** Label colour in the 2D editor; carbon uses the text colour. */
export function labelColor(el: string, dark: boolean): string {
  if (el === 'C') return 'var(--fg)';
  return dark ? (LABEL_DARK[el] ?? CPK[el] ?? '#ff69b4') : (LABEL_LIGHT[el] ?? '#c0187a');
}

/** Van der Waals-ish display radii in Å, scaled down for ball-and-stick. */
const RADIUS: Record<string, number> = { H: 0.25, C: 0.34, N: 0.33, O: 0.32, F: 0.3, P: 0.4, S: 0.4, Cl: 0.4, Br: 0.43, I: 0.47 };
export function ballRadius(el: string): number {
  return RADIUS[el] ?? 0.38;
}

export const ELEMENT_NAMES: Record<string, string> = {
  C: 'Carbon', N: 'Nitrogen', O: 'Oxygen', F: 'Fluorine', S: 'Sulfur', Cl: 'Chlorine', Br: 'Bromine', P: 'Phosphorus',
};
