// Get-or-load bookkeeping for Cache.fetch(): the loads in flight (one per key, shared by every
// caller who asks for that key meanwhile), their counters, and waiting with an AbortSignal.

import { KEY_MEMO } from '../assembly/abi.js';
import type { Key } from './codec.js';
import { CacheError } from './errors.js';

/** Options of {@link Cache.fetch}. */
export interface FetchOptions {
  /** TTL in ms of a loaded value; 0 = no expiry. Default: the cache's defaultTtl. */
  ttl?: number;
  /**
   * For this many ms after a value's TTL, fetch() returns the stale value at once and reloads it in
   * the background (one reload, however many callers). The value is kept that long. Default 0.
   */
  staleWhileRevalidate?: number;
  /**
   * For this many ms after a value's TTL, a failed reload answers with the stale value instead of
   * the error. The value is kept that long. Default 0.
   */
  staleIfError?: number;
  /** Aborts this caller's wait only: the load goes on for the other callers, and is cached. */
  signal?: AbortSignal;
  /** Load even if a fresh value is cached (joining a load already in flight for the key). */
  forceRefresh?: boolean;
}

/** What a loader receives besides the key. */
export interface LoaderContext<V> {
  /** Aborted when the cache is disposed during the load. */
  signal: AbortSignal;
  /** The stale (or, with forceRefresh, current) value being replaced, if any. */
  staleValue: V | undefined;
}

/** Loads the value for a key that is missing or stale. Returning undefined caches nothing. */
export type Loader<V> = (key: Key, context: LoaderContext<V>) => V | Promise<V>;

/** Options of {@link Cache.memo}. */
export interface MemoOptions<A extends unknown[]> {
  /**
   * The cache key for a call's arguments, a key like any other (get(), delete() and keys() see it).
   * Default: a key in memo()'s own key space, which no key given to the cache can name (nor
   * keys() list, nor snapshots save): the memo's number and {@link memoArgsKey} of the arguments.
   */
  key?: (...args: A) => Key;
  ttl?: number;
  staleWhileRevalidate?: number;
  staleIfError?: number;
}

/** Counters of fetch(), merged into {@link CacheStats}. */
export interface FetchStats {
  /** Loader calls. */
  loads: number;
  /** Loader calls that threw or rejected. */
  loadErrors: number;
  /** fetch() answers given from a stale value (while revalidating, or on a failed reload). */
  staleServed: number;
  /** fetch() calls that joined a load already in flight instead of starting one. */
  coalesced: number;
}

/** One load in flight. */
export interface Load {
  /** Settles with the loader's result, or rejects at once with ERR_DISPOSED on dispose(). */
  promise: Promise<unknown>;
  controller: AbortController;
  /** Set when the key was written or deleted during the load: its result is then not cached. */
  superseded: boolean;
}

/** A load and the rejecter of its shared promise (for dispose(), which must not wait for the loader). */
interface Running {
  load: Load;
  reject: (reason: unknown) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The key space of memo()'s default keys in the core (an item flag that is part of a key's identity). */
export const MEMO_SPACE = KEY_MEMO;

/** The coalescing id of a key in memo()'s key space: never the id of a caller's key ('t…', 'b…'). */
export function memoKeyId(key: string): string {
  return 'm' + key;
}

/**
 * The text of a memo() call's arguments: two argument lists get the same text only if they are
 * equal value for value, kinds included (unlike JSON.stringify: undefined is not null, even in an
 * array or object, -0 is not 0, NaN and ±Infinity are themselves, a bigint is not a number, a Date
 * is not its ISO string, a string is kept exactly, lone surrogates too). Arrays, plain objects (own
 * enumerable string keys, in their order), Dates and Uint8Arrays are encoded by content; any other
 * object (Map, class instance, function, symbol...), or a cycle, is refused with ERR_KEY_TYPE: pass
 * options.key to say what identifies it.
 */
export function memoArgsKey(args: readonly unknown[]): string {
  return encodeArg(args, []);
}

