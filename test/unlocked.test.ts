// Gets without the lock in a shared cache (src/unlocked.ts, assembly/unlocked.ts, assembly/seqlock.ts),
// in one thread: the threads that race them are in test/threads.test.ts. Here: what such a read
// leaves for the policy, the retry when a writer is in, and who gets a lane of its own.
import { describe, expect, it } from 'vitest';
import { READ_RETRY } from '../assembly/abi.js';
import { attachCache, createCache } from '../src/index.js';

/** The one shard's Cache of a sharded (shards: 1) cache: its seam and lock, for tests. */
const shard = (cache: unknown) => (cache as { shards: { seam: any; sharing: any }[] }).shards[0];

describe('gets without the lock', () => {
  for (const policy of ['lru', 'sieve', 's3fifo'] as const) {
    it(`hits reach the policy when the lock is next taken (${policy}): a read key survives the eviction a write causes`, async () => {
      const cache = await createCache({ maxMemory: '8mb', shared: true, maxEntries: 64, policy });
      expect(shard(cache).seam.ownLane).toBe(0); // the creating thread reads without the lock
      for (let i = 0; i < 64; i++) cache.set(`k${i}`, 'v');
      // Read the first half, then write new keys: each eviction must spare what was read.
      for (let i = 0; i < 32; i++) expect(cache.get(`k${i}`)).toBe('v');
      for (let i = 0; i < 16; i++) cache.set(`new${i}`, 'v');
      const kept = Array.from({ length: 32 }, (_, i) => cache.has(`k${i}`)).filter(Boolean).length;
      expect(kept).toBe(32);
      expect(cache.stats().hits).toBe(32);
      cache.dispose();
    });
  }

  it('more reads than the touch buffer holds: the read that finds it full takes the lock, which replays it; every hit counted once', async () => {
    const cache = await createCache({ maxMemory: '8mb', shared: true });
    cache.set('a', 'x');
    for (let i = 0; i < 1000; i++) expect(cache.get('a')).toBe('x');
    expect(cache.get('missing')).toBeUndefined();
    const s = cache.stats();
    expect([s.hits, s.misses]).toEqual([1000, 1]);
    expect(cache.checkInvariants()).toBe(0);
    cache.dispose();
  });

  it('a read while a writer is in says retry, and is answered once the writer left', async () => {
    const cache = await createCache({ maxMemory: '8mb', shared: true, lockTimeoutMs: 200 });
    cache.set('a', 'x');
    const { seam, sharing } = shard(cache);
    const i32 = new Int32Array(seam.u8.buffer);
    const seq = seam.core.seqAddr() >>> 2;
    const klen = seam.keyOf('a');
    Atomics.add(i32, seq, 1); // a writer marks the cache
    expect(seam.core.readUnlocked(klen, 0) >>> 0).toBe(READ_RETRY);
    expect(seam.core.retryWord() >>> 2).toBe(seq);
    Atomics.add(i32, seq, 1); // and leaves
    expect(seam.core.readUnlocked(klen, 0) >>> 0).toBeGreaterThan(READ_RETRY);
    expect(seam.valueAt(seam.core.readUnlocked(klen, 0) >>> 0)).toBe('x');
    // A writer that stays: get() goes to the lock, which times out rather than hang.
    Atomics.add(i32, seq, 1);
    Atomics.add(i32, sharing.lock.at, 1);
    expect(() => cache.get('a')).toThrow(/stayed locked/);
    Atomics.add(i32, seq, 1);
    Atomics.add(i32, sharing.lock.at, 1);
    expect(cache.get('a')).toBe('x');
    cache.dispose();
  }, 30_000);

  it('lanes: each instance that attaches takes a free one, the last is shared, dispose() frees one', async () => {
    const cache = await createCache({ maxMemory: '64mb', shared: true });
    const lanes: number = shard(cache).seam.core.lanes();
    expect(lanes).toBe(8);
    const attached = await Promise.all(Array.from({ length: lanes }, () => attachCache(cache.handle)));
    const own = attached.map((c) => shard(c).seam.ownLane);
    expect(own).toEqual([1, 2, 3, 4, 5, 6, -1, -1]); // lane 7 is the shared one
    attached[2].dispose();
    const again = await attachCache(cache.handle);
    expect(shard(again).seam.ownLane).toBe(3);
    // Threads in the shared lane take the lock for every call, and see the same items.
    attached[7].set('k', 'v');
    expect(attached[6].get('k')).toBe('v');
    expect(again.get('k')).toBe('v');
    for (const c of [...attached, again]) c.dispose();
    cache.dispose();
  });
});
