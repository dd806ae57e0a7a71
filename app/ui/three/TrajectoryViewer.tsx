/**
 * The 3D view of a sampling trajectory: play / pause / scrub / speed, a switch between the K
 * conformers, OrbitControls. Loaded lazily (three.js is not in the first-paint bundle). It
 * explains the frames too: sigma(t) of the shown frame, atoms coloured by element, step size or
 * score norm (TrajectoryInsight.tsx, atomColours.ts), and, paused, the caller's `inspect` view of
 * the frame (the 2D->3D panel shows its bond-length error).
 *
 * While a run streams, the view follows the newest frame ("live"); when it is done it plays the
 * trajectory from noise to conformer in a loop. The animation runs in requestAnimationFrame and
 * writes into the InstancedMesh directly; React only re-renders when the integer frame changes.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { registerTransport } from '../shortcuts';
import { useUi } from '../state/uiStore';
import { MoleculeScene, type SceneBond } from './MoleculeScene';
import { atomColours, type ColourMode } from './atomColours';
import { atomStepSizes } from '../../inspect/trajectory';
import { ColourLegend, ColourModeSwitch, SigmaReadout } from './TrajectoryInsight';

export interface TrajectoryFrame {
  step: number;
  /** [count x atoms x 3], sample-major. */
  positions: Float32Array;
  /** The frame's time t and sigma(t) in Å (app/sde/sampler.ts frameTime). */
  t?: number;
  sigma?: number;
  /** [count x atoms] per-atom score norms at the frame, when recorded. */
  scoreNorms?: Float32Array | null;
}

export interface TrajectoryViewerProps {
  elements: string[];
  bonds: SceneBond[];
  frames: TrajectoryFrame[];
  count: number;
  totalSteps: number;
  live: boolean;
  selected: number;
  onSelect(i: number): void;
  label: string;
  /** Shown under the transport while playback is paused on a frame (index into `frames`). */
  inspect?: (frame: number) => ReactNode;
}

const SPEEDS = [0.25, 0.5, 1, 2, 4];
const BASE_FPS = 12;

