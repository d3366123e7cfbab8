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
import { type CacheOptions, WASM_PAGE, resolveOptions } from './options.js';
import { coreModule, coreModuleSync } from './wasm.js';

export { Cache, CacheError };
export type { CacheOptions, Policy } from './options.js';
export type { SetOptions, CacheStats, CacheLayout } from './cache.js';
export type { CacheErrorCode } from './errors.js';
export type { FetchOptions, FetchStats, Loader, LoaderContext, MemoOptions } from './fetch.js';
export type { Key } from './codec.js';
export { parseBytes } from './options.js';

function newMemory(pages: number): WebAssembly.Memory {
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages });
  } catch (e) {
    throw new CacheError(
      'ERR_NO_MEMORY',
      `the runtime refused ${pages * WASM_PAGE} bytes of Wasm memory for maxMemory: ${(e as Error).message}`,
    );
  }
}

/** Creates a cache. Works in every runtime (the Wasm core is compiled asynchronously, once). */
export async function createCache(options?: CacheOptions): Promise<Cache> {
  const opts = resolveOptions(options);
  const module = await coreModule();
  const memory = newMemory(opts.memoryPages);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return new Cache(instance, memory, opts);
}

/**
 * Creates a cache synchronously. For Node and other runtimes that allow synchronous Wasm
 * compilation (browsers refuse it on the main thread for modules over 4 KB).
 */
export function createCacheSync(options?: CacheOptions): Cache {
  const opts = resolveOptions(options);
  const memory = newMemory(opts.memoryPages);
  const instance = new WebAssembly.Instance(coreModuleSync(), { env: { memory } });
  return new Cache(instance, memory, opts);
}
