import { CacheError } from './errors.js';
import type { Key } from './codec.js';
import { SET_KEEPTTL, SET_NX, SET_XX } from '../assembly/abi.js';

/**
 * Eviction policies, chosen at creation: 's3fifo' (default; SOSP'23: small and main FIFO queues
 * plus a ghost queue), 'sieve' (NSDI'24: one FIFO queue with a visited bit and a moving hand), or
 * 'lru' (exact least-recently-used).
 */
export type Policy = 's3fifo' | 'sieve' | 'lru';

export const POLICIES: readonly Policy[] = ['s3fifo', 'sieve', 'lru'];

/** Options of {@link createCache} and {@link createCacheSync}; `V` is the cache's value type (see {@link Cache}). */
export interface CacheOptions<V = any> {
  /**
   * The whole footprint in bytes, index and metadata included: a number, or a string such as
   * '512kb', '64mb', '1gb' (Redis units: k/m/g are powers of 1000, kb/mb/gb powers of 1024).
   * Rounded down to whole 64 KiB Wasm pages; at least 256 KiB, below 4 GiB. Default '64mb'.
   * The Wasm memory is allocated at this size once and never grows.
   */
  maxMemory?: number | string;
  /**
   * Most items to keep; the policy evicts beyond it. Optional: without it, the index is sized for
   * items of about 112 bytes (key + value + 16), so smaller items reach that count before maxMemory.
   */
  maxEntries?: number;
  /** TTL in ms for every set() that does not give one. 0 (the default) means no expiry. */
  defaultTtl?: number;
  /** Eviction policy: 's3fifo' (default), 'sieve' or 'lru'. See {@link Policy}. */
  policy?: Policy;
  /** Longest key in bytes (UTF-8 for strings). Default 1024, at most 65535. */
  maxKeySize?: number;
  /**
   * Longest value in bytes (UTF-8 for strings, JSON text for other values). Default and upper
   * bound: a third of the slab pages (as few as they are when the tables are at their largest),
   * less the item headers and maxKeySize; `layout().maxValueSize` says what it is.
   */
  maxValueSize?: number;
  /** Clock in ms since the epoch. Default Date.now. Tests pass a fake clock here. */
  now?: () => number;
  /**
   * Interval in ms of the active expiry sweep (a timer that never keeps Node alive), or false for
   * lazy expiry only (reads never return expired items either way). Default 100, except in
   * Cloudflare Workers, where background timers are not available: false.
   */
  activeExpiry?: number | false;
  /**
   * The core, precompiled: a `WebAssembly.Module` of the package's `wasmcache/core.wasm`. Optional:
   * by default the core is compiled once from the bytes inlined in the package (or, in Cloudflare
   * Workers, imported as a Wasm module). Pass one to share a module you compiled yourself, e.g. with
   * `WebAssembly.compileStreaming`, or received from another thread; it must come from the same
   * version of the package.
   */
  module?: WebAssembly.Module;
  /**
   * Node: warm restarts. The cache starts with the items of the snapshot at `path` (loaded
   * synchronously when the cache is created; a missing file gives an empty cache, and a bad file
   * makes the creating call throw its CacheError and stays as it was), then saves a snapshot there
   * every `intervalMs` ms (a timer that never keeps Node alive) and on dispose(). A failed save
   * keeps the previous file; its error is in `cache.lastSaveError`. Runtimes without Node's fs
   * (browsers, Workers) refuse the option with ERR_SNAPSHOT_IO.
   */
  snapshot?: SnapshotOptions;
  /**
   * The hot tier: the most-read values (read twice or more) also kept decoded on the JS heap, in
   * front of the Wasm store, so that their gets cost a Map lookup. On by default; false turns it
   * off. JSON values it hands out are deep-frozen. See {@link HotTierOptions}.
   */
  hotTier?: HotTierOptions | false;
  /**
   * Called for every value that leaves the cache, with why (see {@link RemoveReason}); lru-cache's
   * `dispose` option. It runs after the call that removed the value has finished its work in the
   * core (so the callback may use the cache), before that call returns; removals with no call
   * behind them (the active expiry sweep, a fetch() that stored its result) are delivered in a
   * microtask. Values are decoded copies. An error it throws reaches the caller of the call that
   * removed the value, after every pending removal was delivered. memo()'s entries are not
   * reported. No cost when absent.
   */
  onRemove?: (key: Key, value: NoInfer<V>, reason: RemoveReason) => void;
  /**
   * One cache for every thread: the cache lives in a shared WebAssembly.Memory, and
   * `attachCache(cache.handle)` in a worker (worker_threads, Web Workers) reaches the same items.
   * Needs createCache (async) and a runtime whose threads can share memory (refused with
   * ERR_OPTIONS elsewhere: Cloudflare Workers, a page that is not cross-origin isolated). Every
   * call runs under the cache's lock; the hot tier is off (it is per thread). Default false.
   */
  shared?: boolean;
  /**
   * Shared caches: how many shards the items are split into, each with its own memory
   * (maxMemory / shards), its own lock and its own eviction, so that threads working on different
   * keys wait for each other less. 1 to 64. Default 1: one lock, each thread in a lane of its own
   * (README: Threads says what more shards cost). With 1, mget() and mset() are atomic as a whole.
   */
  shards?: number;
  /**
   * Shared caches: how long a call waits for the cache's lock before it throws ERR_LOCK_TIMEOUT
   * (a thread terminated in the middle of a call leaves the lock held). Default 10,000 ms.
   */
  lockTimeoutMs?: number;
}

