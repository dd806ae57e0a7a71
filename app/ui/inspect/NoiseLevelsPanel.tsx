/**
 * Noise schedule and loss by noise level (Train tab): the 2D->3D schedule sigma(t) and how much of
 * the training loss each noise level carries (app/inspect/schedule.ts), and, measured on the GPU
 * for a loaded checkpoint or the tab's model (also during training), the epsilon loss per sigma
 * next to the oracle floor and the Gaussian baseline, and the one-step denoised RMSD, on fixed
 * validation molecules (worker command 'noiseLevels', app/sde/diagnose.ts: the same computation as
 * `npm run diagnose`). So one sees where along the schedule a model is good or bad.
 */
import { lazy, Suspense, useEffect, useMemo } from 'react';
import { engineClient } from '../workerClient';
import { useEngine } from '../state/engineStore';
import { DATASETS, useTrain } from '../state/trainStore';
import { NumberField, SelectField } from '../components/fields';
import { useNoise } from './noiseStore';
import { NoiseLevelsResults } from './NoiseLevelsResults';
import { resolveConfig, type ModelConfig } from '../../model/config';
import { scheduleCurves } from '../../inspect/schedule';
import type { InspectModel } from '../../worker/protocol';
import type { Series } from './NoiseCharts';

const LineChart = lazy(() => import('./NoiseCharts'));

/** Re-measure while training at most this often (the diagnosis shares the GPU with the steps). */
const FOLLOW_MS = 20_000;

export function NoiseLevelsPanel() {
  const s = useNoise();
  const engineReady = useEngine((e) => e.status === 'ready');
  const hasTrained = useTrain((t) => t.hasModel);
  const trainStatus = useTrain((t) => t.status);
  const preset = useTrain((t) => t.settings.preset);
  const running = s.status === 'running';
  const why = !engineReady ? 'the GPU engine is not ready' : running ? 'measuring' : s.model === 'trained' && !hasTrained ? 'there is no trained model yet' : null;
  const measure = () => {
    if (!why) useNoise.getState().run(engineClient(), useTrain.getState().step);
  };

  // Follow a training run: measure again after new steps, at most every FOLLOW_MS.
  useEffect(() => {
    if (!s.follow || s.model !== 'trained' || trainStatus !== 'running') return;
    const id = window.setInterval(() => {
      const n = useNoise.getState();
      if (n.status !== 'running' && useTrain.getState().hasModel && n.result?.step !== useTrain.getState().step) n.run(engineClient(), useTrain.getState().step);
    }, FOLLOW_MS);
    return () => window.clearInterval(id);
  }, [s.follow, s.model, trainStatus]);

  const config: ModelConfig = useMemo(() => s.result?.config ?? resolveConfig(preset), [s.result, preset]);
  const curves = useMemo(() => scheduleCurves(config, 121), [config]);
  const scheduleSeries = useMemo<Series[]>(() => [{ label: 'σ(t) (Å)', values: curves.sigma, color: '#2563eb' }], [curves]);
  const sigmaAxis = useMemo(() => curves.logSigma.map(Math.exp), [curves]);
  const maxW = Math.max(...curves.weight);
  const emphasisSeries = useMemo<Series[]>(
    () => [
      { label: 'density of drawn ln σ', values: curves.density, color: '#16a34a' },
      { label: 'term weight σ^p (scaled)', values: curves.weight.map((w) => (w / maxW) * Math.max(...curves.density)), color: '#d97706', dash: [4, 3] },
      { label: 'loss share (product)', values: curves.emphasis, color: '#7c3aed' },
    ],
    [curves, maxW],
  );
  return (
    <section className="panel inspect-panel" aria-labelledby="noise-title">
      <h3 id="noise-title">Noise schedule and loss by noise level</h3>
      <p className="hint">
        {config.preset} preset: {config.sde2Dto3D.kind} SDE, σ from {config.sde2Dto3D.min} to {config.sde2Dto3D.max} Å; training noise levels{' '}
        {config.recipe2Dto3D.noiseLevels === 'lognormal' ? `log-normal around ${Math.exp(config.recipe2Dto3D.logSigmaMean).toFixed(2)} Å (std ${config.recipe2Dto3D.logSigmaStd} in ln σ)` : 'log-uniform (uniform t)'}, ε-loss term
        weight σ^{config.annealPower}.
      </p>
      <Suspense fallback={<p className="hint">Loading the charts…</p>}>
        <div className="chart-pair">
          <LineChart x={curves.t} series={scheduleSeries} xLabel="t" yLabel="σ (Å)" logY label={`Noise schedule: sigma from ${config.sde2Dto3D.min} to ${config.sde2Dto3D.max} Å over t`} height={180} />
          <LineChart x={sigmaAxis} series={emphasisSeries} xLabel="σ (Å)" yLabel="density" logX label="Training emphasis over sigma: density of the drawn noise levels, term weight, and their product" height={180} />
        </div>
      </Suspense>
      <div className="settings-grid" role="group" aria-label="Noise level measurement settings">
        <SelectField<InspectModel>
          label="Measured network"
          value={s.model}
          options={[
            { value: 'default', label: 'Shipped checkpoint' },
            { value: 'trained', label: 'Model trained in this tab', disabled: !hasTrained },
            { value: 'paper-init', label: 'Fresh paper preset (untrained)' },
            { value: 'generative-init', label: 'Fresh generative preset (untrained)' },
          ]}
          onChange={(model) => s.set({ model })}
          disabled={running}
        />
        <SelectField label="Validation molecules from" value={s.dataset} options={DATASETS.map((d) => ({ value: d.value, label: d.label }))} onChange={(dataset) => s.set({ dataset })} disabled={running} />
        <NumberField label="Molecules" value={s.count} min={1} max={64} onChange={(count) => s.set({ count: Math.max(1, Math.min(64, Math.round(count))) })} disabled={running} />
        <NumberField label="Noise draws" value={s.repeats} min={1} max={16} onChange={(repeats) => s.set({ repeats: Math.max(1, Math.min(16, Math.round(repeats))) })} disabled={running} title="Noise draws per molecule and sigma" />
        <label className="toggle" title="While the tab's model trains, measure again every 20 s">
          <input type="checkbox" checked={s.follow} onChange={(e) => s.set({ follow: e.target.checked })} disabled={s.model !== 'trained'} /> Follow training
        </label>
        <div className="actions">
          <button type="button" className="primary" disabled={!!why} title={why ?? 'Measure the loss at each noise level'} onClick={measure}>
            Measure loss by noise level
          </button>
        </div>
      </div>
      {running && (
        <p className="hint" role="status">
          Measuring on the GPU{trainStatus === 'running' ? ' (between training steps)' : ''}…
        </p>
      )}
      {s.error && (
        <p className="error-text" role="alert">
          Measuring failed: {s.error}
        </p>
      )}
      {s.result && <NoiseLevelsResults result={s.result} />}
    </section>
  );
}
