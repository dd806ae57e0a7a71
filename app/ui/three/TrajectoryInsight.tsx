/**
 * What the trajectory view explains beside the molecule: the atom colouring switch (element,
 * step size, score norm) with its legend, and the noise level sigma(t) of the shown frame, as a
 * readout and a sparkline of sigma over the recorded frames with the shown one marked.
 */
import { useId } from 'react';
import { COLOUR_MODES, VIRIDIS, type ColourMode, type ColourScale } from './atomColours';

export function ColourModeSwitch({ mode, onChange }: { mode: ColourMode; onChange(mode: ColourMode): void }) {
  // One radio group per viewer: the 2D -> 3D and 3D -> 2D tabs each mount a viewer (hidden tabs stay
  // mounted), and radios sharing a name across the document would uncheck each other.
  const group = useId();
  return (
    <fieldset className="colour-mode" role="radiogroup" aria-label="Colour atoms by">
      <legend>Colour atoms by</legend>
      {COLOUR_MODES.map((m) => (
        <label key={m.value} className="inline" title={m.quantity ? `${m.quantity} (${m.unit})` : 'CPK element colours'}>
          <input type="radio" name={group} value={m.value} checked={mode === m.value} onChange={() => onChange(m.value)} />
          <span>{m.label}</span>
        </label>
      ))}
    </fieldset>
  );
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));

/** The colour bar of a per-atom mode and the frame's range it spans, or why there is none. */
export function ColourLegend({ mode, scale, note }: { mode: ColourMode; scale: ColourScale | null; note: string }) {
  if (mode === 'element') return null;
  const m = COLOUR_MODES.find((c) => c.value === mode)!;
  return (
    <div className="colour-legend" role="group" aria-label={`${m.label} colour scale`} data-min={scale?.min} data-max={scale?.max}>
      <span className="hint">
        {m.label} {m.quantity} ({m.unit}):
      </span>
      {scale ? (
        <>
          <span className="mono" role="note" aria-label="Scale minimum">{fmt(scale.min)}</span>
          <span className="ramp-bar" style={{ background: `linear-gradient(90deg, ${VIRIDIS.join(', ')})` }} aria-hidden="true" />
          <span className="mono" role="note" aria-label="Scale maximum">{fmt(scale.max)}</span>
          <span className="hint">{note}</span>
        </>
      ) : (
        <span className="hint">{note}</span>
      )}
    </div>
  );
}

/** sigma(t) of the shown frame and a log-scale sparkline of sigma over the frames. */
export function SigmaReadout({ sigmas, frame, t }: { sigmas: (number | undefined)[]; frame: number; t: number | undefined }) {
  const sigma = sigmas[frame];
  const known = sigmas.map((s, i) => [i, s] as const).filter((p): p is readonly [number, number] => p[1] !== undefined && p[1] > 0);
  const W = 120;
  const H = 24;
  let path = '';
  let marker: { x: number; y: number } | null = null;
  if (known.length > 1) {
    const logs = known.map(([, s]) => Math.log(s));
    const lo = Math.min(...logs);
    const hi = Math.max(...logs);
    const last = Math.max(sigmas.length - 1, 1);
    const xy = (i: number, s: number) => ({ x: 1 + ((W - 2) * i) / last, y: hi > lo ? 2 + ((H - 4) * (hi - Math.log(s))) / (hi - lo) : H / 2 });
    path = known.map(([i, s], k) => `${k ? 'L' : 'M'}${xy(i, s).x.toFixed(1)},${xy(i, s).y.toFixed(1)}`).join(' ');
    if (sigma !== undefined && sigma > 0) marker = xy(frame, sigma);
  }
  return (
    <span className="sigma-readout">
      <span className="mono" role="status" aria-label="Noise level of the shown frame" data-sigma={sigma} data-t={t}>
        {sigma !== undefined && t !== undefined ? `σ = ${sigma < 0.1 ? sigma.toPrecision(2) : sigma.toFixed(2)} Å, t = ${t >= 0.001 ? t.toFixed(3) : t.toExponential(0)}` : 'σ —'}
      </span>
      {path && (
        <svg className="sigma-sparkline" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="σ over the recorded frames (log scale), the shown frame marked">
          <path d={path} fill="none" stroke="var(--muted)" strokeWidth="1.2" />
          {marker && <circle cx={marker.x} cy={marker.y} r="3" fill="var(--accent)" />}
        </svg>
      )}
    </span>
  );
}
