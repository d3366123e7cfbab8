/**
 * wasmcache: a Redis-style in-memory cache whose items live in WebAssembly linear memory.
 *
 * ```ts
 * import { createCache } from 'wasmcache'
 * const cache = await createCache({ maxMemory: '64mb' })
 * cache.set('user:1', { name: 'Ada' }, { ttl: 60_000 })
 * cache.get('user:1') // { name: 'Ada' }
 * ```
 * @packageDocumentation
 */
import { Cache } from './cache.js';
import { CacheError } from './errors.js';
import type { Storable } from './codec.js';
import type { CacheOptions } from './options.js';
import { attachShared, coreModule, coreModuleSync, newCache, newCacheSync, withSnapshot } from './wasm.js';
import type { AttachOptions, CacheHandle } from './shared.js';
import { sharedCoreModule } from './shared-core.js';

export { Cache, CacheError };
export type { CacheOptions, HotTierOptions, Policy, RemoveReason, SnapshotOptions } from './options.js';
export type { SetOptions, CacheStats, CacheLayout } from './cache.js';
export type { CacheErrorCode } from './errors.js';
export type { LoadResult } from './snapshot.js';
export type { FetchOptions, FetchStats, Loader, LoaderContext, MemoOptions } from './fetch.js';
export type { Key, Storable, StorableValue } from './codec.js';
export type { AttachOptions, CacheHandle, SharedOptions } from './shared.js';
export { parseBytes } from './options.js';
export { saveToIndexedDB, loadFromIndexedDB, saveToOPFS, loadFromOPFS } from './persist.js';

/**
 * Creates a cache. Works in every runtime. The Wasm core is compiled asynchronously, once, unless
 * `options.module` passes it precompiled. `V` types the values (`createCache<User>()`, see
 * {@link Cache}); without it, `any`.
 */
export function createCache<V extends Storable<V> = any>(options?: CacheOptions<V>): Promise<Cache<V>> {
  return newCache(options, coreModule, sharedCoreModule);
}

/**
 * Creates a cache synchronously, compiling the core synchronously the first time (Node, Deno and
 * Chromium allow it for a core this size; some browsers limit synchronous compilation on the main
 * thread), or over a precompiled `options.module`.
 */
export function createCacheSync<V extends Storable<V> = any>(options?: CacheOptions<V>): Cache<V> {
  return newCacheSync(options, coreModuleSync);
}

/** Node: a new cache (see createCache) holding the snapshot saved at `path`. */
export async function loadCache<V extends Storable<V> = any>(path: string, options?: CacheOptions<V>): Promise<Cache<V>> {
  return withSnapshot(await createCache<V>(options), (cache) => cache.loadNew(path));
}

/** A new cache (see createCache) holding a snapshot made by toBytes() or exportSnapshot(). */
export async function fromBytes<V extends Storable<V> = any>(bytes: Uint8Array, options?: CacheOptions<V>): Promise<Cache<V>> {
  return withSnapshot(await createCache<V>(options), (cache) => cache.loadBytes(bytes));
}

/**
 * In a worker (worker_threads, a Web Worker): the shared cache whose `cache.handle` was posted
 * here (createCache({ shared: true }) in the creating thread). The same items, the same API; each
 * call runs under the cache's lock. `options`: this thread's clock and onRemove.
 */
export function attachCache<V extends Storable<V> = any>(handle: CacheHandle, options?: AttachOptions): Promise<Cache<V>> {
  return attachShared(handle, options) as Promise<Cache<V>>;
}
