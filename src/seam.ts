// The seam between the wrapper and the core: the typed views over the memory, keys and values
// written into the scratch region, answers read out of the registers, and the core's error codes
// turned into CacheErrors. Everything that knows where a byte goes on the way across is here;
// cache.ts (the API) calls these and never computes an address itself.
import {
  ERR_INIT, ERR_NO_MEMORY, ERR_TOO_LARGE, FRESH_BYTES, KEY_BYTES, KIND_BYTES, KIND_FRESH, KIND_MASK, KIND_STRING, SET_KEEPTTL, POLICY_LRU, POLICY_S3FIFO, POLICY_SIEVE, REG_ERROR,
  REG_FIXED_BYTES, REG_INDEX_CAPACITY, REG_ITEM_OVERHEAD, REG_KEY_PTR, REG_KIND, REG_KLEN, REG_MAX_ITEM_BYTES, REG_PAGE_BYTES,
  REG_PAGE_COUNT, REG_SCRATCH_BYTES, REG_SCRATCH_PTR, REG_TTL_OVERHEAD, REG_VALUE_PTR, REG_VLEN, REGS_BYTES, STAT_DELETES,
  STAT_EVICTIONS, STAT_EXPIRED, STAT_HITS, STAT_ITEMS, STAT_MISSES, STAT_SETS, STAT_USED_BYTES,
} from '../assembly/abi.js';
import type { ByteArgs, CacheLayout } from './cache-types.js';
import type { FetchRead } from './fetcher.js';
import type { CoreExports } from './core.js';
import { CacheError } from './errors.js';
import {
  type EncodedValue, type Key, ILL_FORMED, Views, copyBytes, decodeValue, encodeText, encodeValue, illFormedError, isWellFormedText, keyTypeError, utf8Length,
} from './codec.js';
import { parseInteger } from './integer.js';
import { claimLane, releaseLane, sharedLane } from './lanes.js';
import { type Policy, type ResolvedOptions, WASM_PAGE, scratchBytesFor } from './options.js';
import type { SnapshotHost } from './snapshot.js';

const POLICY_IDS: Record<Policy, number> = { lru: POLICY_LRU, sieve: POLICY_SIEVE, s3fifo: POLICY_S3FIFO };

/** Lanes a shared cache asks for (assembly/lanes.ts; it gets fewer where they would take over 1/64 of its memory). */
const MAX_LANES = 8;

/** The scratch region of a lane past the first: any key fits (a value larger goes in pieces, as in any cache). */
function laneScratchBytes(maxKeySize: number): number {
  return Math.max(16 * 1024, maxKeySize + 1024);
}

function randomSeed(): Uint32Array {
  const seed = new Uint32Array(2);
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(seed);
  else for (let i = 0; i < 2; i++) seed[i] = (Math.random() * 2 ** 32) >>> 0;
  return seed;
}

export class Seam {
  readonly core: CoreExports;
  readonly views: Views;
  readonly u8: Uint8Array;
  /** The registers as u32 (REG_*) and as f64 (STAT_*, REG_EXPIRE_AT): abi.ts, assembly/regs.ts. */
  readonly regs32: Uint32Array;
  readonly stats64: Float64Array;
  /** The whole memory as u32 words (batch records). */
  readonly u32: Uint32Array;
  readonly dv: DataView;
  readonly scratch: number;
  readonly scratchBytes: number;
  readonly maxKeySize: number;
  readonly maxValueSize: number;
  readonly maxItemBytes: number;

