/**
 * The recovered graph drawn over the input geometry (projected onto its two main axes), with the
 * bonds that differ from the input highlighted: bonds the model added, bonds it lost, and atoms
 * whose element changed.
 */
import { useMemo } from 'react';
import { labelColor } from '../elementColors';
import { useUi } from '../state/uiStore';

export interface BondPair {
  a: number;
  b: number;
  /** 1-3, or 4 for aromatic. */
  order: number;
}

/** Projects [n x 3] coordinates onto their two principal axes (power iteration on the covariance). */
export function principalProjection(xyz: ArrayLike<number>, n: number): { x: number; y: number }[] {
  const c = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) c[k] += xyz[i * 3 + k] / n;
  const p = Array.from({ length: n }, (_, i) => [0, 1, 2].map((k) => xyz[i * 3 + k] - c[k]));
  const cov = [0, 1, 2].map((r) => [0, 1, 2].map((s) => p.reduce((acc, v) => acc + v[r] * v[s], 0)));
  const mul = (m: number[][], v: number[]) => m.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]);
  const norm = (v: number[]) => {
    const l = Math.hypot(...v) || 1;
    return v.map((x) => x / l);
  };
  const power = (m: number[][], start: number[]) => {
    let v = norm(start);
    for (let it = 0; it < 60; it++) v = norm(mul(m, v));
    return v;
  };
  const e1 = power(cov, [1, 0.3, 0.1]);
  const l1 = mul(cov, e1).reduce((s, x, k) => s + x * e1[k], 0);
  const deflated = cov.map((row, r) => row.map((x, s) => x - l1 * e1[r] * e1[s]));
  let e2 = power(deflated, [0.2, 1, 0.4]);
  // Orthogonalise against e1 (numerical safety).
  const d = e2[0] * e1[0] + e2[1] * e1[1] + e2[2] * e1[2];
  e2 = norm(e2.map((x, k) => x - d * e1[k]));
  return p.map((v) => ({ x: v[0] * e1[0] + v[1] * e1[1] + v[2] * e1[2], y: v[0] * e2[0] + v[1] * e2[1] + v[2] * e2[2] }));
}

const ORDER_NAME: Record<number, string> = { 0: 'no bond', 1: 'single', 2: 'double', 3: 'triple', 4: 'aromatic' };

export function bondKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

interface Props {
  positions: Float32Array;
  inputElements: string[];
  inputBonds: BondPair[];
  recoveredElements: string[];
  recoveredBonds: BondPair[];
  label: string;
}

export function BondDiff({ positions, inputElements, inputBonds, recoveredElements, recoveredBonds, label }: Props) {
  const dark = useUi((s) => s.theme === 'dark');
  const n = inputElements.length;
  const pts = useMemo(() => principalProjection(positions, n), [positions, n]);
  const inputOrder = new Map(inputBonds.map((b) => [bondKey(b.a, b.b), b.order]));
  const recOrder = new Map(recoveredBonds.map((b) => [bondKey(b.a, b.b), b.order]));
  const inputSet = new Set(inputOrder.keys());
  const recSet = new Set(recOrder.keys());
  const all = new Map<string, BondPair>();
  for (const b of [...inputBonds, ...recoveredBonds]) all.set(bondKey(b.a, b.b), b);
  const kindOf = (k: string) => (inputSet.has(k) && recSet.has(k) ? (inputOrder.get(k) === recOrder.get(k) ? 'same' : 'order') : recSet.has(k) ? 'added' : 'lost');
  const minX = Math.min(...pts.map((p) => p.x)) - 1;
  const maxX = Math.max(...pts.map((p) => p.x)) + 1;
  const minY = Math.min(...pts.map((p) => p.y)) - 1;
  const maxY = Math.max(...pts.map((p) => p.y)) + 1;
  const added = [...recSet].filter((k) => !inputSet.has(k)).length;
  const lost = [...inputSet].filter((k) => !recSet.has(k)).length;
  const reordered = [...recSet].filter((k) => kindOf(k) === 'order').length;
  const changed = recoveredElements.filter((el, i) => el !== inputElements[i]).length;
  return (
    <figure className="bond-diff">
      <svg viewBox={`${minX} ${minY} ${maxX - minX} ${maxY - minY}`} role="img" aria-label={`${label}: ${added} bonds added, ${lost} lost, ${reordered} with another order, ${changed} elements changed`}>
        {[...all.entries()].map(([k, b]) => {
          const kind = kindOf(k);
          const order = recOrder.get(k) ?? inputOrder.get(k) ?? 1;
          return (
            <g key={k} className={`diff-bond ${kind}`} data-kind={kind}>
              <title>{`${inputElements[b.a]}${b.a + 1}–${inputElements[b.b]}${b.b + 1}: input ${ORDER_NAME[inputOrder.get(k) ?? 0]}, recovered ${ORDER_NAME[recOrder.get(k) ?? 0]}`}</title>
              <line x1={pts[b.a].x} y1={pts[b.a].y} x2={pts[b.b].x} y2={pts[b.b].y} strokeWidth={order === 4 ? 0.11 : 0.03 + 0.04 * order} />
            </g>
          );
        })}
        {pts.map((p, i) => {
          const el = recoveredElements[i] ?? '?';
          const wrong = el !== inputElements[i];
          return (
            <g key={i} className={`diff-atom${wrong ? ' changed' : ''}`}>
              <circle cx={p.x} cy={p.y} r={0.34} />
              <text x={p.x} y={p.y} textAnchor="middle" dominantBaseline="central" fontSize={0.42} fill={labelColor(el, dark)}>
                {el}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span className="key same">same as input</span>
        <span className="key added">added ({added})</span>
        <span className="key lost">lost ({lost})</span>
        <span className="key order">other order ({reordered})</span>
        <span className="key changed">element changed ({changed})</span>
      </figcaption>
    </figure>
  );
}
