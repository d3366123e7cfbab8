// Browser storage failures (quota, a database that will not open, a file that cannot be written)
// reach the caller as ERR_SNAPSHOT_IO with the browser's error as `cause`, and leave the cache as it
// was. The real IndexedDB and OPFS paths run in Chromium (test/runtimes/browser.test.ts); here the
// failures are provoked with stand-ins for the browser's objects, which Node does not have.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CacheError, createCacheSync, loadFromIndexedDB, loadFromOPFS, saveToIndexedDB, saveToOPFS } from '../src/index.js';

afterEach(() => vi.unstubAllGlobals());

/** An IDBRequest-like object that fails with `error` on the next tick. */
function failing(error: Error) {
  const req: { error?: Error; onerror?: () => void; onsuccess?: () => void; onupgradeneeded?: () => void } = {};
  setTimeout(() => {
    req.error = error;
    req.onerror?.();
  });
  return req;
}

function quota(): Error {
  const e = new Error('The quota has been exceeded.');
  e.name = 'QuotaExceededError';
  return e;
}

async function rejection(p: Promise<unknown>): Promise<CacheError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CacheError);
  return e as CacheError;
}

function filled() {
  const cache = createCacheSync({ maxMemory: '1mb' });
  cache.set('a', 'kept');
  return cache;
}

describe('IndexedDB failures are ERR_SNAPSHOT_IO', () => {
  it('a database that does not open', async () => {
    vi.stubGlobal('indexedDB', { open: () => failing(quota()) });
    const cache = filled();
    const e = await rejection(saveToIndexedDB(cache, 'snap'));
    expect(e.code).toBe('ERR_SNAPSHOT_IO');
    expect(e.message).toBe("opening IndexedDB database 'wasmcache' failed: The quota has been exceeded.");
    expect((e.cause as Error).name).toBe('QuotaExceededError');
    expect((await rejection(loadFromIndexedDB(cache, 'snap'))).code).toBe('ERR_SNAPSHOT_IO');
    expect(cache.get('a')).toBe('kept');
  });

  it('a write the browser aborts (quota), and a read that fails', async () => {
    const tx = { oncomplete: undefined as (() => void) | undefined, onerror: undefined as (() => void) | undefined, onabort: undefined as (() => void) | undefined, error: undefined as Error | undefined };
    const db = {
      close: vi.fn(),
      transaction: (_store: string, mode: string) => {
        if (mode === 'readonly') return { objectStore: () => ({ get: () => failing(new Error('the database was closed')) }) };
        setTimeout(() => {
          tx.error = quota();
          tx.onabort?.();
        });
        return Object.assign(tx, { objectStore: () => ({ put: () => undefined }) });
      },
    };
    vi.stubGlobal('indexedDB', {
      open: () => {
        const req: { result?: unknown; onsuccess?: () => void } = {};
        setTimeout(() => {
          req.result = db;
          req.onsuccess?.();
        });
        return req;
      },
    });
    const cache = filled();
    const save = await rejection(saveToIndexedDB(cache, 'snap'));
    expect(save.message).toBe("saving 'snap' to IndexedDB failed: The quota has been exceeded.");
    expect(db.close).toHaveBeenCalledTimes(1);
    const load = await rejection(loadFromIndexedDB(cache, 'snap'));
    expect(load.code).toBe('ERR_SNAPSHOT_IO');
    expect(load.message).toBe("reading 'snap' from IndexedDB failed: the database was closed");
    expect(cache.get('a')).toBe('kept');
  });
});

describe('OPFS failures are ERR_SNAPSHOT_IO', () => {
  it('a write that fails aborts the swap file (the old file stays) and says why', async () => {
    const abort = vi.fn(async () => undefined);
    const handle = {
      createWritable: async () => ({
        write: async () => {
          throw quota();
        },
        close: async () => undefined,
        abort,
      }),
      getFile: async () => {
        throw Object.assign(new Error('the file could not be read'), { name: 'NotReadableError' });
      },
    };
    vi.stubGlobal('navigator', { storage: { getDirectory: async () => ({ getFileHandle: async () => handle }) } });
    const cache = filled();
    const save = await rejection(saveToOPFS(cache, 'snap.wcs'));
    expect(save.code).toBe('ERR_SNAPSHOT_IO');
    expect(save.message).toBe("saving 'snap.wcs' to the Origin Private File System failed: The quota has been exceeded.");
    expect(abort).toHaveBeenCalledTimes(1);
    const load = await rejection(loadFromOPFS(cache, 'snap.wcs'));
    expect(load.message).toBe("reading 'snap.wcs' from the Origin Private File System failed: the file could not be read");
    expect(cache.get('a')).toBe('kept');
  });

  it('a missing file loads nothing; a bad snapshot keeps its own error', async () => {
    const missing = Object.assign(new Error('not found'), { name: 'NotFoundError' });
    const bad = { getFile: async () => new Blob([new Uint8Array([1, 2, 3, 4])]) };
    vi.stubGlobal('navigator', {
      storage: { getDirectory: async () => ({ getFileHandle: async (name: string) => (name === 'bad' ? bad : Promise.reject(missing)) }) },
    });
    const cache = filled();
    expect(await loadFromOPFS(cache, 'none')).toBeUndefined();
    const e = await rejection(loadFromOPFS(cache, 'bad'));
    expect(e.code).toMatch(/^ERR_SNAPSHOT_(MAGIC|TRUNCATED|CORRUPT|VERSION)$/);
    expect(cache.get('a')).toBe('kept');
  });
});
