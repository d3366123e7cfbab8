// A shared cache in shards: `shards` independent caches, each in its own shared memory with its
// own lock (src/shared.ts), and every key in the shard its bytes hash to (src/shard-key.ts). Two
// threads then wait for each other only when they touch the same shard at the same moment. The
// default is one shard (threads already get lanes of their own: assembly/lanes.ts), because each
// shard is a Wasm instance of its own and calls spread over several instances are slower in V8
// (bench/results-threads.md).
//
// What a shard changes, against one lock for the whole cache:
// - each call on one key is atomic, as before; mget() and mset() are atomic per key and per
//   shard, not as a whole batch (another thread can see part of an mset());
// - the budget is split: each shard has maxMemory / shards bytes (and maxEntries / shards items),
//   evicts within itself, and holds values up to a third of its pages;
// - scan() cursors walk the shards in turn; snapshots hold each shard as it was when it was
//   saved (src/sharded-snapshot.ts).
//
// This class has exactly Cache's public members (the type checker holds it to them) and is made
// an instance of Cache (its prototype's prototype is Cache.prototype): users see one Cache type.
import { Cache } from './cache.js';
import type { ByteArgs, CacheLayout, CacheStats, SetOptions, ValueSink } from './cache-types.js';
import { ASYNC_DISPOSE, DISPOSE } from './disposable.js';
import { CacheError } from './errors.js';
import type { FetchOptions, Loader, MemoOptions } from './fetch.js';
import type { Key, Storable } from './codec.js';
import type { CacheHandle } from './shared.js';
import { type LoadResult, bytesSource, fileSource } from './snapshot.js';
import { checkEntries } from './batch.js';
import { loadFile, nodeFs, saveFile } from './snapshot-file.js';
import { Chunker, concat, joined, streamOf } from './chunks.js';
import { type RouteSource, loadShards, writeShards } from './sharded-snapshot.js';
import { shardOf } from './shard-key.js';

/** Cache's public members, which ShardedCache must all have (but the shard's internals). */
type CacheApi<V extends Storable<V>> = { [K in Exclude<keyof Cache<V>, 'seam' | 'inCore'>]: Cache<V>[K] };

/** Stats fields that are not summed over the shards. */
const SAME_IN_EVERY_SHARD = new Set(['policy']);

export class ShardedCache<V extends Storable<V> = any> implements CacheApi<V> {
  /** The error of the last failed background save, or undefined (a sharded cache has no background saves). */
  lastSaveError: unknown = undefined;
  private readonly count: number;

  /** @internal Use createCache({ shared: true }). */
  constructor(
    private readonly shards: readonly Cache<V>[],
    private readonly sharedHandle: CacheHandle,
  ) {
    this.count = shards.length;
  }

  private at(key: Key): Cache<V> {
    return this.count === 1 ? this.shards[0] : this.shards[shardOf(key, this.count)];
  }

  /** Every shard's cache is disposed together; one check is enough. */
  private alive(): void {
    this.shards[0].inCore(() => undefined);
  }

  get handle(): CacheHandle {
    return this.sharedHandle;
  }

  set(key: Key, value: V, options?: SetOptions): boolean {
    return this.at(key).set(key, value, options);
  }
  get(key: Key): V | undefined {
    return this.at(key).get(key);
  }
  getView(key: Key): Uint8Array | undefined {
    return this.at(key).getView(key);
  }
  getInto(key: Key, target: Uint8Array, offset?: number): number {
    return this.at(key).getInto(key, target, offset);
  }
  peek(key: Key): V | undefined {
    return this.at(key).peek(key);
  }
  has(key: Key): boolean {
    return this.at(key).has(key);
  }
  delete(key: Key): boolean {
    return this.at(key).delete(key);
  }
  ttl(key: Key): number {
    return this.at(key).ttl(key);
  }
  expire(key: Key, ms: number): boolean {
    return this.at(key).expire(key, ms);
  }
  persist(key: Key): boolean {
    return this.at(key).persist(key);
  }
  incr(key: Key, by?: number): number {
    return this.at(key).incr(key, by);
  }
  fetch<R extends V | undefined = V>(key: Key, loader: Loader<R>, options?: FetchOptions): Promise<R> {
    return this.at(key).fetch(key, loader, options);
  }

