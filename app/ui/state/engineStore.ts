/**
 * Engine status as the UI sees it: whether the worker is ready, its adapter, and a log of every
 * error it reported (never swallowed: each one is shown until dismissed).
 */
import { create } from 'zustand';
import type { WorkerClient } from '../workerClient';

export type EngineStatus = 'starting' | 'ready' | 'recovering' | 'unavailable' | 'failed';

export interface EngineMessage {
  id: number;
  time: number;
  text: string;
  level: 'error' | 'warning' | 'info';
  /** The command the worker was last sent when this arrived. */
  context: string | null;
}

interface EngineState {
  status: EngineStatus;
  adapter: string | null;
  fallback: boolean;
  /** Why WebGPU cannot be used here, when status is 'unavailable'. */
  unavailableReason: string | null;
  messages: EngineMessage[];
  /** Increments each time the device is recreated after a loss, so panels can react. */
  recoveries: number;
  push(text: string, level: EngineMessage['level'], context?: string | null): void;
  dismiss(id: number): void;
  clearMessages(): void;
}

let nextId = 1;

export const useEngine = create<EngineState>((set) => ({
  status: 'starting',
  adapter: null,
  fallback: false,
  unavailableReason: null,
  messages: [],
  recoveries: 0,
  push: (text, level, context = null) =>
    set((s) => ({ messages: [...s.messages.slice(-49), { id: nextId++, time: Date.now(), text, level, context }] })),
  dismiss: (id) => set((s) => ({ messages: s.messages.filter((m) => m.id !== id) })),
  clearMessages: () => set({ messages: [] }),
}));

/** Wires the worker's lifecycle events into the store and sends 'init'. */
export function connectEngine(client: WorkerClient): () => void {
  const store = useEngine;
  if (typeof navigator === 'undefined' || !navigator.gpu) {
    store.setState({
      status: 'unavailable',
      unavailableReason: window.isSecureContext
        ? 'this browser has no navigator.gpu'
        : 'the page is not a secure context (serve it over https or from localhost)',
    });
    return () => undefined;
  }
  let initId: number | null = null;
  const offs = [
    client.on('ready', (e) => {
      const wasRecovering = store.getState().status === 'recovering';
      store.setState((s) => ({ status: 'ready', adapter: e.adapter, fallback: e.fallback, recoveries: wasRecovering ? s.recoveries + 1 : s.recoveries }));
      if (wasRecovering) store.getState().push(`The GPU device was recreated on ${e.adapter}.`, 'info');
    }),
    client.on('notice', (e) => {
      if (e.code === 'device-lost') store.setState({ status: 'recovering' });
      store.getState().push(e.message, e.level, client.commandOf(e.replyTo));
    }),
    client.on('error', (e) => {
      const s = store.getState();
      if (e.code === 'webgpu-unavailable') {
        store.setState({ status: 'unavailable', unavailableReason: e.message });
      } else if (!e.recoverable || (e.replyTo !== null && e.replyTo === initId)) {
        // The worker itself failed, or 'init' did (no device, failed self-check).
        store.setState(s.status === 'starting' ? { status: 'failed', unavailableReason: e.message } : { status: 'failed' });
      }
      s.push(e.message, 'error', client.commandOf(e.replyTo));
    }),
  ];
  initId = client.send({ type: 'init' });
  return () => offs.forEach((off) => off());
}
