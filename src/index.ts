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
import type { CacheOptions } from './options.js';
import { coreModule, coreModuleSync, newCache, newCacheSync, withSnapshot } from './wasm.js';

export { Cache, CacheError };
export type { CacheOptions, HotTierOptions, Policy, RemoveReason, SnapshotOptions } from './options.js';
export type { SetOptions, CacheStats, CacheLayout } from './cache.js';
export type { CacheErrorCode } from './errors.js';
export type { LoadResult } from './snapshot.js';
export type { FetchOptions, FetchStats, Loader, LoaderContext, MemoOptions } from './fetch.js';
export type { Key } from './codec.js';
export { parseBytes } from './options.js';
export { saveToIndexedDB, loadFromIndexedDB, saveToOPFS, loadFromOPFS } from './persist.js';

/**
 * Creates a cache. Works in every runtime. The Wasm core is compiled asynchronously, once, unless
 * `options.module` passes it precompiled.
 */
export function createCache(options?: CacheOptions): Promise<Cache> {
  return newCache(options, coreModule);
}

/**
 * Creates a cache synchronously, compiling the core synchronously the first time (Node, Deno and
 * Chromium allow it for a core this size; some browsers limit synchronous compilation on the main
 * thread), or over a precompiled `options.module`.
 */
export function createCacheSync(options?: CacheOptions): Cache {
  return newCacheSync(options, coreModuleSync);
}

/** Node: a new cache (see createCache) holding the snapshot saved at `path`. */
export async function loadCache(path: string, options?: CacheOptions): Promise<Cache> {
  return withSnapshot(await createCache(options), (cache) => cache.load(path));
}

/** A new cache (see createCache) holding a snapshot made by toBytes() or exportSnapshot(). */
export async function fromBytes(bytes: Uint8Array, options?: CacheOptions): Promise<Cache> {
  return withSnapshot(await createCache(options), (cache) => cache.loadBytes(bytes));
}
