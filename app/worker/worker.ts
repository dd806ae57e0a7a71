/// <reference lib="webworker" />
/**
 * The engine worker: owns the GPUDevice and runs training, sampling, topology and inspection. The
 * UI talks to it only through the typed protocol in ./protocol.ts. The handlers are peers: each
 * takes the GPU through one GpuLock (./gpuLock.ts) and its models from one ModelRegistry
 * (./models.ts); training commands go to TrainingSession (./session.ts), sampling and topology to
 * SamplingHandlers (./sampleHandlers.ts), inspection to InspectHandlers (./inspectHandlers.ts),
 * reference look-ups to ReferenceLookup (./reference.ts).
 *
 * Every event posted answers a command id (`replyTo`) or null; `source` is added here. A throw in
 * a handler becomes one 'error' event with a code: WorkerError carries its own, the known error
 * classes map below, anything else is 'failed'.
 */
import { createGpuContext, describeAdapter, WebGPUUnavailableError } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { relu } from '../../kernels/ops/activation';
import { ChemError, getRDKit } from '../chem/rdkit';
import { CheckpointError } from '../model/checkpoint';
import { TrainingDivergedError } from '../train/loops';
import { GpuLock } from './gpuLock';
import { ModelRegistry } from './models';
import { COMMAND_SOURCE, EVENT_SOURCE, WorkerError, type Command, type CommandBody, type ErrorCode, type EventSource, type OutgoingEvent, type WorkerEvent } from './protocol';
import { ReferenceLookup } from './reference';
import { TrainingSession } from './session';
import { SamplingHandlers } from './sampleHandlers';
import { InspectHandlers } from './inspectHandlers';
import { FinetuneHandlers } from './finetuneHandlers';

declare const self: DedicatedWorkerGlobalScope;

let engine: Engine | null = null;

/** Type of each recent command by id, so an error or notice answering it gets its source. */
const recentCommands = new Map<number, CommandBody['type']>();
const RECENT_LIMIT = 256;

function remember(cmd: Command): void {
  recentCommands.set(cmd.id, cmd.type);
  if (recentCommands.size > RECENT_LIMIT) recentCommands.delete(recentCommands.keys().next().value!);
}

function sourceOf(event: OutgoingEvent): EventSource {
  if (event.type !== 'error' && event.type !== 'notice') return EVENT_SOURCE[event.type];
  const cmd = event.replyTo === null ? undefined : recentCommands.get(event.replyTo);
  return cmd ? COMMAND_SOURCE[cmd] : 'engine';
}

function post(event: OutgoingEvent, transfer: Transferable[] = []): void {
  self.postMessage({ ...event, source: sourceOf(event) } as WorkerEvent, transfer);
}

function requireEngine(): Engine {
  if (!engine) throw new WorkerError('not-ready', 'The GPU engine is not ready: send init first (or wait for it to recover from a device loss)');
  return engine;
}

