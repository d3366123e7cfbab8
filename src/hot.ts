// The hot tier: decoded values of the most-read entries, kept on the JS side in front of the core,
// which stays the store of record. A hit here is a Map lookup (no key encoding, no Wasm call, no
// UTF-8 decode or JSON.parse). Coherence: the core reports every change to a kept item, whoever
// caused it (a write, a delete, a new expiry time, an eviction, an expiry, a slab move), through a
// ring of item addresses (assembly/hot.ts) drained before every read of the tier; clear() and
// load() drop everything.
// Admission is the core's (a second hit); hits served here are replayed to the core's policy in
// batches, before anything else reaches the policy when the order matters (LRU). JSON values are
// deep-frozen when admitted, so no caller can change what a later get returns.
// Where it would not pay (few of its lookups hit, or strings in a cache far larger than the tier),
// most gets bypass it (endWindow; for strings, no get looks: parked); the ring keeps it coherent all the same. Strings and JSON
// only: a byte value must be copied out on every get anyway (a typed array cannot be frozen),
// which costs what the core's read costs, so the core never offers one.

import {
  HOT_RING_ENTRIES, KIND_JSON, KIND_MASK, REG_EXPIRE_AT, REG_HOT_ITEM, REG_HOT_RING_LEN, REG_HOT_RING_PTR, REG_KIND, REG_VLEN, STAT_EVICTIONS, STAT_ITEMS,
} from '../assembly/abi.js';
import type { Seam } from './seam.js';

// An entry is a slot: its fields are arrays indexed by the slot (struct of arrays), so a hit reads
// the Map's slot number and a few dense arrays, as lru-cache does, rather than an object per entry
// somewhere on the heap (1e4 entries, Zipf, keys built per op, `npm run bench:sizes`: lru-cache /
// wasmcache 0.88 -> 0.98 for strings, 0.83 -> 0.91 for objects; docs/architecture.md).
//
//   slot s   keys[s]  values[s]  expAt[s]  addrs[s]  sizes[s]  flags[s]  touches[s]  seen[s]  gens[s]
//            string   value      ms|0      item|0    heap B    TEXT|REF|TOUCHED      epoch    reuses
//
// addrs[s] === 0: the slot is free. gens[s] counts its reuses, so a queued touch of a slot freed
// since (and maybe reused) is dropped rather than replayed to another item.

/** A string (not a JSON value). */
const TEXT = 1;
/** Read since the tier's clock hand last passed it (second chance). */
const REF = 2;
/** Already in the touch batch. */
const TOUCHED = 4;
/** Slots the arrays start with; they double as the tier fills. */
const FIRST_SLOTS = 1024;

/**
 * While the tier is full, the core offers one candidate in 2^ADMIT_SHIFT: each admission then costs
 * an eviction, and when reads are spread evenly the newcomer is no hotter than what it replaces
 * (measured: admitting every candidate made gets 2.3x slower at 1e5 uniform strings, 16k kept).
 * Keys read often still get in soon: after 2^ADMIT_SHIFT core reads on average.
 */
const ADMIT_SHIFT = 3;
/** Entries the clock hand looks at for a victim before it refuses a newcomer. */
const CLOCK_STEPS = 8;
/** Touches replayed to the core in one call. */
export const TOUCH_BATCH = 256;
/**
 * Heap cost of an entry beyond its value: its key, its places in two Maps and its slot in the arrays.
 * Measured with an object per entry: 16,384 kept 100-char strings took 6.8 MiB of heap, 435 B each
 * (`npm run bench:memory`); slots take less, so this stays an upper estimate.
 */
const ENTRY_OVERHEAD = 300;
/** Gets per window of the adaptive switch (see endWindow). */
export const WINDOW = 4096;
/** While bypassed, one get in SAMPLE_MASK + 1 still looks in the tier (it measures the hit ratio the tier would have). */
export const SAMPLE_MASK = 15;
/**
 * Bypassed below this hit ratio of the tier's lookups, used again at USE_ABOVE; judged only once
 * the tier is full (while it fills, its ratio says nothing). Measured at 1e5 entries, 16k kept:
 * uniform reads (0.16) made gets 1.5-2x slower with the tier than without; Zipf 0.99 (0.8) made
 * object gets 2x faster and string gets about even; at 1e6, Zipf (0.6-0.7) still pays for objects.
 */
