/**
 * The Fine-tune panel: open or drop a CSV (it is read in this tab and never leaves it), see the
 * parsed table, pick the SMILES and label columns, the task, the split and the pretrained encoder,
 * then fine-tune a pretrained arm and a scratch arm over the same seeds side by side in the worker
 * (app/worker/finetuneHandlers.ts, the CLI's code). Shows live validation curves, the results
 * table (mean ± std over seeds), a test scatter (regression) or ROC curves (classification),
 * downloads of the test predictions and the fine-tuned weights, and predictions for new SMILES.
 */
import { useState, type DragEvent } from 'react';
import { engineClient } from '../workerClient';
import { useEngine } from '../state/engineStore';
import { useTrain } from '../state/trainStore';
import { download, FileButton, NumberField, SeedField, SelectField } from '../components/fields';
import { toCsv } from '../../finetune/csv';
import { labelList, useFinetune, type FinetuneSettings } from './finetuneStore';
import { ARM_COLORS, CurveChart, RocChart, ScatterChart } from './FinetuneCharts';

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3));

export function FinetunePanel() {
  const s = useFinetune();
  const engineReady = useEngine((e) => e.status === 'ready');
  const hasTrained = useTrain((t) => t.hasModel);
  const settings = s.settings;
  const set = (patch: Partial<FinetuneSettings>) => useFinetune.getState().set(patch);
  const running = s.status === 'running' || s.status === 'paused';
  const labels = labelList(settings);
  const why = !engineReady ? 'the GPU engine is not ready' : !s.table ? 'open a CSV first' : labels.length === 0 ? 'choose at least one label column' : running ? 'a run is going' : null;
  const readFile = (f: File) => void f.text().then((t) => useFinetune.getState().loadCsv(f.name, t));
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const f = e.dataTransfer.files?.[0];
    if (f) readFile(f);
  };
  const header = s.table?.header ?? [];
  return (
    <section className="panel finetune-panel" aria-labelledby="finetune-title">
      <h3 id="finetune-title">Fine-tune on your data</h3>
      <p className="hint">
        Does pretraining help on your property? Fine-tune the pretrained GIN encoder and the same GIN from scratch on a CSV of SMILES and labels, over several seeds, and compare. Your CSV stays in this tab: it is
        read here and is never uploaded; only the settings go into the link.
      </p>
      <div className="drop-zone" role="group" aria-label="CSV file" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        <FileButton accept=".csv,.tsv,.txt,text/csv" inputLabel="CSV file to fine-tune on" onFile={readFile} disabled={running}>
          Open CSV…
        </FileButton>
        <span className="hint">or drop a CSV here (comma, semicolon or tab; header row; labels numeric, 0/1 or true/false; empty = missing)</span>
        {s.fileName && <span className="mono">{s.fileName}</span>}
      </div>
      {s.parseError && (
        <p className="error-text" role="alert">
          Cannot read the CSV: {s.parseError}
        </p>
      )}
      {s.table && <CsvPreview />}
      {s.table && (
        <div className="settings-grid" role="group" aria-label="Fine-tuning settings">
          <SelectField label="SMILES column" value={settings.smilesColumn} options={header.map((h) => ({ value: h, label: h }))} onChange={(v) => set({ smilesColumn: v })} disabled={running} />
          <fieldset className="field label-columns" disabled={running}>
            <legend>Label columns</legend>
            {header.filter((h) => h !== settings.smilesColumn).map((h) => (
              <label key={h} className="inline">
                <input
                  type="checkbox"
                  checked={labels.includes(h)}
                  onChange={(e) => set({ labelColumns: (e.target.checked ? [...labels, h] : labels.filter((l) => l !== h)).join(',') })}
                />
                <span>{h}</span>
              </label>
            ))}
          </fieldset>
          <SelectField<FinetuneSettings['task']> label="Task" value={settings.task} options={[{ value: 'auto', label: 'Detect from labels' }, { value: 'classification', label: 'Classification (0/1)' }, { value: 'regression', label: 'Regression' }]} onChange={(v) => set({ task: v })} disabled={running} />
          <SelectField<FinetuneSettings['split']> label="Split" value={settings.split} options={[{ value: 'scaffold', label: 'Scaffold 80/10/10' }, { value: 'random', label: 'Random 80/10/10 (seeded)' }]} onChange={(v) => set({ split: v })} disabled={running} />
          <SelectField<FinetuneSettings['pretrained']>
            label="Pretrained encoder"
            value={settings.pretrained}
            options={[
              { value: 'default', label: 'Shipped checkpoint (default)' },
              { value: 'paper', label: 'Shipped paper checkpoint' },
              { value: 'trained', label: 'Model trained in this tab', disabled: !hasTrained },
            ]}
            onChange={(v) => set({ pretrained: v })}
            disabled={running}
          />
          <NumberField label="Seeds" value={settings.seeds} min={1} max={10} onChange={(v) => set({ seeds: Math.max(1, Math.round(v)) })} disabled={running} />
          <SeedField label="First seed" value={settings.seed} onChange={(v) => set({ seed: v })} disabled={running} />
          <NumberField label="Epochs" value={settings.epochs} min={1} max={500} onChange={(v) => set({ epochs: Math.max(1, Math.round(v)) })} disabled={running} />
          <NumberField label="Batch size" value={settings.batchSize} min={2} max={256} onChange={(v) => set({ batchSize: Math.max(2, Math.round(v)) })} disabled={running} />
          <NumberField label="Learning rate" value={settings.lr} min={0} step="any" onChange={(v) => set({ lr: v })} disabled={running} />
          <NumberField label="Dropout" value={settings.dropout} min={0} max={0.95} step={0.05} onChange={(v) => set({ dropout: v })} disabled={running} />
          <NumberField label="Patience (epochs)" value={settings.patience} min={0} onChange={(v) => set({ patience: Math.max(0, Math.round(v)) })} disabled={running} title="Stop a run after this many epochs without a better validation metric (0: never)" />
          <div className="actions">
            <button type="button" className="primary" disabled={!!why} title={why ?? 'Fine-tune the pretrained and the scratch arm'} onClick={() => useFinetune.getState().start(engineClient())}>
              Fine-tune both arms
            </button>
            <button type="button" disabled={!running} onClick={() => s.control(engineClient(), s.status === 'paused' ? 'finetuneResume' : 'finetunePause')}>
              {s.status === 'paused' ? 'Resume' : 'Pause'}
            </button>
            <button type="button" disabled={!running} onClick={() => s.control(engineClient(), 'finetuneCancel')}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {running && (
        <p className="hint" role="status">
          {s.status === 'paused' ? 'Paused (between epochs).' : `Fine-tuning… ${s.curve.length} epochs done.`}
        </p>
      )}
      {s.status === 'cancelled' && <p className="hint">Cancelled.</p>}
      {s.error && (
        <p className="error-text" role="alert">
          Fine-tuning failed: {s.error}
        </p>
      )}
      {s.data && <DataSummary />}
      {s.curve.length > 0 && (
        <div className="ft-curves">
          <h4>Validation curves</h4>
          <Legend />
          <CurveChart curve={s.curve} metric={s.data?.task === 'classification' ? 'ROC-AUC' : 'RMSE'} />
        </div>
      )}
      {s.result && <Results />}
      {s.result && <Predict />}
    </section>
  );
}

function Legend() {
  return (
    <p className="hint">
      <span style={{ color: ARM_COLORS.pretrained }}>━ pretrained</span> · <span style={{ color: ARM_COLORS.scratch }}>━ from scratch</span> (one line per seed)
    </p>
  );
}

function CsvPreview() {
  const table = useFinetune((s) => s.table)!;
  const rows = table.rows.slice(0, 8);
  const delim = table.delimiter === '\t' ? 'tab' : table.delimiter;
  return (
    <div className="table-wrap">
      <table className="metrics" aria-label="CSV preview">
        <thead>
          <tr>
            <th scope="col">line</th>
            {table.header.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.line}>
              <td className="mono">{r.line}</td>
              {table.header.map((h, k) => (
                <td key={h} className="mono">
                  {r.fields[k] ?? ''}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        {table.rows.length} data rows, {table.header.length} columns, delimiter “{delim}”{table.rows.length > rows.length ? `; first ${rows.length} shown` : ''}.
      </p>
    </div>
  );
}

function DataSummary() {
  const d = useFinetune((s) => s.data)!;
  return (
    <div className="ft-summary">
      <p data-testid="finetune-summary">
        Kept {d.summary.kept} of {d.summary.rows} rows ({d.summary.dropped} dropped); task {d.task}
        {d.task !== d.detectedTask ? ` (forced; the labels look like ${d.detectedTask})` : ''}; split {d.split.train} / {d.split.valid} / {d.split.test} (train / valid / test); pretrained arm: {d.pretrainedLabel}.
      </p>
      <ul className="hint">
        {d.summary.tasks.map((t) => (
          <li key={t.column}>
            {t.column}: {t.labelled} labelled, {t.missing} missing
            {d.task === 'classification' ? `, ${t.positives} positive / ${t.negatives} negative` : `, mean ${fmt(t.mean)}, std ${fmt(t.std)}`}
          </li>
        ))}
      </ul>
      {d.errorCount > 0 && (
        <details>
          <summary>{d.errorCount} rows dropped (line numbers and reasons)</summary>
          <ul className="row-errors" aria-label="Dropped rows">
            {d.errors.map((e) => (
              <li key={e.line}>{e.reason}</li>
            ))}
            {d.errorCount > d.errors.length && <li>… and {d.errorCount - d.errors.length} more</li>}
          </ul>
        </details>
      )}
    </div>
  );
}

function Results() {
  const r = useFinetune((s) => s.result)!;
  const [task, setTask] = useState(0);
  const T = r.labelColumns.length;
  const metric = r.metric === 'roc_auc' ? 'ROC-AUC' : 'RMSE';
  const truth = Array.from({ length: r.testSmiles.length }, (_, i) => r.testLabels[i * T + task]);
  const arms = r.arms.map((a) => ({ arm: a.arm, preds: Array.from({ length: r.testSmiles.length }, (_, i) => a.testPredictions[i * T + task]) }));
  const downloadPredictions = () => {
    const header = ['line', 'smiles', ...r.labelColumns.flatMap((c) => [c, ...r.arms.flatMap((a) => [`${c}_${a.arm}_mean`, ...a.runs.map((run) => `${c}_${a.arm}_seed${run.seed}`)])])];
    const rows = r.testSmiles.map((smi, i) => [
      r.testLines[i],
      smi,
      ...r.labelColumns.flatMap((_, t) => {
        const y = r.testLabels[i * T + t];
        return [Number.isNaN(y) ? '' : y, ...r.arms.flatMap((a) => [a.testPredictions[i * T + t], ...a.perSeedPredictions.map((p) => p[i * T + t])])];
      }),
    ]);
    download('finetune-test-predictions.csv', toCsv(header, rows), 'text/csv');
  };
  return (
    <div className="ft-results">
      <h4>Results (best-validation epoch, mean ± std over {r.arms[0].runs.length} seeds)</h4>
      <div className="table-wrap">
        <table className="metrics" aria-label="Fine-tuning results">
          <thead>
            <tr>
              <th scope="col">Arm</th>
              <th scope="col">Test {metric}</th>
              <th scope="col">Valid {metric}</th>
              {r.task === 'regression' && <th scope="col">Test MAE</th>}
              {r.task === 'regression' && <th scope="col">Test R²</th>}
              <th scope="col">Per seed (test)</th>
            </tr>
          </thead>
          <tbody>
            {r.arms.map((a) => (
              <tr key={a.arm} data-arm={a.arm}>
                <th scope="row" title={a.label}>
                  {a.arm === 'pretrained' ? 'Pretrained' : 'From scratch'}
                </th>
                <td className="mono" data-testid={`test-${a.arm}`}>
                  {fmt(a.test.mean)} ± {fmt(a.test.std)}
                </td>
                <td className="mono">
                  {fmt(a.valid.mean)} ± {fmt(a.valid.std)}
                </td>
                {r.task === 'regression' && <td className="mono">{fmt(a.testMae?.mean)} ± {fmt(a.testMae?.std)}</td>}
                {r.task === 'regression' && <td className="mono">{fmt(a.testR2?.mean)} ± {fmt(a.testR2?.std)}</td>}
                <td className="mono">{a.test.perSeed.map(fmt).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">{r.metric === 'roc_auc' ? 'Higher is better' : 'Lower is better'}. Metrics average over label columns ({r.labelColumns.join(', ')}); plots show the mean prediction over seeds.</p>
      {T > 1 && (
        <SelectField label="Plot label" value={String(task)} options={r.labelColumns.map((c, k) => ({ value: String(k), label: c }))} onChange={(v) => setTask(Number(v))} />
      )}
      <Legend />
      {r.task === 'regression' ? <ScatterChart truth={truth} arms={arms} label={r.labelColumns[task]} /> : <RocChart truth={truth} arms={arms} label={r.labelColumns[task]} />}
      <div className="actions">
        <button type="button" onClick={downloadPredictions}>
          Download test predictions (CSV)
        </button>
        {r.arms.map((a) => (
          <button key={a.arm} type="button" onClick={() => download(`finetuned-${a.arm}.safetensors`, a.weights, 'application/octet-stream')}>
            Download {a.arm === 'pretrained' ? 'pretrained-arm' : 'scratch-arm'} weights
          </button>
        ))}
      </div>
    </div>
  );
}

function Predict() {
  const [text, setText] = useState('');
  const predicting = useFinetune((s) => s.predicting);
  const p = useFinetune((s) => s.predictions);
  return (
    <div className="ft-predict">
      <h4>Predict new molecules</h4>
      <label className="field">
        <span>SMILES to predict (one per line)</span>
        <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="button" disabled={predicting || text.trim() === ''} onClick={() => useFinetune.getState().predict(engineClient(), text.split(/\r?\n/))}>
        Predict
      </button>
      {p && (
        <div className="table-wrap">
          <table className="metrics" aria-label="Predictions">
            <thead>
              <tr>
                <th scope="col">SMILES</th>
                {p.labelColumns.flatMap((c) => [
                  <th key={`${c}-p`} scope="col">{c} (pretrained)</th>,
                  <th key={`${c}-s`} scope="col">{c} (scratch)</th>,
                ])}
              </tr>
            </thead>
            <tbody>
              {p.rows.map((row, i) => (
                <tr key={i}>
                  <td className="mono">{row.smiles}</td>
                  {row.error ? (
                    <td colSpan={2 * p.labelColumns.length} className="error-text">
                      {row.error}
                    </td>
                  ) : (
                    p.labelColumns.flatMap((c, t) => [
                      <td key={`${c}-p`} className="mono">{fmt(row.pretrained?.[t])}</td>,
                      <td key={`${c}-s`} className="mono">{fmt(row.scratch?.[t])}</td>,
                    ])
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">{p.task === 'classification' ? 'Probability of class 1' : 'In label units'}, mean over the seeds’ fine-tuned models.</p>
        </div>
      )}
    </div>
  );
}
