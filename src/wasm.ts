// Creating caches: a memory of the configured size, an instance of the core over it (core.ts),
// the Cache around them. Each package entry (index.ts: the core inlined as base64;
// index.workerd.ts: the core imported as a Wasm module) passes its own source of the module to
// newCache/newCacheSync; everything else is shared.

import { Cache } from './cache.js';
import { CacheError } from './errors.js';
import { type CacheOptions, WASM_PAGE, resolveOptions } from './options.js';
export { coreModule, coreModuleSync } from './core.js';
import { Removals, noRemovals } from './removals.js';

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

/** The core's imports: its memory, and where it reports removed items (onRemove). */
function imports(memory: WebAssembly.Memory, removals: Removals | undefined): WebAssembly.Imports {
  return { env: { memory, removed: removals ? removals.report : noRemovals } };
}

/** A cache over `options.module` if given, else over the entry's own module (`core`). */
export async function newCache(
  options: CacheOptions | undefined,
  core: () => WebAssembly.Module | Promise<WebAssembly.Module>,
): Promise<Cache> {
  const opts = resolveOptions(options);
  const module = opts.module ?? (await core());
  const memory = newMemory(opts.memoryPages);
  const removals = opts.onRemove ? new Removals(memory, opts.onRemove) : undefined;
  const instance = await WebAssembly.instantiate(module, imports(memory, removals));
  return new Cache(instance, memory, opts, removals);
}

/** The same, synchronously. */
export function newCacheSync(options: CacheOptions | undefined, core: () => WebAssembly.Module): Cache {
  const opts = resolveOptions(options);
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