/**
 * Why a value left the cache: `'evict'` (the policy or memory pressure made room), `'expire'` (its
 * TTL ran out), `'delete'` (delete(), expire(key, 0)), `'set'` (replaced by set(), mset(), incr() or
 * fetch()), `'clear'` (clear(), or a snapshot load, which replaces the contents).
 */
export type RemoveReason = 'evict' | 'expire' | 'delete' | 'set' | 'clear';

/** See {@link CacheOptions.hotTier}. */
export interface HotTierOptions {
  /** Most values kept decoded. Default 131,072 (16,384 while it holds mostly strings of a cache over 65,536 items: see adaptive). */
  maxEntries?: number;
  /**
   * Their estimated heap bytes (a string's UTF-8 bytes, 3 per byte of JSON text, 300 per entry).
   * Default 64 MiB, or maxMemory if that is less. Values over 1/16 of it are not kept.
   */
  maxBytes?: number | string;
  /**
   * Default true: while fewer than 30% of a full tier's lookups hit (reads spread over many more
   * keys than it holds), most gets skip it (one in 16 still looks, to notice when it would pay again, at 40%);
   * so they do, and it keeps at most 16,384 values, while it holds mostly strings and the cache more than
   * 4 times that (decoding a string costs little, and a Map that large misses the CPU caches as the core does).
   * false: every get of a string key looks in the tier.
   */
  adaptive?: boolean;
}

/**
 * Every option of {@link CacheOptions}, one line each: an option added to the interface is added
 * here too (the type checker refuses this object until it is). Names not here are refused.
 */
const OPTION_NAMES: { readonly [K in keyof Required<CacheOptions>]: true } = {
  maxMemory: true,
  maxEntries: true,
  defaultTtl: true,
  policy: true,
  maxKeySize: true,
  maxValueSize: true,
  now: true,
  activeExpiry: true,
  module: true,
  snapshot: true,
  hotTier: true,
  onRemove: true,
  shared: true,
  shards: true,
  lockTimeoutMs: true,
};

/** The option names createCache, createCacheSync and loadCache accept, in CacheOptions' order. */
export const CACHE_OPTIONS: readonly (keyof CacheOptions)[] = Object.keys(OPTION_NAMES) as (keyof CacheOptions)[];

