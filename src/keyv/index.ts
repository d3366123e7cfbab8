/**
 * wasmcache/keyv: a Keyv (v5) storage adapter over a wasmcache Cache, so wasmcache can be the store
 * of Keyv and of the libraries built on it (cacheable, cache-manager 6+). It does not import keyv.
 *
 * ```ts
 * import Keyv from 'keyv'
 * import { KeyvWasmcache } from 'wasmcache/keyv'
 * const keyv = new Keyv({ store: new KeyvWasmcache({ maxMemory: '64mb' }) })
 * await keyv.set('user:1', { name: 'Ada' }, 60_000)
 * await keyv.get('user:1') // { name: 'Ada' }
 * ```
 * @packageDocumentation
 */
import type { Cache } from '../cache.js';
import { CacheError } from '../errors.js';
import { createCacheSync } from '../index.js';
import type { CacheOptions } from '../options.js';

type Listener = (...args: any[]) => void;

/**
 * The part of a {@link Cache} the adapter uses. A structural type: like `wasmcache/near`, this entry
 * is bundled with its own copy of the cache, whose class declaration a `Cache` from `wasmcache`
 * would not match (private members), so any Cache from either entry fits this type.
 */
export type KeyvCache = Pick<Cache, 'get' | 'mget' | 'set' | 'mset' | 'has' | 'peek' | 'delete' | 'clear' | 'keys' | 'dispose'>;

/** What the adapter exposes as `opts` (Keyv reads it; see {@link KeyvWasmcache.opts}). */
export interface KeyvWasmcacheOpts {
  /**
   * Keyv 5 wires `keyv.iterator()` only for adapters whose `opts.dialect` is in a fixed list
   * (sqlite, postgres, mysql, mongo, redis, valkey, etcd). wasmcache keeps Redis's data model and
   * SCAN-style iteration, so the adapter declares 'redis'.
   */
  dialect: 'redis';
  /** Set by some Keyv tests and callers; the adapter never reads it. */
  [option: string]: unknown;
}

/** One entry of {@link KeyvWasmcache.setMany}, as Keyv passes it. */
export interface KeyvWasmcacheEntry {
  key: string;
  value: unknown;
  ttl?: number;
}

/**
 * A Keyv storage adapter over a wasmcache {@link Cache}.
 *
 * Values: Keyv serializes by default and passes strings, stored as wasmcache strings. With
 * `serialize: undefined` Keyv passes its `{ value, expires }` objects; they are stored as JSON and
 * must survive JSON unchanged (plain objects, arrays, strings, finite numbers, booleans, null;
 * `undefined` only as an object property): anything else (a Buffer or Date inside, a BigInt, a
 * function) is refused with a CacheError ERR_VALUE_TYPE rather than stored altered. A Uint8Array
 * passed directly is stored as bytes and read back as a Uint8Array.
 *
 * Keys: Keyv passes `namespace:key`; the adapter stores them as given. `clear()` removes only the
 * keys under `${namespace}:` when Keyv has set a namespace, else the whole cache.
 *
 * Errors: every method rejects with the error (a CacheError: test `error.code`, since the
 * CacheError class of this entry's copy is not the one `wasmcache` exports) when the cache refuses. Keyv turns
 * rejected writes (`set`, `setMany`, `delete`, `deleteMany`, `clear`) into its own 'error' event;
 * it drops a rejected `get` silently, so for reads (`get`, `getMany`, `has`, `hasMany`, `iterator`)
 * the adapter emits 'error' itself before rejecting. Through Keyv, each failure reaches Keyv's
 * 'error' listeners once.
 */
export class KeyvWasmcache {
  /** The cache the adapter reads and writes. */
  readonly cache: KeyvCache;
  /** Options Keyv inspects (see {@link KeyvWasmcacheOpts}). */
  opts: KeyvWasmcacheOpts = { dialect: 'redis' };
  /**
   * Set by Keyv to its namespace; scopes `clear()`. Keyv sets it on the store it is given, so give
   * each Keyv its own adapter (several adapters can share one cache).
   */
  namespace?: string;
  private readonly owned: boolean;
  private readonly listenersByEvent = new Map<string, Listener[]>();