  /** See Cache.memo. With `options.key`, results go to the key's shard; memo()'s own key space is in the first shard. */
  memo<A extends unknown[], R extends Storable<R> | undefined>(fn: (...args: A) => R | Promise<R>, options?: MemoOptions<A>): (...args: A) => Promise<R> {
    const keyFor = options?.key;
    if (!keyFor) return this.shards[0].memo(fn, options);
    this.alive();
    const fetchOptions: FetchOptions = { ttl: options.ttl, staleWhileRevalidate: options.staleWhileRevalidate, staleIfError: options.staleIfError };
    return async (...args: A) => {
      const key = keyFor(...args);
      return this.at(key).fetch(key, (() => fn(...args)) as unknown as Loader<V>, fetchOptions) as unknown as Promise<R>;
    };
  }

  /** Keys by shard: the indices into `keys` that each shard holds. */
  private groups(keys: readonly Key[]): number[][] {
    const groups: number[][] = Array.from({ length: this.count }, () => []);
    for (let i = 0; i < keys.length; i++) groups[shardOf(keys[i], this.count)].push(i);
    return groups;
  }

  mget(keys: readonly Key[]): (V | undefined)[] {
    if (this.count === 1) return this.shards[0].mget(keys);
    for (const key of keys) this.shards[0].seam.checkKey(key); // every key checked before any shard reads
    const out: (V | undefined)[] = new Array(keys.length);
    this.groups(keys).forEach((group, s) => {
      if (group.length === 0) return;
      const values = this.shards[s].mget(group.map((i) => keys[i]));
      for (let j = 0; j < group.length; j++) out[group[j]] = values[j];
    });
    return out;
  }

  mset(entries: Iterable<readonly [Key, V]>, options?: { ttl?: number }): void {
    if (this.count === 1) return this.shards[0].mset(entries, options);
    const list = [...entries];
    checkEntries(this.shards[0].seam, list); // one bad entry rejects the batch before any shard stores
    const groups = this.groups(list.map((e) => e[0]));
    let stored = 0;
    groups.forEach((group, s) => {
      if (group.length === 0) return;
      try {
        this.shards[s].mset(group.map((i) => list[i]), options);
        stored += group.length;
      } catch (e) {
        if (e instanceof CacheError && e.code === 'ERR_NO_MEMORY') {
          throw new CacheError('ERR_NO_MEMORY', `mset stored ${stored} entries in other shards, then: ${e.message}`);
        }
        throw e;
      }
    });
  }

  /** @internal See Cache.setArgs; with several shards, one pair per call (each key to its shard). */
  setArgs(args: ByteArgs, from: number, pairs: number, ttl: number): number {
    if (this.count === 1 || pairs === 0) return this.shards[0].setArgs(args, from, pairs, ttl);
    return this.shards[shardOf(args.data.subarray(args.start[from], args.end[from]), this.count)].setArgs(args, from, 1, ttl);
  }

  /** @internal See Cache.getArgs; with several shards, one key per call. */
  getArgs(args: ByteArgs, from: number, to: number, sink: ValueSink): number {
    if (this.count === 1 || to <= from) return this.shards[0].getArgs(args, from, to, sink);
    return this.shards[shardOf(args.data.subarray(args.start[from], args.end[from]), this.count)].getArgs(args, from, from + 1, sink);
  }

  clear(): void {
    for (const shard of this.shards) shard.clear();
  }

  get size(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.size;
    return n;
  }

  *keys(): IterableIterator<Key> {
    for (const shard of this.shards) yield* shard.keys();
  }
  *values(): IterableIterator<V> {
    for (const shard of this.shards) yield* shard.values();
  }
  *entries(): IterableIterator<[Key, V]> {
    for (const shard of this.shards) yield* shard.entries();
  }
  [Symbol.iterator](): IterableIterator<[Key, V]> {
    return this.entries();
  }

  /** See Cache.scan. The cursor is a shard's cursor times the shard count plus the shard's number. */
  scan(cursor = 0, count = 10): [next: number, keys: Key[]] {
    if (!Number.isSafeInteger(cursor) || cursor < 0) {
      throw new CacheError('ERR_OPTIONS', `scan() cursor must be a non-negative integer, got ${String(cursor)}`);
    }
    const want = Math.max(1, Math.floor(count) || 1);
    let s = cursor % this.count;
    let inner = Math.floor(cursor / this.count);
    const keys: Key[] = [];
    while (keys.length < want) {
      const [next, found] = this.shards[s].scan(inner, want - keys.length);
      for (const k of found) keys.push(k);
      if (next !== 0) inner = next;
      else if (++s === this.count) return [0, keys];
      else inner = 0;
    }
    return [inner * this.count + s, keys];
  }

