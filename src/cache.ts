import {
  KIND_STRING, REG_ERROR, STAT_ITEMS, STAT_TTL_ITEMS, REG_HOT_ITEM,
} from '../assembly/abi.js';
import { CacheError } from './errors.js';
import { HotTier } from './hot.js';
import type { Removals } from './removals.js';
import { Seam } from './seam.js';
import { type CacheHandle, type SharedInit, type Sharing, shareCache } from './shared.js';
import { Timers, sweepExpired } from './timers.js';
import { ASYNC_DISPOSE, DISPOSE } from './disposable.js';
import { checkEntries, readArgs, readMany, writeArgs, writeMany } from './batch.js';
import { type Key, type Storable, encodeValue } from './codec.js';
import { type ResolvedOptions, WASM_PAGE, checkTtl, setMode } from './options.js';
import type { CoreExports } from './core.js';
import { type LoadResult, type SnapshotHost, type SnapshotSource, bytesSource, fileSource, loadSnapshot, writeSnapshot } from './snapshot.js';
import { type NodeFs, loadFile, nodeFs, restoreFile, saveFile } from './snapshot-file.js';
import { loadFileAhead } from './snapshot-read.js';
import { concat, joined, snapshotPieces, streamOf } from './chunks.js';
import type { ByteArgs, CacheLayout, CacheStats, SetOptions, ValueSink } from './cache-types.js';
import { type FetchOptions, type Loader, type MemoOptions, Loads, keyId } from './fetch.js';
import { Fetcher } from './fetcher.js';

export type { SetOptions, CacheStats, CacheLayout } from './cache-types.js';

/**
 * An in-memory cache whose items live in WebAssembly linear memory. Create it with
 * {@link createCache} or {@link createCacheSync}. Keys are strings (UTF-8) or Uint8Arrays; a string
 * key and the Uint8Array of its UTF-8 bytes name the same item, as in Redis.
 *
 * `V` is the type of the values (see {@link Storable}), e.g. `createCache<User>()`. The default,
 * `any`, keeps untyped code as it was: any value type-checks for set() (the codec still refuses
 * what it cannot store, ERR_VALUE_TYPE) and get() answers `any`. The methods' implementations work
 * on decoded values (`unknown`); the typed signatures above them are what callers see.
 */
export class Cache<V extends Storable<V> = any> {
  private readonly core: CoreExports;
  private readonly regs32: Uint32Array;
  private readonly stats64: Float64Array;
  private readonly opts: ResolvedOptions;
  /** @internal Keys and values into the scratch region, answers out of the registers (src/seam.ts). */
  readonly seam: Seam;
  private readonly loads = new Loads();
  /** fetch() and memo(): loads through the host below (src/fetcher.ts). */
  private readonly fetcher: Fetcher;
  /** Decoded copies of the most-read values (src/hot.ts), or undefined when options.hotTier is false. */
  private readonly hot: HotTier | undefined;
  /** options.onRemove is set: clear() reports expired items as expired first. */
  private readonly reportsRemovals: boolean;
  /** The active expiry sweep and the background saves (src/timers.ts). */
  private readonly timers: Timers;
  private disposed = false;
  /** The error of the last failed background save (options.snapshot), or undefined. */
  lastSaveError: unknown = undefined;
  /** A shared cache's memory, module and lock (src/shared.ts), or undefined. */
  private readonly sharing: Sharing | undefined;

