// The plain types of the Cache API: set()'s options, stats(), layout().
import type { FetchStats } from './fetch.js';
import type { Policy } from './options.js';

/** Options of {@link Cache.set}. */
export interface SetOptions {
  /** Time to live in ms; 0 = no expiry. Default: the cache's defaultTtl. */
  ttl?: number;
  /** Only set if the key does not exist (Redis NX). */
  nx?: boolean;
  /** Only set if the key exists (Redis XX). */
  xx?: boolean;
  /** Keep the existing item's expiry time (Redis KEEPTTL). Cannot be combined with ttl. */
  keepTtl?: boolean;
}

/** Counters and gauges returned by {@link Cache.stats} (fetch()'s counters included). */
export interface CacheStats extends FetchStats {
  /** Reads (get, mget) that found a live item. */
  hits: number;
  /** Reads that found nothing (or only an expired item). */
  misses: number;
  /** Items stored by set, mset and incr. */
  sets: number;
  /** Items removed by delete(). */
  deletes: number;
  /** Live items removed to make room (memory or maxEntries). */
  evictions: number;
  /** Items removed because their TTL had passed. */
  expired: number;
  /** Items stored now (expired items not yet removed included; `size` excludes them). */
  items: number;
  /** Bytes in use: the fixed index and metadata plus the slab chunks of stored items. */
  usedBytes: number;
  /** The memory budget: maxMemory rounded down to 64 KiB pages. */
  maxBytes: number;
  /** The eviction policy. */
  policy: Policy;
  /** Hits (counted in `hits` too) served by the hot tier, without a call into Wasm. */
  hotHits: number;
  /** Values the hot tier keeps decoded now. */
  hotItems: number;
  /** Estimated JS heap bytes of those values (not counted in usedBytes, which is Wasm memory). */
  hotBytes: number;
}

/** Sizes the cache settled on, for capacity planning and tests. */
export interface CacheLayout {
  /** Items the index can hold (maxEntries if given, else sized from maxMemory). */
  indexCapacity: number;
  /** Slab page size in bytes. */
  pageBytes: number;
  /** Number of slab pages. */
  pageCount: number;
  /** Bytes that are not slab pages: registers, scratch, class and page tables below them; expiry heap, index and ghost above. */
  fixedBytes: number;
  /** Item header bytes (per item, excluding key and value). */
  itemHeaderBytes: number;
  /** Extra header bytes of an item that has an expiry time. */
  ttlHeaderBytes: number;
  /** Longest key in bytes. */
  maxKeySize: number;
  /** Longest value in bytes. */
  maxValueSize: number;
  /** Current byte length of the Wasm memory (fixed at creation: it never grows); of all shards' memories, for a shared cache. */
  memoryBytes: number;
  /** Shards of a shared cache (each with its own memory, lock and eviction; the sizes above are summed over them); 1 otherwise. */
  shards: number;
}

/**
 * @internal Arguments as the RESP parser holds them (src/server/resp.ts Command): argument i is the
 * bytes `data[start[i] .. end[i])`, read in place with no view or string per argument.
 */
export interface ByteArgs {
  readonly data: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
}

/** @internal Where Cache.getArg() sends what it found: a value as a range of the cache's memory (copy it before the next call), or nothing. */
export interface ValueSink {
  value(memory: Uint8Array, start: number, end: number): void;
  missing(): void;
}
