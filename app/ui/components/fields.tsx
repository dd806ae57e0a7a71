/**
 * Small shared UI pieces: labelled form controls (every control gets a visible label that is also
 * its accessible name), a file-open button, the elapsed-time hook of the run panels, file download
 * and duration formatting.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

interface NumberFieldProps {
  label: string;
  value: number;
  min?: number;
  max?: number;
  step?: number | 'any';
  onChange(v: number): void;
  disabled?: boolean;
  title?: string;
  width?: number;
}

/** A number input that commits on change; invalid text is kept visible until corrected. */
export function NumberField({ label, value, min, max, step = 1, onChange, disabled, title, width = 88 }: NumberFieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} title={title}>
        {label}
      </label>
      <input
        id={id}
        type="number"
        value={Number.isFinite(value) ? value : ''}
        min={min}
        max={max}
        step={step}
        disabled={disabled}
        style={{ width }}
        onChange={(e) => {
          const v = e.target.valueAsNumber;
          if (Number.isFinite(v)) onChange(v);
        }}
      />
    </div>
  );
}

interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  options: { value: T; label: string; disabled?: boolean }[];
  onChange(v: T): void;
  disabled?: boolean;
  title?: string;
}

export function SelectField<T extends string>({ label, value, options, onChange, disabled, title }: SelectFieldProps<T>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} title={title}>
        {label}
      </label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function SeedField({ value, onChange, disabled, label = 'Seed' }: { value: number; onChange(v: number): void; disabled?: boolean; label?: string }) {
  return (
    <div className="field-row">
      <NumberField label={label} value={value} min={0} max={0xffffffff} onChange={onChange} disabled={disabled} width={110} />
      <button
        type="button"
        aria-label={`New random ${label.toLowerCase()}`}
        title="Draw a new seed"
        disabled={disabled}
        onClick={() => onChange(crypto.getRandomValues(new Uint32Array(1))[0])}
      >
        Random
      </button>
    </div>
  );
}

export function Fieldset({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="fieldset">
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}

/** Triggers a browser download of text or bytes. */
export function download(name: string, data: string | ArrayBuffer | Uint8Array, type = 'text/plain'): void {
  const blob = new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

interface FileButtonProps {
  /** The hidden file input's accept list and accessible name. */
  accept: string;
  inputLabel: string;
  onFile(file: File): void;
  disabled?: boolean;
  title?: string;
  'aria-label'?: string;
  children: ReactNode;
}

/**
 * A button that opens the chooser of a hidden file input. The input is cleared after each pick so
 * that choosing the same file again fires again.
 */
export function FileButton({ accept, inputLabel, onFile, children, ...button }: FileButtonProps) {
  const ref = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" {...button} onClick={() => ref.current?.click()}>
        {children}
      </button>
      <input
        ref={ref}
        type="file"
        accept={accept}
        hidden
        aria-label={inputLabel}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) onFile(f);
        }}
      />
    </>
  );
}

/**
 * Seconds since `startedAt` (performance.now() milliseconds): live while `status` is 'running'
 * (re-rendering twice a second), frozen at `finishedAt` otherwise.
 */
export function useElapsedSeconds(status: string, startedAt: number, finishedAt: number): number {
  const [, tick] = useState(0);
  useEffect(() => {
    if (status !== 'running') return;
    const t = setInterval(() => tick((x) => x + 1), 500);
    return () => clearInterval(t);
  }, [status]);
  return ((status === 'running' ? performance.now() : finishedAt) - startedAt) / 1000;
}