  /**
   * Over an existing cache (which `disconnect()` leaves open), or over a new one created
   * synchronously with createCacheSync(options) (which `disconnect()` disposes).
   */
  constructor(cacheOrOptions?: KeyvCache | CacheOptions) {
    if (isCache(cacheOrOptions)) {
      this.cache = cacheOrOptions;
      this.owned = false;
    } else {
      this.cache = createCacheSync(cacheOrOptions);
      this.owned = true;
    }
  }

  // ── Keyv's store contract ─────────────────────────────────────────────────────────────────

  /** The stored value (what Keyv passed to set), or undefined. */
  async get<Value = unknown>(key: string): Promise<Value | undefined> {
    return this.read(() => this.cache.get(key) as Value | undefined);
  }

  /** The stored values, undefined where missing, in the order of `keys`. */
  async getMany<Value = unknown>(keys: string[]): Promise<Array<Value | undefined>> {
    return this.read(() => this.cache.mget(keys) as Array<Value | undefined>);
  }

  /** True if a live item is stored under the key. */
  async has(key: string): Promise<boolean> {
    return this.read(() => this.cache.has(key));
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return this.read(() => keys.map((key) => this.cache.has(key)));
  }

  /**
   * Stores the value; `ttl` in ms (undefined: the cache's defaultTtl, 0: no expiry). Resolves true.
   * @throws CacheError ERR_VALUE_TYPE, ERR_VALUE_TOO_LARGE, ERR_KEY_TOO_LARGE, ERR_TTL, ERR_NO_MEMORY
   */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    checkStorable(value);
    return this.cache.set(key, value, ttl === undefined ? undefined : { ttl });
  }

  /**
   * Stores every entry, entries with the same ttl in one batch. Resolves one true per entry, which
   * Keyv's setMany() passes on as its boolean[] (typed `any` here only because Keyv's adapter type
   * declares `Promise<void>`). A value the cache refuses rejects the call before anything of its
   * batch is stored.
   */
  async setMany(entries: KeyvWasmcacheEntry[]): Promise<any> {
    const byTtl = new Map<number | undefined, Array<readonly [string, unknown]>>();
    for (const { key, value, ttl } of entries) {
      checkStorable(value);
      let batch = byTtl.get(ttl);
      if (batch === undefined) byTtl.set(ttl, (batch = []));
      batch.push([key, value]);
    }
    for (const [ttl, batch] of byTtl) this.cache.mset(batch, ttl === undefined ? undefined : { ttl });
    return entries.map(() => true);
  }

  /** Removes the key. True if it existed. */
  async delete(key: string): Promise<boolean> {
    return this.cache.delete(key);
  }

  /** Removes every key given; true if each of them existed (Keyv's own rule without deleteMany). */
  async deleteMany(keys: string[]): Promise<boolean> {
    let all = true;
    for (const key of keys) if (!this.cache.delete(key)) all = false;
    return all;
  }

  /** Removes the keys of the namespace Keyv set, or, without one, every item in the cache. */
  async clear(): Promise<void> {
    if (!this.namespace) {
      this.cache.clear();
      return;
    }
    // Collected first: deleting during a cursor walk can move a key behind the cursor.
    for (const key of this.keysUnder(this.namespace)) this.cache.delete(key);
  }

  /**
   * [key, value] pairs of the live items whose key starts with `${namespace}:` (all string keys
   * without a namespace). Keys are the stored ones, prefix included, as Keyv expects. The keys are
   * listed when iteration starts; an item deleted or expired before its turn is left out. Reading
   * does not count as a hit or refresh items for the eviction policy.
   */
  async *iterator<Value = unknown>(namespace?: string): AsyncGenerator<[string, Value], void> {
    const keys = this.read(() => this.keysUnder(namespace));
    for (const key of keys) {
      const value = this.read(() => this.cache.peek(key));
      if (value !== undefined) yield [key, value as Value];
    }
  }

  /** Keyv's disconnect(): disposes the cache if the adapter created it; a cache passed in stays open. */
  async disconnect(): Promise<void> {
    if (this.owned) this.cache.dispose();
  }

  // ── events (Keyv subscribes to 'error') ───────────────────────────────────────────────────

  on(event: string, listener: Listener): this {
    const list = this.listenersByEvent.get(event);
    if (list) list.push(listener);
    else this.listenersByEvent.set(event, [listener]);
    return this;
  }

  addListener(event: string, listener: Listener): this {
    return this.on(event, listener);
  }

  once(event: string, listener: Listener): this {
    const wrapper: Listener = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off(event: string, listener: Listener): this {
    const list = this.listenersByEvent.get(event);
    const i = list ? list.indexOf(listener) : -1;
    if (i >= 0) list!.splice(i, 1);
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) this.listenersByEvent.clear();
    else this.listenersByEvent.delete(event);
    return this;
  }

  listeners(event: string): Listener[] {
    return [...(this.listenersByEvent.get(event) ?? [])];
  }

  /** Calls the event's listeners in order; true if there were any. */
  emit(event: string, ...args: unknown[]): boolean {
    const list = this.listenersByEvent.get(event);
    if (!list || list.length === 0) return false;
    for (const listener of [...list]) listener(...args);
    return true;
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────────

  private keysUnder(namespace: string | undefined): string[] {
    const prefix = namespace ? `${namespace}:` : '';
    const keys: string[] = [];
    for (const key of this.cache.keys()) {
      if (typeof key === 'string' && key.startsWith(prefix)) keys.push(key);
    }
    return keys;
  }

  /** Runs a read; on failure emits 'error' (Keyv drops a failed store.get silently) and rethrows. */
  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      this.emit('error', error);
      throw error;
    }
  }
}

