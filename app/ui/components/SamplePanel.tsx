/**
 * 2D -> 3D: sample K conformers of the editor's molecule with the reverse SDE on the GPU (worker
 * command 'sample'), watch the trajectory, judge and download the results.
 */
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { engineClient } from '../workerClient';
import { useEngine } from '../state/engineStore';
import { useMolecule } from '../state/moleculeStore';
import { useSample, SAMPLE_LIMITS, type SampledMolecule } from '../state/sampleStore';
import { useTrain } from '../state/trainStore';
import { useTopology } from '../state/topologyStore';
import { useUi } from '../state/uiStore';
import { atomIndex } from '../editor/graph';
import type { ConformerMetrics, ReferenceGeometry } from '../chem/conformers';
import { FrameInspect } from './FrameInspect';
import { download, formatDuration, NumberField, SeedField, SelectField, useElapsedSeconds } from './fields';

const TrajectoryViewer = lazy(() => import('../three/TrajectoryViewer'));
const conformers = () => import('../chem/conformers');

const QM9_ELEMENTS = new Set(['C', 'N', 'O', 'F']);

export function SamplePanel() {
  const settings = useSample((s) => s.settings);
  const set = useSample((s) => s.set);
  const status = useSample((s) => s.status);
  const engineReady = useEngine((s) => s.status === 'ready');
  const info = useMolecule((s) => s.info);
  const checking = useMolecule((s) => s.checking);
  const graph = useMolecule((s) => s.graph);
  const name = useMolecule((s) => s.name);
  const hasTrained = useTrain((s) => s.hasModel);
  const running = status === 'running';

  const outOfDistribution = useMemo(() => {
    if (!info) return null;
    const odd = [...new Set(graph.atoms.map((a) => a.el))].filter((e) => !QM9_ELEMENTS.has(e));
    if (info.heavyAtoms > 9 || odd.length)
      return `This molecule is outside what the shipped model was trained on (QM9-like: at most 9 heavy atoms of C, N, O, F${odd.length ? `; it has ${odd.join(', ')}` : ''}${info.heavyAtoms > 9 ? `; it has ${info.heavyAtoms} heavy atoms` : ''}). Expect poor geometry.`;
    return null;
  }, [info, graph]);

  const start = () => {
    if (!info) return;
    const index = atomIndex(graph);
    const molecule: SampledMolecule = {
      molblock: info.molblock,
      smiles: info.smiles,
      name,
      elements: graph.atoms.map((a) => a.el),
      bonds: graph.bonds.map((b) => ({ a: index.get(b.a)!, b: index.get(b.b)!, order: b.order })),
    };
    useSample.getState().start(engineClient(), molecule);
  };

  const why = !engineReady ? 'the GPU engine is not ready' : checking ? 'RDKit is checking the molecule' : !info ? 'draw or type a valid molecule first' : running ? 'sampling is running' : null;

  return (
    <section className="panel workbench-panel" aria-labelledby="sample-title">
      <h2 id="sample-title">2D → 3D: sample conformers</h2>
      <p className="hint">
        The reverse SDE of MoleculeSDE's 2D→3D model turns Gaussian noise into 3D coordinates, conditioned on the molecular graph. Bonds are drawn from the graph, so early (noisy) frames look tangled.
      </p>
      <form
        className="settings-grid"
        aria-label="Sampling settings"
        onSubmit={(e) => {
          e.preventDefault();
          if (!why) start();
        }}
      >
        <NumberField label="Conformers" value={settings.count} min={SAMPLE_LIMITS.count[0]} max={SAMPLE_LIMITS.count[1]} onChange={(count) => set({ count })} disabled={running} />
        <NumberField label="Steps" value={settings.steps} min={SAMPLE_LIMITS.steps[0]} max={SAMPLE_LIMITS.steps[1]} onChange={(steps) => set({ steps })} disabled={running} title="Number of reverse-time steps" />
        <SelectField
          label="Sampler"
          value={settings.sampler}
          options={[
            { value: 'pc', label: 'Predictor–corrector (SDE)' },
            { value: 'ode', label: 'Probability-flow ODE' },
          ]}
          onChange={(sampler) => set({ sampler })}
          disabled={running}
        />
        {settings.sampler === 'pc' && (
          <>
            <NumberField label="Corrector steps" value={settings.correctorSteps} min={0} max={5} onChange={(correctorSteps) => set({ correctorSteps })} disabled={running} title="Langevin corrector steps per predictor step" />
            <NumberField label="SNR" value={settings.snr} min={0} max={2} step={0.01} onChange={(snr) => set({ snr })} disabled={running} title="Signal-to-noise ratio of the Langevin corrector" />
          </>
        )}
        <NumberField label="Frames" value={settings.frames} min={2} max={200} onChange={(frames) => set({ frames })} disabled={running} title="Frames read back for the animation" />
        <SeedField value={settings.seed} onChange={(seed) => set({ seed })} disabled={running} />
        <SelectField
          label="Weights"
          value={settings.weights}
          options={[
            { value: 'default', label: 'Shipped checkpoint' },
            { value: 'trained', label: 'Model trained in this tab', disabled: !hasTrained },
          ]}
          onChange={(weights) => set({ weights })}
          disabled={running}
          title="Sample with the shipped weights or with the model of the Train panel"
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={!!why} title={why ?? 'Sample conformers'}>
            Sample
          </button>
        </div>
      </form>
      {outOfDistribution && <p className="warning-text">{outOfDistribution}</p>}
      <SampleProgress />
      <SampleResults />
    </section>
  );
}

