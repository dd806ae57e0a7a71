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
  const rows = s.result?.rows ?? [];
  const sig = useMemo(() => rows.map((r) => r.sigma), [rows]);
  const lossSeries = useMemo<Series[]>(
    () => [
      { label: 'network ε loss', values: rows.map((r) => r.network), color: '#2563eb' },
      { label: 'oracle floor', values: rows.map((r) => r.oracle), color: '#16a34a', dash: [4, 3] },
      { label: 'Gaussian baseline', values: rows.map((r) => r.gaussian), color: '#e11d48', dash: [2, 3] },
    ],
    [rows],
  );
  const rmsdSeries = useMemo<Series[]>(
    () => [
      { label: 'one-step denoised RMSD', values: rows.map((r) => r.denoisedRmsd), color: '#2563eb' },
      { label: 'noisy input RMSD', values: rows.map((r) => r.noisyRmsd), color: '#9aa3b5', dash: [4, 3] },
    ],
    [rows],
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
      {s.result && (
        <>
          <Suspense fallback={null}>
            <div className="chart-pair">
              <LineChart x={sig} series={lossSeries} xLabel="σ (Å)" yLabel="ε loss per coordinate" logX logY label="Epsilon loss by noise level, with the oracle floor and the Gaussian baseline" />
              <LineChart x={sig} series={rmsdSeries} xLabel="σ (Å)" yLabel="RMSD (Å)" logX logY label="One-step denoised RMSD by noise level" />
            </div>
          </Suspense>
          <div className="table-wrap">
            <table className="metrics" aria-label="Loss by noise level">
              <thead>
                <tr>
                  <th scope="col">σ (Å)</th>
                  <th scope="col" title="Mean squared error of the predicted noise per coordinate">Network ε loss</th>
                  <th scope="col" title="The true conformer optimally rotated onto x_t as the denoiser: about the best a rotation-equivariant model can do">Oracle floor</th>
                  <th scope="col" title="The exact denoiser of an isotropic Gaussian: what a model that knows no chemistry does">Gaussian baseline</th>
                  <th scope="col" title="Aligned RMSD of x0_hat = x_t - σ ε_hat to the conformer">Denoised RMSD (Å)</th>
                  <th scope="col">Noisy RMSD (Å)</th>
                  <th scope="col">Bond error (Å)</th>
                </tr>
              </thead>
              <tbody>
                {s.result.rows.map((r) => (
                  <tr key={r.sigma} data-sigma={r.sigma}>
                    <th scope="row">{r.sigma}</th>
                    <td className={r.network <= r.gaussian ? 'ok-text' : 'error-text'}>{r.network.toFixed(3)}</td>
                    <td>{r.oracle.toFixed(3)}</td>
                    <td>{r.gaussian.toFixed(3)}</td>
                    <td>{r.denoisedRmsd.toFixed(3)}</td>
                    <td>{r.noisyRmsd.toFixed(3)}</td>
                    <td>{r.bondError.toFixed(3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="hint">
            {s.result.model}
            {s.result.step !== null ? `, step ${s.result.step}` : ''}; {s.result.molecules.length} validation molecules of {s.result.dataset} ({s.result.molecules.slice(0, 4).join(', ')}
            {s.result.molecules.length > 4 ? ', …' : ''}). Green: the network beats the Gaussian baseline at that σ; red: it does not.
          </p>
        </>
      )}
    </section>
  );
}