  /** Initialises the core over `memory` for these options; `ttlSeen` is called before each store of an item with an expiry time. */
  constructor(
    instance: WebAssembly.Instance,
    memory: WebAssembly.Memory,
    opts: ResolvedOptions,
    private readonly ttlSeen: () => void,
    attached = false,
  ) {
    this.core = instance.exports as unknown as CoreExports;
    const scratchWanted = scratchBytesFor(opts.memoryPages, opts.maxKeySize);
    const seed = randomSeed();
    // A thread attaching to a shared cache uses it as it is (init() would empty it).
    // A shared cache gives each thread a lane of its own where the memory allows (assembly/lanes.ts).
    const lanes = opts.shared ? MAX_LANES : 1;
    const rc = attached
      ? this.attach(new Int32Array(memory.buffer))
      : this.core.init(opts.maxEntries, scratchWanted, seed[0], seed[1], POLICY_IDS[opts.policy], lanes, laneScratchBytes(opts.maxKeySize));
    if (!attached && opts.shared && this.core.lanes() > 1) this.ownLane = 0;
    if (rc === ERR_INIT) {
      const mb = (opts.memoryPages * WASM_PAGE) / 1024 ** 2;
      throw new CacheError(
        'ERR_OPTIONS',
        opts.maxEntries
          ? `maxMemory (${mb} MiB) is too small for maxEntries ${opts.maxEntries}: the index needs about 14 bytes per entry and may take half of maxMemory`
          : `maxMemory (${mb} MiB) is too small for a cache`,
      );
    }
    const regsPtr = this.core.regsPtr() >>> 0;
    this.views = new Views(memory.buffer);
    this.u8 = this.views.u8;
    this.regs32 = new Uint32Array(memory.buffer, regsPtr, REGS_BYTES / 4);
    this.u32 = new Uint32Array(memory.buffer);
    this.dv = new DataView(memory.buffer);
    this.stats64 = new Float64Array(memory.buffer, regsPtr, REGS_BYTES / 8);
    this.scratch = this.regs32[REG_SCRATCH_PTR];
    this.scratchBytes = this.regs32[REG_SCRATCH_BYTES];
    this.maxKeySize = opts.maxKeySize;
    this.maxItemBytes = this.regs32[REG_MAX_ITEM_BYTES];
    const ceiling =
      this.maxItemBytes - this.regs32[REG_ITEM_OVERHEAD] - this.regs32[REG_TTL_OVERHEAD] - FRESH_BYTES - opts.maxKeySize;
    if (opts.maxValueSize !== undefined && opts.maxValueSize > ceiling) {
      throw new CacheError(
        'ERR_OPTIONS',
        `maxValueSize must be at most ${ceiling} bytes for this maxMemory (a third of its slab pages, less headers and maxKeySize), got ${opts.maxValueSize}`,
      );
    }
    this.maxValueSize = opts.maxValueSize ?? ceiling;
  }

  /** This thread's lane if it has one of its own (src/lanes.ts), else -1. */
  ownLane = -1;

  /** Joins a shared cache in a lane of its own if one is free, else in the shared lane. */
  private attach(i32: Int32Array): number {
    const lanes = this.core.lanes();
    this.ownLane = claimLane(i32, this.core.claimsAddr() >>> 2, lanes);
    this.core.attach(this.ownLane >= 0 ? this.ownLane : sharedLane(lanes), this.ownLane >= 0 ? 1 : 0);
    return 0;
  }

  /** An attached thread's dispose(): its lane comes free. */
  leaveLane(): void {
    if (this.ownLane > 0) releaseLane(new Int32Array(this.u8.buffer), this.core.claimsAddr() >>> 2, this.ownLane);
    this.ownLane = -1;
  }

  /** Key bytes into the scratch region at `at`; returns their length. Throws on a bad key. */
  putKey(key: Key, at: number, room: number): number {
    let n: number;
    if (typeof key === 'string') {
      n = this.views.writeText(key, at, Math.min(room, this.maxKeySize));
      if (n === ILL_FORMED) throw illFormedError('key', key);
      if (n < 0) n = utf8Length(key);
    } else if (key instanceof Uint8Array) {
      n = key.length;
      if (n <= this.maxKeySize && n <= room) this.u8.set(key, at);
    } else {
      throw keyTypeError(key);
    }
    if (n > this.maxKeySize) {
      throw new CacheError('ERR_KEY_TOO_LARGE', `key must be at most ${this.maxKeySize} bytes (maxKeySize), got ${n}`);
    }
    return n;
  }

  /** Argument i's bytes (a key) into the scratch region; returns their length. @throws CacheError ERR_KEY_TOO_LARGE */
  argKey(args: ByteArgs, i: number): number {
    const s = args.start[i];
    const n = args.end[i] - s;
    if (n > this.maxKeySize) {
      throw new CacheError('ERR_KEY_TOO_LARGE', `key must be at most ${this.maxKeySize} bytes (maxKeySize), got ${n}`);
    }
    copyBytes(args.data, s, s + n, this.u8, this.scratch);
    return n;
  }

  /**
   * Stores argument i + 1 (bytes) under argument i, as set() stores a Uint8Array under a Uint8Array
   * key: the value goes from the caller's buffer straight to its item (one copy, no scratch).
   * @throws CacheError ERR_KEY_TOO_LARGE, ERR_VALUE_TOO_LARGE, ERR_NO_MEMORY
   */
  storeArg(args: ByteArgs, i: number, expireAt: number, now: number): void {
    const klen = this.argKey(args, i);
    const vs = args.start[i + 1];
    const vlen = args.end[i + 1] - vs;
    if (vlen > this.maxValueSize) throw this.valueTooLarge(vlen);
    if (expireAt > 0) this.ttlSeen();
    const ptr = this.core.set(klen, vlen, KIND_BYTES | KEY_BYTES, expireAt, 0, now) >>> 0;
    if (ptr === 0) this.fail('set'); // no mode: only a failure answers 0
    copyBytes(args.data, vs, vs + vlen, this.u8, ptr);
  }

