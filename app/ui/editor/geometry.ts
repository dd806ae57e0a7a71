/** Small 2D helpers for drawing and hit-testing the editor's SVG. */
import type { Point } from './graph';

export function distToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Moves `from` towards `to` by `d` (to leave room for an atom label). */
export function shorten(from: Point, to: Point, d: number): Point {
  const len = Math.hypot(to.x - from.x, to.y - from.y);
  if (len <= 2 * d) return from;
  return { x: from.x + ((to.x - from.x) * d) / len, y: from.y + ((to.y - from.y) * d) / len };
}

/** Direction of a drag snapped to multiples of 30°, as bond-drawing editors do. */
export function snapDirection(from: Point, to: Point, stepDeg = 30): Point {
  const ang = Math.atan2(to.y - from.y, to.x - from.x);
  const step = (stepDeg * Math.PI) / 180;
  const snapped = Math.round(ang / step) * step;
  return { x: Math.cos(snapped), y: Math.sin(snapped) };
}

export function chargeLabel(charge: number): string {
  if (charge === 0) return '';
  const sign = charge > 0 ? '+' : '−';
  return Math.abs(charge) === 1 ? sign : `${Math.abs(charge)}${sign}`;
}
