/**
 * Live loss curves per term with uPlot (loaded lazily with the Train panel). The history arrays
 * grow in place in the train store; this chart subscribes to its version counter and calls
 * setData, so React never re-renders per point. Smoothing is an exponential moving average with
 * bias correction (TensorBoard's), applied for display only.
 */
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { LOSS_KEYS, LOSS_LABELS, useTrain, type TrainHistory } from '../state/trainStore';
import { useUi } from '../state/uiStore';

const COLORS = ['#2563eb', '#e11d48', '#16a34a', '#d97706', '#7c3aed'];

export function smooth(values: number[], weight: number): (number | null)[] {
  if (weight <= 0) return values.map((v) => (Number.isFinite(v) ? v : null));
  const out: (number | null)[] = [];
  let last = 0;
  let debias = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(null);
      continue;
    }
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    out.push(last / debias);
  }
  return out;
}

function toData(h: TrainHistory, weight: number, log: boolean): uPlot.AlignedData {
  const clean = (arr: (number | null)[]) => (log ? arr.map((v) => (v !== null && v > 0 ? v : null)) : arr);
  return [h.steps, ...LOSS_KEYS.map((k) => clean(smooth(h.values[k], weight)))] as uPlot.AlignedData;
}

export default function LossChart() {
  const wrap = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [smoothing, setSmoothing] = useState(0.6);
  const [log, setLog] = useState(true);
  const points = useTrain((s) => s.history.steps.length);
  const dark = useUi((s) => s.theme === 'dark');

  useEffect(() => {
    const el = wrap.current!;
    const axisColor = dark ? '#9aa3b5' : '#5b6475';
    const grid = { stroke: dark ? '#2e3542' : '#e3e6ec', width: 1 };
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height: 260,
      scales: { x: { time: false }, y: { distr: log ? 3 : 1 } },
      axes: [
        // Steps are whole numbers: no 2.5 ticks.
        { stroke: axisColor, grid, label: 'step', labelSize: 18, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000] },
        { stroke: axisColor, grid, size: 56, label: 'loss', labelSize: 18 },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [{ label: 'step' }, ...LOSS_KEYS.map((k, i) => ({ label: LOSS_LABELS[k], stroke: COLORS[i], width: k === 'total' ? 2 : 1.4, spanGaps: true, points: { show: false } }))],
    };
    const u = new uPlot(opts, toData(useTrain.getState().history, smoothing, log), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height: 260 }));
    ro.observe(el);
    const unsub = useTrain.subscribe((s, prev) => {
      if (s.version !== prev.version) u.setData(toData(s.history, smoothing, log));
    });
    return () => {
      unsub();
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [smoothing, log, dark]);

  return (
    <div className="loss-chart">
      <div className="chart-controls">
        <label className="inline">
          <span>Smoothing</span>
          <input type="range" aria-label="Smoothing" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
          <span className="mono">{smoothing.toFixed(2)}</span>
        </label>
        <label className="inline">
          <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} />
          <span>Log scale</span>
        </label>
        <span className="hint">{points} points · drag to zoom, double-click to reset · click a legend entry to hide it</span>
      </div>
      <div ref={wrap} className="chart-wrap" role="img" aria-label={`Loss curves, ${points} points`} data-points={points} />
    </div>
  );
}
