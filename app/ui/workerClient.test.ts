import { describe, expect, it } from 'vitest';
import type { Command, WorkerEvent } from '../worker/protocol';
import { fakeWorker } from './fakeWorker';
import { WorkerClient, WorkerReplyError } from './workerClient';

describe('WorkerClient: replies are matched by command id', () => {
  it('numbers every command and resolves a request only with the reply that carries its id', async () => {
    const { w, posted } = fakeWorker();
    const client = new WorkerClient(() => w);
    const first = client.send({ type: 'init' });
    const pending = client.request({ type: 'saveCheckpoint' }, 'checkpoint');
    expect(posted.map((c) => [c.type, c.id])).toEqual([['init', first], ['saveCheckpoint', first + 1]]);
    let settled = false;
    void pending.then(() => (settled = true), () => (settled = true));
    // Another command's reply and another command's error are not this request's.
    const bytes = new ArrayBuffer(8);
    w.reply({ type: 'checkpoint', bytes: new ArrayBuffer(4), step: 1, replyTo: first, source: 'training' });
    w.reply({ type: 'error', code: 'bad-request', message: 'not yours', recoverable: true, replyTo: first, source: 'training' });
    await Promise.resolve();
    expect(settled).toBe(false);
    w.reply({ type: 'checkpoint', bytes, step: 7, replyTo: first + 1, source: 'training' });
    const got = await pending;
    expect([got.step, got.bytes]).toEqual([7, bytes]);
  });

  it("rejects a request with the error that answers it, code included; the worker's own failure rejects every open request", async () => {
    const { w } = fakeWorker();
    const client = new WorkerClient(() => w);
    const a = client.request({ type: 'findReference', molblock: 'x' }, 'reference');
    w.reply({ type: 'error', code: 'bad-request', message: 'unreadable molblock', recoverable: true, replyTo: 1, source: 'sampling' });
    await expect(a).rejects.toEqual(new WorkerReplyError('bad-request', 'unreadable molblock'));
    await expect(a).rejects.toMatchObject({ code: 'bad-request' });
    const b = client.request({ type: 'saveCheckpoint' }, 'checkpoint');
    w.onerror?.({ preventDefault: () => undefined, message: 'boom', filename: '', lineno: 0 } as unknown as ErrorEvent);
    await expect(b).rejects.toMatchObject({ code: 'worker-failed' });
  });

  it('turns a malformed message into an error event with a code and no replyTo', () => {
    const { w } = fakeWorker();
    const client = new WorkerClient(() => w);
    const seen: WorkerEvent[] = [];
    client.onAny((e) => seen.push(e));
    w.onmessage?.({ data: 42 } as MessageEvent);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'error', code: 'malformed-message', replyTo: null, source: 'engine' });
  });
});
