/**
 * The page half of the benchmark (bench/index.html, bundled by Vite): the same cases as in Node,
 * on the page's WebGPU adapter, ours and TensorFlow.js's WebGPU backend side by side. Options come
 * in the query string (`?opts=<JSON>`); the result lands in `window.__bench` for run.ts to read.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { createGpuContext, describeAdapter } from '../kernels/device';
import { Engine } from '../kernels/engine';
import { runCases } from './cases';
import { errorMessage, type EnvironmentResult, type TimingOptions } from './harness';
import { formatEnvironment } from './table';

export interface BenchPageState {
  done: boolean;
  error?: string;
  result?: EnvironmentResult;
}

declare global {
  interface Window {
    __bench?: BenchPageState;
  }
}

const logEl = document.getElementById('log');
function log(line: string): void {
  console.log(`[bench] ${line}`);
  if (logEl) logEl.textContent += `${line}\n`;
}

function readOptions(): { timing: TimingOptions; filter?: string } {
  const raw = new URLSearchParams(location.search).get('opts');
  const fallback: TimingOptions = { warmup: 1, iterations: 15, minIterations: 3, budgetMs: 2500 };
  if (!raw) return { timing: fallback };
  const parsed = JSON.parse(raw) as { timing?: Partial<TimingOptions>; filter?: string };
  return { timing: { ...fallback, ...parsed.timing }, filter: parsed.filter };
}

async function main(): Promise<EnvironmentResult> {
  const { timing, filter } = readOptions();
  const ctx = await createGpuContext();
  const engine = new Engine(ctx);
  let tfjsError: string | undefined;
  try {
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") returned false');
    await tf.ready();
  } catch (err) {
    tfjsError = `tfjs WebGPU backend could not start: ${errorMessage(err)}`;
    log(tfjsError);
  }
  const info = tfjsError ? undefined : (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  const chromium = navigator.userAgent.match(/(?:HeadlessChrome|Chrome)\/([\d.]+)/)?.[1] ?? navigator.userAgent;
  const result: EnvironmentResult = {
    environment: `Chromium ${chromium} (headless, WebGPU)`,
    adapter: describeAdapter(ctx.info),
    tfjsAdapter: info ? [info.vendor, info.architecture].filter(Boolean).join(' / ') || 'unknown' : 'n/a',
    machine: `${navigator.hardwareConcurrency} logical cores (navigator.hardwareConcurrency)`,
    date: new Date().toISOString(),
    results: [],
    tfjsError,
  };
  log(`adapter: ${result.adapter}; tfjs adapter: ${result.tfjsAdapter}`);
  result.results = await runCases(engine, tfjsError ? null : tf, tfjsError, { timing, filter, log });
  engine.destroy();
  return result;
}

window.__bench = { done: false };
main().then(
  (result) => {
    window.__bench = { done: true, result };
    if (logEl) logEl.textContent += `\n${formatEnvironment(result)}`;
  },
  (err: unknown) => {
    window.__bench = { done: true, error: errorMessage(err) };
    log(`failed: ${errorMessage(err)}`);
  },
);
