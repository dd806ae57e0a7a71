/**
 * Small SVG charts of the Fine-tune panel: validation (and test) metric per epoch for both arms,
 * one line per seed; the test scatter of predicted against true values (regression) and the test
 * ROC curves of both arms (classification). SVG keeps them light and readable by tests.
 */
import { rocCurve } from '../../finetune/metrics';
import type { CurvePoint } from './finetuneStore';

const W = 420;
const H = 240;
const PAD = { l: 48, r: 12, t: 12, b: 34 };
export const ARM_COLORS = { pretrained: '#2563eb', scratch: '#e11d48' } as const;

function scale(lo: number, hi: number, a: number, b: number) {
  const span = hi - lo || 1;
  return (v: number) => a + ((v - lo) / span) * (b - a);
}

const tick = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

function Axes({ xl, xh, yl, yh, xLabel, yLabel, xInt }: { xl: number; xh: number; yl: number; yh: number; xLabel: string; yLabel: string; xInt?: boolean }) {
  const xt = (v: number) => (xInt ? String(Math.round(v)) : tick(v));
  return (
    <g className="axes" fontSize={11} fill="currentColor">
      <line x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} stroke="currentColor" strokeOpacity={0.4} />
      <line x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} stroke="currentColor" strokeOpacity={0.4} />
      <text x={PAD.l} y={H - PAD.b + 14}>{xt(xl)}</text>
      <text x={W - PAD.r} y={H - PAD.b + 14} textAnchor="end">{xt(xh)}</text>
      <text x={PAD.l - 4} y={H - PAD.b} textAnchor="end">{tick(yl)}</text>
      <text x={PAD.l - 4} y={PAD.t + 10} textAnchor="end">{tick(yh)}</text>
      <text x={(PAD.l + W - PAD.r) / 2} y={H - 4} textAnchor="middle">{xLabel}</text>
      <text x={12} y={(PAD.t + H - PAD.b) / 2} textAnchor="middle" transform={`rotate(-90 12 ${(PAD.t + H - PAD.b) / 2})`}>{yLabel}</text>
    </g>
  );
}

/** Validation metric per epoch, solid per seed; both arms in their colours. */
export function CurveChart({ curve, metric }: { curve: CurvePoint[]; metric: string }) {
  const pts = curve.filter((p) => Number.isFinite(p.record.valid.metric));
  if (pts.length === 0) return <p className="hint">The curves appear after the first epoch.</p>;
  const xs = pts.map((p) => p.record.epoch);
  const ys = pts.map((p) => p.record.valid.metric);
  const x = scale(1, Math.max(2, ...xs), PAD.l, W - PAD.r);
  const yl = Math.min(...ys), yh = Math.max(...ys);
  const y = scale(yl, yh, H - PAD.b, PAD.t);
  const lines = new Map<string, CurvePoint[]>();
  for (const p of pts) {
    const k = `${p.arm}:${p.seedIndex}`;
    lines.set(k, [...(lines.get(k) ?? []), p]);
  }
  return (
    <svg className="ft-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Validation ${metric} per epoch, ${pts.length} points`} data-points={pts.length}>
      <Axes xl={1} xh={Math.max(2, ...xs)} yl={yl} yh={yh} xLabel="epoch" yLabel={`valid ${metric}`} xInt />
      {[...lines.entries()].map(([k, ps]) => (
        <polyline key={k} fill="none" stroke={ARM_COLORS[ps[0].arm]} strokeWidth={1.6} strokeOpacity={0.85} points={ps.map((p) => `${x(p.record.epoch)},${y(p.record.valid.metric)}`).join(' ')} />
      ))}
    </svg>
  );
}

/** Predicted vs true on test for one task, both arms, with the y = x line. */
export function ScatterChart({ truth, arms, label }: { truth: number[]; arms: { arm: 'pretrained' | 'scratch'; preds: number[] }[]; label: string }) {
  const all = [...truth, ...arms.flatMap((a) => a.preds)].filter(Number.isFinite);
  if (all.length === 0) return null;
  const lo = Math.min(...all), hi = Math.max(...all);
  const x = scale(lo, hi, PAD.l, W - PAD.r);
  const y = scale(lo, hi, H - PAD.b, PAD.t);
  return (
    <svg className="ft-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Test predictions against true ${label}, ${truth.length} molecules`}>
      <Axes xl={lo} xh={hi} yl={lo} yh={hi} xLabel={`true ${label}`} yLabel="predicted" />
      <line x1={x(lo)} y1={y(lo)} x2={x(hi)} y2={y(hi)} stroke="currentColor" strokeOpacity={0.3} strokeDasharray="4 3" />
      {arms.map((a) => (
        <g key={a.arm} fill={ARM_COLORS[a.arm]} fillOpacity={0.45}>
          {truth.map((t, i) => (Number.isFinite(t) && Number.isFinite(a.preds[i]) ? <circle key={i} cx={x(t)} cy={y(a.preds[i])} r={2} /> : null))}
        </g>
      ))}
    </svg>
  );
}

/** ROC curves on test for one task, both arms, with the chance diagonal. */
export function RocChart({ truth, arms, label }: { truth: number[]; arms: { arm: 'pretrained' | 'scratch'; preds: number[] }[]; label: string }) {
  const x = scale(0, 1, PAD.l, W - PAD.r);
  const y = scale(0, 1, H - PAD.b, PAD.t);
  const keep = truth.map((t) => !Number.isNaN(t));
  return (
    <svg className="ft-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Test ROC curves for ${label}`}>
      <Axes xl={0} xh={1} yl={0} yh={1} xLabel="false positive rate" yLabel="true positive rate" />
      <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} stroke="currentColor" strokeOpacity={0.3} strokeDasharray="4 3" />
      {arms.map((a) => {
        const { fpr, tpr } = rocCurve(truth.filter((_, i) => keep[i]), a.preds.filter((_, i) => keep[i]));
        return <polyline key={a.arm} fill="none" stroke={ARM_COLORS[a.arm]} strokeWidth={1.8} points={fpr.map((f, i) => `${x(f)},${y(tpr[i])}`).join(' ')} />;
      })}
    </svg>
  );
}
