/**
 * The typed client of the engine worker (app/worker/worker.ts). The UI never touches the GPU: it
 * sends Commands and listens to WorkerEvents, both defined in app/worker/protocol.ts.
 *
 * Failures of the worker itself (its script failed to load, an exception escaped it, a message
 * could not be deserialised) are turned into protocol 'error' events, so that every listener sees
 * them the same way and nothing is swallowed.
 */
import type { Command, WorkerEvent } from '../worker/protocol';

export type EventType = WorkerEvent['type'];
export type EventOf<T extends EventType> = Extract<WorkerEvent, { type: T }>;
type Handler<T extends EventType> = (event: EventOf<T>) => void;

export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  terminate(): void;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onerror: ((ev: ErrorEvent) => unknown) | null;
  onmessageerror: ((ev: MessageEvent) => unknown) | null;
}

export function createEngineWorker(): WorkerLike {
  return new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name: 'engine' });
}

export class WorkerClient {
  private worker: WorkerLike;
  private handlers = new Map<EventType, Set<(event: WorkerEvent) => void>>();
  private anyHandlers = new Set<(event: WorkerEvent) => void>();
  /** The last command sent, so an error can say what it answered. */
  lastCommand: Command['type'] | null = null;

  constructor(private readonly factory: () => WorkerLike = createEngineWorker) {
    this.worker = this.attach(factory());
  }

  private attach(worker: WorkerLike): WorkerLike {
    worker.onmessage = (ev: MessageEvent<WorkerEvent>) => this.dispatch(ev.data);
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      const where = ev.filename ? ` (${ev.filename}:${ev.lineno})` : '';
      this.dispatch({ type: 'error', message: `The engine worker failed: ${ev.message || 'its script could not be loaded'}${where}`, recoverable: false });
    };
    worker.onmessageerror = () => {
      this.dispatch({ type: 'error', message: 'A message from the engine worker could not be read (messageerror).', recoverable: true });
    };
    return worker;
  }

  private dispatch(event: WorkerEvent): void {
    if (!event || typeof event !== 'object' || typeof (event as { type?: unknown }).type !== 'string') {
      event = { type: 'error', message: `The engine worker sent a malformed message: ${JSON.stringify(event)?.slice(0, 200)}`, recoverable: true };
    }
    for (const h of this.handlers.get(event.type) ?? []) h(event);
    for (const h of this.anyHandlers) h(event);
  }

  /** Sends a command. ArrayBuffers in `transfer` are moved, not copied. */
  send(command: Command, transfer: Transferable[] = []): void {
    this.lastCommand = command.type;
    this.worker.postMessage(command, transfer);
  }

  on<T extends EventType>(type: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    const h = handler as (event: WorkerEvent) => void;
    set.add(h);
    return () => set.delete(h);
  }

  onAny(handler: (event: WorkerEvent) => void): () => void {
    this.anyHandlers.add(handler);
    return () => this.anyHandlers.delete(handler);
  }

  /** Ends the worker (and its GPU device) and starts a fresh one; listeners stay attached. */
  restart(): void {
    this.worker.terminate();
    this.worker = this.attach(this.factory());
  }

  terminate(): void {
    this.worker.terminate();
  }
}

let shared: WorkerClient | null = null;

/** The one engine worker of the page, created on first use. */
export function engineClient(): WorkerClient {
  if (!shared) {
    shared = new WorkerClient();
    // Test hook, only with ?testhooks=1 in the address: the device-loss e2e test loses the worker's
    // GPU device on purpose. Nothing in the app calls it.
    if (typeof location !== 'undefined' && new URLSearchParams(location.search).get('testhooks') === '1') {
      const client = shared;
      (globalThis as { __labTest?: unknown }).__labTest = { loseDevice: () => client.send({ type: 'testLoseDevice' }) };
    }
  }
  return shared;
}