function encodeArg(v: unknown, path: object[]): string {
  switch (typeof v) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      return Object.is(v, -0) ? 'd-0' : 'd' + String(v);
    case 'bigint':
      return 'i' + v.toString();
    case 'string':
      return JSON.stringify(v); // quoted (so self-delimiting), lone surrogates escaped
    case 'object': {
      if (v === null) return 'n';
      if (path.includes(v)) throw memoArgError('a cyclic structure');
      if (v instanceof Date) return 'D' + String(v.getTime());
      if (v instanceof Uint8Array && Object.getPrototypeOf(v) === Uint8Array.prototype) {
        let hex = 'B';
        for (const b of v) hex += b.toString(16).padStart(2, '0');
        return hex;
      }
      path.push(v);
      let out: string;
      if (Array.isArray(v)) {
        out = '[';
        for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + encodeArg(v[i], path);
        out += ']';
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) {
          throw memoArgError(`a ${(proto as { constructor?: { name?: string } }).constructor?.name || 'non-plain object'}`);
        }
        out = '{';
        let first = true;
        for (const k of Object.keys(v)) {
          out += (first ? '' : ',') + JSON.stringify(k) + ':' + encodeArg((v as Record<string, unknown>)[k], path);
          first = false;
        }
        out += '}';
      }
      path.pop();
      return out;
    }
    default:
      throw memoArgError(`a ${typeof v}`);
  }
}

function memoArgError(what: string): CacheError {
  return new CacheError(
    'ERR_KEY_TYPE',
    `memo() cannot make a key of an argument that is ${what}: pass options.key (arguments may be undefined, null, booleans, numbers, bigints, strings, Dates, Uint8Arrays, and arrays and plain objects of these)`,
  );
}

/**
 * The identity of a key for coalescing: a string key, or the UTF-8 text of a byte key (so that
 * 'a' and its bytes share one load); bytes that are not UTF-8 get a hex id that no text id equals.
 */
export function keyId(key: Key): string {
  if (typeof key === 'string') return 't' + key;
  try {
    return 't' + utf8.decode(key);
  } catch {
    let hex = 'b';
    for (const b of key) hex += b.toString(16).padStart(2, '0');
    return hex;
  }
}

export class Loads {
  readonly stats: FetchStats = { loads: 0, loadErrors: 0, staleServed: 0, coalesced: 0 };
  /** The loads a new fetch() may join, by key id. */
  private readonly inflight = new Map<string, Load>();
  /** Every load whose loader has not settled yet, joinable or not (superseded loads still have waiters). */
  private readonly running = new Set<Running>();

  get size(): number {
    return this.inflight.size;
  }

  get(id: string): Load | undefined {
    return this.inflight.get(id);
  }

  /**
   * Starts a load: `run` gets the load (for its signal) and returns its result. The load's shared
   * promise exists before `run` is called, so that a fetch() of the same key from inside the
   * loader's synchronous part joins this load.
   */
  start(id: string, run: (load: Load) => Promise<unknown>): Load {
    let resolve!: (value: unknown) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // waiters see the rejection; a load nobody waits for is not "unhandled"
    const load: Load = { promise, controller: new AbortController(), superseded: false };
    const running: Running = { load, reject };
    this.stats.loads++;
    this.inflight.set(id, load);
    this.running.add(running);
    const done = () => {
      if (this.inflight.get(id) === load) this.inflight.delete(id);
      this.running.delete(running);
    };
    let result: Promise<unknown>;
    try {
      result = run(load);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => {
        done();
        resolve(value);
      },
      (error) => {
        done();
        reject(error);
      },
    );
    return load;
  }

  /**
   * The key was written or deleted: a load in flight for it must not cache its result, and a
   * later fetch() must not join it (it would answer with what the write replaced).
   */
  supersede(id: string): void {
    const load = this.inflight.get(id);
    if (!load) return;
    load.superseded = true;
    this.inflight.delete(id);
  }

  supersedeAll(): void {
    for (const load of this.inflight.values()) load.superseded = true;
    this.inflight.clear();
  }

  /**
   * dispose(): aborts every load still running and rejects its waiters with `reason` at once,
   * whether or not the loader heeds its signal (what it returns later is dropped).
   */
  abortAll(reason: unknown): void {
    const all = [...this.running];
    this.running.clear();
    this.inflight.clear();
    for (const { load, reject } of all) {
      reject(reason);
      load.controller.abort(reason);
    }
  }
}

/** The load's result, unless `signal` aborts first (then its reason). */
export function waitFor<V>(promise: Promise<V>, signal: AbortSignal | undefined): Promise<V> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