export default function TrajectoryViewer(props: TrajectoryViewerProps) {
  const { elements, bonds, frames, count, totalSteps, live, selected, onSelect, label, inspect } = props;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const sceneRef = useRef<MoleculeScene | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState(true);
  const [speed, setSpeed] = useState(1);
  const [frame, setFrame] = useState(0);
  const [colourMode, setColourMode] = useState<ColourMode>('element');
  const playhead = useRef(0);
  const state = useRef({ frames, selected, playing, speed, live, atoms: elements.length });
  state.current = { frames, selected, playing, speed, live, atoms: elements.length };
  const dark = useUi((s) => s.theme === 'dark');

  // Create the renderer once.
  useEffect(() => {
    const canvas = canvasRef.current!;
    let scene: MoleculeScene;
    try {
      scene = new MoleculeScene(canvas);
    } catch (e) {
      setError(`3D view unavailable: ${e instanceof Error ? e.message : String(e)} (WebGL2 is needed)`);
      return;
    }
    sceneRef.current = scene;
    const wrap = wrapRef.current!;
    const ro = new ResizeObserver(() => scene.resize(wrap.clientWidth, wrap.clientHeight));
    ro.observe(wrap);
    scene.resize(wrap.clientWidth, wrap.clientHeight);
    let raf = 0;
    let last = performance.now();
    let shownFrame = -1;
    let shownKey = '';
    const loop = (now: number) => {
      raf = requestAnimationFrame(loop);
      // rAF's timestamp is the frame's start and can precede the performance.now() taken at setup.
      const dt = Math.max(0, Math.min(0.1, (now - last) / 1000));
      last = now;
      const st = state.current;
      const n = st.frames.length;
      if (n === 0) return void scene.tick();
      if (st.live) playhead.current = n - 1;
      else if (st.playing) {
        playhead.current += dt * BASE_FPS * st.speed;
        // Hold the final conformer for a moment before looping.
        if (playhead.current > n - 1 + BASE_FPS * 0.8) playhead.current = 0;
      }
      const ph = Math.max(0, Math.min(playhead.current, n - 1));
      const i0 = Math.floor(ph);
      const i1 = Math.min(i0 + 1, n - 1);
      const t = ph - i0;
      const key = `${ph.toFixed(3)}|${st.selected}|${n}`;
      if (key !== shownKey) {
        shownKey = key;
        const a = st.atoms * 3;
        const off = st.selected * a;
        const p0 = st.frames[i0].positions;
        const p1 = st.frames[i1].positions;
        const xyz = new Float32Array(a);
        for (let k = 0; k < a; k++) xyz[k] = p0[off + k] * (1 - t) + p1[off + k] * t;
        scene.setPositions(xyz);
      }
      scene.tick();
      if (i0 !== shownFrame) {
        shownFrame = i0;
        setFrame(i0);
      }
    };
    raf = requestAnimationFrame(loop);
    return () => {
      cancelAnimationFrame(raf);
      ro.disconnect();
      scene.dispose();
      sceneRef.current = null;
    };
  }, []);

  useEffect(() => {
    sceneRef.current?.setMolecule(elements, bonds);
    playhead.current = 0;
  }, [elements, bonds]);

  useEffect(() => {
    const bg = getComputedStyle(document.documentElement).getPropertyValue('--panel-2').trim();
    sceneRef.current?.setBackground(bg || null);
  }, [dark]);

  // When a run finishes, start the playback from the first (noise) frame.
  useEffect(() => {
    if (!live) {
      playhead.current = 0;
      setPlaying(true);
    }
  }, [live]);

  // Pausing lands on the integer frame shown, so what is inspected is exactly a recorded frame.
  function togglePlay() {
    setPlaying((p) => {
      if (p) playhead.current = Math.min(Math.floor(playhead.current), Math.max(state.current.frames.length - 1, 0));
      return !p;
    });
  }
  const sigmas = useMemo(() => frames.map((f) => f.sigma), [frames]);

  useEffect(
    () =>
      registerTransport({
        toggle: () => togglePlay(),
        visible: () => !!canvasRef.current && canvasRef.current.offsetParent !== null && state.current.frames.length > 1 && !state.current.live,
      }),
    [],
  );

  const n = frames.length;
  const shownIndex = Math.min(frame, Math.max(n - 1, 0));
  const shown = frames[shownIndex];
  const atoms = elements.length;

  // The shown frame's per-atom quantity for the colouring mode (conformer `selected`).
  const colouring = useMemo(() => {
    const f = frames[shownIndex];
    let values: Float32Array | null = null;
    let note = '';
    if (f && colourMode === 'step') {
      if (shownIndex > 0) {
        values = atomStepSizes(frames[shownIndex - 1].positions, f.positions, atoms, selected);
        note = `moved since step ${frames[shownIndex - 1].step}`;
      } else note = 'the first recorded frame has no previous frame';
    } else if (f && colourMode === 'score') {
      values = f.scoreNorms ? f.scoreNorms.subarray(selected * atoms, (selected + 1) * atoms) : null;
      note = values ? `at σ of this frame` : 'not recorded for this frame';
    }
    return { ...atomColours(colourMode, elements, values), note };
  }, [frames, shownIndex, colourMode, selected, atoms, elements]);

  useEffect(() => {
    sceneRef.current?.setAtomColours(colourMode === 'element' ? null : colouring.colours);
  }, [colouring, colourMode]);
  return (
    <div className="trajectory-viewer">
      <div className="viewer-canvas-wrap" ref={wrapRef}>
        <canvas
          ref={canvasRef}
          className="viewer-canvas"
          role="img"
          aria-label={label}
          data-frame={frame}
          data-frames={n}
          data-colour-mode={colourMode}
          data-atom-colours={colouring.colours.join(',')}
        />
        {error && <p className="viewer-error error-text">{error}</p>}
        {n === 0 && !error && <p className="viewer-empty hint">{live ? 'Waiting for the first frame…' : 'Press Sample to generate conformers.'}</p>}
      </div>
      {(live || n > 1) && (
      <div className="transport" role="group" aria-label="Trajectory playback">
        <button type="button" aria-label="Play" aria-pressed={playing && !live} title="Play / pause (Space)" disabled={live || n < 2} onClick={togglePlay}>
          {playing && !live ? '❚❚' : '▶'}
        </button>
        <input
          type="range"
          aria-label="Trajectory frame"
          min={0}
          max={Math.max(n - 1, 0)}
          step={1}
          value={Math.min(frame, Math.max(n - 1, 0))}
          disabled={live || n < 2}
          onChange={(e) => {
            playhead.current = Number(e.target.value);
            setPlaying(false);
            setFrame(Number(e.target.value));
          }}
        />
        <span className="transport-step mono" aria-live="off">
          {shown ? `step ${shown.step}/${totalSteps}` : '—'}
        </span>
        <label className="inline">
          <span>Speed</span>
          <select aria-label="Playback speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <button type="button" aria-label="Reset view" title="Reset the camera" onClick={() => sceneRef.current?.resetView()}>
          ⟲
        </button>
      </div>
      )}
      {n > 0 && (
        <div className="colour-controls">
          <SigmaReadout sigmas={sigmas} frame={shownIndex} t={shown?.t} />
          <ColourModeSwitch mode={colourMode} onChange={setColourMode} />
          <ColourLegend mode={colourMode} scale={colouring.scale} note={colouring.note} />
        </div>
      )}
      {inspect && !live && !playing && n > 0 && inspect(shownIndex)}
      {count > 1 && (
        <div className="conformer-switch" role="group" aria-label="Conformers">
          <span className="hint">Conformer</span>
          {Array.from({ length: count }, (_, i) => (
            <button key={i} type="button" aria-pressed={selected === i} aria-label={`Conformer ${i + 1}`} onClick={() => onSelect(i)}>
              {i + 1}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
