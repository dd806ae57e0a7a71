/**
 * Pretrain MoleculeSDE in this tab: settings, Train / Pause / Step / Reset, live loss curves,
 * speed and ETA, and checkpoints (saved in the browser, exported and imported as files).
 */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { engineClient } from '../workerClient';
import { useEngine } from '../state/engineStore';
import { useSample } from '../state/sampleStore';
import { DATASETS, useTrain } from '../state/trainStore';
import { checkpointStore, type CheckpointMeta } from '../checkpointStorage';
import { download, Fieldset, FileButton, formatDuration, NumberField, SeedField, SelectField } from './fields';

const LossChart = lazy(() => import('../charts/LossChart'));

export function TrainPanel() {
  return (
    <section className="panel workbench-panel" aria-labelledby="train-title">
      <h2 id="train-title">Train MoleculeSDE in this tab</h2>
      <p className="hint">
        Pretraining with the three MoleculeSDE losses: the 2D–3D contrastive term and the two generative SDE terms (2D→3D coordinates, 3D→2D atoms and bonds). Every kernel runs in WGSL on your GPU, in a worker.
      </p>
      <TrainSettingsForm />
      <TrainControls />
      <TrainStatusLine />
      <TrainNotices />
      <Suspense fallback={<p className="hint">Loading the chart…</p>}>
        <LossChart />
      </Suspense>
      <Checkpoints />
    </section>
  );
}

function TrainSettingsForm() {
  const s = useTrain((st) => st.settings);
  const set = useTrain((st) => st.set);
  const status = useTrain((st) => st.status);
  const locked = status === 'running' || status === 'starting' || status === 'pausing' || status === 'stepping';
  return (
    <details className="settings-details" open>
      <summary>Settings{locked ? ' (locked while training runs)' : ''}</summary>
    <div className="train-settings">
      <Fieldset legend="Data and model">
        <SelectField label="Data set" value={s.dataset} options={DATASETS} onChange={(dataset) => set({ dataset })} disabled={locked} />
        <SelectField
          label="Preset"
          value={s.preset}
          options={[
            { value: 'generative', label: 'generative (sampling recipe: noise-level embedding, wide VE, log-normal noise levels, Gaussian skip; a deviation)' },
            { value: 'paper', label: 'paper (faithful objective)' },
          ]}
          onChange={(preset) => set({ preset })}
          disabled={locked}
          title="'paper' keeps the reference objective; 'generative' adds a noise-level embedding and a wide VE range so that sampling from noise gives real conformers"
        />
        <NumberField label="Encoder width" value={s.encoderWidth} min={8} max={512} step={8} onChange={(encoderWidth) => set({ encoderWidth })} disabled={locked} title="GIN and SchNet width (shared: the contrastive loss pairs them per atom)" />
        <NumberField label="Encoder layers" value={s.encoderDepth} min={1} max={8} onChange={(encoderDepth) => set({ encoderDepth })} disabled={locked} />
        <NumberField label="Score width" value={s.scoreWidth} min={8} max={512} step={8} onChange={(scoreWidth) => set({ scoreWidth })} disabled={locked} title="Hidden width of the 2D→3D score network (8 heads)" />
      </Fieldset>
      <Fieldset legend="Optimisation">
        <NumberField label="Batch size" value={s.batchSize} min={1} max={512} onChange={(batchSize) => set({ batchSize })} disabled={locked} />
        <NumberField label="Learning rate" value={s.lr} min={1e-7} max={1} step="any" onChange={(lr) => set({ lr })} disabled={locked} width={100} />
        <NumberField label="Total steps" value={s.totalSteps} min={1} max={1_000_000} onChange={(totalSteps) => set({ totalSteps })} disabled={locked} width={100} />
        <NumberField label="Log every" value={s.logEvery} min={1} max={1000} onChange={(logEvery) => set({ logEvery })} disabled={locked} title="Read the losses back every this many steps" />
        <SeedField value={s.seed} onChange={(seed) => set({ seed })} disabled={locked} label="Training seed" />
      </Fieldset>
      <Fieldset legend="Loss weights">
        <NumberField label="Contrastive" value={s.coeffContrastive} min={0} max={100} step="any" onChange={(coeffContrastive) => set({ coeffContrastive })} disabled={locked} />
        <NumberField label="2D→3D" value={s.coeffGen2Dto3D} min={0} max={100} step="any" onChange={(coeffGen2Dto3D) => set({ coeffGen2Dto3D })} disabled={locked} />
        <NumberField label="3D→2D" value={s.coeffGen3Dto2D} min={0} max={100} step="any" onChange={(coeffGen3Dto2D) => set({ coeffGen3Dto2D })} disabled={locked} title="Multiplies 0.5 (L_X + L_A), as the reference code does" />
      </Fieldset>
    </div>
    </details>
  );
}

