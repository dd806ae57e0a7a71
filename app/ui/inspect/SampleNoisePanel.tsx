/**
 * Denoising by noise level in the 2D→3D tab: for the sampling checkpoint (the Sample panel's
 * weights) and the drawn molecule, the epsilon loss and the one-step denoised RMSD on the
 * log-spaced sigma ladder: where along the schedule the sampler's network denoises this molecule
 * well. Needs the molecule's conformer (the data sets', via 'findReference'); without one it
 * measures on a few fixed validation molecules, as the Train tab does. The same computation
 * (worker 'noiseLevels', app/sde/diagnose.ts) and the same result view (NoiseLevelsResults).
 */
import { useState } from 'react';
import { engineClient } from '../workerClient';
import { useEngine } from '../state/engineStore';
import { useMolecule } from '../state/moleculeStore';
import { useSample } from '../state/sampleStore';
import { useTrain } from '../state/trainStore';
import { NumberField, SelectField } from '../components/fields';
import { useSampleNoise } from './noiseStore';
import { NoiseLevelsResults } from './NoiseLevelsResults';

type Source = 'drawn' | 'validation';

export function SampleNoisePanel() {
  const s = useSampleNoise();
  const engineReady = useEngine((e) => e.status === 'ready');
  const info = useMolecule((m) => m.info);
  const weights = useSample((m) => m.settings.weights);
  const hasTrained = useTrain((t) => t.hasModel);
  const [source, setSource] = useState<Source>('drawn');
  const [measuredOn, setMeasuredOn] = useState<string | null>(null);
  const [looking, setLooking] = useState(false);
  const running = s.status === 'running' || looking;
  const model = weights === 'trained' ? 'trained' : 'default';
  const why = !engineReady
    ? 'the GPU engine is not ready'
    : running
      ? 'measuring'
      : source === 'drawn' && !info
        ? 'draw or type a valid molecule first'
        : model === 'trained' && !hasTrained
          ? 'there is no trained model yet'
          : null;

  const measure = async () => {
    if (why) return;
    const store = useSampleNoise.getState();
    store.set({ model });
    if (source === 'validation') {
      setMeasuredOn(null);
      store.run(engineClient(), useTrain.getState().step);
      return;
    }
    setLooking(true);
    try {
      const molblock = info!.molblock;
      const r = await engineClient().request({ type: 'findReference', molblock }, 'reference');
      if (!r.positions || !r.origin) {
        store.fail(`${info!.smiles} is not in the shipped data sets, so there is no conformer to add noise to; choose "Validation molecules".`);
        return;
      }
      setMeasuredOn(`${info!.smiles}, with its conformer from ${r.origin}`);
      store.run(engineClient(), useTrain.getState().step, { molblock, positions: r.positions, origin: r.origin });
    } catch (e) {
      store.fail(e instanceof Error ? e.message : String(e));
    } finally {
      setLooking(false);
    }
  };

  return (
    <section className="panel inspect-panel" aria-labelledby="sample-noise-title">
      <h3 id="sample-noise-title">Denoising by noise level</h3>
      <p className="hint">
        How well the sampling network ({model === 'trained' ? 'the model trained in this tab' : 'the shipped checkpoint'}, as chosen under Weights) denoises at each noise level: noise of std σ is added to a
        known conformer, and the ε loss and the one-step denoised RMSD are measured per σ (log-spaced), next to the oracle floor and the Gaussian baseline.
      </p>
      <div className="settings-grid" role="group" aria-label="Denoising measurement settings">
        <SelectField<Source>
          label="Measure on"
          value={source}
          options={[
            { value: 'drawn', label: 'The drawn molecule (its data-set conformer)' },
            { value: 'validation', label: `${s.count} validation molecules (${s.dataset})` },
          ]}
          onChange={setSource}
          disabled={running}
        />
        <NumberField label="Noise draws per σ" value={s.repeats} min={1} max={16} onChange={(repeats) => s.set({ repeats: Math.max(1, Math.min(16, Math.round(repeats))) })} disabled={running} />
        <div className="actions">
          <button type="button" className="primary" disabled={!!why} title={why ?? 'Measure the denoising at each noise level'} onClick={() => void measure()}>
            Measure denoising by noise level
          </button>
        </div>
      </div>
      {running && (
        <p className="hint" role="status">
          Measuring on the GPU…
        </p>
      )}
      {s.error && (
        <p className="error-text" role="alert">
          Measuring failed: {s.error}
        </p>
      )}
      {s.result && s.status === 'done' && <NoiseLevelsResults result={s.result} tableLabel="Denoising by noise level" molecules={measuredOn ?? undefined} />}
    </section>
  );
}