  /** Throws as putKey would, without writing. */
  checkKey(key: Key): void {
    if (typeof key === 'string') {
      if (!isWellFormedText(key)) throw illFormedError('key', key);
      if (key.length * 3 <= this.maxKeySize) return;
      const n = utf8Length(key);
      if (n > this.maxKeySize) {
        throw new CacheError('ERR_KEY_TOO_LARGE', `key must be at most ${this.maxKeySize} bytes (maxKeySize), got ${n}`);
      }
    } else if (key instanceof Uint8Array) {
      if (key.length > this.maxKeySize) {
        throw new CacheError('ERR_KEY_TOO_LARGE', `key must be at most ${this.maxKeySize} bytes (maxKeySize), got ${key.length}`);
      }
    } else throw keyTypeError(key);
  }

  keyOf(key: Key): number {
    return this.putKey(key, this.scratch, this.scratchBytes);
  }

  valueTooLarge(n: number): CacheError {
    return new CacheError(
      'ERR_VALUE_TOO_LARGE',
      `value must be at most ${this.maxValueSize} bytes (maxValueSize), got ${n}`,
    );
  }

  fail(what: string): never {
    const err = this.regs32[REG_ERROR];
    if (err === ERR_TOO_LARGE) throw new CacheError('ERR_VALUE_TOO_LARGE', `${what}: the item is larger than this cache can hold`);
    if (err === ERR_NO_MEMORY) throw new CacheError('ERR_NO_MEMORY', `${what}: no room could be made`);
    throw new CacheError('ERR_NO_MEMORY', `${what} failed (core error ${err})`);
  }

  /**
   * Stores an encoded value under the key already in scratch. Returns the core's answer. With
   * `freshUntil` (fetch() with a stale window), the value is stored behind that time.
   */
  store(klen: number, enc: EncodedValue, expireAt: number, mode: number, now: number, freshUntil = 0): boolean {
    const prefix = freshUntil > 0 ? FRESH_BYTES : 0;
    const at = this.scratch + klen;
    const room = this.scratchBytes - klen;
    let vlen: number;
    let bytes = enc.bytes;
    let inScratch = false;
    let known = false;
    if (bytes === undefined) {
      const text = enc.text as string;
      // Long text: its length first, then one write straight into the item (below).
      vlen = this.views.knownLength(text);
      known = vlen >= 0;
      if (vlen === -1) vlen = this.views.writeText(text, at, Math.min(room, this.maxValueSize));
      if (vlen === ILL_FORMED) throw illFormedError('value', text);
      if (!known) {
        inScratch = vlen >= 0;
        if (!inScratch) {
          vlen = utf8Length(text);
          if (vlen <= this.maxValueSize) bytes = encodeText(text);
        }
      }
    } else vlen = bytes.length;
    if (vlen > this.maxValueSize) throw this.valueTooLarge(vlen);
    if (expireAt > 0) this.ttlSeen();
    const kind = prefix ? enc.kind | KIND_FRESH : enc.kind;
    const ptr = this.core.set(klen, vlen + prefix, kind, expireAt, mode, now) >>> 0;
    if (ptr === 0) {
      if (this.regs32[REG_ERROR] !== 0) this.fail('set');
      return false;
    }
    if (prefix) this.dv.setFloat64(ptr, freshUntil, true);
    if (known) this.views.writeKnown(enc.text as string, ptr + prefix, vlen);
    else if (inScratch) this.u8.copyWithin(ptr + prefix, at, at + vlen);
    else this.u8.set(bytes as Uint8Array, ptr + prefix);
    return true;
  }


  /** incr(): adds `by` to the integer stored under the key in scratch (0 if none), keeping its TTL and kind; returns the sum. */
  incr(klen: number, keyKind: number, by: number, now: number): number {
    const ptr = this.core.peek(klen, now) >>> 0;
    let current = 0;
    let kind = KIND_STRING | keyKind;
    if (ptr !== 0) {
      const bytes = this.bytesAt(ptr); // stored by fetch(): stored back plain
      current = parseInteger(bytes, 0, bytes.length);
      kind = (this.regs32[REG_KIND] & KIND_MASK) | keyKind;
    }
    const next = current + by;
    if (!Number.isSafeInteger(next)) {
      throw new CacheError('ERR_INCR_OVERFLOW', `incr() result ${current} + ${by} leaves the safe integer range (±2^53 - 1)`);
    }
    this.store(klen, { kind, text: String(next) }, 0, SET_KEEPTTL, now);
    return next;
  }

  /** Encodes `value` and stores it under `key` in key space `space` (fetch(): a loaded value). */
  storeValue(space: number, key: Key, value: unknown, expireAt: number, now: number, freshUntil: number): void {
    const enc = encodeValue(value);
    enc.kind |= this.keyKind(key) | space;
    this.store(this.keyOf(key), enc, expireAt, 0, now, freshUntil);
  }