function TrainControls() {
  const status = useTrain((s) => s.status);
  const hasModel = useTrain((s) => s.hasModel);
  const step = useTrain((s) => s.step);
  const total = useTrain((s) => s.totalSteps);
  const engineReady = useEngine((s) => s.status === 'ready');
  const weights = useSample((s) => s.settings.weights);
  const client = engineClient();
  const st = useTrain.getState();
  const busy = status === 'starting' || status === 'pausing' || status === 'stepping' || status === 'loading';
  const resumable = status === 'paused' && hasModel && step < total;
  return (
    <div className="actions train-controls" role="group" aria-label="Training controls">
      <button type="button" className="primary" disabled={!engineReady || busy || status === 'running'} onClick={() => st.train(client)} title={resumable ? 'Resume the paused run' : 'Start a new run from the seed'}>
        Train
      </button>
      <button type="button" disabled={status !== 'running' && status !== 'starting'} onClick={() => st.pause(client)}>
        Pause
      </button>
      <button type="button" disabled={!engineReady || !hasModel || status !== 'paused'} onClick={() => st.stepOnce(client)} title="Run exactly one training step">
        Step
      </button>
      <button type="button" disabled={busy || (status === 'idle' && !hasModel)} onClick={() => st.reset(client)} title="Stop the run and clear the curves; the next Train starts fresh">
        Reset
      </button>
      <button
        type="button"
        disabled={!hasModel || weights === 'trained'}
        onClick={() => useSample.getState().set({ weights: 'trained' })}
        title="Make the 2D→3D sampler use the model trained here instead of the shipped checkpoint"
      >
        {weights === 'trained' ? 'Sampler uses this model' : 'Use this model for sampling'}
      </button>
    </div>
  );
}

function TrainStatusLine() {
  const status = useTrain((s) => s.status);
  const step = useTrain((s) => s.step);
  const total = useTrain((s) => s.totalSteps);
  const sps = useTrain((s) => s.stepsPerSecond);
  const mps = useTrain((s) => s.moleculesPerSecond);
  const params = useTrain((s) => s.parameterCount);
  const dataset = useTrain((s) => s.dataset);
  const last = useTrain((s) => (s.history.values.total.length ? s.history.values.total[s.history.values.total.length - 1] : null));
  const label: Record<typeof status, string> = {
    idle: 'Not started',
    starting: 'Starting (loading the data set, building the model, compiling kernels)…',
    running: 'Training',
    pausing: 'Pausing after the current step…',
    paused: 'Paused',
    stepping: 'Running one step…',
    done: 'Done',
    loading: 'Loading checkpoint…',
  };
  const eta = sps > 0 && status === 'running' ? formatDuration((total - step) / sps) : '—';
  return (
    <div className="run-progress">
      <progress aria-label="Training progress" max={Math.max(total, 1)} value={step} />
      <dl className="stats" aria-label="Training status">
        <div>
          <dt>State</dt>
          <dd data-testid="train-state">{label[status]}</dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd className="mono" data-testid="train-step">
            {step} / {total}
          </dd>
        </div>
        <div>
          <dt>Loss</dt>
          <dd className="mono">{last === null ? '—' : last.toPrecision(4)}</dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd className="mono">{sps ? `${sps.toFixed(2)} steps/s · ${mps.toFixed(0)} mol/s` : '—'}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd className="mono">{eta}</dd>
        </div>
        <div>
          <dt>Parameters</dt>
          <dd className="mono">{params === null ? '—' : params.toLocaleString('en-US')}</dd>
        </div>
        <div>
          <dt>Data</dt>
          <dd>{dataset ? `${dataset.name}: ${dataset.molecules.toLocaleString('en-US')} molecules` : '—'}</dd>
        </div>
      </dl>
    </div>
  );
}

