/**
 * 3D -> 2D: recover the molecular graph (atom types and bonds) from a 3D geometry with the
 * 3D->2D SDE (worker command 'generateTopology'); watch the adjacency matrix denoise and compare
 * the recovered bonds with the input's.
 */
import { lazy, Suspense, useMemo, useState } from 'react';
import { symbolOf } from '../../chem/elements';
import { engineClient } from '../workerClient';
import { useEngine } from '../state/engineStore';
import { useSample } from '../state/sampleStore';
import { useTopology } from '../state/topologyStore';
import { useMolecule } from '../state/moleculeStore';
import { AdjacencyHeatmap } from './AdjacencyHeatmap';
import { BondDiff, type BondPair } from './BondDiff';
import { Depiction } from './Depiction';
import { FileButton, formatDuration, NumberField, SeedField, useElapsedSeconds } from './fields';

const TrajectoryViewer = lazy(() => import('../three/TrajectoryViewer'));
const inputs = () => import('../chem/topologyInput');

/** Bonds of a bond-order code matrix (0 none, 1-3, 4 aromatic), symmetrised and rounded. */
export function bondsFromAdjacency(adjacency: Float32Array, n: number): BondPair[] {
  const out: BondPair[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const code = Math.min(4, Math.max(0, Math.round((adjacency[i * n + j] + adjacency[j * n + i]) / 2)));
      if (code > 0) out.push({ a: i, b: j, order: code });
    }
  }
  return out;
}

export function TopologyPanel() {
  const input = useTopology((s) => s.input);
  const inputError = useTopology((s) => s.inputError);
  const settings = useTopology((s) => s.settings);
  const set = useTopology((s) => s.set);
  const status = useTopology((s) => s.status);
  const engineReady = useEngine((s) => s.status === 'ready');
  const sampleStatus = useSample((s) => s.status);
  const sampledMolecule = useSample((s) => s.molecule);
  const sampledFinal = useSample((s) => s.final);
  const sampledSelected = useSample((s) => s.selected);
  const sampled = sampleStatus === 'done' && sampledFinal && sampledMolecule ? { molecule: sampledMolecule, final: sampledFinal, selected: sampledSelected } : null;
  const [notes, setNotes] = useState<string[]>([]);
  const [loading, setLoading] = useState(false);
  const drawn = useMolecule((s) => s.info);
  const drawnName = useMolecule((s) => s.name);
  const running = status === 'running';

  const openFile = async (file: File) => {
    setLoading(true);
    try {
      const { input: inp, notes: n } = await (await inputs()).topologyInputFromFile(file.name, await file.text());
      useTopology.getState().setInput(inp);
      setNotes(n);
    } catch (e) {
      useTopology.getState().setInput(null, `${file.name}: ${e instanceof Error ? e.message : String(e)}`);
      setNotes([]);
    } finally {
      setLoading(false);
    }
  };

  const takeSampledConformer = async () => {
    if (!sampled) return;
    const { molecule, final, selected } = sampled;
    const n = molecule.elements.length;
    const positions = final.slice(selected * n * 3, (selected + 1) * n * 3);
    try {
      const inp = await (await inputs()).topologyInputFromConformer(molecule.molblock, positions, `sampled conformer ${selected + 1} of ${molecule.name ?? molecule.smiles}`);
      useTopology.getState().setInput(inp);
      setNotes([]);
    } catch (e) {
      useTopology.getState().setInput(null, e instanceof Error ? e.message : String(e));
    }
  };

  /** The editor's molecule with a geometry from the data sets or the shipped example geometries. */
  const takeReference = async () => {
    if (!drawn) return;
    setLoading(true);
    try {
      const { referenceTopologyInput } = await import('../chem/referenceGeometry');
      useTopology.getState().setInput(await referenceTopologyInput(drawn.molblock, drawnName ?? drawn.smiles));
      setNotes([]);
    } catch (e) {
      useTopology.getState().setInput(null, e instanceof Error ? e.message : String(e));
      setNotes([]);
    } finally {
      setLoading(false);
    }
  };

  const why = !engineReady ? 'the GPU engine is not ready' : !input ? 'load a 3D structure first' : running ? 'running' : null;

  return (
    <section className="panel workbench-panel" aria-labelledby="topology-title">
      <h2 id="topology-title">3D → 2D: recover the molecular graph</h2>
      <p className="hint">The 3D→2D SDE denoises atom types and an adjacency matrix, conditioned on SchNet features of the geometry.</p>
      <div className="actions">
        <FileButton accept=".sdf,.sd,.mol,.xyz,chemical/x-mdl-sdfile,chemical/x-xyz" inputLabel="3D structure file" onFile={(f) => void openFile(f)} disabled={running || loading}>
          Open SDF / XYZ…
        </FileButton>
        <button type="button" onClick={() => void takeSampledConformer()} disabled={running || !sampled} title={sampled ? '' : 'Sample conformers in the 2D → 3D panel first'}>
          {sampled ? `Use sampled conformer ${sampled.selected + 1}` : 'Use a sampled conformer'}
        </button>
        <button
          type="button"
          onClick={() => void takeReference()}
          disabled={running || loading || !drawn}
          title={drawn ? `A 3D geometry of ${drawnName ?? drawn.smiles} from the data sets, or the shipped example geometries (RDKit ETKDG + MMFF94)` : 'Draw or type a valid molecule first'}
        >
          Use reference geometry
        </button>
      </div>
      {inputError && (
        <p className="error-text" role="alert">
          {inputError}
        </p>
      )}
      {notes.map((n, i) => (
        <p key={i} className="hint">
          {n}
        </p>
      ))}
      {input && <InputSummary />}
      <form
        className="settings-grid"
        aria-label="3D to 2D settings"
        onSubmit={(e) => {
          e.preventDefault();
          if (!why) useTopology.getState().start(engineClient());
        }}
      >
        <NumberField label="Steps" value={settings.steps} min={2} max={2000} onChange={(steps) => set({ steps })} disabled={running} />
        <NumberField label="Frames" value={settings.frames} min={2} max={200} onChange={(frames) => set({ frames })} disabled={running} />
        <SeedField value={settings.seed} onChange={(seed) => set({ seed })} disabled={running} />
        <div className="actions">
          <button type="submit" className="primary" disabled={!!why} title={why ?? 'Generate the 2D graph'}>
            Generate topology
          </button>
        </div>
      </form>
      <TopologyRun />
    </section>
  );
}