/** A Cache (from this entry's copy or from `wasmcache`: `instanceof` would miss one), told from CacheOptions by its methods. */
function isCache(x: unknown): x is KeyvCache {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Record<string, unknown>;
  return typeof c.get === 'function' && typeof c.set === 'function' && typeof c.mget === 'function' && typeof c.keys === 'function';
}

/**
 * Refuses a non-string, non-byte value that JSON would not give back unchanged (the cache would
 * store Buffer as {type, data}, drop functions, turn undefined in arrays into null).
 */
function checkStorable(value: unknown): void {
  if (typeof value === 'string' || value instanceof Uint8Array) return;
  const problem = jsonProblem(value, new Set(), '');
  if (problem !== undefined) {
    throw new CacheError(
      'ERR_VALUE_TYPE',
      `KeyvWasmcache stores strings, Uint8Arrays and values JSON keeps unchanged; ${problem} (leave Keyv's serializer on to store it)`,
    );
  }
}

function jsonProblem(v: unknown, ancestors: Set<object>, path: string): string | undefined {
  const at = path === '' ? 'the value' : `value${path}`;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(v) ? undefined : `${at} is ${v}`;
    case 'object': {
      if (v === null) return undefined;
      if (ancestors.has(v)) return `${at} is circular`;
      const proto = Object.getPrototypeOf(v);
      const isArray = Array.isArray(v);
      if (!isArray && proto !== Object.prototype && proto !== null) {
        return `${at} is a ${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'object'}`;
      }
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return `${at} has a toJSON()`;
      ancestors.add(v);
      try {
        if (isArray) {
          for (let i = 0; i < v.length; i++) {
            if (v[i] === undefined) return `value${path}[${i}] is undefined`;
            const p = jsonProblem(v[i], ancestors, `${path}[${i}]`);
            if (p !== undefined) return p;
          }
        } else {
          for (const [k, item] of Object.entries(v)) {
            if (item === undefined) continue; // an absent property reads back as undefined too
            const p = jsonProblem(item, ancestors, `${path}.${k}`);
            if (p !== undefined) return p;
          }
        }
      } finally {
        ancestors.delete(v);
      }
      return undefined;
    }
    default:
      return `${at} is ${v === undefined ? 'undefined' : `a ${typeof v}`}`;
  }
}
