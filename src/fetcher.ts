// fetch() and memo(): get-or-load over a cache, through a small host interface (the Cache gives
// it reads and writes by key; it gives the Cache nothing back but answers). One load per key runs
// at a time (Loads, fetch.ts); a value past its fresh-until time is served stale while it reloads
// (staleWhileRevalidate) or when the reload fails (staleIfError).
import { CacheError } from './errors.js';
import type { Key } from './codec.js';
import { checkTtl } from './options.js';
import { type FetchOptions, type Loader, type Loads, type MemoOptions, MEMO_SPACE, keyId, memoArgsKey, memoKeyId, waitFor } from './fetch.js';

/** What the host read for a key: whether it was there, its value, and its fresh-until time (Infinity: no stale window). */
export interface FetchRead {
  now: number;
  found: boolean;
  value: unknown;
  freshUntil: number;
}

/** What fetch() needs of the cache. */
export interface FetchHost {
  readonly loads: Loads;
  readonly defaultTtl: number;
  now(): number;
  /** Throws ERR_DISPOSED once the cache is disposed. */
  alive(): void;
  disposed(): boolean;
  /** The stored value (a stale one too) in key space `space`; with `force`, read without touching the policy. */
  read(space: number, key: Key, force: boolean): FetchRead;
  /** Stores a loaded value: expiring at `expireAt` (0: never), fresh until `freshUntil` (0: no stale window). */
  store(space: number, key: Key, value: unknown, expireAt: number, freshUntil: number, now: number): void;
}

export class Fetcher {
  private memos = 0;

  constructor(private readonly host: FetchHost) {}

  /** fetch() in key space `space`: 0 (the caller's keys) or MEMO_SPACE (memo()'s default keys). */
  async fetch<V>(space: number, key: Key, loader: Loader<V>, options: FetchOptions): Promise<V | undefined> {
    const host = this.host;
    host.alive();
    if (typeof loader !== 'function') throw new CacheError('ERR_OPTIONS', 'fetch() needs a loader function');
    const ttl = options.ttl !== undefined ? checkTtl(options.ttl) : host.defaultTtl;
    const swr = checkTtl(options.staleWhileRevalidate ?? 0, 'staleWhileRevalidate');
    const sie = checkTtl(options.staleIfError ?? 0, 'staleIfError');
    const read = host.read(space, key, options.forceRefresh === true);
    const id = space ? memoKeyId(key as string) : keyId(key);
    let stale: { value: V; freshUntil: number } | undefined;
    let current: V | undefined;
    if (read.found) {
      const value = read.value as V;
      if (options.forceRefresh) current = value;
      else if (read.freshUntil >= read.now) return value;
      else {
        stale = { value, freshUntil: read.freshUntil };
        if (read.now <= read.freshUntil + swr) {
          if (!host.loads.get(id)) this.startLoad(space, key, id, loader, stale, ttl, swr, sie);
          host.loads.stats.staleServed++;
          return value;
        }
      }
    }
    let load = host.loads.get(id);
    if (load) host.loads.stats.coalesced++;
    else load = this.startLoad(space, key, id, loader, stale ?? (current !== undefined ? { value: current, freshUntil: Infinity } : undefined), ttl, swr, sie);
    return waitFor(load.promise as Promise<V | undefined>, options.signal);
  }

  /** Runs one load, caching its result unless the key was written meanwhile. */
  private startLoad<V>(
    space: number,
    key: Key,
    id: string,
    loader: Loader<V>,
    stale: { value: V; freshUntil: number } | undefined,
    ttl: number,
    swr: number,
    sie: number,
  ) {
    const host = this.host;
    return host.loads.start(id, async (load) => {
      try {
        const value = await loader(key, { signal: load.controller.signal, staleValue: stale?.value });
        if (value !== undefined && !load.superseded && !host.disposed()) {
          const now = host.now();
          const window = ttl > 0 ? Math.max(swr, sie) : 0;
          // With a stale window, the value is kept (and counts against maxMemory) until it ends.
          host.store(space, key, value, ttl > 0 ? now + ttl + window : 0, window > 0 ? now + ttl : 0, now);
        }
        return value;
      } catch (error) {
        host.loads.stats.loadErrors++;
        if (stale && sie > 0 && !host.disposed() && host.now() <= stale.freshUntil + sie) {
          host.loads.stats.staleServed++;
          return stale.value;
        }
        throw error;
      }
    });
  }

  /** memo(): `fn` with its results cached by argument key, through fetch(). */
  memo<A extends unknown[], V>(fn: (...args: A) => V | Promise<V>, options: MemoOptions<A>): (...args: A) => Promise<V | undefined> {
    const prefix = `${this.memos++}:`;
    const keyFor = options.key;
    const fetchOptions: FetchOptions = {
      ttl: options.ttl,
      staleWhileRevalidate: options.staleWhileRevalidate,
      staleIfError: options.staleIfError,
    };
    return async (...args: A) =>
      keyFor
        ? this.fetch<V>(0, keyFor(...args), () => fn(...args), fetchOptions)
        : this.fetch<V>(MEMO_SPACE, prefix + memoArgsKey(args), () => fn(...args), fetchOptions);
  }
}
