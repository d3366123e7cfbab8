// Browser persistence: a cache's snapshot (exportSnapshot) kept in IndexedDB or in the Origin
// Private File System, and loaded back (loadBytes: checked whole before anything changes).

import type { Cache } from './cache.js';
import { CacheError } from './errors.js';
import type { LoadResult } from './snapshot.js';

const STORE = 'snapshots';

/**
 * Runs a storage step; a failure of the browser's storage (quota, a closed database, a file that
 * cannot be written) becomes ERR_SNAPSHOT_IO naming the step, with the browser's error as `cause`.
 * CacheErrors (a bad snapshot) pass through as they are.
 */
async function step<T>(what: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof CacheError) throw e;
    const why = e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e) ? (e as Error).message : String(e);
    throw new CacheError('ERR_SNAPSHOT_IO', `${what} failed: ${why}`, { cause: e });
  }
}

interface IdbOptions {
  /** IndexedDB database name. Default 'wasmcache'. */
  database?: string;
}

function idb(): IDBFactory {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) throw new CacheError('ERR_SNAPSHOT_IO', 'IndexedDB is not available in this runtime');
  return factory;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function openDb(name: string): Promise<IDBDatabase> {
  const factory = idb();
  return step(`opening IndexedDB database '${name}'`, () => {
    const open = factory.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    return request(open);
  });
}

async function snapshotBlob(cache: Cache): Promise<Blob> {
  const parts: BlobPart[] = [];
  for await (const chunk of cache.exportSnapshot()) parts.push(chunk as BlobPart);
  return new Blob(parts);
}

/** Saves the cache's snapshot in IndexedDB under `key` (one transaction: all or nothing). */
export async function saveToIndexedDB(cache: Cache, key: string, options: IdbOptions = {}): Promise<void> {
  const blob = await snapshotBlob(cache);
  const db = await openDb(options.database ?? 'wasmcache');
  try {
    await step(`saving '${key}' to IndexedDB`, () => {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put(blob, key);
      return new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    });
  } finally {
    db.close();
  }
}

/** Loads the snapshot saved under `key` into the cache; undefined if there is none. */
export async function loadFromIndexedDB(cache: Cache, key: string, options: IdbOptions = {}): Promise<LoadResult | undefined> {
  const db = await openDb(options.database ?? 'wasmcache');
  let blob: Blob | undefined;
  try {
    blob = await step(`reading '${key}' from IndexedDB`, () => request(db.transaction(STORE, 'readonly').objectStore(STORE).get(key)));
  } finally {
    db.close();
  }
  if (!blob) return undefined;
  const bytes = await step(`reading '${key}' from IndexedDB`, () => blob.arrayBuffer());
  return cache.loadBytes(new Uint8Array(bytes));
}

async function opfsRoot(): Promise<FileSystemDirectoryHandle> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!storage?.getDirectory) throw new CacheError('ERR_SNAPSHOT_IO', 'the Origin Private File System is not available here');
  return step('opening the Origin Private File System', () => storage.getDirectory());
}

/**
 * Saves the cache's snapshot to the file `name` in the Origin Private File System. The browser
 * writes a swap file and replaces the old file only when the write completes.
 */
export async function saveToOPFS(cache: Cache, name: string): Promise<void> {
  const root = await opfsRoot();
  const what = `saving '${name}' to the Origin Private File System`;
  const out = await step(what, async () => (await root.getFileHandle(name, { create: true })).createWritable());
  try {
    for await (const chunk of cache.exportSnapshot()) await step(what, () => out.write(chunk as FileSystemWriteChunkType));
    await step(what, () => out.close());
  } catch (e) {
    try {
      await out.abort(); // the old file stays as it was
    } catch {
      // the write's error is the one to report
    }
    throw e;
  }
}

/** Loads the snapshot in the OPFS file `name` into the cache; undefined if there is none. */
export async function loadFromOPFS(cache: Cache, name: string): Promise<LoadResult | undefined> {
  const root = await opfsRoot();
  const what = `reading '${name}' from the Origin Private File System`;
  let file: FileSystemFileHandle;
  try {
    file = await root.getFileHandle(name);
  } catch (e) {
    if ((e as DOMException).name === 'NotFoundError') return undefined;
    throw new CacheError('ERR_SNAPSHOT_IO', `${what} failed: ${(e as Error).message}`, { cause: e });
  }
  const bytes = await step(what, async () => (await file.getFile()).arrayBuffer());
  return cache.loadBytes(new Uint8Array(bytes));
}
