/// <reference lib="webworker" />
/**
 * The engine worker: owns the GPUDevice and runs training and sampling. The UI talks to it only
 * through the typed protocol in ./protocol.ts. Training commands are handled by TrainingSession
 * (./session.ts); sampling commands have their dispatch point below.
 */
import { createGpuContext, describeAdapter, WebGPUUnavailableError } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { relu } from '../../kernels/ops/activation';
import { CheckpointError } from '../model/checkpoint';
import type { Command, WorkerEvent } from './protocol';
import { TrainingSession } from './session';
import { SamplingHandlers } from './sampleHandlers';
import { InspectHandlers } from './inspectHandlers';

declare const self: DedicatedWorkerGlobalScope;

let engine: Engine | null = null;

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  self.postMessage(event, transfer);
}

function requireEngine(): Engine {
  if (!engine) throw new Error('The GPU engine is not ready: send init first (or wait for it to recover from a device loss)');
  return engine;
}

/** public/data/<name>.bin, relative to the app's base URL (the worker script lives under it). */
async function fetchDataset(name: string): Promise<ArrayBuffer> {
  const url = new URL(`${import.meta.env.BASE_URL}data/${name}.bin`, self.location.origin);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`loadDataset: ${url.pathname} answered ${res.status} ${res.statusText}`);
  return res.arrayBuffer();
}

const session = new TrainingSession({ engine: requireEngine, post, fetchDataset });

// ---- sampling (app/worker/sampleHandlers.ts; owned by the sampling code) ----
async function fetchDefaultCheckpoint(): Promise<ArrayBuffer> {
  const url = new URL(`${import.meta.env.BASE_URL}checkpoints/default.safetensors`, self.location.origin);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname} answered ${res.status} ${res.statusText}`);
  return res.arrayBuffer();
}
const sampling = new SamplingHandlers({
  engine: requireEngine,
  post,
  exclusive: (fn) => session.exclusive(fn),
  trainedModel: () => session.model,
  fetchDefaultCheckpoint,
});
// ---- end of sampling ----

// Inspection (app/worker/inspectHandlers.ts): the symmetry check and the kernel profiler.
const inspect = new InspectHandlers({
  engine: requireEngine,
  post,
  exclusive: (fn) => session.exclusive(fn),
  trainedModel: () => session.model,
  defaultModel: () => sampling.modelFor('default'),
  dataset: (name) => session.loadDataset(name),
});

/** Runs one small kernel and checks its result, so "ready" means the GPU really computes. */
async function selfCheck(e: Engine): Promise<void> {
  const input = [-2, -1, 0, 1, 2, 3, -4, 5];
  const y = await e.readF32(relu(e.fromArray(input, [input.length])));
  e.endStep();
  const expected = input.map((v) => Math.max(v, 0));
  if (expected.some((v, i) => v !== y[i])) throw new Error(`GPU self-check failed: relu gave [${Array.from(y).join(', ')}]`);
}

async function init(): Promise<void> {
  if (engine) {
    post({ type: 'ready', adapter: describeAdapter(engine.ctx.info), fallback: engine.ctx.info.isFallbackAdapter });
    return;
  }
  const ctx = await createGpuContext({
    onLost: (reason, message) => {
      engine = null;
      session.onDeviceLost();
      sampling.onDeviceLost();
      inspect.onDeviceLost();
      post({ type: 'error', message: `The GPU device was lost (${reason}: ${message}). Recreating it…`, recoverable: true });
      void init()
        .then(() => session.restoreAfterDeviceLoss())
        .then((step) => {
          if (step !== null) post({ type: 'error', message: `Training was restored from the in-memory checkpoint at step ${step}; press resume to go on.`, recoverable: true });
        })
        .catch(reportError);
    },
  });
  engine = new Engine(ctx);
  await selfCheck(engine);
  post({ type: 'ready', adapter: describeAdapter(ctx.info), fallback: ctx.info.isFallbackAdapter });
}

function reportError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  // A bad checkpoint or data set leaves the worker usable; only a missing WebGPU is final.
  post({ type: 'error', message: err instanceof CheckpointError ? `Cannot load the checkpoint: ${message}` : message, recoverable: !(err instanceof WebGPUUnavailableError) });
}

self.onmessage = (event: MessageEvent<Command>) => {
  const cmd = event.data;
  const run = async (): Promise<unknown> => {
    switch (cmd.type) {
      case 'init':
        return init();
      case 'loadDataset':
        return session.loadDataset(cmd.name);
      case 'startTraining':
        requireEngine();
        return session.startTraining(cmd.config, cmd.resumeFrom);
      case 'pause':
        return session.pause();
      case 'resume':
        return session.resume();
      case 'step':
        return session.stepOnce();
      case 'stop':
        return session.stop();
      case 'saveCheckpoint':
        return session.saveCheckpoint();
      case 'testLoseDevice':
        return engine?.ctx.simulateLoss?.();
      case 'loadCheckpoint':
        requireEngine();
        return session.loadCheckpoint(cmd.bytes, cmd.totalSteps);
      // Sampling (app/worker/sampleHandlers.ts): GPU work runs inside session.exclusive(...), so its
      // kernels never interleave with a training step.
      case 'sample':
        requireEngine();
        return sampling.sample(cmd.request);
      case 'generateTopology':
        requireEngine();
        return sampling.generateTopology(cmd);
      case 'symmetryCheck':
        requireEngine();
        return inspect.symmetryCheck(cmd);
      case 'profile':
        requireEngine();
        return inspect.profile(cmd);
      default: {
        const unknown: never = cmd;
        throw new Error(`Unknown worker command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  };
  run().catch(reportError);
};