  randomKey(): Key | undefined {
    const sizes = this.shards.map((shard) => shard.size);
    let total = sizes.reduce((a, b) => a + b, 0);
    while (total > 0) {
      let pick = Math.floor(Math.random() * total);
      const s = sizes.findIndex((n) => (pick -= n) < 0);
      const key = this.shards[s].randomKey();
      if (key !== undefined) return key;
      total -= sizes[s]; // emptied meanwhile by another thread
      sizes[s] = 0;
    }
    return undefined;
  }

  toBytes(): Uint8Array {
    return concat(this.pieces());
  }
  exportSnapshot(): AsyncIterable<Uint8Array> {
    return streamOf(this.pieces());
  }

  /** The snapshot as copies in pieces of about 1 MiB. */
  private pieces(): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    const out = new Chunker((bytes) => pieces.push(bytes.slice()));
    let head: Uint8Array | undefined;
    writeShards(this.shards, (view) => out.write(view), (h) => (head = h.slice()));
    out.flush();
    pieces[0].set(head!, 0); // the header, with the item count known now
    return pieces;
  }

  loadBytes(bytes: Uint8Array): LoadResult {
    this.alive();
    if (!(bytes instanceof Uint8Array)) throw new CacheError('ERR_SNAPSHOT_MAGIC', 'a snapshot must be a Uint8Array');
    const route: RouteSource = { size: bytes.length, bytes: (pos, len) => bytes.subarray(pos, pos + len) };
    return loadShards(this.shards, (host) => bytesSource(bytes, host.u8), route);
  }

  async importSnapshot(source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<LoadResult> {
    this.alive();
    return this.loadBytes(source instanceof Uint8Array ? source : await joined(source));
  }

  async save(path: string): Promise<number> {
    this.alive();
    return saveFile(nodeFs('save()'), path, (out, rewrite) => writeShards(this.shards, out, rewrite));
  }

  /** @internal loadCache(): load() (the reads ahead of Cache.loadNew are for an unshared cache). */
  loadNew(path: string): Promise<LoadResult> {
    return this.load(path);
  }

  async load(path: string): Promise<LoadResult> {
    this.alive();
    const fs = nodeFs('load()');
    return loadFile(fs, path, false, (fd) => {
      let buf = new Uint8Array(1 << 20);
      let file = fileSource(fs, fd, buf, path);
      const size = file.size;
      const route: RouteSource = {
        size,
        bytes(pos, len) {
          if (len > buf.length) file = fileSource(fs, fd, (buf = new Uint8Array(len)), path); // (a new source stats the file: only when the buffer grows)
          file.read(pos, len, 0);
          return buf.subarray(0, len);
        },
      };
      return loadShards(this.shards, (host) => fileSource(fs, fd, host.u8, path), route);
    }) as LoadResult;
  }

  stats(): CacheStats {
    const all = this.shards.map((shard) => shard.stats());
    const sum = { ...all[0] } as Record<string, unknown>;
    for (const name of Object.keys(sum)) {
      if (typeof sum[name] !== 'number' || SAME_IN_EVERY_SHARD.has(name)) continue;
      sum[name] = all.reduce((n, st) => n + ((st as unknown as Record<string, number>)[name] ?? 0), 0);
    }
    return sum as unknown as CacheStats;
  }

  /** The first shard's layout with the sizes that add up summed over the shards. */
  layout(): CacheLayout {
    const all = this.shards.map((shard) => shard.layout());
    const sum = (f: (l: CacheLayout) => number) => all.reduce((n, l) => n + f(l), 0);
    return {
      ...all[0],
      indexCapacity: sum((l) => l.indexCapacity),
      pageCount: sum((l) => l.pageCount),
      fixedBytes: sum((l) => l.fixedBytes),
      memoryBytes: sum((l) => l.memoryBytes),
      shards: this.count,
    };
  }

  /** @internal The first shard's problem code, or 0. */
  checkInvariants(): number {
    for (const shard of this.shards) {
      const rc = shard.checkInvariants();
      if (rc !== 0) return rc;
    }
    return 0;
  }

  dispose(): void {
    for (const shard of this.shards) shard.dispose();
  }
  /** @internal */
  release(save: boolean): void {
    for (const shard of this.shards) shard.release(save);
  }
  [DISPOSE](): void {
    this.dispose();
  }
  async [ASYNC_DISPOSE](): Promise<void> {
    this.dispose();
  }
}

// A sharded cache is a Cache to its users (instanceof, the Cache type); its own methods shadow Cache's.
Object.setPrototypeOf(ShardedCache.prototype, Cache.prototype);