/** lru-cache's option names and the nearest wasmcache option. */
const LRU_CACHE_NAMES: Record<string, string> = {
  max: 'maxEntries',
  ttl: 'defaultTtl',
  maxSize: 'maxMemory',
  maxEntrySize: 'maxValueSize',
  ttlAutopurge: 'activeExpiry',
  dispose: 'onRemove',
};

/** What to say about an unknown option name: lru-cache's name or a different case of a known one. */
function optionHint(name: string): string {
  const target = Object.prototype.hasOwnProperty.call(LRU_CACHE_NAMES, name) ? LRU_CACHE_NAMES[name] : undefined;
  if (target !== undefined) return `lru-cache's name; use '${target}'`;
  const sameCase = CACHE_OPTIONS.find((n) => n.toLowerCase() === name.toLowerCase());
  return sameCase ? `did you mean '${sameCase}'?` : '';
}

/** Refuses option names CacheOptions does not have, naming each and listing the allowed ones. */
export function checkOptionNames(options: object): void {
  const unknown = Object.keys(options).filter((n) => !Object.prototype.hasOwnProperty.call(OPTION_NAMES, n));
  if (unknown.length === 0) return;
  const named = unknown.map((n) => {
    const hint = optionHint(n);
    return hint ? `'${n}' (${hint})` : `'${n}'`;
  });
  throw new CacheError(
    'ERR_OPTIONS',
    `unknown option${unknown.length > 1 ? 's' : ''} ${named.join(', ')}; the options are ${CACHE_OPTIONS.join(', ')}`,
  );
}

/** See {@link CacheOptions.snapshot}. */
export interface SnapshotOptions {
  /** The snapshot file. */
  path: string;
  /** Interval of the background saves in ms; 0 or absent: only on dispose(). */
  intervalMs?: number;
}

const UNITS: Record<string, number> = {
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
};

/** Parses a byte count: a number, or '512kb' / '64mb' / '1gb' / '100m' (Redis units). */
export function parseBytes(value: number | string, name: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new CacheError('ERR_OPTIONS', `${name} must be a non-negative byte count, got ${value}`);
    }
    return Math.floor(value);
  }
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
    if (m && unit !== undefined) return Math.floor(Number(m[1]) * unit);
  }
  throw new CacheError(
    'ERR_OPTIONS',
    `${name} must be a byte count such as 1048576, '512kb', '64mb' or '1gb', got ${JSON.stringify(value)}`,
  );
}

export const WASM_PAGE = 65536;
export const MIN_MEMORY = 256 * 1024;
export const MAX_MEMORY = 4 * 1024 ** 3 - WASM_PAGE;
export const DEFAULT_MAX_KEY_SIZE = 1024;
export const MAX_KEY_SIZE = 65535;

/**
 * The scratch region the wrapper asks the core for: 1/64 of memory, from 16 KiB to 256 KiB, and
 * always room for the longest key. A division, not `>> 6`: memory sizes reach 2^32, past int32.
 */
export function scratchBytesFor(memoryPages: number, maxKeySize: number): number {
  const share = Math.floor((memoryPages * WASM_PAGE) / 64);
  return Math.max(Math.min(Math.max(share, 16 * 1024), 256 * 1024), maxKeySize + 1024);
}