function InputSummary() {
  const input = useTopology((s) => s.input)!;
  const frames = useMemo(() => [{ step: 0, positions: input.positions }], [input]);
  return (
    <div className="topology-input">
      <p>
        <strong>Input:</strong> {input.source} · {input.elements.length} heavy atoms{input.smiles ? <> · <span className="mono">{input.smiles}</span></> : null}
        {input.bondsPerceived ? ' · bonds perceived from distances' : ''}
      </p>
      <Suspense fallback={<p className="hint">Loading the 3D view…</p>}>
        <TrajectoryViewer elements={input.elements} bonds={input.bonds} frames={frames} count={1} totalSteps={0} live={false} selected={0} onSelect={() => undefined} label={`3D input structure: ${input.source}`} />
      </Suspense>
    </div>
  );
}

function TopologyRun() {
  const status = useTopology((s) => s.status);
  const error = useTopology((s) => s.error);
  const frames = useTopology((s) => s.frames);
  const input = useTopology((s) => s.input);
  const result = useTopology((s) => s.result);
  const step = useTopology((s) => s.step);
  const total = useTopology((s) => s.totalSteps);
  const startedAt = useTopology((s) => s.startedAt);
  const finishedAt = useTopology((s) => s.finishedAt);
  const elapsed = useElapsedSeconds(status, startedAt, finishedAt);
  if (status === 'idle' || !input) return null;
  const n = input.elements.length;
  const recoveredElements = result ? Array.from(result.atomTypes, (z) => (z >= 1 && z <= 118 ? symbolOf(z) : '?')) : [];
  return (
    <div className="topology-run">
      <div className="run-progress">
        <progress aria-label="3D to 2D progress" max={Math.max(total, 1)} value={status === 'done' ? total : step} />
        <span className="mono">{status === 'done' ? `done in ${formatDuration(elapsed)}` : status === 'running' ? `step ${step}/${total} · ${formatDuration(elapsed)}` : 'failed'}</span>
        {error && (
          <p className="error-text" role="alert">
            3D → 2D failed: {error}
          </p>
        )}
      </div>
      <div className="topology-views">
        {frames.length > 0 && <AdjacencyHeatmap frames={frames} atoms={n} elements={input.elements} live={status === 'running'} totalSteps={total} />}
        {result && (
          <div className="topology-result">
            <p>
              <strong>Recovered:</strong>{' '}
              {result.smiles ? (
                <span className="mono" data-testid="recovered-smiles">
                  {result.smiles}
                </span>
              ) : (
                <span className="error-text">no valid molecule{result.reason ? `: ${result.reason}` : ''}</span>
              )}
              {result.smiles && input.smiles ? (result.smiles === input.smiles ? ' — identical to the input' : ' — differs from the input') : null}
            </p>
            {result.smiles && <Depiction molecule={result.smiles} width={240} height={170} label={`RDKit depiction of the recovered molecule ${result.smiles}`} />}
            <BondDiff
              positions={input.positions}
              inputElements={input.elements}
              inputBonds={input.bonds}
              recoveredElements={recoveredElements}
              recoveredBonds={bondsFromAdjacency(result.adjacency, n)}
              label="Recovered bonds compared with the input"
            />
            <p className="hint">Bonds compared in the input's atom order, with RDKit's aromaticity on both sides (order 4 = aromatic).</p>
          </div>
        )}
      </div>
    </div>
  );
}