  /** The stored bytes of the value the core just answered with (at `ptr`), past a fresh-until prefix. */
  bytesAt(ptr: number): Uint8Array {
    const skip = this.regs32[REG_KIND] & KIND_FRESH ? FRESH_BYTES : 0;
    return this.u8.subarray(ptr + skip, ptr + this.regs32[REG_VLEN]);
  }

  /** The value the core just answered with (its length and kind are in the registers), or undefined for 0. */
  valueAt(ptr: number): unknown {
    if (ptr === 0) return undefined;
    return decodeValue(this.views, ptr, this.regs32[REG_VLEN], this.regs32[REG_KIND]);
  }

  keyKind(key: Key): number {
    return typeof key === 'string' ? 0 : KEY_BYTES;
  }

  /** The key of the item core.scan() just reported. */
  scannedKey(): Key {
    const r = this.regs32;
    return r[REG_KIND] & KEY_BYTES ? this.views.readBytes(r[REG_KEY_PTR], r[REG_KLEN]) : this.views.readText(r[REG_KEY_PTR], r[REG_KLEN]);
  }

  /** The value of the item core.scan() (or randomItem) just reported. */
  scannedValue(): unknown {
    const r = this.regs32;
    return decodeValue(this.views, r[REG_VALUE_PTR], r[REG_VLEN], r[REG_KIND]);
  }

  /** The core's counters and gauges, and the hot tier's (the part of Cache.stats() the registers and the tier hold). */
  counters(hot: { hits: number; size: number; bytes: number } | undefined) {
    const s = this.stats64;
    // The counters of every lane (a shared cache's threads count in their own), the gauges from ours.
    const sum = (i: number) => {
      let n = s[i];
      for (const lane of this.otherLanes()) n += lane[i];
      return n;
    };
    return {
      hits: sum(STAT_HITS) + (hot?.hits ?? 0),
      hotHits: hot?.hits ?? 0,
      hotItems: hot?.size ?? 0,
      hotBytes: hot?.bytes ?? 0,
      misses: sum(STAT_MISSES),
      sets: sum(STAT_SETS),
      deletes: sum(STAT_DELETES),
      evictions: sum(STAT_EVICTIONS),
      expired: sum(STAT_EXPIRED),
      items: s[STAT_ITEMS],
      usedBytes: s[STAT_USED_BYTES],
    };
  }

  private lanes: Float64Array[] | undefined;

  /** The registers of the lanes other than this thread's (assembly/lanes.ts); none in an unshared cache. */
  private otherLanes(): Float64Array[] {
    if (this.lanes === undefined) {
      this.lanes = [];
      const own = this.stats64.byteOffset;
      for (let i = 0, at; (at = this.core.laneRegs(i) >>> 0) !== 0; i++) {
        if (at !== own) this.lanes.push(new Float64Array(this.u8.buffer, at, REGS_BYTES / 8));
      }
    }
    return this.lanes;
  }

  /** fetch(): the stored value for the key (a stale one too; with `force`, without touching the policy) and its fresh-until time. */
  readForFetch(space: number, key: Key, force: boolean, now: number): FetchRead {
    const klen = this.keyOf(key);
    const ptr = (force ? this.core.peek(klen, now, space) : this.core.getStale(klen, now, space)) >>> 0;
    if (ptr === 0) return { now, found: false, value: undefined, freshUntil: 0 };
    const flags = this.regs32[REG_KIND];
    const value = decodeValue(this.views, ptr, this.regs32[REG_VLEN], flags);
    return { now, found: true, value, freshUntil: flags & KIND_FRESH ? this.dv.getFloat64(ptr, true) : Infinity };
  }

  /** The sizes the cache settled on (Cache.layout()). */
  layout(): CacheLayout {
    const r = this.regs32;
    return {
      indexCapacity: r[REG_INDEX_CAPACITY],
      pageBytes: r[REG_PAGE_BYTES],
      pageCount: r[REG_PAGE_COUNT],
      fixedBytes: r[REG_FIXED_BYTES],
      itemHeaderBytes: r[REG_ITEM_OVERHEAD],
      ttlHeaderBytes: r[REG_TTL_OVERHEAD],
      maxKeySize: this.maxKeySize,
      maxValueSize: this.maxValueSize,
      memoryBytes: this.u8.buffer.byteLength,
      shards: 1,
    };
  }

  /** What the snapshot code (snapshot.ts) works on. */
  host(): SnapshotHost {
    return {
      core: this.core,
      u8: this.u8,
      dv: this.dv,
      regs32: this.regs32,
      stats64: this.stats64,
      scratch: this.scratch,
      scratchBytes: this.scratchBytes,
      maxKeySize: this.maxKeySize,
      maxValueSize: this.maxValueSize,
      text: (at, len) => this.views.readText(at, len),
    };
  }
}
