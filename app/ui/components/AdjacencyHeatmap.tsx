/**
 * The adjacency matrix as a heat map on a 2D canvas, animating over the 'topologyFrames' of a
 * 3D -> 2D run. The matrix holds bond-order codes (0 none, 1-3, 4 aromatic) on a continuous scale
 * while it denoises; values are clamped to [0, 3] and coloured with a perceptual (viridis) ramp.
 */
import { useEffect, useRef, useState } from 'react';
import type { AdjacencyFrame } from '../state/topologyStore';

// Viridis control points (matplotlib), interpolated linearly.
/** Top of the colour scale: a triple bond (aromatic 4 saturates). */
export const HEAT_MAX = 3;

const RAMP = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];

export function rampColor(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (RAMP.length - 1);
  const i = Math.min(Math.floor(x), RAMP.length - 2);
  const t = x - i;
  return [0, 1, 2].map((k) => Math.round(RAMP[i][k] * (1 - t) + RAMP[i + 1][k] * t)) as [number, number, number];
}

interface Props {
  frames: AdjacencyFrame[];
  atoms: number;
  elements: string[];
  live: boolean;
  totalSteps: number;
}

export function AdjacencyHeatmap({ frames, atoms, elements, live, totalSteps }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(true);
  const n = frames.length;
  const shown = live ? n - 1 : Math.min(index, n - 1);

  // Playback after the run: step through the frames at ~8 fps, holding the last one.
  useEffect(() => {
    if (live || !playing || n < 2) return;
    const t = setInterval(() => setIndex((i) => (i >= n + 6 ? 0 : i + 1)), 125);
    return () => clearInterval(t);
  }, [live, playing, n]);
  useEffect(() => {
    if (!live) setIndex(0);
  }, [live]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const frame = frames[Math.max(0, shown)];
    if (!canvas || !frame || atoms === 0) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(atoms, atoms);
    for (let i = 0; i < atoms * atoms; i++) {
      const [r, g, b] = rampColor(frame.adjacency[i] / HEAT_MAX);
      img.data.set([r, g, b, 255], i * 4);
    }
    canvas.width = atoms;
    canvas.height = atoms;
    ctx.putImageData(img, 0, 0);
  }, [frames, shown, atoms]);

  const frame = frames[Math.max(0, shown)];
  return (
    <figure className="heatmap">
      <div className="heatmap-grid" style={{ gridTemplateColumns: `auto 1fr` }}>
        <span />
        <div className="heatmap-labels top" style={{ gridTemplateColumns: `repeat(${atoms}, 1fr)` }} aria-hidden="true">
          {atoms <= 24 && elements.map((el, i) => <span key={i}>{el}</span>)}
        </div>
        <div className="heatmap-labels left" style={{ gridTemplateRows: `repeat(${atoms}, 1fr)` }} aria-hidden="true">
          {atoms <= 24 && elements.map((el, i) => <span key={i}>{el}</span>)}
        </div>
        <canvas ref={canvasRef} className="heatmap-canvas" role="img" aria-label={`Adjacency matrix, ${frame ? `step ${frame.step} of ${totalSteps}` : 'no frame yet'}`} data-frame={shown} />
      </div>
      <figcaption>
        <div className="transport" role="group" aria-label="Adjacency playback">
          <button type="button" aria-label="Play adjacency" aria-pressed={playing && !live} disabled={live || n < 2} onClick={() => setPlaying((p) => !p)}>
            {playing && !live ? '❚❚' : '▶'}
          </button>
          <input
            type="range"
            aria-label="Adjacency frame"
            min={0}
            max={Math.max(n - 1, 0)}
            value={Math.max(0, shown)}
            disabled={live || n < 2}
            onChange={(e) => {
              setPlaying(false);
              setIndex(Number(e.target.value));
            }}
          />
          <span className="mono">{frame ? `step ${frame.step}/${totalSteps}` : '—'}</span>
        </div>
        <div className="ramp" aria-hidden="true">
          <span>no bond</span>
          <span className="ramp-bar" />
          <span>triple</span>
        </div>
      </figcaption>
    </figure>
  );
}
