/**
 * Test support: a stand-in for the engine worker. It records the commands a WorkerClient posts
 * and lets a test answer as the worker would, so the client's and the stores' routing can be
 * tested without a GPU or a real worker.
 */
import type { Command, WorkerEvent } from '../worker/protocol';
import type { WorkerLike } from './workerClient';

export function fakeWorker() {
  const posted: Command[] = [];
  const w: WorkerLike & { reply(e: WorkerEvent): void } = {
    postMessage: (m) => void posted.push(m as Command),
    terminate: () => undefined,
    onmessage: null,
    onerror: null,
    onmessageerror: null,
    reply(e) {
      this.onmessage?.({ data: e } as MessageEvent);
    },
  };
  return { w, posted };
}