async function fetchPublic(path: string): Promise<ArrayBuffer> {
  const url = new URL(`${import.meta.env.BASE_URL}${path}`, self.location.origin);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname} answered ${res.status} ${res.statusText}`);
  return res.arrayBuffer();
}

/** public/data/<name>.bin, relative to the app's base URL (the worker script lives under it). */
const fetchDataset = (name: string) => fetchPublic(`data/${name}.bin`).catch((e: Error) => Promise.reject(new Error(`loadDataset: ${e.message}`)));

const gpu = new GpuLock();
const exclusive = <T,>(fn: () => Promise<T> | T) => gpu.run(fn);
// The registry and the session name each other through closures: the registry asks for the run's
// model, the session tells the registry when a weights-only checkpoint became the tab's model.
const models: ModelRegistry = new ModelRegistry({
  engine: requireEngine,
  lock: gpu,
  fetchShipped: () => fetchPublic('checkpoints/default.safetensors'),
  trained: () => session.currentTrainer?.model ?? null,
});
const session = new TrainingSession({ engine: requireEngine, post, fetchDataset, lock: gpu, onLoadedModel: (m) => models.setLoaded(m) });
const sampling = new SamplingHandlers({ engine: requireEngine, post, exclusive, models });
const inspect = new InspectHandlers({ engine: requireEngine, post, exclusive, models, dataset: (name) => session.dataset(name) });
const references = new ReferenceLookup({ rdkit: getRDKit, dataset: (name) => session.dataset(name) });

// Fine-tuning (app/worker/finetuneHandlers.ts): the Fine-tune panel's runs and predictions.
const fetchCheckpoint = (name: string) => fetchPublic(`checkpoints/${name}.safetensors`).catch((e: Error) => Promise.reject(new Error(`fine-tune: ${e.message}`)));
const finetune = new FinetuneHandlers({ engine: requireEngine, post, exclusive, trainedModel: () => models.tabModel(), fetchCheckpoint });

/** Runs one small kernel and checks its result, so "ready" means the GPU really computes. */
async function selfCheck(e: Engine): Promise<void> {
  const input = [-2, -1, 0, 1, 2, 3, -4, 5];
  const y = await e.readF32(relu(e.fromArray(input, [input.length])));
  e.endStep();
  const expected = input.map((v) => Math.max(v, 0));
  if (expected.some((v, i) => v !== y[i])) throw new WorkerError('gpu-failed', `GPU self-check failed: relu gave [${Array.from(y).join(', ')}]`);
}

async function init(replyTo: number | null): Promise<void> {
  if (engine) {
    post({ type: 'ready', adapter: describeAdapter(engine.ctx.info), fallback: engine.ctx.info.isFallbackAdapter, replyTo });
    return;
  }
  const ctx = await createGpuContext({
    onLost: (reason, message) => {
      engine = null;
      session.onDeviceLost();
      models.onDeviceLost();
      inspect.onDeviceLost();
      finetune.onDeviceLost();
      post({ type: 'notice', code: 'device-lost', level: 'warning', message: `The GPU device was lost (${reason}: ${message}). Recreating it…`, replyTo: null });
      void init(null)
        .then(() => session.restoreAfterDeviceLoss())
        .then((step) => {
          if (step !== null) post({ type: 'notice', code: 'training-restored', level: 'info', message: `Training was restored from the in-memory checkpoint at step ${step}; press resume to go on.`, replyTo: null });
        })
        .catch((err: unknown) => reportError(err, null));
    },
  });
  engine = new Engine(ctx);
  await selfCheck(engine);
  post({ type: 'ready', adapter: describeAdapter(ctx.info), fallback: ctx.info.isFallbackAdapter, replyTo });
}

function codeOf(err: unknown): ErrorCode {
  if (err instanceof WorkerError) return err.code;
  if (err instanceof WebGPUUnavailableError) return 'webgpu-unavailable';
  if (err instanceof CheckpointError) return 'bad-checkpoint';
  if (err instanceof TrainingDivergedError) return 'diverged';
  if (err instanceof ChemError) return 'bad-request';
  return 'failed';
}

function reportError(err: unknown, replyTo: number | null): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = codeOf(err);
  // A bad checkpoint or data set leaves the worker usable; only a missing WebGPU is final.
  post({ type: 'error', code, message: err instanceof CheckpointError ? `Cannot load the checkpoint: ${message}` : message, recoverable: code !== 'webgpu-unavailable', replyTo });
}

self.onmessage = (event: MessageEvent<Command>) => {
  const cmd = event.data;
  const id = typeof cmd?.id === 'number' ? cmd.id : null;
  if (id !== null) remember(cmd);
  const run = async (): Promise<unknown> => {
    if (id === null) throw new WorkerError('bad-request', `A command without a numeric id: ${JSON.stringify(cmd?.type)}`);
    switch (cmd.type) {
      case 'init':
        return init(id);
      case 'loadDataset':
        return session.loadDataset(cmd.name, id);
      case 'startTraining':
        requireEngine();
        return session.startTraining(cmd.config, cmd.resumeFrom, id);
      case 'pause':
        return session.pause(id);
      case 'resume':
        return session.resume(id);
      case 'step':
        return session.stepOnce(id);
      case 'stop':
        return session.stop(id);
      case 'saveCheckpoint':
        return session.saveCheckpoint(id);
      case 'testLoseDevice':
        return engine?.ctx.simulateLoss?.();
      case 'loadCheckpoint':
        requireEngine();
        return session.loadCheckpoint(cmd.bytes, cmd.totalSteps, id);
      case 'sample':
        requireEngine();
        return sampling.sample(cmd.request, id);
      case 'findReference': {
        const r = await references.find(cmd.molblock);
        return post({ type: 'reference', positions: r.positions, origin: r.origin, replyTo: id }, r.positions ? [r.positions.buffer] : []);
      }
      case 'generateTopology':
        requireEngine();
        return sampling.generateTopology(cmd, id);
      case 'symmetryCheck':
        requireEngine();
        return inspect.symmetryCheck(cmd, id);
      case 'finetuneStart':
        requireEngine();
        return finetune.start(cmd.request, id);
      case 'finetunePause':
        return finetune.pause(id);
      case 'finetuneResume':
        return finetune.resume(id);
      case 'finetuneCancel':
        return finetune.cancel();
      case 'finetunePredict':
        requireEngine();
        return finetune.predict(cmd.smiles, id);
      case 'profile':
        requireEngine();
        return inspect.profile(cmd, id);
      case 'noiseLevels':
        requireEngine();
        return inspect.noiseLevels(cmd, id);
      default: {
        const unknown: never = cmd;
        throw new WorkerError('bad-request', `Unknown worker command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  };
  run().catch((err: unknown) => reportError(err, id));
};
