/**
 * Entry of e2e/pages/parity.html: runs the parity computation (./parityRun.ts) on navigator.gpu
 * and publishes the result for e2e/training-parity.spec.ts as `window.__parity` (and as text in
 * the status element). `?data=NAME` picks public/data/NAME.bin; the spec chooses it.
 */
import { createGpuContext, describeAdapter } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { runParity, type ParityResult } from './parityRun';

export type ParityOutcome =
  | { ok: true; adapter: string; isFallbackAdapter: boolean; seconds: number; result: ParityResult }
  | { ok: false; error: string };

declare global {
  interface Window {
    __parity?: ParityOutcome;
  }
}

async function main(): Promise<ParityOutcome> {
  const name = new URLSearchParams(location.search).get('data');
  if (!name || !/^[\w-]+$/.test(name)) throw new Error(`parity page: ?data=NAME is required (a file under public/data/), got ${JSON.stringify(name)}`);
  const t0 = performance.now();
  // Throws WebGPUUnavailableError when there is no navigator.gpu or no adapter: the spec fails on it.
  const ctx = await createGpuContext();
  const engine = new Engine(ctx);
  const res = await fetch(`${import.meta.env.BASE_URL}data/${name}.bin`);
  if (!res.ok) throw new Error(`parity page: data/${name}.bin answered ${res.status} ${res.statusText}`);
  const result = await runParity(engine, await res.arrayBuffer(), `${name}.bin`);
  engine.destroy();
  return { ok: true, adapter: describeAdapter(ctx.info), isFallbackAdapter: ctx.info.isFallbackAdapter, seconds: (performance.now() - t0) / 1000, result };
}

const status = document.getElementById('status')!;
main()
  .catch((err: unknown): ParityOutcome => ({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }))
  .then((outcome) => {
    window.__parity = outcome;
    status.textContent = JSON.stringify(outcome, null, 2);
  });