const BYPASS_BELOW = 0.3;
/**
 * A tier of mostly strings is bypassed too, and keeps at most STRINGS_TIER values, when the core
 * holds more than STRINGS_FAR_BEYOND times that: a string costs the core little to decode (a UTF-8
 * copy), and once the reads reach that far beyond the tier its Map lookups miss the CPU caches as
 * the core's do. Measured with keys built per op, Zipf 0.99, 16k kept: 1e5 entries 455 ns with the
 * tier vs 368 without; 1e6 entries 676 vs 565; 1e4 entries (all kept) even; 2026-12-04, 1e6
 * entries: 398 ns without, 470 with 16k kept, 515 with 131k. Objects (JSON.parse on every core
 * read) gain from a tier that holds them all: 1e5 entries, uniform, 614 ns with 131k kept vs 1.64 us
 * with 16k (lru-cache 867); Zipf 358 ns with 64k vs 572 with 16k (lru-cache 409).
 */
const STRINGS_FAR_BEYOND = 4;
const STRINGS_TIER = 16_384;
const USE_ABOVE = 0.4;
/** The core's throttle while bypassed: one candidate in 2^BYPASS_SHIFT, so that what is kept still follows the reads. */
const BYPASS_SHIFT = 5;
/**
 * Parked (bypassed for strings far beyond the tier, whatever its hit ratio): no get looks here and
 * the core offers one candidate in 2^PARKED_SHIFT (enough for the share of strings kept to follow
 * the values read). Measured at 1e6 entries, Zipf, keys built per op, one process: gets with the tier
 * bypassed (sampled lookups, a Map out of the CPU caches, and admissions) took 1.11-1.15x those
 * without a tier; parked, 1.02-1.05x.
 */
const PARKED_SHIFT = 10;

/** What the tier needs from the core: its replay and release calls and the ring. */
export interface HotCore {
  hotTouch(n: number): void;
  hotRelease(it: number): void;
  hotReleaseAll(): void;
  hotThrottle(shift: number): void;
  hotDrained(): void;
}

export class HotTier {
  /** Kept keys and their slots. */
  readonly byKey = new Map<string, number>();
  private readonly byAddr = new Map<number, number>();
  private readonly keys: (string | undefined)[] = [];
  /** A string, or a deep-frozen JSON value (byte values are never kept). */
  readonly values: unknown[] = [];
  /** Expiry time in ms (0: none); expired once the clock has passed it, as in the core. */
  expAt = new Float64Array(FIRST_SLOTS);
  private addrs = new Uint32Array(FIRST_SLOTS);
  /** Estimated heap bytes. */
  private sizes = new Float64Array(FIRST_SLOTS);
  private flags = new Uint8Array(FIRST_SLOTS);
  /** Touches replayed since the core's evictions counter was `seen` (see hit). */
  private touches = new Uint8Array(FIRST_SLOTS);
  private seen = new Int32Array(FIRST_SLOTS);
  private gens = new Uint32Array(FIRST_SLOTS);
  /** Hits queued for the policy: slots, and their gens then. */
  private readonly batch = new Int32Array(TOUCH_BATCH);
  private readonly batchGens = new Uint32Array(TOUCH_BATCH);
  private queued = 0;
  /** The clock: slots 0 to `slots` - 1 (free or not), and the free ones. */
  private slots = 0;
  private readonly freeSlots: number[] = [];
  private hand = 0;
  /** The entries it keeps now: maxEntries, or STRINGS_TIER while it holds strings of a far larger cache. */
  private cap: number;
  /** The core offers fewer candidates (ADMIT_SHIFT): set once the tier is full, until dropAll. */
  private throttled = false;
  private heapBytes = 0;
  /** Kept strings (the others are JSON values). */
  private texts = 0;
  /** Gets served by the tier. */
  hits = 0;
  /**
   * Most gets go straight to the core, without a lookup here: too few of the last window's lookups
   * were hits (a tier miss costs a Map lookup and, in time, an admission). Kept values stay coherent (drain).
   */
  bypass = false;
  /** Bypassed for strings far beyond the tier (see PARKED_SHIFT): no get samples the tier. */
  private parked = false;
  /** While bypassed: gets left in the current window. */
  private left = WINDOW;
  /** While used: lookups that missed in the current window (its hits are counted by `hits`). */
  private misses = 0;
  /** Hits at the window's start. */
  private hitsAt = 0;

