/**
 * Symmetry panel (2D -> 3D tab): runs the score network on a seeded random noisy geometry of the
 * drawn molecule and on its rotated, reflected and renumbered copies (worker command
 * 'symmetryCheck', app/inspect/symmetry.ts) and shows each relative error next to what a correct
 * network gives. "Run again" draws a new seed (new geometry, time, rotation and permutation).
 */
import { engineClient } from '../workerClient';
import { useEngine } from '../state/engineStore';
import { useMolecule } from '../state/moleculeStore';
import { useTrain } from '../state/trainStore';
import { SeedField, SelectField } from '../components/fields';
import { useSymmetry } from './symmetryStore';
import { SYMMETRY_TOLERANCE, type SymmetryCheck, type SymmetryReport } from '../../inspect/symmetry';
import type { InspectModel } from '../../worker/protocol';

const ROWS: { key: keyof Pick<SymmetryReport, 'rotation' | 'reflectionE2' | 'reflectionE13' | 'reflectionFull' | 'permutation'>; name: string; formula: string; why?: string }[] = [
  { key: 'rotation', name: 'Rotation', formula: '‖f(Rx) − R f(x)‖ / ‖f(x)‖' },
  { key: 'reflectionE2', name: 'Reflection, e2 part', formula: '‖f₂(Qx) + Q f₂(x)‖ / ‖f₂(x)‖', why: 'e2 ∝ x_i × x_j is a pseudo-vector: its part flips sign under a mirror' },
  { key: 'reflectionE13', name: 'Reflection, e1/e3 part', formula: '‖f₁₃(Qx) − Q f₁₃(x)‖ / ‖f₁₃(x)‖' },
  { key: 'reflectionFull', name: 'Reflection, full output', formula: '‖f(Qx) − Q f(x)‖ / ‖f(x)‖', why: 'the whole output is not mirror-symmetric: the network tells enantiomers apart' },
  { key: 'permutation', name: 'Atom permutation', formula: '‖f(πx) − π f(x)‖ / ‖f(x)‖' },
];

/** The full output under a mirror should differ by far more than float32 rounding. */
const NONZERO = 1e-3;

const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

function verdict(c: SymmetryCheck): { ok: boolean; text: string } {
  const ok = c.expected === 'zero' ? c.error < SYMMETRY_TOLERANCE : c.error > NONZERO;
  return { ok, text: ok ? 'as expected' : 'unexpected' };
}

export function SymmetryPanel() {
  const model = useSymmetry((s) => s.model);
  const seed = useSymmetry((s) => s.seed);
  const status = useSymmetry((s) => s.status);
  const error = useSymmetry((s) => s.error);
  const result = useSymmetry((s) => s.result);
  const info = useMolecule((s) => s.info);
  const engineReady = useEngine((s) => s.status === 'ready');
  const hasTrained = useTrain((s) => s.hasModel);
  const running = status === 'running';
  const why = !engineReady ? 'the GPU engine is not ready' : !info ? 'draw or type a valid molecule first' : running ? 'the check is running' : null;
  const run = (nextSeed?: number) => {
    if (!why && info) useSymmetry.getState().run(engineClient(), info.molblock, nextSeed);
  };
  return (
    <section className="panel inspect-panel" aria-labelledby="symmetry-title">
      <h3 id="symmetry-title">Symmetry check</h3>
      <p className="hint">
        The 2D→3D network predicts a noise vector per atom from edge frames (e1 along the bond, e2 ∝ x_i × x_j, e3 = e1 × e2). It should rotate with the molecule, follow any renumbering of atoms, and under a mirror
        image its e2 part should flip sign — which is how it tells enantiomers apart. Checked here on a random noisy geometry of the drawn molecule, on this GPU.
      </p>
      <div className="settings-grid" role="group" aria-label="Symmetry check settings">
        <SelectField<InspectModel>
          label="Network"
          value={model}
          options={[
            { value: 'default', label: 'Shipped checkpoint' },
            { value: 'trained', label: 'Model trained in this tab', disabled: !hasTrained },
            { value: 'paper-init', label: 'Fresh paper preset' },
            { value: 'generative-init', label: 'Fresh generative preset' },
          ]}
          onChange={(m) => useSymmetry.getState().setModel(m)}
          disabled={running}
        />
        <SeedField label="Symmetry seed" value={seed} onChange={(s) => useSymmetry.getState().setSeed(s)} disabled={running} />
        <div className="actions">
          <button type="button" className="primary" disabled={!!why} title={why ?? 'Run the check with this seed'} onClick={() => run()}>
            Check symmetry
          </button>
          <button type="button" disabled={!!why || !result} title={why ?? 'A new random geometry, rotation, reflection and permutation'} onClick={() => run((seed + 1) >>> 0)}>
            Run again
          </button>
        </div>
      </div>
      {running && <p className="hint" role="status">Running the network 8 times…</p>}
      {error && (
        <p className="error-text" role="alert">
          Symmetry check failed: {error}
        </p>
      )}
      {result && <SymmetryTable result={result.report} model={result.model} smiles={result.smiles} />}
    </section>
  );
}

function SymmetryTable({ result, model, smiles }: { result: SymmetryReport; model: string; smiles: string }) {
  return (
    <div className="table-wrap">
      <table className="metrics" aria-label="Symmetry errors" data-seed={result.seed}>
        <thead>
          <tr>
            <th scope="col">Transformation</th>
            <th scope="col">Measured</th>
            <th scope="col">Relative error</th>
            <th scope="col">Expected</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((r) => {
            const c = result[r.key];
            const v = verdict(c);
            return (
              <tr key={r.key} data-check={r.key}>
                <th scope="row" title={r.why}>{r.name}</th>
                <td className="mono">{r.formula}</td>
                <td className="mono" data-testid={`symmetry-${r.key}`}>
                  {fmt(c.error)}
                </td>
                <td>{c.expected === 'zero' ? `< ${SYMMETRY_TOLERANCE.toExponential(0)}` : `> ${NONZERO.toExponential(0)}`}</td>
                <td className={v.ok ? 'ok-text' : 'error-text'}>{v.text}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="hint">
        {smiles}, {result.atoms} atoms, seed {result.seed}: t = {result.t.toFixed(3)}, σ(t) = {result.sigma.toFixed(3)} Å, output RMS {result.outputRms.toExponential(2)} per atom; network: {model}. R is a random
        rotation, Q a random rotation times a mirror (det −1), π a random renumbering; f₂ and f₁₃ are the network's output with only the e2, or only the e1 and e3, frame components kept. Expected: 0 up to float32 rounding, except the full output under a mirror, which must differ.
      </p>
    </div>
  );
}
