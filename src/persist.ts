// Browser persistence: a cache's snapshot (exportSnapshot) kept in IndexedDB or in the Origin
// Private File System, and loaded back (loadBytes: checked whole before anything changes).

import type { Cache } from './cache.js';
import { CacheError } from './errors.js';
import type { LoadResult } from './snapshot.js';

const STORE = 'snapshots';

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
  const open = idb().open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
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
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(blob, key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
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
    blob = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(key));
  } finally {
    db.close();
  }
  return blob ? cache.loadBytes(new Uint8Array(await blob.arrayBuffer())) : undefined;
}

async function opfsRoot(): Promise<FileSystemDirectoryHandle> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!storage?.getDirectory) throw new CacheError('ERR_SNAPSHOT_IO', 'the Origin Private File System is not available here');
  return storage.getDirectory();
}

/**
 * Saves the cache's snapshot to the file `name` in the Origin Private File System. The browser
 * writes a swap file and replaces the old file only when the write completes.
 */
export async function saveToOPFS(cache: Cache, name: string): Promise<void> {
  const file = await (await opfsRoot()).getFileHandle(name, { create: true });
  const out = await file.createWritable();
  try {
    for await (const chunk of cache.exportSnapshot()) await out.write(chunk as FileSystemWriteChunkType);
    await out.close();
  } catch (e) {
    await out.abort();
    throw e;
  }
}

/** Loads the snapshot in the OPFS file `name` into the cache; undefined if there is none. */
export async function loadFromOPFS(cache: Cache, name: string): Promise<LoadResult | undefined> {
  let file: FileSystemFileHandle;
  try {
    file = await (await opfsRoot()).getFileHandle(name);
  } catch (e) {
    if ((e as DOMException).name === 'NotFoundError') return undefined;
    throw e;
  }
  return cache.loadBytes(new Uint8Array(await (await file.getFile()).arrayBuffer()));
}
