/**
 * The package entry for Cloudflare Workers (export condition `workerd`). Workers refuse to compile
 * Wasm from bytes ("Wasm code generation disallowed by embedder"), so this entry imports the core
 * as a Wasm module instead of inlining it: workerd, wrangler and miniflare turn `import ... from
 * './core.wasm'` into a precompiled `WebAssembly.Module`. Everything else is the main entry.
 * @packageDocumentation
 */
// @ts-expect-error: dist/core.wasm is copied there by the build; Workers import it as a WebAssembly.Module.
import coreWasm from './core.wasm';
import type { Cache } from './cache.js';
import type { Storable } from './codec.js';
import type { CacheOptions } from './options.js';
import { newCache, newCacheSync, withSnapshot } from './wasm.js';

export * from './index.js';

const core = (): WebAssembly.Module => coreWasm as WebAssembly.Module;

/** Creates a cache over the imported core (or `options.module`). */
export function createCache<V extends Storable<V> = any>(options?: CacheOptions<V>): Promise<Cache<V>> {
  return newCache(options, core);
}

/** Creates a cache synchronously: Workers instantiate a precompiled module synchronously. */
export function createCacheSync<V extends Storable<V> = any>(options?: CacheOptions<V>): Cache<V> {
  return newCacheSync(options, core);
}

/** A new cache over the imported core holding a snapshot made by toBytes() or exportSnapshot(). */
export async function fromBytes<V extends Storable<V> = any>(bytes: Uint8Array, options?: CacheOptions<V>): Promise<Cache<V>> {
  return withSnapshot(await createCache<V>(options), (cache) => cache.loadBytes(bytes));
}

/** Node only (Workers have no files): kept so that this entry never pulls in the inlined core. */
export async function loadCache<V extends Storable<V> = any>(path: string, options?: CacheOptions<V>): Promise<Cache<V>> {
  return withSnapshot(await createCache<V>(options), (cache) => cache.load(path));
}
