/**
 * Checkpoints saved in the browser: the Origin Private File System when it is there (fast, large),
 * IndexedDB otherwise. Each entry is the safetensors bytes the worker produced plus a small JSON
 * sidecar (step, preset, data set, time). `navigator.storage.persist()` is requested once, so the
 * browser does not evict them under storage pressure.
 */

export interface CheckpointMeta {
  name: string;
  step: number;
  preset: string;
  dataset: string;
  savedAt: number;
  bytes: number;
}

export interface CheckpointStore {
  kind: 'OPFS' | 'IndexedDB';
  list(): Promise<CheckpointMeta[]>;
  save(meta: CheckpointMeta, data: ArrayBuffer): Promise<void>;
  load(name: string): Promise<ArrayBuffer>;
  remove(name: string): Promise<void>;
}

const DIR = 'checkpoints';
const SAFE = /^[\w.-]+$/;

function checkName(name: string): void {
  if (!SAFE.test(name)) throw new Error(`checkpoint name '${name}' may only hold letters, digits, '.', '-' and '_'`);
}

async function opfsStore(): Promise<CheckpointStore> {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle(DIR, { create: true });
  const write = async (file: string, data: ArrayBuffer | string) => {
    const handle = await dir.getFileHandle(file, { create: true });
    const w = await handle.createWritable();
    await w.write(data);
    await w.close();
  };
  return {
    kind: 'OPFS',
    async list() {
      const out: CheckpointMeta[] = [];
      for await (const [file, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        if (!file.endsWith('.json') || handle.kind !== 'file') continue;
        try {
          out.push(JSON.parse(await (await (handle as FileSystemFileHandle).getFile()).text()) as CheckpointMeta);
        } catch {
          // A half-written sidecar (tab closed mid-save) is not a checkpoint; skip it.
        }
      }
      return out.sort((a, b) => b.savedAt - a.savedAt);
    },
    async save(meta, data) {
      checkName(meta.name);
      await write(`${meta.name}.safetensors`, data);
      // The sidecar last: a listed checkpoint always has its bytes.
      await write(`${meta.name}.json`, JSON.stringify(meta));
    },
    async load(name) {
      checkName(name);
      const handle = await dir.getFileHandle(`${name}.safetensors`).catch(() => {
        throw new Error(`checkpoint '${name}' is not in the browser's storage`);
      });
      return (await handle.getFile()).arrayBuffer();
    },
    async remove(name) {
      checkName(name);
      await dir.removeEntry(`${name}.json`).catch(() => undefined);
      await dir.removeEntry(`${name}.safetensors`).catch(() => undefined);
    },
  };
}

function idb<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

async function idbStore(): Promise<CheckpointStore> {
  const open = indexedDB.open('moleculesde-lab', 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore('meta', { keyPath: 'name' });
    open.result.createObjectStore('bytes');
  };
  const db = await idb(open);
  const tx = (mode: IDBTransactionMode) => db.transaction(['meta', 'bytes'], mode);
  return {
    kind: 'IndexedDB',
    async list() {
      const all = (await idb(tx('readonly').objectStore('meta').getAll())) as CheckpointMeta[];
      return all.sort((a, b) => b.savedAt - a.savedAt);
    },
    async save(meta, data) {
      checkName(meta.name);
      const t = tx('readwrite');
      t.objectStore('bytes').put(data, meta.name);
      t.objectStore('meta').put(meta);
      await new Promise<void>((resolve, reject) => {
        t.oncomplete = () => resolve();
        t.onerror = () => reject(t.error ?? new Error('IndexedDB write failed'));
        t.onabort = () => reject(t.error ?? new Error('IndexedDB write aborted (storage full?)'));
      });
    },
    async load(name) {
      const data = (await idb(tx('readonly').objectStore('bytes').get(name))) as ArrayBuffer | undefined;
      if (!data) throw new Error(`checkpoint '${name}' is not in the browser's storage`);
      return data;
    },
    async remove(name) {
      const t = tx('readwrite');
      t.objectStore('bytes').delete(name);
      t.objectStore('meta').delete(name);
      await new Promise<void>((resolve) => (t.oncomplete = () => resolve()));
    },
  };
}

let store: Promise<CheckpointStore> | null = null;

/** The browser's checkpoint store (OPFS, else IndexedDB), opened once. */
export function checkpointStore(): Promise<CheckpointStore> {
  if (!store) {
    store = (async () => {
      void navigator.storage?.persist?.().catch(() => false);
      if (typeof navigator.storage?.getDirectory === 'function') {
        try {
          return await opfsStore();
        } catch {
          // OPFS can be present but refused (e.g. some private modes): fall back to IndexedDB.
        }
      }
      if (typeof indexedDB === 'undefined') throw new Error('this browser offers neither OPFS nor IndexedDB to keep checkpoints; use Export instead');
      return idbStore();
    })();
    store.catch(() => (store = null));
  }
  return store;
}
