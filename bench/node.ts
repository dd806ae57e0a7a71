/**
 * The Node half of the benchmark: our engine and TensorFlow.js's WebGPU backend on Dawn (npm
 * `webgpu`), both given the same GPU object, so both get the same adapter.
 *
 * tfjs looks for `navigator.gpu`, which Node 20 lacks: we define it from Dawn's create() before
 * tfjs's backend module loads (it registers the 'webgpu' backend only if navigator.gpu exists).
 * tfjs's CommonJS bundles for Node leave the gradients out; they come from tfjs-core's ES build
 * (dist/register_all_gradients.js), which tfjs-node-hooks.mjs lets Node resolve. Both builds share
 * tfjs's global engine and registries, so the gradients land where tf.grads looks for them.
 */
import { register } from 'node:module';
import os from 'node:os';
import { createGpuContext, describeAdapter } from '../kernels/device';
import { Engine } from '../kernels/engine';
import { runCases, type RunOptions } from './cases';
import { errorMessage, type EnvironmentResult, type Tfjs } from './harness';

interface Dawn {
  create: (flags: string[]) => GPU;
  globals: Record<string, unknown>;
}

function describeTfjsAdapter(tf: Tfjs): string {
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return info ? [info.vendor, info.architecture].filter(Boolean).join(' / ') || 'unknown' : 'unknown';
}

async function loadTfjs(gpu: GPU): Promise<Tfjs> {
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: GPU };
  if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  register('./tfjs-node-hooks.mjs', import.meta.url);
  const tf = (await import('@tensorflow/tfjs-core')) as Tfjs;
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed: the backend did not initialise on Dawn');
  await tf.ready();
  return tf;
}

export async function runNode(opts: RunOptions): Promise<EnvironmentResult> {
  const moduleName = 'webgpu';
  const dawn = (await import(/* @vite-ignore */ moduleName)) as Dawn;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const ctx = await createGpuContext({ gpu });
  const engine = new Engine(ctx);
  let tf: Tfjs | null = null;
  let tfjsError: string | undefined;
  try {
    tf = await loadTfjs(gpu);
  } catch (err) {
    tfjsError = `tfjs WebGPU backend could not run in Node: ${errorMessage(err)}`;
    opts.log(tfjsError);
  }
  const cpu = os.cpus();
  const result: EnvironmentResult = {
    environment: `Node ${process.version} + Dawn (npm webgpu)`,
    adapter: describeAdapter(ctx.info),
    tfjsAdapter: tf ? describeTfjsAdapter(tf) : 'n/a',
    machine: `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
    results: [],
    tfjsError,
  };
  opts.log(`Node adapter: ${result.adapter}; tfjs adapter: ${result.tfjsAdapter}`);
  try {
    result.results = await runCases(engine, tf, tfjsError, opts);
  } finally {
    // Free Dawn's devices before Chromium starts, so the two runs do not share the CPU.
    if (tf) (tf.backend() as unknown as { device?: GPUDevice }).device?.destroy();
    engine.destroy();
  }
  return result;
}