function TrainNotices() {
  const notices = useTrain((s) => s.notices);
  const dismiss = useTrain((s) => s.dismissNotice);
  if (!notices.length) return null;
  return (
    <ul className="notices" aria-label="Training messages">
      {notices.map((n) => (
        <li key={n.id} className={`msg msg-${n.level}`} role={n.level === 'error' ? 'alert' : undefined}>
          <span className="msg-text">{n.text}</span>
          <button type="button" className="icon" aria-label={`Dismiss: ${n.text}`} onClick={() => dismiss(n.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Asks the worker for a checkpoint; resolves with the 'checkpoint' that answers it, rejects on its error. */
async function requestCheckpoint(): Promise<{ bytes: ArrayBuffer; step: number }> {
  const e = await engineClient().request({ type: 'saveCheckpoint' }, 'checkpoint');
  return { bytes: e.bytes, step: e.step };
}

function Checkpoints() {
  const hasModel = useTrain((s) => s.hasModel);
  const status = useTrain((s) => s.status);
  const runSettings = useTrain((s) => s.runSettings);
  const settings = useTrain((s) => s.settings);
  const engineReady = useEngine((s) => s.status === 'ready');
  const [list, setList] = useState<CheckpointMeta[]>([]);
  const [kind, setKind] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  const refresh = useCallback(async () => {
    try {
      const store = await checkpointStore();
      setKind(store.kind);
      setList(await store.list());
    } catch (e) {
      setMessage({ text: `Checkpoint storage: ${e instanceof Error ? e.message : String(e)}`, error: true });
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);

  const canSave = hasModel && engineReady && !busy && (status === 'paused' || status === 'done' || status === 'running');
  const meta = (step: number, bytes: number): CheckpointMeta => {
    const s = runSettings ?? settings;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    return { name: `${s.preset}-${s.dataset}-step${step}-${stamp}`, step, preset: s.preset, dataset: s.dataset, savedAt: Date.now(), bytes };
  };

  const save = async (exportFile: boolean) => {
    setBusy(true);
    setMessage(null);
    try {
      const { bytes, step } = await requestCheckpoint();
      const m = meta(step, bytes.byteLength);
      if (exportFile) {
        download(`${m.name}.safetensors`, bytes, 'application/octet-stream');
        setMessage({ text: `Exported ${m.name}.safetensors (${(bytes.byteLength / 1e6).toFixed(2)} MB).`, error: false });
      } else {
        const store = await checkpointStore();
        await store.save(m, bytes);
        setMessage({ text: `Saved step ${step} in the browser (${store.kind}).`, error: false });
        await refresh();
      }
    } catch (e) {
      setMessage({ text: `Could not save: ${e instanceof Error ? e.message : String(e)}`, error: true });
    } finally {
      setBusy(false);
    }
  };

  const loadBytes = (bytes: ArrayBuffer, label: string) => {
    useTrain.getState().loadCheckpoint(engineClient(), bytes, label);
  };

  return (
    <section className="checkpoints" aria-labelledby="ckpt-title">
      <h3 id="ckpt-title">Checkpoints {kind && <span className="hint">(stored in {kind})</span>}</h3>
      <div className="actions">
        <button type="button" disabled={!canSave} onClick={() => void save(false)}>
          Save checkpoint
        </button>
        <button type="button" disabled={!canSave} onClick={() => void save(true)}>
          Export checkpoint file
        </button>
        <FileButton accept=".safetensors,application/octet-stream" inputLabel="Checkpoint file to import" onFile={(f) => void f.arrayBuffer().then((b) => loadBytes(b, f.name))} disabled={!engineReady || busy}>
          Import checkpoint file…
        </FileButton>
      </div>
      {message && (
        <p className={message.error ? 'error-text' : 'hint'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {list.length > 0 ? (
        <table className="checkpoint-list" aria-label="Saved checkpoints">
          <thead>
            <tr>
              <th scope="col">Checkpoint</th>
              <th scope="col">Step</th>
              <th scope="col">Size</th>
              <th scope="col">Saved</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.name}>
                <td className="mono">{c.name}</td>
                <td>{c.step}</td>
                <td>{(c.bytes / 1e6).toFixed(2)} MB</td>
                <td>{new Date(c.savedAt).toLocaleString()}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    aria-label={`Load checkpoint ${c.name}`}
                    disabled={!engineReady || status === 'running' || status === 'loading'}
                    onClick={() =>
                      void checkpointStore()
                        .then((s) => s.load(c.name))
                        .then((b) => loadBytes(b, c.name))
                        .catch((e: unknown) => setMessage({ text: `Could not load: ${e instanceof Error ? e.message : String(e)}`, error: true }))
                    }
                  >
                    Load
                  </button>
                  <button
                    type="button"
                    aria-label={`Export checkpoint ${c.name}`}
                    onClick={() =>
                      void checkpointStore()
                        .then((s) => s.load(c.name))
                        .then((b) => download(`${c.name}.safetensors`, b, 'application/octet-stream'))
                        .catch((e: unknown) => setMessage({ text: `Could not export: ${e instanceof Error ? e.message : String(e)}`, error: true }))
                    }
                  >
                    Export
                  </button>
                  <button
                    type="button"
                    aria-label={`Delete checkpoint ${c.name}`}
                    onClick={() => {
                      if (!confirm(`Delete checkpoint ${c.name} from this browser?`)) return;
                      void checkpointStore()
                        .then((s) => s.remove(c.name))
                        .then(refresh);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="hint">No checkpoints saved in this browser yet.</p>
      )}
    </section>
  );
}
