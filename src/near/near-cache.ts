// The near-cache: a local Wasm cache in front of Redis, kept coherent by Redis's server-assisted
// client-side caching. Reads answer locally or read Redis (value and PTTL together) and keep the
// answer; writes go through to Redis on the same connection. See tracking.ts for the connection
// and flights.ts for the guard that keeps a reply overtaken by an invalidation out of the cache.

import { EventEmitter } from 'node:events';
import type { Cache } from '../cache.js';
import type { Key } from '../codec.js';
import { CacheError } from '../errors.js';
import type { RedisArg, RedisClientLike, SendOptions } from './connection.js';
import { Flights, keyId, type Ticket } from './flights.js';
import type { ResolvedNearOptions } from './options.js';
import { newStats, type NearCacheStats } from './stats.js';
import { TrackingConnection, type TrackingState } from './tracking.js';

/** Events of a {@link NearCache}. */
export interface NearCacheEvents {
  /**
   * Redis invalidated a key; it is already gone from the local cache. `key` is its UTF-8 text (a
   * key that is not valid UTF-8 shows U+FFFD where it is not), `bytes` the key exactly as Redis sent it.
   */
  invalidate: [key: string, bytes: Uint8Array];
  /** The whole local cache was dropped, and why. */
  flush: [reason: string];
  /** Tracking is on (at start, and again after each recovery). */
  tracking: [];
  /** An error on the tracking connection. Emitted only if someone listens. */
  error: [error: unknown];
}

/** Options of {@link NearCache.set}. */
export interface NearSetOptions {
  /** TTL in ms, sent to Redis as `SET ... PX`. 0 or absent: no expiry. */
  ttl?: number;
}

const BLOB_STRING = 36; // RESP's '$': node-redis decodes it as a string unless mapped to Buffer
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Local set() failures that only mean "this one does not fit locally": the value still lives in Redis. */
const DOES_NOT_FIT = new Set(['ERR_KEY_TOO_LARGE', 'ERR_VALUE_TOO_LARGE', 'ERR_NO_MEMORY']);

/** A key longer than the local cache's maxKeySize: fine for Redis, never kept locally. */
function tooLongForLocal(error: unknown): boolean {
  return error instanceof CacheError && error.code === 'ERR_KEY_TOO_LARGE';
}

function redisKey(key: Key): RedisArg {
  if (typeof key === 'string') return key;
  if (key instanceof Uint8Array) return Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  throw new CacheError('ERR_KEY_TYPE', `a near-cache key must be a string or a Uint8Array, got ${typeof key}`);
}

/**
 * A local Wasm cache in front of Redis. Create it with {@link createNearCache}.
 *
 * Coherence: an invalidation push drops its key locally, a null one (FLUSHALL/FLUSHDB) drops
 * everything; a reply overtaken by an invalidation (or a local write, or a flush) is returned
 * but not kept; losing the connection or a health PING drops everything, and nothing is kept
 * again until tracking is re-enabled; a local copy expires no later than the key does in Redis
 * (PTTL read with the value) and than `maxTtl`.
 */
export class NearCache<V extends string | Uint8Array = string | Uint8Array> extends EventEmitter<NearCacheEvents> {
  /** The local Wasm cache. Read it freely; writing to it directly bypasses Redis. */
  readonly local: Cache;
  private readonly tracking: TrackingConnection;
  private readonly flights = new Flights();
  /** Reads in flight that a new get() may still join: removed as soon as their key changes. */
  private readonly reads = new Map<string, Promise<V | undefined>>();
  private readonly counters = newStats();
  private readonly prefixBytes: Uint8Array[];
  private readonly getOptions: SendOptions;
  private disposed = false;

  /** @internal Use createNearCache(). */
  constructor(local: Cache, client: RedisClientLike, private readonly opts: ResolvedNearOptions) {
    super();
    this.local = local;
    this.prefixBytes = opts.prefixes.map((p) => utf8Encoder.encode(p));
    this.getOptions = { typeMapping: opts.bytes ? { [BLOB_STRING]: Buffer } : {} };
    this.tracking = new TrackingConnection(client, opts, {
      invalidate: (key) => this.onInvalidate(key),
      lost: (reason) => this.flush(`tracking lost: ${reason}`),
      enabled: () => {
        this.counters.trackingEnabled++;
        this.emit('tracking');
      },
      error: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
    });
  }

  /** @internal Connects and enables tracking (createNearCache() calls it once). */
  start(): Promise<void> {
    return this.tracking.start();
  }

  /** The tracking connection's state: values are kept locally only while it is 'on'. */
  get state(): TrackingState {
    return this.tracking.state;
  }

