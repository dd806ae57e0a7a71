/**
 * uPlot charts of the noise-level inspector (lazy, with uPlot): the schedule sigma(t), the
 * training emphasis over sigma (density of the drawn noise levels, weight std^p, their product),
 * and the measured per-sigma losses and RMSDs on log-log axes.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useUi } from '../state/uiStore';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
}

interface ChartProps {
  x: number[];
  series: Series[];
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  height?: number;
  label: string;
}

export function LineChart({ x, series, xLabel, yLabel, logX, logY, height = 200, label }: ChartProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const dark = useUi((s) => s.theme === 'dark');
  useEffect(() => {
    const el = wrap.current!;
    const axisColor = dark ? '#9aa3b5' : '#5b6475';
    const grid = { stroke: dark ? '#2e3542' : '#e3e6ec', width: 1 };
    const clean = (v: (number | null)[]) => (logY ? v.map((y) => (y !== null && y > 0 ? y : null)) : v);
    const u = new uPlot(
      {
        width: Math.max(el.clientWidth, 200),
        height,
        scales: { x: { time: false, distr: logX ? 3 : 1 }, y: { distr: logY ? 3 : 1 } },
        axes: [
          { stroke: axisColor, grid, label: xLabel, labelSize: 18 },
          { stroke: axisColor, grid, size: 56, label: yLabel, labelSize: 18 },
        ],
        legend: { live: true },
        series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.6, dash: s.dash, spanGaps: true, points: { show: x.length < 30 } }))],
      },
      [x, ...series.map((s) => clean(s.values))] as uPlot.AlignedData,
      el,
    );
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [x, series, xLabel, yLabel, logX, logY, height, dark]);
  return <div ref={wrap} className="chart-wrap" role="img" aria-label={label} />;
}

export default LineChart;
