// Creating caches: a memory of the configured size, an instance of the core over it (core.ts),
// the Cache around them. Each package entry (index.ts: the core inlined as base64;
// index.workerd.ts: the core imported as a Wasm module) passes its own source of the module to
// newCache/newCacheSync; everything else is shared.

import { Cache } from './cache.js';
import { CacheError } from './errors.js';
import { type CacheOptions, type ResolvedOptions, WASM_PAGE, inWorkers, resolveOptions, shardCount } from './options.js';
import { ShardedCache } from './sharded.js';
export { coreModule, coreModuleSync } from './core.js';
import { Removals, ignoreRemovals, noRemovals } from './removals.js';
import { type AttachOptions, type CacheHandle, checkSharedSupport } from './shared.js';

function newMemory(pages: number, shared = false): WebAssembly.Memory {
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared } as WebAssembly.MemoryDescriptor);
  } catch (e) {
    throw new CacheError(
      'ERR_NO_MEMORY',
      `the runtime refused ${pages * WASM_PAGE} bytes of Wasm memory for maxMemory: ${(e as Error).message}`,
    );
  }
}

/** The core's imports: its memory, and where it reports removed items (onRemove). */
function imports(memory: WebAssembly.Memory, removals: Removals | undefined, shared = false): WebAssembly.Imports {
  return { env: { memory, removed: removals ? removals.report : shared ? ignoreRemovals : noRemovals } };
}

/** createCache({ shared: true }): shards (src/sharded.ts), each the shared core over its own shared memory. */
async function newSharedCache(opts: ResolvedOptions, sharedCore: (() => Promise<WebAssembly.Module>) | undefined): Promise<Cache> {
  checkSharedSupport(inWorkers() || sharedCore === undefined);
  if (opts.module) throw new CacheError('ERR_OPTIONS', 'a shared cache runs the package\'s shared core: leave module out');
  if (opts.snapshot) throw new CacheError('ERR_OPTIONS', 'a shared cache does not take options.snapshot: use loadCache(path, { shared: true }) and save(path)');
  const module = await sharedCore!();
  const count = shardCount(opts.memoryPages, opts.shards);
  const each: ResolvedOptions = {
    ...opts,
    memoryPages: Math.floor(opts.memoryPages / count),
    maxEntries: opts.maxEntries > 0 ? Math.ceil(opts.maxEntries / count) : 0,
  };
  const shards: Cache[] = [];
  for (let i = 0; i < count; i++) {
    const memory = newMemory(each.memoryPages, true);
    const removals = each.onRemove ? new Removals(memory, each.onRemove) : undefined;
    const instance = await WebAssembly.instantiate(module, imports(memory, removals, true));
    shards.push(new Cache(instance, memory, each, removals, { module, attached: false }));
  }
  const first = shards[0].handle;
  const handle: CacheHandle = { ...first, memories: shards.map((s) => s.handle.memories[0]) };
  return new ShardedCache(shards, handle) as unknown as Cache;
}

/** attachCache(): this thread's instance of the shared core over each shard's memory. */
export async function attachShared(handle: CacheHandle, options: AttachOptions = {}): Promise<Cache> {
  if (typeof handle !== 'object' || handle === null || handle.kind !== 'wasmcache/shared' || !Array.isArray(handle.memories) || handle.memories.length === 0) {
    throw new CacheError('ERR_OPTIONS', 'attachCache() takes the handle of a shared cache (cache.handle of createCache({ shared: true }))');
  }
  const extra = Object.keys(options).filter((n) => n !== 'now' && n !== 'onRemove');
  if (extra.length > 0) {
    throw new CacheError('ERR_OPTIONS', `attachCache() takes the options now and onRemove (the rest come with the handle), got ${extra.join(', ')}`);
  }
  const o = handle.options;
  const opts = resolveOptions({
    maxMemory: o.maxMemory,
    maxKeySize: o.maxKeySize,
    maxValueSize: o.maxValueSize,
    defaultTtl: o.defaultTtl,
    policy: o.policy,
    lockTimeoutMs: o.lockTimeoutMs,
    activeExpiry: false, // the creating thread sweeps
    shared: true,
    now: options.now,
    onRemove: options.onRemove,
  });
  const shards: Cache[] = [];
  for (const memory of handle.memories) {
    const removals = opts.onRemove ? new Removals(memory, opts.onRemove) : undefined;
    const instance = await WebAssembly.instantiate(handle.module, imports(memory, removals, true));
    shards.push(new Cache(instance, memory, opts, removals, { module: handle.module, attached: true }));
  }
  return new ShardedCache(shards, handle) as unknown as Cache;
}

/**
 * A cache over `options.module` if given, else over the entry's own module (`core`); with shared:
 * true, over the shared core (`sharedCore`: the entries that can share memory pass it).
 */
export async function newCache(
  options: CacheOptions | undefined,
  core: () => WebAssembly.Module | Promise<WebAssembly.Module>,
  sharedCore?: () => Promise<WebAssembly.Module>,
): Promise<Cache> {
  const opts = resolveOptions(options);
  if (opts.shared) return newSharedCache(opts, sharedCore);
  const module = opts.module ?? (await core());
  const memory = newMemory(opts.memoryPages);
  const removals = opts.onRemove ? new Removals(memory, opts.onRemove) : undefined;
  const instance = await WebAssembly.instantiate(module, imports(memory, removals));
  return new Cache(instance, memory, opts, removals);
}

/** The same, synchronously. */
export function newCacheSync(options: CacheOptions | undefined, core: () => WebAssembly.Module): Cache {
  const opts = resolveOptions(options);
  if (opts.shared) throw new CacheError('ERR_OPTIONS', 'a shared cache is created with createCache() (the shared core is loaded asynchronously)');
  const memory = newMemory(opts.memoryPages);
  const removals = opts.onRemove ? new Removals(memory, opts.onRemove) : undefined;
  const instance = new WebAssembly.Instance(opts.module ?? core(), imports(memory, removals));
  return new Cache(instance, memory, opts, removals);
}

/** Loads a snapshot into a fresh cache; a bad snapshot disposes the cache (no options.snapshot save) and throws. */
export async function withSnapshot(cache: Cache, load: (cache: Cache) => unknown): Promise<Cache> {
  try {
    await load(cache);
    return cache;
  } catch (e) {
    cache.release(false);
    throw e;
  }
}
