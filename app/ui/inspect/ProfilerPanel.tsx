/**
 * Kernel profiler (Train tab, behind a toggle): profiles one training step with the Train panel's
 * settings and one sampling step of the drawn molecule on this tab's GPU (worker command 'profile')
 * and shows GPU time by op family, the top kernels and dispatch counts, with the adapter. Without
 * timestamp queries it says so and shows the dispatch counts alone. The report exports as JSON.
 */
import { engineClient } from '../workerClient';
import { useEngine } from '../state/engineStore';
import { useMolecule } from '../state/moleculeStore';
import { toTrainConfig, useTrain } from '../state/trainStore';
import { download, NumberField, SelectField } from '../components/fields';
import { useProfiler } from './profilerStore';
import type { ProfilePhase } from '../../inspect/profile';
import type { InspectModel } from '../../worker/protocol';

const TOP = 12;

export function ProfilerPanel() {
  const open = useProfiler((s) => s.open);
  const model = useProfiler((s) => s.model);
  const count = useProfiler((s) => s.count);
  const status = useProfiler((s) => s.status);
  const error = useProfiler((s) => s.error);
  const result = useProfiler((s) => s.result);
  const info = useMolecule((s) => s.info);
  const engineReady = useEngine((s) => s.status === 'ready');
  const hasTrained = useTrain((s) => s.hasModel);
  const trainStatus = useTrain((s) => s.status);
  const running = status === 'running';
  const training = trainStatus === 'running' || trainStatus === 'starting' || trainStatus === 'stepping' || trainStatus === 'pausing';
  const why = !engineReady ? 'the GPU engine is not ready' : !info ? 'draw or type a valid molecule first' : training ? 'pause training first' : running ? 'profiling is running' : null;
  const run = () => {
    if (!why && info) useProfiler.getState().run(engineClient(), toTrainConfig(useTrain.getState().settings), info.molblock);
  };
  return (
    <section className="panel inspect-panel" aria-labelledby="profiler-title">
      <h3 id="profiler-title">Kernel profiler</h3>
      <label className="toggle">
        <input type="checkbox" checked={open} onChange={(e) => useProfiler.getState().setOpen(e.target.checked)} /> Show the kernel profiler
      </label>
      {open && (
        <>
          <p className="hint">
            Profiles one training step (a throwaway run with the settings above, after a warm-up step that compiles the pipelines) and one sampling step of the drawn molecule, on this tab's GPU. Each
            dispatch is timed with GPU timestamp queries where the adapter has them.
          </p>
          <div className="settings-grid" role="group" aria-label="Profiler settings">
            <SelectField<InspectModel>
              label="Sampling network"
              value={model}
              options={[
                { value: 'default', label: 'Shipped checkpoint' },
                { value: 'trained', label: 'Model trained in this tab', disabled: !hasTrained },
                { value: 'paper-init', label: 'Fresh paper preset' },
                { value: 'generative-init', label: 'Fresh generative preset' },
              ]}
              onChange={(m) => useProfiler.getState().setModel(m)}
              disabled={running}
            />
            <NumberField label="Profiled conformers" value={count} min={1} max={32} onChange={(c) => useProfiler.getState().setCount(c)} disabled={running} />
            <div className="actions">
              <button type="button" className="primary" disabled={!!why} title={why ?? 'Profile one training step and one sampling step'} onClick={run}>
                Profile
              </button>
              <button
                type="button"
                disabled={!result}
                onClick={() => result && download(`kernel-profile-${result.at.replace(/[:.]/g, '-')}.json`, JSON.stringify(result, null, 2), 'application/json')}
              >
                Export JSON
              </button>
            </div>
          </div>
          {running && (
            <p className="hint" role="status">
              Profiling (a warm-up step first)…
            </p>
          )}
          {error && (
            <p className="error-text" role="alert">
              Profiling failed: {error}
            </p>
          )}
          {result && (
            <div className="profile-result">
              <p className="mono" data-testid="profile-adapter">
                Adapter: {result.adapter}
              </p>
              {!result.timestampQuery && (
                <p className="warning-text" role="note">
                  This adapter has no GPU timestamp queries (the 'timestamp-query' feature), so kernels are counted, not timed. On Chrome with a real GPU timestamps are available; Dawn in Node
                  (bench/profileStep.ts) times them too.
                </p>
              )}
              {result.phases.map((p, i) => (
                <PhaseTables key={i} phase={p} name={i === 0 ? 'Training step' : 'Sampling step'} />
              ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}

function PhaseTables({ phase, name }: { phase: ProfilePhase; name: string }) {
  const timed = phase.timestamps;
  const pct = (ms: number) => (phase.gpuMs > 0 ? `${((100 * ms) / phase.gpuMs).toFixed(1)}%` : '—');
  return (
    <div className="profile-phase">
      <h4>{name}</h4>
      <p className="hint">
        {phase.what}. {phase.dispatches} dispatches, {phase.clears} buffer clears, {phase.copies} copies; {timed ? `GPU time in dispatches ${phase.gpuMs.toFixed(2)} ms; ` : ''}wall time{' '}
        {phase.wallMs.toFixed(0)} ms.
      </p>
      <div className="table-wrap">
        <table className="metrics" aria-label={`${name}: GPU time by op family`}>
          <thead>
            <tr>
              <th scope="col">Op family</th>
              <th scope="col">Dispatches</th>
              <th scope="col">GPU ms</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {phase.families.map((f) => (
              <tr key={f.family}>
                <th scope="row" className="mono">
                  {f.family}
                </th>
                <td>{f.count}</td>
                <td>{timed ? f.gpuMs.toFixed(3) : 'n/a'}</td>
                <td>{timed ? pct(f.gpuMs) : 'n/a'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="metrics" aria-label={`${name}: top kernels`}>
          <thead>
            <tr>
              <th scope="col">Kernel (op entry point)</th>
              <th scope="col">Dispatches</th>
              <th scope="col">GPU ms</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {phase.kernels.slice(0, TOP).map((k) => (
              <tr key={k.label}>
                <th scope="row" className="mono">
                  {k.label}
                </th>
                <td>{k.count}</td>
                <td>{timed ? k.gpuMs.toFixed(3) : 'n/a'}</td>
                <td>{timed ? pct(k.gpuMs) : 'n/a'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