function SampleProgress() {
  const status = useSample((s) => s.status);
  const step = useSample((s) => s.step);
  const total = useSample((s) => s.totalSteps);
  const error = useSample((s) => s.error);
  const startedAt = useSample((s) => s.startedAt);
  const finishedAt = useSample((s) => s.finishedAt);
  const elapsed = useElapsedSeconds(status, startedAt, finishedAt);
  if (status === 'idle') return null;
  const rate = step > 0 ? step / elapsed : 0;
  return (
    <div className="run-progress">
      <progress aria-label="Sampling progress" max={Math.max(total, 1)} value={status === 'done' ? total : step} />
      <span className="mono">
        {status === 'done' ? `done: ${total} steps in ${formatDuration(elapsed)}` : status === 'running' ? `step ${step}/${total} · ${formatDuration(elapsed)}${rate ? ` · ${rate.toFixed(1)} steps/s · ETA ${formatDuration((total - step) / rate)}` : ''}` : 'failed'}
      </span>
      {error && (
        <p className="error-text" role="alert">
          Sampling failed: {error}
        </p>
      )}
    </div>
  );
}

function SampleResults() {
  const status = useSample((s) => s.status);
  const molecule = useSample((s) => s.molecule);
  const frames = useSample((s) => s.frames);
  const count = useSample((s) => s.count);
  const totalSteps = useSample((s) => s.totalSteps);
  const selected = useSample((s) => s.selected);
  const select = useSample((s) => s.select);
  const final = useSample((s) => s.final);
  const resultSdf = useSample((s) => s.resultSdf);
  const fileGeometry = useMolecule((s) => s.fileGeometry);
  const currentSmiles = useMolecule((s) => s.info?.smiles ?? null);
  const [metrics, setMetrics] = useState<ConformerMetrics[] | null>(null);
  const [reference, setReference] = useState<ReferenceGeometry | null>(null);
  const [metricsError, setMetricsError] = useState<string | null>(null);

  const bonds = useMemo(() => molecule?.bonds ?? [], [molecule]);
  const elements = useMemo(() => molecule?.elements ?? [], [molecule]);

  useEffect(() => {
    setMetrics(null);
    setMetricsError(null);
    setReference(null);
    if (status !== 'done' || !final || !molecule) return;
    let live = true;
    (async () => {
      const mod = await conformers();
      let ref: ReferenceGeometry | null = null;
      if (fileGeometry && currentSmiles === molecule.smiles) ref = fileGeometry;
      else {
        // The worker holds the data sets: it looks the molecule up and returns the conformer in our atom order.
        const r = await engineClient().request({ type: 'findReference', molblock: molecule.molblock }, 'reference');
        ref = r.positions && r.origin ? { positions: r.positions, source: r.origin } : null;
      }
      const m = await mod.judgeConformers(molecule.molblock, final, count, ref);
      if (live) {
        setReference(ref);
        setMetrics(m);
      }
    })().catch((e: unknown) => live && setMetricsError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- recompute when a run finishes
  }, [status, final, molecule, count]);

  if (!molecule || status === 'idle') return null;
  const base = (molecule.name ?? molecule.smiles).replace(/[^\w.-]+/g, '_').slice(0, 40) || 'molecule';
  const props = (i: number): Record<string, string> => {
    const m = metrics?.[i];
    // The worker's SDF already names the conformer, steps, seed and sampler.
    const p: Record<string, string> = { smiles: molecule.smiles, generator: 'MoleculeSDE 2D->3D (browser lab)' };
    if (m) {
      p.bond_length_mae_A = m.bondErrorMean.toFixed(4);
      p.clashes = String(m.clashes);
      if (m.rmsd !== null) p.rmsd_to_reference_A = m.rmsd.toFixed(4);
    }
    return p;
  };
  const save = async (kind: 'sdf' | 'xyz' | 'trajectory') => {
    try {
      const mod = await conformers();
      if (kind === 'sdf') {
        // The SDF the worker wrote for this run, with the metrics added as data items.
        if (!resultSdf) throw new Error('the worker returned no SDF for this run');
        download(`${base}_conformers.sdf`, (await import('../../chem/io')).addSdfProps(resultSdf, props), 'chemical/x-mdl-sdfile');
      }
      else if (kind === 'xyz') download(`${base}_conformers.xyz`, await mod.conformersToXyz(molecule.molblock, final!, count, (i) => `${molecule.smiles} conformer ${i + 1}`), 'chemical/x-xyz');
      else download(`${base}_conformer${selected + 1}_trajectory.xyz`, await mod.trajectoryToXyz(molecule.molblock, frames, selected), 'chemical/x-xyz');
    } catch (e) {
      setMetricsError(`export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const toTopology = async () => {
    try {
      const n = molecule.elements.length;
      const { topologyInputFromConformer } = await import('../chem/topologyInput');
      const input = await topologyInputFromConformer(molecule.molblock, final!.slice(selected * n * 3, (selected + 1) * n * 3), `sampled conformer ${selected + 1} of ${molecule.name ?? molecule.smiles}`);
      useTopology.getState().setInput(input);
      useUi.getState().setPanel('topology');
    } catch (e) {
      setMetricsError(`cannot use the conformer: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <div className="sample-results">
      <Suspense fallback={<p className="hint">Loading the 3D view…</p>}>
        <TrajectoryViewer
          elements={elements}
          bonds={bonds}
          frames={frames}
          count={count}
          totalSteps={totalSteps}
          live={status === 'running'}
          selected={selected}
          onSelect={select}
          label={`3D trajectory of ${molecule.name ?? molecule.smiles}, conformer ${selected + 1}`}
          inspect={(i) =>
            frames[i] && (
              <FrameInspect molblock={molecule.molblock} positions={frames[i].positions} atoms={elements.length} sample={selected} step={frames[i].step} totalSteps={totalSteps} />
            )
          }
        />
      </Suspense>
      {status === 'done' && final && (
        <>
          <div className="actions">
            <button type="button" onClick={() => void save('sdf')}>
              Download SDF
            </button>
            <button type="button" onClick={() => void save('xyz')}>
              Download XYZ
            </button>
            <button type="button" onClick={() => void save('trajectory')} disabled={frames.length < 2}>
              Download trajectory (XYZ)
            </button>
            <button type="button" onClick={() => void toTopology()} title="Recover the graph of this conformer with the 3D → 2D model">
              Recover its graph (3D → 2D)
            </button>
          </div>
          <MetricsTable metrics={metrics} reference={reference} selected={selected} onSelect={select} />
        </>
      )}
      {metricsError && <p className="error-text" role="alert">{metricsError}</p>}
    </div>
  );
}

function MetricsTable({ metrics, reference, selected, onSelect }: { metrics: ConformerMetrics[] | null; reference: ReferenceGeometry | null; selected: number; onSelect(i: number): void }) {
  if (!metrics) return <p className="hint">Judging the conformers with RDKit…</p>;
  const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  return (
    <div className="table-wrap">
      <table className="metrics" aria-label="Conformer metrics">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col" title="Mean |d − d_expected| over bonds, Å (max in brackets)">Bond error (Å)</th>
            <th scope="col" title="Mean |θ − θ_ideal| over bond angles, degrees">Angle error (°)</th>
            <th scope="col" title="Non-bonded heavy-atom pairs (not 1-2, 1-3) closer than 2 Å">Clashes</th>
            <th scope="col" title="Do the input's R/S and E/Z labels survive in 3D?">Chirality</th>
            <th scope="col" title={reference ? `Heavy-atom RMSD after alignment, over automorphisms, to: ${reference.source}` : 'No reference geometry for this molecule'}>RMSD (Å)</th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((m, i) => (
            <tr key={i} aria-selected={selected === i} className={selected === i ? 'selected' : undefined} onClick={() => onSelect(i)}>
              <th scope="row">{i + 1}</th>
              <td>
                {fmt(m.bondErrorMean)} ({fmt(m.bondErrorMax, 2)})
              </td>
              <td>{fmt(m.angleErrorMean, 1)}</td>
              <td>{Number.isFinite(m.clashes) ? m.clashes : '—'}</td>
              <td title={m.chiralityNote}>{m.chiralityKept === null ? 'n/a' : m.chiralityKept ? 'kept' : 'lost'}</td>
              <td>{m.rmsd === null ? '—' : fmt(m.rmsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">{reference ? `RMSD reference: ${reference.source}.` : 'No reference geometry: the molecule is not in the shipped data sets and was not opened from a 3D file.'}</p>
    </div>
  );
}
