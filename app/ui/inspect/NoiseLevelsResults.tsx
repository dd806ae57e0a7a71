/**
 * One 'noiseLevelsResult' shown (app/sde/diagnose.ts rows, one per sigma of the log-spaced ladder):
 * the epsilon loss next to the oracle floor and the Gaussian baseline, and the one-step denoised
 * RMSD next to the noisy input's, as log-log charts and a table. Shared by the Train tab's
 * inspector (validation molecules) and the 2D→3D tab's (the drawn molecule).
 */
import { lazy, Suspense, useMemo } from 'react';
import type { NoiseLevelsResult } from './noiseStore';
import type { Series } from './NoiseCharts';

const LineChart = lazy(() => import('./NoiseCharts'));

export function NoiseLevelsResults({ result, tableLabel = 'Loss by noise level', molecules }: { result: NoiseLevelsResult; tableLabel?: string; molecules?: string }) {
  const rows = result.rows;
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
  const what =
    molecules ??
    `${result.molecules.length} validation molecules of ${result.dataset} (${result.molecules.slice(0, 4).join(', ')}${result.molecules.length > 4 ? ', …' : ''})`;
  return (
    <>
      <Suspense fallback={null}>
        <div className="chart-pair">
          <LineChart x={sig} series={lossSeries} xLabel="σ (Å)" yLabel="ε loss per coordinate" logX logY label="Epsilon loss by noise level, with the oracle floor and the Gaussian baseline" />
          <LineChart x={sig} series={rmsdSeries} xLabel="σ (Å)" yLabel="RMSD (Å)" logX logY label="One-step denoised RMSD by noise level" />
        </div>
      </Suspense>
      <div className="table-wrap">
        <table className="metrics" aria-label={tableLabel}>
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
            {rows.map((r) => (
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
        {result.model}
        {result.step !== null ? `, step ${result.step}` : ''}; {what}. Green: the network beats the Gaussian baseline at that σ; red: it does not.
      </p>
    </>
  );
}