  /**
   * The value of `key`: from the local cache, else from Redis (then kept locally if tracking is
   * on and the key matches `prefixes`). Undefined if Redis has no such key. Rejects with a
   * CacheError (ERR_KEY_TYPE, ERR_DISPOSED), or with node-redis's error if Redis cannot be reached.
   */
  get(key: Key): Promise<V | undefined> {
    try {
      this.alive();
      if (!this.keeps(key)) return this.readRemote(key, undefined);
      const hit = this.local.get(key) as V | undefined;
      if (hit !== undefined) {
        this.counters.localHits++;
        return Promise.resolve(hit);
      }
      return this.readShared(key);
    } catch (error) {
      if (tooLongForLocal(error)) return this.readRemote(key, undefined);
      return Promise.reject(error);
    }
  }

  /**
   * Writes `value` to Redis (`SET`, with `PX` if a ttl is given; in one MULTI/EXEC with the PTTL
   * that makes Redis track the key, when the value may be kept) and, once Redis has answered,
   * keeps it locally. A get() called meanwhile reads Redis, after the write. Rejects with a
   * CacheError (ERR_KEY_TYPE, ERR_VALUE_TYPE, ERR_TTL, ERR_DISPOSED) or node-redis's error.
   */
  async set(key: Key, value: string | Uint8Array, options?: NearSetOptions): Promise<void> {
    this.alive();
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw new CacheError('ERR_VALUE_TYPE', `a near-cache value must be a string or a Uint8Array, got ${typeof value}`);
    }
    const ttl = options?.ttl ?? 0;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0) {
      throw new CacheError('ERR_TTL', `set() ttl must be a whole number of ms >= 0 (0 = no expiry), got ${String(ttl)}`);
    }
    const rkey = redisKey(key);
    const args: RedisArg[] = ['SET', rkey, typeof value === 'string' ? value : redisKey(value)];
    if (ttl > 0) args.push('PX', String(ttl));
    const ticket = this.beforeWrite(key) ? this.flights.take(keyId(key)) : undefined;
    const sentAt = Date.now();
    const conn = this.tracking.connection;
    let pttl: number | undefined;
    if (ticket === undefined) {
      await conn.sendCommand(args);
    } else {
      // PTTL after SET re-tracks the key (a write does not) and bounds the local copy's TTL. The
      // two run as one transaction: sent back to back, they may still reach Redis in separate
      // reads (a SET of 32 KiB or more always does), and another client's write run between
      // them would be neither in the kept copy nor pushed (the key was not tracked yet). The
      // four commands are queued in one tick, so nothing else on the connection falls between.
      const replies = Promise.all([
        conn.sendCommand(['MULTI']),
        conn.sendCommand(args),
        conn.sendCommand(['PTTL', rkey]),
        conn.sendCommand<unknown>(['EXEC']),
      ]).then(([, , , exec]) => {
        if (!Array.isArray(exec) || exec.length !== 2) {
          throw new CacheError('ERR_REDIS', `set(): Redis answered EXEC of SET + PTTL with ${String(exec)}`);
        }
        if (exec[0] instanceof Error) throw exec[0];
        return exec[1] as number;
      });
      pttl = await this.settling(replies, ticket);
    }
    this.counters.writes++;
    if (ticket === undefined) return;
    if (!this.flights.settle(ticket)) this.counters.discarded++;
    else this.keep(key, this.asStored(value), pttl as number, sentAt);
  }

  /**
   * Deletes `key` in Redis and locally. True if Redis had it. Rejects like set().
   */
  async delete(key: Key): Promise<boolean> {
    this.alive();
    const rkey = redisKey(key);
    this.beforeWrite(key);
    const removed = await this.tracking.connection.sendCommand<number>(['DEL', rkey]);
    this.counters.writes++;
    return removed > 0;
  }

  /** Counters since creation, and the number of local items. */
  stats(): NearCacheStats {
    return { ...this.counters, localItems: this.disposed ? 0 : this.local.size };
  }

  /** Closes the tracking connection (operations in flight are rejected) and frees the local cache. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tracking.close();
    this.local.dispose();
    this.reads.clear();
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────

  private alive(): void {
    if (this.disposed) throw new CacheError('ERR_DISPOSED', 'this near-cache was disposed');
  }

  /** True if a value of `key` may be kept locally now: tracking is on and the key has a kept prefix. */
  private keeps(key: Key): boolean {
    if (this.tracking.state !== 'on') return false;
    const prefixes = this.opts.prefixes;
    if (prefixes.length === 0) return true;
    if (typeof key === 'string') {
      for (const p of prefixes) if (key.startsWith(p)) return true;
      return false;
    }
    redisKey(key); // type check
    return this.prefixBytes.some((p) => p.length <= key.length && p.every((b, i) => key[i] === b));
  }

  /** A read of a key that may be kept: joins the read of the key in flight, if any is still valid. */
  private readShared(key: Key): Promise<V | undefined> {
    const id = keyId(key);
    const inFlight = this.reads.get(id);
    if (inFlight !== undefined) {
      this.counters.coalesced++;
      // Each caller owns the bytes it gets, as with local hits.
      return this.opts.bytes ? inFlight.then((v) => v && (new Uint8Array(v as Uint8Array) as V)) : inFlight;
    }
    const read = this.readRemote(key, this.flights.take(id));
    this.reads.set(id, read);
    const forget = () => {
      if (this.reads.get(id) === read) this.reads.delete(id);
    };
    read.then(forget, forget);
    return read;
  }

  /** Reads value and PTTL (only the value if there is no ticket, i.e. it will not be kept). */
  private async readRemote(key: Key, ticket: Ticket | undefined): Promise<V | undefined> {
    const rkey = redisKey(key);
    const conn = this.tracking.connection;
    this.counters.remoteReads++;
    const sentAt = Date.now();
    // Sent together, so they reach Redis back to back. A write between them is pushed to this
    // connection before the PTTL reply and voids the ticket (in bcast mode the push may come just
    // after, and drops the copy then).
    const replies = Promise.all([
      conn.sendCommand<V | null>(['GET', rkey], this.getOptions),
      ticket && conn.sendCommand<number>(['PTTL', rkey]),
    ]);
    const [reply, pttl] = await this.settling(replies, ticket);
    // Bytes arrive as Buffers (possibly views of node-redis's read buffer): answer with a
    // Uint8Array of their own, as the local cache does.
    const value = (reply !== null && this.opts.bytes ? new Uint8Array(reply as Uint8Array) : reply) as V | null;
    if (value === null) {
      if (ticket !== undefined) this.flights.settle(ticket);
      return undefined;
    }
    if (ticket !== undefined) {
      if (this.flights.settle(ticket)) this.keep(key, value, pttl as number, sentAt);
      else this.counters.discarded++;
    }
    return value;
  }

  /** Awaits `replies`; if they fail, settles the ticket (nothing is kept) and rethrows. */
  private async settling<T>(replies: Promise<T>, ticket: Ticket | undefined): Promise<T> {
    try {
      return await replies;
    } catch (error) {
      if (ticket !== undefined) this.flights.settle(ticket);
      throw error;
    }
  }

  /**
   * A write of `key` is about to be sent: reads in flight for it must not be kept (their replies
   * may predate it), nor joined, and the old local copy goes now (so a get() meanwhile reads Redis,
   * after the write). True if the written value may be kept locally.
   */
  private beforeWrite(key: Key): boolean {
    const id = keyId(key);
    this.flights.void(id);
    this.reads.delete(id);
    return this.dropLocal(key) && this.keeps(key);
  }

  /**
   * Keeps a value read (or written) at `sentAt` whose PTTL was `pttl`: no longer than Redis keeps
   * it (measured from when the command was sent, so local expiry never lags Redis's) nor maxTtl.
   */
  private keep(key: Key, value: V, pttl: number, sentAt: number): void {
    if (this.disposed || pttl === -2) return; // -2: expired between GET and PTTL
    let ttl = this.opts.maxTtl;
    if (pttl >= 0) {
      // 1 ms less: the local cache reads its clock again when it stores, possibly a tick later.
      const left = Math.floor(pttl - (Date.now() - sentAt)) - 1;
      if (left <= 0) return;
      ttl = ttl > 0 ? Math.min(ttl, left) : left;
    }
    try {
      this.local.set(key, value, { ttl });
    } catch (error) {
      if (!(error instanceof CacheError && DOES_NOT_FIT.has(error.code))) throw error;
    }
  }

  /** The value as get() would return it from Redis, for keeping a written value. */
  private asStored(value: string | Uint8Array): V {
    if (this.opts.bytes) return (typeof value === 'string' ? utf8Encoder.encode(value) : value) as V;
    return (typeof value === 'string' ? value : utf8Decoder.decode(value)) as V;
  }

  private onInvalidate(key: Uint8Array | null): void {
    if (this.disposed) return;
    if (key === null) return this.flush('null invalidation (FLUSHALL or FLUSHDB)');
    this.counters.invalidations++;
    const id = keyId(key);
    this.flights.void(id);
    this.reads.delete(id);
    this.dropLocal(key);
    this.emit('invalidate', utf8Decoder.decode(key), key);
  }

  /** Deletes the local copy; false if the key is too long to ever be kept locally (maxKeySize). */
  private dropLocal(key: Key): boolean {
    try {
      this.local.delete(key);
      return true;
    } catch (error) {
      if (tooLongForLocal(error)) return false;
      throw error;
    }
  }

  private flush(reason: string): void {
    if (this.disposed) return;
    this.flights.voidAll();
    this.reads.clear();
    this.local.clear();
    this.counters.flushes++;
    this.emit('flush', reason);
  }
}
