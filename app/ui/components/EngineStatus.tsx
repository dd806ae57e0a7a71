import { useEngine } from '../state/engineStore';

const LABEL = {
  starting: 'Starting WebGPU…',
  ready: 'WebGPU ready',
  recovering: 'GPU device lost, recreating…',
  unavailable: 'WebGPU unavailable',
  failed: 'Engine failed',
} as const;

/** The worker's state and adapter; 'WebGPU ready' means its GPU self-check kernel ran and matched. */
export function EngineStatus() {
  const status = useEngine((s) => s.status);
  const adapter = useEngine((s) => s.adapter);
  const fallback = useEngine((s) => s.fallback);
  return (
    <div role="status" aria-label="Engine status" aria-live="polite" className={`engine-status engine-${status}`} title={adapter ?? undefined}>
      <span className="dot" aria-hidden="true" />
      <span>{LABEL[status]}</span>
      {status === 'ready' && adapter && (
        <span className="adapter">
          {adapter}
          {fallback && !/fallback/i.test(adapter) ? ' (CPU fallback)' : ''}
        </span>
      )}
    </div>
  );
}
