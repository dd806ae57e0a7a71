import { useId } from 'react';
import { EditorCanvas } from '../editor/EditorCanvas';
import { EditorToolbar } from '../editor/EditorToolbar';
import { DRUG_LIKE, QM9_LIKE, type Example } from '../chem/examples';
import { useMolecule } from '../state/moleculeStore';
import { Depiction } from './Depiction';
import { FileButton } from './fields';

/** The molecule: editor, SMILES box (both ways in sync), RDKit's verdict, depiction, examples. */
export function MoleculePanel() {
  return (
    <section className="panel molecule-panel" aria-labelledby="molecule-title">
      <h2 id="molecule-title">Molecule</h2>
      <EditorToolbar />
      <EditorCanvas />
      <SmilesField />
      <MoleculeSummary />
      <Gallery />
    </section>
  );
}

function SmilesField() {
  const id = useId();
  const text = useMolecule((s) => s.text);
  const textError = useMolecule((s) => s.textError);
  const invalidReason = useMolecule((s) => s.invalidReason);
  const checking = useMolecule((s) => s.checking);
  const info = useMolecule((s) => s.info);
  const setText = useMolecule((s) => s.setText);
  const load = useMolecule((s) => s.load);
  const problem = textError ?? invalidReason;
  const statusId = `${id}-status`;
  return (
    <div className="smiles-field">
      <div className="smiles-row">
        <label htmlFor={`${id}-smiles`}>SMILES</label>
        <input
          id={`${id}-smiles`}
          type="text"
          spellCheck={false}
          autoComplete="off"
          autoCapitalize="off"
          value={text}
          placeholder="e.g. CC(=O)Nc1ccc(O)cc1"
          aria-invalid={problem ? true : undefined}
          aria-describedby={statusId}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void load(text);
          }}
        />
        <FileButton
          accept=".mol,.sdf,.sd,chemical/x-mdl-molfile,chemical/x-mdl-sdfile"
          inputLabel="Molfile to open"
          onFile={(f) => void f.text().then((t) => load(t.split(/\n\$\$\$\$/)[0], f.name))}
          aria-label="Open a molfile or SDF into the editor"
          title="Open .mol / .sdf"
        >
          Open…
        </FileButton>
      </div>
      <p id={statusId} className={`smiles-status ${problem ? 'invalid' : info ? 'valid' : ''}`} aria-live="polite" data-testid="smiles-status">
        {checking ? 'Checking with RDKit…' : problem ? `Invalid: ${problem}` : info ? `Valid · ${info.formula} · ${info.molWeight.toFixed(2)} g/mol · ${info.heavyAtoms} heavy atoms${info.stereocentres ? ` · ${info.stereocentres} stereocentre${info.stereocentres > 1 ? 's' : ''}` : ''}` : 'Draw a molecule or type a SMILES.'}
      </p>
    </div>
  );
}

function MoleculeSummary() {
  const info = useMolecule((s) => s.info);
  const name = useMolecule((s) => s.name);
  if (!info) return null;
  return (
    <div className="molecule-summary">
      <Depiction molecule={info.molblock} width={220} height={150} label={`RDKit depiction of ${name ?? info.smiles}`} />
      <dl>
        {name && (
          <>
            <dt>Name</dt>
            <dd>{name}</dd>
          </>
        )}
        <dt>Canonical SMILES</dt>
        <dd className="mono" data-testid="canonical-smiles">{info.smiles}</dd>
      </dl>
    </div>
  );
}

function Gallery() {
  const load = useMolecule((s) => s.load);
  const current = useMolecule((s) => s.name);
  const chip = (ex: Example) => (
    <li key={ex.name}>
      <button type="button" aria-pressed={current === ex.name} title={`${ex.smiles}${ex.note ? ` — ${ex.note}` : ''}`} onClick={() => void load(ex.smiles, ex.name)}>
        {ex.name}
      </button>
    </li>
  );
  return (
    <nav className="gallery" aria-label="Example molecules">
      <h3>Examples</h3>
      <p className="hint">QM9-sized (what the model was trained on):</p>
      <ul>{QM9_LIKE.map(chip)}</ul>
      <p className="hint">Larger, drug-like (outside the training distribution):</p>
      <ul>{DRUG_LIKE.map(chip)}</ul>
    </nav>
  );
}