  /** @internal Use createCache() or createCacheSync(). */
  constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory, opts: ResolvedOptions, removals?: Removals, shared?: SharedInit) {
    this.opts = opts;
    this.timers = new Timers(opts.activeExpiry, () => {
      if (!this.disposed) this.exclusive(() => sweepExpired(this.core, opts.now()));
    });
    const seam = new Seam(instance, memory, opts, () => this.timers.startExpiry(), shared?.attached);
    this.seam = seam;
    this.core = seam.core;
    this.regs32 = seam.regs32;
    this.stats64 = seam.stats64;
    this.fetcher = new Fetcher({
      loads: this.loads,
      defaultTtl: opts.defaultTtl,
      now: opts.now,
      alive: () => this.alive(),
      disposed: () => this.disposed,
      read: (space, key, force) => this.exclusive(() => {
        this.hot?.beforeRead(); // the hot tier's hits reach the policy first (src/hot.ts)
        return seam.readForFetch(space, key, force, this.nowIfTtl());
      }),
      store: (space, key, value, expireAt, freshUntil, now) =>
        this.exclusive(() => {
          this.hot?.beforeWrite();
          seam.storeValue(space, key, value, expireAt, now, freshUntil);
        }),
    });
    this.reportsRemovals = removals !== undefined;
    // Before removals.attach: callbacks run after the lock is released.
    if (shared) this.sharing = shareCache(this, seam, memory, shared.module, opts.lockTimeoutMs, () => (this.disposed ? undefined : this.nowIfTtl()));
    if (removals) {
      this.core.removalConfigure(1);
      removals.attach(this);
    }
    const tier = opts.hotTier;
    if (!shared?.attached) this.core.hotConfigure(tier ? 1 : 0, tier ? Math.floor(tier.maxBytes / 16) : 0);
    if (tier) this.hot = HotTier.over(this.core, memory, this.regs32, this.stats64, tier, opts.policy === 'lru');
    if (opts.snapshot) {
      const { path, intervalMs } = opts.snapshot;
      // Warm restart: the file's items come back now (a missing file: an empty cache). A bad file
      // throws here, so no cache exists whose saves could replace it.
      const fs = nodeFs('options.snapshot');
      restoreFile(path, () => this.loadFile(fs, path, true));
      if (intervalMs > 0) this.timers.startSaves(intervalMs, () => this.backgroundSave(path));
    }
  }

  /** Runs `fn` under a shared cache's lock (for work no locked method is around: timers, fetch() after an await, iterators). */
  private exclusive<T>(fn: () => T): T {
    return this.sharing ? this.sharing.lock.run(fn) : fn();
  }

  /** A shared cache's handle: post it to a worker, where attachCache(handle) reaches the same items. @throws CacheError ERR_OPTIONS if not shared. */
  get handle(): CacheHandle {
    if (!this.sharing) throw new CacheError('ERR_OPTIONS', 'only a cache created with shared: true has a handle');
    return this.sharing.handle(this.opts, this.seam.maxValueSize);
  }

  private backgroundSave(path: string): void {
    try {
      this.exclusive(() => this.saveSync(path));
      this.lastSaveError = undefined;
    } catch (e) {
      this.lastSaveError = e;
    }
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  private alive(): void {
    if (this.disposed) throw new CacheError('ERR_DISPOSED', 'this cache was disposed');
  }

  /** The clock, read only when some item can expire (one read per call at most). */
  private nowIfTtl(): number {
    return this.stats64[STAT_TTL_ITEMS] !== 0 ? this.opts.now() : 0;
  }

  // ── the API ───────────────────────────────────────────────────────────────────────────────

  /**
   * Stores a value. Returns false when nx or xx prevented it, else true.
   * @throws CacheError ERR_KEY_TYPE, ERR_KEY_TOO_LARGE, ERR_VALUE_TYPE, ERR_VALUE_TOO_LARGE, ERR_TTL, ERR_SET_OPTIONS
   */
  set(key: Key, value: V, options?: SetOptions): boolean;
  set(key: Key, value: unknown, options?: SetOptions): boolean {
    this.alive();
    const ttl = options?.ttl !== undefined ? checkTtl(options.ttl) : this.opts.defaultTtl;
    const mode = options === undefined ? 0 : setMode(options);
    // Strings, the common case, skip encodeValue's classification.
    const enc = typeof value === 'string' ? { kind: KIND_STRING, text: value } : encodeValue(value);
    enc.kind |= this.seam.keyKind(key);
    this.hot?.beforeWrite();
    const klen = this.seam.keyOf(key);
    const now = ttl > 0 ? this.opts.now() : this.nowIfTtl();
    const stored = this.seam.store(klen, enc, ttl > 0 ? now + ttl : 0, mode, now);
    if (stored) this.superseded(key);
    return stored;
  }

  /** A write or delete of `key` happened: a fetch() load in flight for it will not cache its result. */
  private superseded(key: Key): void {
    if (this.loads.size !== 0) this.loads.supersede(keyId(key));
  }

  /** The value stored under the key, or undefined; counts a hit or a miss and refreshes the item for the policy.
   * A byte value is a copy of your own (up to 4 KiB, a view of a shared pool: src/byte-pool.ts). */
  get(key: Key): V | undefined;
  get(key: Key): unknown {
    // Kept small so that V8 inlines it: a hot-tier hit is a Map lookup and two field checks.
    const hot = this.hot;
    if (hot !== undefined && typeof key === 'string' && !this.disposed) {
      if (!hot.clean()) hot.drain();
      if (!hot.bypass || hot.sampled()) {
        const s = hot.byKey.get(key);
        if (s !== undefined) {
          if (hot.expAt[s] === 0 || hot.expAt[s] >= this.opts.now()) {
            hot.hit(s);
            return hot.values[s]; // a string, or a deep-frozen JSON value (byte values are never kept)
          }
          hot.expired(s);
        }
      }
      return this.getAndOffer(key, hot);
    }
    return this.getFromCore(key);
  }

  /** A get the hot tier did not serve: from the core, and kept if the core offers the item. */
  private getAndOffer(key: string, hot: HotTier): unknown {
    if (!hot.bypass) hot.missed();
    hot.beforeRead();
    const klen = this.seam.keyOf(key);
    const ptr = this.core.get(klen, this.nowIfTtl()) >>> 0;
    return ptr === 0 ? undefined : hot.answer(this.seam, klen, ptr);
  }

  private getFromCore(key: Key): unknown {
    this.alive();
    this.hot?.beforeRead();
    const ptr = this.core.get(this.seam.keyOf(key), this.nowIfTtl()) >>> 0;
    if (ptr === 0) return undefined;
    this.notKept();
    return this.seam.valueAt(ptr);
  }

  /** After a core get whose value this call does not put in the hot tier: the item may be asked for again. */
  private notKept(): void {
    const it = this.regs32[REG_HOT_ITEM];
    if (it !== 0) this.core.hotRelease(it);
  }

  /**
   * The value's stored bytes without a copy (UTF-8 for a string, JSON text for a JSON value), or
   * undefined: a view of the cache's memory, valid until the next call that writes to the cache
   * (reads never move stored bytes). Counts as a get.
   */
  getView(key: Key): Uint8Array | undefined {
    this.alive();
    return this.storedBytes(key);
  }

  /**
   * Copies the value's stored bytes into `target` at `offset` and returns their length, or -1 if
   * the key is missing. Counts as a get.
   * @throws CacheError ERR_TARGET_TOO_SMALL if they do not fit (target unchanged).
   */
  getInto(key: Key, target: Uint8Array, offset = 0): number {
    this.alive();
    if (!(target instanceof Uint8Array)) {
      throw new CacheError('ERR_VALUE_TYPE', 'getInto() target must be a Uint8Array');
    }
    const bytes = this.storedBytes(key);
    if (bytes === undefined) return -1;
    const len = bytes.length;
    if (!(offset >= 0) || offset + len > target.length) {
      throw new CacheError('ERR_TARGET_TOO_SMALL', `getInto() needs ${len} bytes at offset ${offset}, the target has ${target.length - offset}`);
    }
    target.set(bytes, offset);
    return len;
  }

  /** A get of the value's stored bytes (a view, past fetch()'s fresh-until prefix). */
  private storedBytes(key: Key): Uint8Array | undefined {
    this.hot?.beforeRead();
    const ptr = this.core.get(this.seam.keyOf(key), this.nowIfTtl()) >>> 0;
    if (ptr === 0) return undefined;
    this.notKept();
    return this.seam.bytesAt(ptr);
  }

  /**
   * @internal The RESP server's SETs: `pairs` (key, value) pairs of byte arguments from `from` on, each as set(key, value,
   * { ttl }) (0: the default). Stops before one it cannot store (throws if it is the first); returns how many it stored.
   */
  setArgs(args: ByteArgs, from: number, pairs: number, ttl: number): number {
    this.alive();
    const t = ttl > 0 ? ttl : this.opts.defaultTtl;
    this.hot?.beforeWrite();
    const now = t > 0 ? this.opts.now() : this.nowIfTtl();
    if (t > 0) this.timers.startExpiry();
    const done = writeArgs(this.seam, args, from, pairs, t > 0 ? now + t : 0, now);
    for (let k = from; k < from + 2 * done && this.loads.size !== 0; k += 2) this.superseded(args.data.subarray(args.start[k], args.end[k]));
    return done;
  }

  /** @internal The RESP server's GETs and MGET: byte keys from..to-1, as getView(), to `sink`; stops as setArgs does. */
  getArgs(args: ByteArgs, from: number, to: number, sink: ValueSink): number {
    this.alive();
    this.hot?.beforeRead();
    return readArgs(this.seam, args, from, to, this.nowIfTtl(), sink);
  }

  /** Like get, without touching the policy or the hit and miss counters. */
  peek(key: Key): V | undefined;
  peek(key: Key): unknown {
    this.alive();
    const klen = this.seam.keyOf(key);
    return this.seam.valueAt(this.core.peek(klen, this.nowIfTtl()) >>> 0);
  }

  /** True if a live item is stored under the key. Does not touch the policy or the counters. */
  has(key: Key): boolean {
    this.alive();
    return this.core.has(this.seam.keyOf(key), this.nowIfTtl()) !== 0;
  }

  /** Removes the key. True if it existed. */
  delete(key: Key): boolean {
    this.alive();
    this.superseded(key);
    return this.core.del(this.seam.keyOf(key), this.nowIfTtl()) !== 0;
  }

  /** Removes every item. The counters other than items and usedBytes keep their values. */
  clear(): void {
    this.alive();
    this.loads.supersedeAll();
    this.hot?.dropAll();
    if (this.reportsRemovals && this.stats64[STAT_TTL_ITEMS] !== 0) this.core.expireStep(this.opts.now(), 0xffffffff);
    this.core.clear();
  }

  /** Number of live items (expired items are removed first, so they are never counted). */
  get size(): number {
    this.alive();
    if (this.stats64[STAT_TTL_ITEMS] !== 0) this.core.expireStep(this.opts.now(), 0xffffffff);
    return this.stats64[STAT_ITEMS];
  }

  /** Remaining time to live in ms; -1 if the key has no expiry, -2 if it does not exist (Redis PTTL). */
  ttl(key: Key): number {
    this.alive();
    return this.core.ttl(this.seam.keyOf(key), this.nowIfTtl());
  }

  /** Sets the key's time to live in ms from now; 0 expires it at once (Redis PEXPIRE 0 deletes the key). True if the key exists. */
  expire(key: Key, ms: number): boolean {
    this.alive();
    checkTtl(ms, 'ms');
    this.hot?.beforeWrite();
    const klen = this.seam.keyOf(key);
    const now = this.opts.now();
    if (ms === 0) {
      this.superseded(key);
      return this.core.del(klen, now) !== 0;
    }
    this.timers.startExpiry();
    const ok = this.core.expire(klen, now + ms, now) !== 0;
    if (!ok && this.regs32[REG_ERROR] !== 0) this.seam.fail('expire');
    return ok;
  }

  /** Removes the key's expiry time. True if it had one. */
  persist(key: Key): boolean {
    this.alive();
    return this.core.persist(this.seam.keyOf(key), this.nowIfTtl()) !== 0;
  }

  /**
   * Adds `by` to the integer stored under the key and returns the result (Redis INCRBY). A missing
   * key counts as 0 and is created without expiry; an existing key keeps its TTL and value kind.
   * @throws CacheError ERR_NOT_INTEGER if the value is not a decimal integer; ERR_INCR_OVERFLOW if
   * the result leaves the safe integer range (±2^53 - 1).
   */
  incr(key: Key, by = 1): number {
    this.alive();
    if (!Number.isSafeInteger(by)) {
      throw new CacheError('ERR_NOT_INTEGER', `incr() increment must be a safe integer, got ${String(by)}`);
    }
    this.hot?.beforeWrite();
    const next = this.seam.incr(this.seam.keyOf(key), this.seam.keyKind(key), by, this.nowIfTtl());
    this.superseded(key);
    return next;
  }

  /** Values for many keys at once (undefined where missing), with one call into Wasm per scratch-full of keys. */
  mget(keys: readonly Key[]): (V | undefined)[];
  mget(keys: readonly Key[]): unknown[] {
    this.alive();
    for (const key of keys) this.seam.checkKey(key); // reject before any read changes the policy
    const out: unknown[] = new Array(keys.length);
    this.hot?.beforeRead();
    const now = this.nowIfTtl();
    readMany(this.seam, keys, now, out);
    return out;
  }

  /**
   * Stores many entries, with one call into Wasm per scratch-full. Every entry is checked before
   * anything is stored: one bad entry rejects the whole batch and the cache is unchanged. If room
   * cannot be made for an entry (ERR_NO_MEMORY), the entries before it stay stored and the error
   * says how many.
   * @throws CacheError ERR_KEY_TYPE, ERR_KEY_TOO_LARGE, ERR_VALUE_TYPE, ERR_VALUE_TOO_LARGE, ERR_TTL, ERR_NO_MEMORY
   */
  mset(entries: Iterable<readonly [Key, V]>, options?: { ttl?: number }): void;
  mset(entries: Iterable<readonly [Key, unknown]>, options?: { ttl?: number }): void {
    this.alive();
    const ttl = options?.ttl !== undefined ? checkTtl(options.ttl) : this.opts.defaultTtl;
    const list = checkEntries(this.seam, entries);
    const now = ttl > 0 ? this.opts.now() : this.nowIfTtl();
    const expireAt = ttl > 0 ? now + ttl : 0;
    if (expireAt > 0) this.timers.startExpiry();
    this.hot?.beforeWrite();
    writeMany(this.seam, list, expireAt, now, (key) => this.superseded(key));
  }

  /** Live keys, in index order. Keys set as Uint8Array come back as Uint8Array, others as strings. */
  *keys(): IterableIterator<Key> {
    for (const [k] of this.entries()) yield k;
  }

  /** Live values, in index order. */
  values(): IterableIterator<V>;
  *values(): IterableIterator<unknown> {
    for (const [, v] of this.entries()) yield v;
  }

  /**
   * Live [key, value] pairs, in index order. Items set or deleted while iterating may or may not
   * be visited (like Redis SCAN); expired items never are.
   */
  entries(): IterableIterator<[Key, V]>;
  *entries(): IterableIterator<[Key, unknown]> {
    this.alive();
    let cursor = 0;
    while (true) {
      const entry = this.exclusive((): [Key, unknown] | undefined => {
        cursor = this.core.scan(cursor, this.nowIfTtl());
        return cursor === 0 ? undefined : [this.seam.scannedKey(), this.seam.scannedValue()];
      });
      if (entry === undefined) return;
      yield entry;
      this.alive();
    }
  }

  /**
   * One step of a cursor walk over the live keys, like Redis SCAN: start at cursor 0, pass back the
   * returned cursor, stop when it is 0 again. Returns up to `count` keys per call.
   * A key present for the whole walk is returned at least once unless keys are deleted during the
   * walk (deletes can shift a key behind the cursor); keys added during the walk may or may not be.
   */
  scan(cursor = 0, count = 10): [next: number, keys: Key[]] {
    this.alive();
    if (!Number.isSafeInteger(cursor) || cursor < 0) {
      throw new CacheError('ERR_OPTIONS', `scan() cursor must be a non-negative integer, got ${String(cursor)}`);
    }
    const keys: Key[] = [];
    const now = this.nowIfTtl();
    const want = Math.max(1, Math.floor(count) || 1);
    while (keys.length < want) {
      cursor = this.core.scan(cursor, now);
      if (cursor === 0) break;
      keys.push(this.seam.scannedKey());
    }
    return [cursor, keys];
  }

  /** A live key chosen at random (Redis RANDOMKEY), or undefined if the cache is empty. */
  randomKey(): Key | undefined {
    this.alive();
    const now = this.nowIfTtl();
    return this.core.randomItem((Math.random() * 2 ** 32) >>> 0, now) !== 0 ? this.seam.scannedKey() : undefined;
  }

  [Symbol.iterator](): IterableIterator<[Key, V]>;
  [Symbol.iterator](): IterableIterator<[Key, unknown]> {
    return this.entries();
  }

  /** {@link dispose}, for `using cache = createCacheSync()`. */
  [DISPOSE](): void {
    this.dispose();
  }

  /** {@link dispose}, for `await using`: the final save (options.snapshot) is done when this resolves; a failed one is in lastSaveError. */
  async [ASYNC_DISPOSE](): Promise<void> {
    this.dispose();
  }

  /**
   * The value for the key, loading it once if it is missing (or stale, or `forceRefresh`): callers
   * who ask for the same key during a load share its result (or its error, which is not cached).
   * See {@link FetchOptions} for stale-while-revalidate, stale-if-error and per-caller abort.
   * Resolves undefined if the loader returns undefined (nothing is cached then): the promise's type
   * is the loader's, `Promise<V>` for a loader that always returns a value, else `Promise<V | undefined>`.
   */
  fetch<R extends V | undefined = V>(key: Key, loader: Loader<R>, options?: FetchOptions): Promise<R>;
  fetch<V = unknown>(key: Key, loader: Loader<V>, options: FetchOptions = {}): Promise<V | undefined> {
    return this.fetcher.fetch(0, key, loader, options);
  }

  /**
   * Wraps an async function so that its results are cached by argument key (through fetch(): one
   * call in flight per key, TTL and stale windows as in {@link MemoOptions}). Default keys live in
   * a key space of their own (see {@link MemoOptions.key}); arguments that cannot be encoded
   * reject with ERR_KEY_TYPE. The wrapper takes `fn`'s arguments and resolves to its awaited result;
   * results must be storable ({@link Storable}) but need not be V (default keys are not get()'s).
   */
  memo<A extends unknown[], R extends Storable<R> | undefined>(
    fn: (...args: A) => R | Promise<R>,
    options?: MemoOptions<A>,
  ): (...args: A) => Promise<R>;
  memo<A extends unknown[], V>(
    fn: (...args: A) => V | Promise<V>,
    options: MemoOptions<A> = {},
  ): (...args: A) => Promise<V | undefined> {
    this.alive();
    return this.fetcher.memo(fn, options);
  }

  // ── snapshots ─────────────────────────────────────────────────────────────────────────────

  /** The live items as one snapshot (format: docs/snapshot-format.md). For small caches. */
  toBytes(): Uint8Array {
    this.alive();
    return concat(snapshotPieces(this.seam.host(), this.nowIfTtl()));
  }

  /** The live items as a stream of snapshot chunks, for any runtime (IndexedDB, OPFS, R2...), copied at once: later writes do not change it. */
  exportSnapshot(): AsyncIterable<Uint8Array> {
    this.alive();
    return streamOf(snapshotPieces(this.seam.host(), this.nowIfTtl()));
  }

  /**
   * Replaces the cache's items with a snapshot's. The whole snapshot is checked first: a bad one
   * throws (ERR_SNAPSHOT_*) and leaves the cache exactly as it was. Items whose expiry time has
   * passed are skipped; items that do not fit are counted as dropped.
   */
  loadBytes(bytes: Uint8Array): LoadResult {
    this.alive();
    if (!(bytes instanceof Uint8Array)) throw new CacheError('ERR_SNAPSHOT_MAGIC', 'a snapshot must be a Uint8Array');
    return this.loadFrom(bytesSource(bytes, this.seam.u8));
  }

  private loadFrom(source: SnapshotSource): LoadResult {
    return this.loaded(loadSnapshot(this.seam.host(), source, this.opts.now(), this.emptyForLoad));
  }

  private readonly emptyForLoad = (): void => (this.loads.supersedeAll(), this.hot?.dropAll(), this.core.clear());

  private loaded<T>(result: T): T {
    if (this.stats64[STAT_TTL_ITEMS] !== 0) this.timers.startExpiry();
    return result;
  }

  /** @internal loadCache(): load() with reads ahead (snapshot-read.ts), where no other caller can reach the cache mid-load. */
  async loadNew(path: string): Promise<LoadResult> {
    this.alive();
    if (this.sharing || this.reportsRemovals || this.opts.snapshot || this.stats64[STAT_ITEMS] !== 0) return this.load(path);
    return this.loaded(await loadFileAhead(nodeFs('loadCache()'), path, this.seam.host(), this.opts.now(), this.emptyForLoad));
  }

  /** {@link loadBytes} from a stream or list of chunks (e.g. from {@link exportSnapshot}). */
  async importSnapshot(source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<LoadResult> {
    this.alive();
    return this.loadBytes(source instanceof Uint8Array ? source : await joined(source));
  }

  /**
   * Node: writes a snapshot to `path` (a temporary file in the same folder, fsynced, renamed over `path`: a crash
   * mid-save leaves the previous snapshot intact), straight from the cache's memory. Resolves to the items saved.
   */
  async save(path: string): Promise<number> {
    return this.saveSync(path);
  }

  private saveSync(path: string): number {
    this.alive();
    return saveFile(nodeFs('save()'), path, (out, header) => writeSnapshot(this.seam.host(), out, this.nowIfTtl(), header));
  }

  /** Node: {@link loadBytes} from a snapshot file. */
  async load(path: string): Promise<LoadResult> {
    this.alive();
    return this.loadFile(nodeFs('load()'), path, false) as LoadResult;
  }

  /** Loads the snapshot file at `path`, synchronously; with `missingOk`, a missing file loads nothing (undefined). */
  private loadFile(fs: NodeFs, path: string, missingOk: boolean): LoadResult | undefined {
    return loadFile(fs, path, missingOk, (fd) => this.loadFrom(fileSource(fs, fd, this.seam.u8, path)));
  }

  /** @internal For a shared cache's shards (src/sharded.ts): `fn` over the core under the lock; the sweep starts if it stored TTL items. */
  inCore<T>(fn: (host: SnapshotHost, now: number) => T): T {
    this.alive();
    return this.exclusive(() => this.loaded(fn(this.seam.host(), this.opts.now())));
  }

  /** Counters and gauges (see {@link CacheStats}). */
  stats(): CacheStats {
    this.alive();
    return { ...this.seam.counters(this.hot), maxBytes: this.opts.memoryPages * WASM_PAGE, policy: this.opts.policy, ...this.loads.stats };
  }

  /** The sizes this cache settled on. */
  layout(): CacheLayout {
    return this.seam.layout();
  }

  /** @internal Checks the core's structures against each other; 0 if consistent. For tests. */
  checkInvariants(): number {
    return this.core.check();
  }

  /** Stops the timers (after a last save with options.snapshot) and releases the instance; any later call throws ERR_DISPOSED. */
  dispose(): void {
    this.release(true);
  }

  /** @internal dispose() without the last save: for a cache that never reached its caller (a failed loadCache). */
  release(save: boolean): void {
    if (this.disposed) return;
    this.loads.abortAll(new CacheError('ERR_DISPOSED', 'the cache was disposed during the load'));
    this.timers.stopSaves();
    if (this.opts.snapshot && save) this.backgroundSave(this.opts.snapshot.path);
    this.timers.stopExpiry();
    this.disposed = true;
    this.seam.leaveLane(); // after its last call: another thread may take the lane
  }
}