  constructor(
    private readonly core: HotCore,
    private readonly ring: Uint32Array,
    private readonly ringLen: Uint32Array,
    private readonly ringLenIndex: number,
    readonly maxEntries: number,
    readonly maxBytes: number,
    /** Replay every hit in order (LRU), rather than each kept value once per batch. */
    readonly exact: boolean,
    /** Let endWindow bypass the tier while its lookups mostly miss. */
    readonly adaptive: boolean,
    /** The core's evictions counter (an f64 register): the policy's bits only drop when it moves. */
    private readonly epochs: Float64Array,
    private readonly epochIndex: number,
    /** The core's item count (in the same registers). */
    private readonly itemsIndex: number,
  ) {
    this.cap = maxEntries;
  }

  /** The tier of a cache whose core and registers these are, over the core's hot ring. */
  static over(
    core: HotCore,
    memory: WebAssembly.Memory,
    regs32: Uint32Array,
    stats64: Float64Array,
    budget: { maxEntries: number; maxBytes: number; adaptive: boolean },
    exact: boolean,
  ): HotTier {
    const ring = new Uint32Array(memory.buffer, regs32[REG_HOT_RING_PTR], HOT_RING_ENTRIES);
    return new HotTier(core, ring, regs32, REG_HOT_RING_LEN, budget.maxEntries, budget.maxBytes, exact, budget.adaptive, stats64, STAT_EVICTIONS, STAT_ITEMS);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** LRU: the hits served here reach the policy before a read in the core does (their order is its state). */
  beforeRead(): void {
    if (this.exact && this.pending !== 0) this.flush();
  }

  /** Before a call that may evict: the policy hears of the hits served here first. */
  beforeWrite(): void {
    if (this.pending !== 0) this.flush();
  }

  /** Estimated heap bytes of the kept values and their entries. */
  get bytes(): number {
    return this.heapBytes;
  }

  /** True if the core has reported nothing since the last drain (the kept values are all current). */
  clean(): boolean {
    return this.ringLen[this.ringLenIndex] === 0;
  }

  /** Drops what the core reported removed or moved. Cheap when it reported nothing. */
  drain(): void {
    const n = this.ringLen[this.ringLenIndex];
    if (n === 0) return;
    if (n > HOT_RING_ENTRIES) {
      // Which addresses are stale is unknown: the core clears every item's flag.
      this.dropAll();
      this.core.hotReleaseAll();
    }
    else {
      for (let i = 0; i < n; i++) {
        const s = this.byAddr.get(this.ring[i]);
        if (s !== undefined) this.unlink(s);
      }
    }
    this.core.hotDrained();
  }

  /** While bypassed, a get: true if it is one of those that still look here (they measure the ratio). */
  sampled(): boolean {
    if (--this.left === 0) this.endWindow();
    return (this.left & SAMPLE_MASK) === 0 && !this.parked;
  }

  /**
   * While used, a lookup that missed. A hit costs no window bookkeeping: the window is closed by a
   * miss (one that holds only hits needs no decision).
   */
  missed(): void {
    if (++this.misses + (this.hits - this.hitsAt) >= WINDOW) this.endWindow();
  }

  /**
   * The end of a window of WINDOW lookups (or, while bypassed, gets): a full tier is bypassed while
   * fewer than BYPASS_BELOW of its lookups hit, and used again once the sampled lookups of a
   * bypassed window hit USE_ABOVE.
   */
  endWindow(): void {
    // While bypassed, one get in SAMPLE_MASK + 1 looked in the tier (none while parked, when the ratio is not used).
    const lookups = this.bypass ? WINDOW / (SAMPLE_MASK + 1) : this.misses + (this.hits - this.hitsAt);
    const ratio = (this.hits - this.hitsAt) / lookups;
    this.left = WINDOW;
    this.misses = 0;
    this.hitsAt = this.hits;
    if (!this.adaptive) return;
    const stringsCap = Math.min(this.maxEntries, STRINGS_TIER);
    const strings = 2 * this.texts > this.byKey.size && this.epochs[this.itemsIndex] > STRINGS_FAR_BEYOND * stringsCap;
    this.cap = strings ? stringsCap : this.maxEntries;
    while (this.byKey.size > this.cap) this.evictOne(); // each call evicts one, or clears the read bits it passes
    if (!this.throttled) {
      if (this.bypass) this.setBypass(false, false); // emptied (clear, load, ring overflow): filling again
      return;
    }
    // Unparked, a tier starts bypassed: the next window's samples say whether it pays.
    const off = strings || this.parked || (this.bypass ? ratio < USE_ABOVE : ratio < BYPASS_BELOW);
    if (off !== this.bypass || strings !== this.parked) this.setBypass(off, strings);
  }

  private setBypass(on: boolean, parked: boolean): void {
    this.bypass = on;
    this.parked = parked;
    this.core.hotThrottle(parked ? PARKED_SHIFT : on ? BYPASS_SHIFT : this.throttled ? ADMIT_SHIFT : 0);
  }

  /** Hits queued for the policy. */
  get pending(): number {
    return this.queued;
  }

  /**
   * A hit served by the tier on slot `s`: counted, and queued for the policy: every hit, in order,
   * for LRU (`exact`, whose order is its state), else once per batch (S3-FIFO and SIEVE keep a
   * frequency or a visited bit, which one touch per batch of hits sets).
   */
  hit(s: number): void {
    this.hits++;
    const flags = this.flags;
    const f = flags[s];
    if ((f & REF) === 0) flags[s] = f | REF; // no store (and no dirty cache line) when already set
    if ((f & TOUCHED) !== 0) return;
    if (!this.exact) {
      // S3-FIFO's frequency saturates at 3 touches and SIEVE's bit at 1; only the eviction scan
      // lowers them, so once an entry has had 3 touches, more wait until the core has evicted.
      // (The counter's low 32 bits: compared as an int, without a heap number.)
      const epoch = this.epochs[this.epochIndex] | 0;
      if (this.seen[s] !== epoch) {
        this.seen[s] = epoch;
        this.touches[s] = 0;
      } else if (this.touches[s] >= 3) return;
      this.touches[s]++;
      flags[s] = f | REF | TOUCHED;
    }
    const q = this.queued;
    this.batch[q] = s;
    this.batchGens[q] = this.gens[s];
    this.queued = q + 1;
    if (q + 1 === TOUCH_BATCH) this.flush();
  }

  /** Replays the queued hits to the core's policy. */
  flush(): void {
    const q = this.queued;
    if (q === 0) return;
    this.drain(); // the addresses must still be the items'
    // Into the ring, empty now: the core reads the addresses from there.
    let n = 0;
    const out = this.ring;
    for (let i = 0; i < q; i++) {
      const s = this.batch[i];
      if (this.gens[s] !== this.batchGens[i]) continue; // freed since
      this.flags[s] &= ~TOUCHED;
      out[n++] = this.addrs[s];
    }
    this.queued = 0;
    if (n !== 0) this.core.hotTouch(n);
  }

  /**
   * The value of a core get that found the item at `ptr` (key still in the scratch region, `klen`
   * bytes), kept if the core offered it. The key kept is decoded flat from the scratch region: the
   * caller's may be a rope ('user:' + id), which every later lookup's comparison would walk through
   * (measured: 13% slower gets at 1e4 entries, Zipf, keys built per op).
   */
  answer(seam: Seam, klen: number, ptr: number): unknown {
    const value = seam.valueAt(ptr);
    const r = seam.regs32;
    const it = r[REG_HOT_ITEM];
    if (it === 0) return value;
    this.drain();
    return this.admit(seam.views.flatText(seam.scratch, klen), it, value, seam.stats64[REG_EXPIRE_AT], r[REG_KIND] & KIND_MASK, r[REG_VLEN]);
  }

  /** Keeps `value`, the decoded value of the item at `addr` (the core asked for it on a get). */
  admit(key: string, addr: number, value: unknown, exp: number, kind: number, vlen: number): unknown {
    const old = this.byKey.get(key);
    if (old !== undefined) this.unlink(old);
    if (kind === KIND_JSON) deepFreeze(value);
    // A string's characters take about their UTF-8 bytes; a parsed JSON value about three times its text.
    const bytes = ENTRY_OVERHEAD + (kind === KIND_JSON ? 3 * vlen : vlen + 16);
    // Full: the clock evicts an entry not read since it last passed it (CLOCK, second chance); if
    // the next CLOCK_STEPS entries were all read, the newcomer is not kept (no churn when the
    // tier already holds values read more often). Either item may be promoted again later.
    while (this.byKey.size >= this.cap || this.heapBytes + bytes > this.maxBytes) {
      if (!this.throttled) {
        this.throttled = true;
        if (!this.bypass) this.core.hotThrottle(ADMIT_SHIFT);
      }
      if (this.byKey.size === 0 || !this.evictOne()) {
        this.core.hotRelease(addr);
        return value;
      }
    }
    const s = this.freeSlots.length !== 0 ? (this.freeSlots.pop() as number) : this.newSlot();
    const text = kind !== KIND_JSON;
    this.keys[s] = key;
    this.values[s] = value;
    this.expAt[s] = exp;
    this.addrs[s] = addr;
    this.sizes[s] = bytes;
    this.flags[s] = text ? TEXT : 0;
    this.touches[s] = 0;
    this.seen[s] = -1;
    this.byKey.set(key, s);
    this.byAddr.set(addr, s);
    this.heapBytes += bytes;
    if (text) this.texts++;
    return value;
  }

  /** A slot never used since the last dropAll (the arrays double when full). */
  private newSlot(): number {
    if (this.slots === this.addrs.length) {
      const n = 2 * this.slots;
      this.expAt = grown(this.expAt, new Float64Array(n));
      this.addrs = grown(this.addrs, new Uint32Array(n));
      this.sizes = grown(this.sizes, new Float64Array(n));
      this.flags = grown(this.flags, new Uint8Array(n));
      this.touches = grown(this.touches, new Uint8Array(n));
      this.seen = grown(this.seen, new Int32Array(n));
      this.gens = grown(this.gens, new Uint32Array(n));
    }
    return this.slots++;
  }

  /** Evicts the first entry on the clock not read since the hand last passed; false if none in CLOCK_STEPS. */
  private evictOne(): boolean {
    const flags = this.flags;
    for (let steps = 0; steps < CLOCK_STEPS; ) {
      if (this.hand >= this.slots) this.hand = 0;
      const s = this.hand++;
      if (this.addrs[s] === 0) continue; // free
      steps++;
      const f = flags[s];
      if ((f & REF) !== 0) {
        flags[s] = f & ~REF;
        continue;
      }
      this.core.hotRelease(this.addrs[s]);
      this.unlink(s);
      return true;
    }
    return false;
  }

  /** The caller wrote or removed `key` in the core: its kept value is gone. */
  drop(key: string): void {
    const s = this.byKey.get(key);
    if (s !== undefined) this.unlink(s);
  }

  /** Slot `s` found expired on read: the core removes its item on its next look at the key. */
  expired(s: number): void {
    this.core.hotRelease(this.addrs[s]);
    this.unlink(s);
  }

  dropAll(): void {
    this.queued = 0;
    // Every slot's fields are set again when it is used again.
    this.keys.length = 0;
    this.values.length = 0;
    this.slots = 0;
    this.freeSlots.length = 0;
    this.hand = 0;
    if (this.throttled) {
      this.throttled = false;
      if (!this.bypass) this.core.hotThrottle(0);
    }
    this.byKey.clear();
    this.byAddr.clear();
    this.heapBytes = 0;
    this.texts = 0;
  }

  private unlink(s: number): void {
    this.byKey.delete(this.keys[s] as string);
    this.byAddr.delete(this.addrs[s]);
    this.heapBytes -= this.sizes[s];
    if ((this.flags[s] & TEXT) !== 0) this.texts--;
    this.keys[s] = undefined;
    this.values[s] = undefined;
    this.addrs[s] = 0;
    this.flags[s] = 0;
    this.gens[s]++;
    this.freeSlots.push(s);
  }
}

/** `to` (longer) holding `from`'s elements first. */
function grown<T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

/** Freezes a JSON value and everything in it, so a caller's mutation throws (strict mode) or does nothing. */
function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const k in v as Record<string, unknown>) deepFreeze((v as Record<string, unknown>)[k]);
}
