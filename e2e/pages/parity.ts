/**
 * The page entry of e2e/training-parity.spec.ts, built by Vite as a second input next to the app
 * (vite.config.ts) and loaded by a minimal HTML shell that the spec serves on the preview server's
 * origin. The computation runs in a module worker (./parityWorker.ts), as the app's training does,
 * and for a build reason: Vite bundles each worker on its own, so this entry shares no module with
 * the app and (being a script, not an HTML page) gets no modulepreload polyfill either; the app's
 * build output stays byte for byte what it is without this entry.
 *
 * The outcome is published as `window.__parity` and as text in a status element. Worker errors are
 * re-logged here with console.error, so the shared e2e fixture (which fails a test on any console
 * error) sees them whatever Playwright reports of worker consoles.
 */
import type { ParityOutcome, ParityWorkerMessage } from './parityWorker';

declare global {
  interface Window {
    __parity?: ParityOutcome;
  }
}

const status = document.createElement('pre');
status.setAttribute('role', 'status');
status.setAttribute('aria-label', 'Parity status');
status.textContent = 'running…';
document.body.append(status);
const publish = (outcome: ParityOutcome) => {
  window.__parity ??= outcome;
  status.textContent = JSON.stringify(window.__parity, null, 2);
};

const data = new URLSearchParams(location.search).get('data') ?? '';
const worker = new Worker(new URL('./parityWorker.ts', import.meta.url), { type: 'module', name: 'parity' });
worker.onmessage = (event: MessageEvent<ParityWorkerMessage>) => {
  const m = event.data;
  if (m.type === 'consoleError') console.error(`[parity worker] ${m.text}`);
  else publish(m.outcome);
};
worker.onerror = (event) => {
  const text = `parity worker failed: ${event.message || 'could not load the worker script'}`;
  console.error(text);
  publish({ ok: false, error: text });
};
worker.postMessage({ data });
