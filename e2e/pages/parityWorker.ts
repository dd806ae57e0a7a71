/// <reference lib="webworker" />
/**
 * Worker of e2e/pages/parity.html: builds the engine on this worker's navigator.gpu, fetches
 * public/data/NAME.bin and runs the parity computation (./parityRun.ts). Posts one
 * `{ type: 'done', outcome }`; console errors (e.g. WebGPU validation errors, which the engine
 * logs) are forwarded to the page as they happen.
 */
import { createGpuContext, describeAdapter } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { runParity, type ParityResult } from './parityRun';

declare const self: DedicatedWorkerGlobalScope;

export type ParityOutcome =
  | { ok: true; adapter: string; isFallbackAdapter: boolean; seconds: number; result: ParityResult }
  | { ok: false; error: string };

export type ParityWorkerMessage = { type: 'done'; outcome: ParityOutcome } | { type: 'consoleError'; text: string };

const post = (m: ParityWorkerMessage) => self.postMessage(m);

const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  consoleError(...args);
  post({ type: 'consoleError', text: args.map(String).join(' ') });
};

async function run(name: string): Promise<ParityOutcome> {
  if (!/^[\w-]+$/.test(name)) throw new Error(`parity page: ?data=NAME is required (a file under public/data/), got ${JSON.stringify(name)}`);
  const t0 = performance.now();
  // Throws WebGPUUnavailableError when there is no navigator.gpu or no adapter: the spec fails on it.
  const ctx = await createGpuContext();
  const engine = new Engine(ctx);
  const url = new URL(`${import.meta.env.BASE_URL}data/${name}.bin`, self.location.origin);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`parity page: ${url.pathname} answered ${res.status} ${res.statusText}`);
  const result = await runParity(engine, await res.arrayBuffer(), `${name}.bin`);
  engine.destroy();
  return { ok: true, adapter: describeAdapter(ctx.info), isFallbackAdapter: ctx.info.isFallbackAdapter, seconds: (performance.now() - t0) / 1000, result };
}

self.onmessage = (event: MessageEvent<{ data: string }>) => {
  run(event.data.data)
    .catch((err: unknown): ParityOutcome => ({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }))
    .then((outcome) => post({ type: 'done', outcome }));
};
