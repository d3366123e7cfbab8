// Counters of a NearCache, kept in one plain object so that the hot path only increments fields.

/** What {@link NearCache.stats} reports. Counters only grow; `localItems` is a gauge. */
export interface NearCacheStats {
  /** get() calls answered from the local Wasm cache. */
  localHits: number;
  /** get() calls that read Redis (a local miss, or a key the near-cache does not keep locally). */
  remoteReads: number;
  /** get() calls that joined a read of the same key already in flight instead of sending one. */
  coalesced: number;
  /** Remote replies (reads or writes) not kept locally because their key was invalidated, written or flushed while they were in flight. */
  discarded: number;
  /** set() and delete() calls written through to Redis. */
  writes: number;
  /** Keys named by invalidation pushes from Redis. */
  invalidations: number;
  /** Times the whole local cache was dropped: a null invalidation (FLUSHALL/FLUSHDB), a lost connection or an unanswered PING. */
  flushes: number;
  /** Times tracking was (re-)enabled on the connection: once at start, then after each recovery. */
  trackingEnabled: number;
  /** Items in the local cache now. */
  localItems: number;
}

/** A fresh set of counters, all zero. */
export function newStats(): NearCacheStats {
  return {
    localHits: 0,
    remoteReads: 0,
    coalesced: 0,
    discarded: 0,
    writes: 0,
    invalidations: 0,
    flushes: 0,
    trackingEnabled: 0,
    localItems: 0,
  };
}
