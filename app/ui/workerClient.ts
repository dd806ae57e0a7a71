/**
 * The typed client of the engine worker (app/worker/worker.ts). The UI never touches the GPU: it
 * sends Commands and listens to WorkerEvents, both defined in app/worker/protocol.ts.
 *
 * `send` gives every command an id and returns it; the worker's replies carry it as `replyTo`, so
 * each store recognises its own replies (and errors) by id, never by reading message text.
 *
 * Failures of the worker itself (its script failed to load, an exception escaped it, a message
 * could not be deserialised) are turned into protocol 'error' events (codes 'worker-failed' and
 * 'malformed-message', replyTo null), so that every listener sees them the same way and nothing is
 * swallowed.
 */
import type { CommandBody, ErrorCode, WorkerEvent } from '../worker/protocol';

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
  private nextId = 1;
  /** Type of each command sent, by id, so a log line can say what an error answered. */
  private sent = new Map<number, CommandBody['type']>();

  constructor(private readonly factory: () => WorkerLike = createEngineWorker) {
    this.worker = this.attach(factory());
  }

  private attach(worker: WorkerLike): WorkerLike {
    worker.onmessage = (ev: MessageEvent<WorkerEvent>) => this.dispatch(ev.data);
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      const where = ev.filename ? ` (${ev.filename}:${ev.lineno})` : '';
      this.dispatch(clientError('worker-failed', `The engine worker failed: ${ev.message || 'its script could not be loaded'}${where}`, false));
    };
    worker.onmessageerror = () => {
      this.dispatch(clientError('malformed-message', 'A message from the engine worker could not be read (messageerror).', true));
    };
    return worker;
  }

  private dispatch(event: WorkerEvent): void {
    if (!event || typeof event !== 'object' || typeof (event as { type?: unknown }).type !== 'string') {
      event = clientError('malformed-message', `The engine worker sent a malformed message: ${JSON.stringify(event)?.slice(0, 200)}`, true);
    }
    for (const h of this.handlers.get(event.type) ?? []) h(event);
    for (const h of this.anyHandlers) h(event);
  }

  /** Sends a command and returns its id (its replies' `replyTo`). ArrayBuffers in `transfer` are moved, not copied. */
  send(command: CommandBody, transfer: Transferable[] = []): number {
    const id = this.nextId++;
    this.sent.set(id, command.type);
    if (this.sent.size > 512) this.sent.delete(this.sent.keys().next().value!);
    this.worker.postMessage({ ...command, id }, transfer);
    return id;
  }

  /** The type of the command with this id (null if unknown or forgotten), for log lines. */
  commandOf(id: number | null): CommandBody['type'] | null {
    return id === null ? null : (this.sent.get(id) ?? null);
  }

  /**
   * Sends a command and resolves with its first reply of type `reply`; rejects with a
   * WorkerReplyError when the worker answers it with an error (or the worker itself fails).
   */
  request<T extends EventType>(command: CommandBody, reply: T, transfer: Transferable[] = []): Promise<EventOf<T>> {
    return new Promise((resolve, reject) => {
      let id = -1;
      const offs = [
        this.on(reply, (e) => {
          if (e.replyTo !== id) return;
          offs.forEach((off) => off());
          resolve(e);
        }),
        this.on('error', (e) => {
          if (e.replyTo !== id && !(e.replyTo === null && (e.code === 'worker-failed' || e.code === 'malformed-message'))) return;
          offs.forEach((off) => off());
          reject(new WorkerReplyError(e.code, e.message));
        }),
      ];
      id = this.send(command, transfer);
    });
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

/** The worker's error answer to a request, with its code. */
export class WorkerReplyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerReplyError';
  }
}

/** An error event made up on this side (the worker itself failed): it answers no command. */
function clientError(code: ErrorCode, message: string, recoverable: boolean): WorkerEvent {
  return { type: 'error', code, message, recoverable, replyTo: null, source: 'engine' };
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
