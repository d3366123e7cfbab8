// Loading the core. The module is compiled once per process (or passed in precompiled) and each
// cache gets its own instance over its own fixed-size memory. Each package entry (index.ts: the
// core inlined as base64; index.workerd.ts: the core imported as a Wasm module) passes its own
// source of the module to newCache/newCacheSync; everything else is shared.

import { Cache } from './cache.js';
import { CacheError } from './errors.js';
import { type CacheOptions, WASM_PAGE, resolveOptions } from './options.js';
import { coreWasmBase64 } from './generated/core-wasm.js';
import { Removals, noRemovals } from './removals.js';

/** The core's exports (assembly/index.ts). Pointers come back as i32: read them with `>>> 0`. */
export interface CoreExports {
  init(maxEntries: number, scratchBytes: number, seedLo: number, seedHi: number, policy: number): number;
  regsPtr(): number;
  clear(): void;
  set(klen: number, vlen: number, kind: number, expireAt: number, mode: number, now: number): number;
  get(klen: number, now: number): number;
  /** `space`: 0 (default) or KEY_MEMO, memo()'s key space. */
  getStale(klen: number, now: number, space?: number): number;
  peek(klen: number, now: number, space?: number): number;
  has(klen: number, now: number): number;
  del(klen: number, now: number): number;
  ttl(klen: number, now: number): number;
  expire(klen: number, expireAt: number, now: number): number;
  persist(klen: number, now: number): number;
  mget(n: number, now: number): void;
  mset(n: number, expireAt: number, now: number): number;
  scan(cursor: number, now: number): number;
  randomItem(seed: number, now: number): number;
  hotConfigure(on: number, maxValueBytes: number): void;
  hotDrained(): void;
  hotRelease(it: number): void;
  hotReleaseAll(): void;
  hotThrottle(shift: number): void;
  hotTouch(n: number): void;
  removalConfigure(on: number): void;
  expireStep(now: number, max: number): number;
  check(): number;
  checksum(ptr: number, len: number): number;
  checksumStart(): void;
  checksumUpdate(ptr: number, len: number): void;
  checksumEnd(): number;
  liveCount(now: number): number;
  snapshotBlock(cursor: number, now: number): number;
  loadBlock(len: number, now: number, maxKlen: number, maxVlen: number, mode: number): number;
}

function wasmBytes(): Uint8Array {
  const bin = atob(coreWasmBase64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

let compiled: Promise<WebAssembly.Module> | undefined;
let compiledSync: WebAssembly.Module | undefined;

/** The core module, compiled asynchronously once. */
export function coreModule(): Promise<WebAssembly.Module> {
  if (compiledSync) return Promise.resolve(compiledSync);
  compiled ??= WebAssembly.compile(wasmBytes() as BufferSource).then((m) => (compiledSync = m));
  return compiled;
}

/** The core module, compiled synchronously once (Node allows it for any size). */
export function coreModuleSync(): WebAssembly.Module {
  compiledSync ??= new WebAssembly.Module(wasmBytes() as BufferSource);
  return compiledSync;
}

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