function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new CacheError('ERR_OPTIONS', `${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Checks a TTL in ms: a finite number >= 0. */
export function checkTtl(ttl: unknown, name = 'ttl'): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    throw new CacheError('ERR_TTL', `${name} must be a finite number of ms >= 0 (0 = no expiry), got ${String(ttl)}`);
  }
  return ttl;
}

export interface ResolvedOptions {
  memoryPages: number;
  maxEntries: number; // 0 = none
  defaultTtl: number;
  policy: Policy;
  maxKeySize: number;
  maxValueSize?: number;
  now: () => number;
  activeExpiry: number | false;
  module?: WebAssembly.Module;
  snapshot?: { path: string; intervalMs: number };
  /** The hot tier's budget, or undefined when it is off. */
  hotTier?: { maxEntries: number; maxBytes: number; adaptive: boolean };
  onRemove?: (key: Key, value: unknown, reason: RemoveReason) => void;
  shared: boolean;
  /** Shards of a shared cache (src/sharded.ts): 0 = chosen from maxMemory. */
  shards: number;
  lockTimeoutMs: number;
}

function shardsOption(shards: unknown, shared: boolean): number {
  if (shards === undefined) return 0;
  const n = optionalInteger(shards, 'shards', 1, 64) ?? 0;
  if (!shared && n !== 1) throw new CacheError('ERR_OPTIONS', 'shards splits a shared cache: it needs shared: true (an unshared cache is one shard)');
  return n;
}

/**
 * How many shards a shared cache of `pages` gets: `wanted`, or 1. (More shards let threads on
 * different keys run at once, but each shard is a Wasm instance of its own, and a thread calling
 * into several instances makes V8's calls into Wasm polymorphic, which costs one thread about a
 * third of its speed: bench/results-threads.md.)
 * @throws CacheError ERR_OPTIONS if `wanted` leaves a shard under the smallest maxMemory.
 */
export function shardCount(pages: number, wanted: number): number {
  const bytes = pages * WASM_PAGE;
  if (wanted > 0 && bytes / wanted < MIN_MEMORY) {
    throw new CacheError('ERR_OPTIONS', `shards: ${wanted} leaves each shard ${Math.floor(bytes / wanted)} bytes, under the smallest maxMemory (256kb)`);
  }
  return wanted > 0 ? wanted : 1;
}

export function inWorkers(): boolean {
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  return nav?.userAgent === 'Cloudflare-Workers';
}

/** Validates the options and fills in the defaults. Throws ERR_OPTIONS naming the bad option. */
export function resolveOptions(options: CacheOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CacheError('ERR_OPTIONS', `options must be an object with the options ${CACHE_OPTIONS.join(', ')}`);
  }
  checkOptionNames(options);
  const bytes = parseBytes(options.maxMemory ?? '64mb', 'maxMemory');
  if (bytes < MIN_MEMORY || bytes > MAX_MEMORY) {
    throw new CacheError('ERR_OPTIONS', `maxMemory must be from 256kb to 4gb - 64kb, got ${bytes} bytes`);
  }
  const policy = options.policy ?? 's3fifo';
  if (!POLICIES.includes(policy)) {
    throw new CacheError('ERR_OPTIONS', `policy must be 's3fifo', 'sieve' or 'lru', got ${JSON.stringify(policy)}`);
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new CacheError('ERR_OPTIONS', 'now must be a function returning ms since the epoch');
  }
  const active = options.activeExpiry ?? (inWorkers() ? false : 100);
  if (active !== false && (typeof active !== 'number' || !(active > 0) || !Number.isFinite(active))) {
    throw new CacheError('ERR_OPTIONS', `activeExpiry must be an interval in ms > 0 or false, got ${String(active)}`);
  }
  const module = options.module;
  if (module !== undefined && Object.prototype.toString.call(module) !== '[object WebAssembly.Module]') {
    throw new CacheError('ERR_OPTIONS', `module must be a WebAssembly.Module (of wasmcache/core.wasm), got ${String(module)}`);
  }
  if (options.onRemove !== undefined && typeof options.onRemove !== 'function') {
    throw new CacheError('ERR_OPTIONS', `onRemove must be a function (key, value, reason) => void, got ${String(options.onRemove)}`);
  }
  const shared = options.shared ?? false;
  if (typeof shared !== 'boolean') throw new CacheError('ERR_OPTIONS', `shared must be true or false, got ${String(shared)}`);
  if (shared && options.hotTier) {
    throw new CacheError('ERR_OPTIONS', 'a shared cache has no hot tier (it would be one per thread): leave hotTier out or set it to false');
  }
  const snap = options.snapshot;
  if (snap !== undefined) {
    if (typeof snap !== 'object' || snap === null || typeof snap.path !== 'string' || snap.path === '') {
      throw new CacheError('ERR_OPTIONS', 'snapshot must be { path: string, intervalMs?: number }');
    }
    const extra = Object.keys(snap).filter((n) => n !== 'path' && n !== 'intervalMs');
    if (extra.length > 0) {
      throw new CacheError(
        'ERR_OPTIONS',
        `unknown snapshot option${extra.length > 1 ? 's' : ''} ${extra.map((n) => `'${n}'`).join(', ')}; snapshot is { path: string, intervalMs?: number }`,
      );
    }
    const every = snap.intervalMs ?? 0;
    if (typeof every !== 'number' || !Number.isFinite(every) || every < 0) {
      throw new CacheError('ERR_OPTIONS', `snapshot.intervalMs must be a number of ms >= 0, got ${String(every)}`);
    }
  }
  return {
    hotTier: shared ? undefined : resolveHotTier(options.hotTier, bytes),
    shared,
    shards: shardsOption(options.shards, shared),
    lockTimeoutMs: optionalInteger(options.lockTimeoutMs, 'lockTimeoutMs', 1, 2 ** 31) ?? 10_000,
    snapshot: snap ? { path: snap.path, intervalMs: snap.intervalMs ?? 0 } : undefined,
    memoryPages: Math.floor(bytes / WASM_PAGE),
    maxEntries: optionalInteger(options.maxEntries, 'maxEntries', 1, 2 ** 31) ?? 0,
    defaultTtl: checkTtl(options.defaultTtl ?? 0, 'defaultTtl'),
    policy,
    maxKeySize: optionalInteger(options.maxKeySize, 'maxKeySize', 1, MAX_KEY_SIZE) ?? DEFAULT_MAX_KEY_SIZE,
    maxValueSize: optionalInteger(options.maxValueSize, 'maxValueSize', 0, MAX_MEMORY),
    now: options.now ?? Date.now,
    activeExpiry: active,
    module,
    onRemove: options.onRemove,
  };
}

function resolveHotTier(hot: HotTierOptions | false | undefined, memoryBytes: number): ResolvedOptions['hotTier'] {
  if (hot === false) return undefined;
  if (hot !== undefined && (typeof hot !== 'object' || hot === null)) {
    throw new CacheError('ERR_OPTIONS', `hotTier must be false or { maxEntries?, maxBytes? }, got ${String(hot)}`);
  }
  const maxEntries = optionalInteger(hot?.maxEntries, 'hotTier.maxEntries', 0, 2 ** 24) ?? 131_072;
  const maxBytes = hot?.maxBytes !== undefined ? parseBytes(hot.maxBytes, 'hotTier.maxBytes') : Math.min(64 * 1024 ** 2, memoryBytes);
  if (maxEntries === 0 || maxBytes === 0) return undefined;
  if (hot?.adaptive !== undefined && typeof hot.adaptive !== 'boolean') {
    throw new CacheError('ERR_OPTIONS', `hotTier.adaptive must be a boolean, got ${String(hot.adaptive)}`);
  }
  return { maxEntries, maxBytes, adaptive: hot?.adaptive ?? true };
}

/** set()'s nx, xx and keepTtl as the core's mode bits; refuses the combinations Redis refuses. */
export function setMode(options: { ttl?: number; nx?: boolean; xx?: boolean; keepTtl?: boolean }): number {
  if (options.nx && options.xx) throw new CacheError('ERR_SET_OPTIONS', 'set() takes nx or xx, not both');
  if (options.keepTtl && options.ttl !== undefined) throw new CacheError('ERR_TTL', 'set() takes ttl or keepTtl, not both');
  return (options.nx ? SET_NX : 0) | (options.xx ? SET_XX : 0) | (options.keepTtl ? SET_KEEPTTL : 0);
}
