/// <reference lib="webworker" />
/**
 * The engine worker: owns the GPUDevice and runs training and sampling. The UI talks to it only
 * through the typed protocol in ./protocol.ts.
 */
import { createGpuContext, describeAdapter, WebGPUUnavailableError } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { relu } from '../../kernels/ops/activation';
import type { Command, WorkerEvent } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let engine: Engine | null = null;

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  self.postMessage(event, transfer);
}

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
      post({ type: 'error', message: `The GPU device was lost (${reason}: ${message}). Recreating it…`, recoverable: true });
      void init().catch(reportError);
    },
  });
  engine = new Engine(ctx);
  await selfCheck(engine);
  post({ type: 'ready', adapter: describeAdapter(ctx.info), fallback: ctx.info.isFallbackAdapter });
}

function reportError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  post({ type: 'error', message, recoverable: !(err instanceof WebGPUUnavailableError) });
}

self.onmessage = (event: MessageEvent<Command>) => {
  const cmd = event.data;
  const run = async () => {
    switch (cmd.type) {
      case 'init':
        return init();
      default:
        throw new Error(`The worker does not handle '${cmd.type}' yet`);
    }
  };
  run().catch(reportError);
};
