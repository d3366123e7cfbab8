// Memory: the budget is a hard bound, stored values survive any amount of churn byte-exact, and
// memory moves between size classes as the workload's sizes change (no slab calcification).
import { describe, expect, it } from 'vitest';
import { createCacheSync } from '../src/index.js';
import { prng } from './helpers/prng.js';
import { firstSizes, readTraceInterned } from './helpers/traces.js';

// Values are windows of one random pool: value i is POOL[start(i) .. start(i) + len(i)), so the
// test can check every byte without keeping a copy of what it stored.
const POOL = new Uint8Array(1 << 20);
{
  const r = prng(42);
  for (let i = 0; i < POOL.length; i++) POOL[i] = (r() * 256) | 0;
}
function mix(i: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
/** Sizes: mostly small, some medium, a few above a page (stored as runs or multi-page slabs). */
function lengthOf(i: number): number {
  const h = mix(i);
  const bucket = h % 100;
  if (bucket < 70) return h % 300;
  if (bucket < 95) return 300 + (h % 5000);
  return 5000 + (h % 60_000);
}
function valueOf(i: number): Uint8Array {
  const len = lengthOf(i);
  const start = mix(i * 7 + 1) % (POOL.length - len);
  return POOL.subarray(start, start + len);
}

describe('memory bound', () => {
  it('a million inserts of random sizes stay within 8 MiB and every stored value reads back exact', () => {
    const cache = createCacheSync({ maxMemory: '8mb' });
    const r = prng(7);
    const version = new Map<number, number>(); // key id -> value id last stored under it
    for (let n = 0; n < 1_000_000; n++) {
      const id = (r() * 300_000) | 0; // a key space of 300k ids, so keys are overwritten too
      cache.set(`key:${id}`, valueOf(n));
      version.set(id, n);
      if (n % 1000 === 0) expect(cache.layout().memoryBytes).toBeLessThanOrEqual(8 * 1024 * 1024);
      if (n % 100_000 === 0) expect(cache.checkInvariants()).toBe(0);
    }
    expect(cache.layout().memoryBytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    const stats = cache.stats();
    expect(stats.usedBytes).toBeLessThanOrEqual(stats.maxBytes);
    expect(stats.evictions).toBeGreaterThan(0);
    let checked = 0;
    for (const [key, value] of cache.entries()) {
      const id = Number((key as string).slice(4));
      const expected = valueOf(version.get(id) as number);
      expect(Buffer.from(value as Uint8Array).equals(expected), `value of ${key as string}`).toBe(true);
      checked++;
    }
    expect(checked).toBe(cache.size);
    expect(checked).toBeGreaterThan(1000);
    expect(cache.checkInvariants()).toBe(0);
  }, 120_000);
});

describe('no slab calcification', () => {
  /** Bytes of key and value payload stored after the cache has been turned over by `size`-byte values. */
  function fillWith(cache: ReturnType<typeof createCacheSync>, size: number, prefix: string): number {
    const value = new Uint8Array(size).fill(1);
    const rounds = Math.ceil((64 * 1024 * 1024) / size); // write the cache over several times
    for (let i = 0; i < rounds; i++) cache.set(`${prefix}${i}`, value);
    let payload = 0;
    for (const [key, v] of cache.entries()) payload += (key as string).length + (v as Uint8Array).length;
    return payload;
  }

  for (const policy of ['s3fifo', 'lru'] as const) {
    for (const [small, large] of [
      [100, 4096],
      [4096, 100],
      [40, 30_000],
      [30_000, 700],
    ]) {
      it(`${policy}: after ${small}-byte values, ${large}-byte values fill nearly the same bytes as in a fresh cache`, () => {
        const fresh = createCacheSync({ maxMemory: '8mb', policy });
        const baseline = fillWith(fresh, large, 'b');
        const cache = createCacheSync({ maxMemory: '8mb', policy });
        fillWith(cache, small, 'a');
        const after = fillWith(cache, large, 'b');
        expect(after).toBeGreaterThanOrEqual(baseline * 0.95);
        expect(cache.checkInvariants()).toBe(0);
        // The payload fills most of the slab memory (the budget less the index and tables): slab
        // rounding and per-class spare chunks waste little.
        const layout = fresh.layout();
        const slabBytes = layout.memoryBytes - layout.fixedBytes;
        expect(baseline).toBeGreaterThan(slabBytes * (large >= 1000 ? 0.85 : 0.6));
      }, 60_000);
    }
  }
});

describe('large items do not strand free pages', () => {
  // Items above the largest class take runs of contiguous pages. Evicting scatters free pages;
  // the cache moves runs and slabs aside to join them rather than evicting more items, so under
  // a steady churn of mixed large sizes the stored payload keeps filling the slab pages.
  it('adaptsize-request at 1% of its bytes: the payload fills 83% of the slab pages on average, never under 70%', () => {
    const trace = readTraceInterned('adaptsize-request.txt.gz');
    const sizeOf = firstSizes(trace);
    const unique = sizeOf.reduce((sum, size) => sum + size, 0);
    const cache = createCacheSync({ maxMemory: Math.floor(unique / 100) });
    const layout = cache.layout();
    const slabBytes = layout.pageCount * layout.pageBytes;
    const buf = new Uint8Array(layout.maxValueSize).fill(7);
    let lowest = 1;
    let sum = 0;
    let samples = 0;
    for (let i = 0; i < trace.ids.length; i++) {
      const id = trace.ids[i];
      const key = trace.keys[id];
      if (cache.get(key) === undefined && sizeOf[id] <= layout.maxValueSize) cache.set(key, buf.subarray(0, sizeOf[id]));
      if (i % 5000 === 4999) {
        let payload = 0;
        for (const [k, v] of cache.entries()) payload += (k as string).length + (v as Uint8Array).length;
        lowest = Math.min(lowest, payload / slabBytes);
        sum += payload / slabBytes;
        samples++;
      }
    }
    expect(cache.checkInvariants()).toBe(0);
    // Before runs could move, the average was 0.75-0.78 and the lowest 0.58-0.61: up to 13% of the
    // pages sat free in gaps too short for the next large item while the policy evicted more. Now
    // 0.86-0.87 on average; the lowest (0.74-0.85) depends on the hash seed: a sample may fall
    // just after one of the trace's largest objects (up to a quarter of the pages) was evicted.
    expect(sum / samples).toBeGreaterThan(0.83);
    expect(lowest).toBeGreaterThan(0.7);
  }, 60_000);
});

describe('tables that follow the items', () => {
  it('the index grows for many small items and gives its pages back when large items replace them', () => {
    const cache = createCacheSync({ maxMemory: '16mb', policy: 'lru' });
    const start = cache.layout().fixedBytes;
    // Small items: more than the tables' first capacity, so they must grow (and be rebuilt) on the way.
    for (let i = 0; i < 60_000; i++) cache.set(`s${i}`, `v${i}`);
    expect(cache.size).toBe(60_000);
    for (let i = 0; i < 60_000; i += 997) expect(cache.get(`s${i}`)).toBe(`v${i}`);
    const grown = cache.layout().fixedBytes;
    expect(grown).toBeGreaterThan(start);
    expect(cache.checkInvariants()).toBe(0);
    // Items with a TTL are found again by the expiry heap after a rebuild.
    for (let i = 0; i < 2000; i++) cache.set(`t${i}`, 'x', { ttl: 60_000 });
    for (let i = 60_000; i < 120_000; i++) cache.set(`s${i}`, `v${i}`);
    expect(cache.ttl('t1999')).toBeGreaterThan(0);
    expect(cache.checkInvariants()).toBe(0);
    // Large values: the small items go, and the tables shrink rather than keep their room.
    const big = new Uint8Array(8000).fill(7);
    for (let i = 0; i < 4000; i++) cache.set(`b${i}`, big);
    expect(cache.layout().fixedBytes).toBeLessThan(grown);
    expect(cache.get('b3999')).toEqual(big);
    expect(cache.checkInvariants()).toBe(0);
  });

  it('with maxEntries the expiry heap starts small and grows in place in a full cache, keeping every TTL in order', () => {
    const clock = { now: 1_000_000 };
    const cache = createCacheSync({ maxMemory: '2mb', maxEntries: 30_000, activeExpiry: false, now: () => clock.now });
    const start = cache.layout().fixedBytes;
    // Fill the pages first, so that the heap's growth must move or evict items to take its pages.
    for (let i = 0; i < 30_000; i++) cache.set(`p${i}`, 'x'.repeat(40));
    expect(cache.stats().evictions).toBeGreaterThan(0);
    // Far more TTL items than the heap's first 1024 entries; TTLs not in insertion order.
    const ttlOf = (i: number) => 10_000 + ((i * 7919) % 20_000);
    for (let i = 0; i < 8000; i++) cache.set(`t${i}`, 'y', { ttl: ttlOf(i) });
    expect(cache.checkInvariants()).toBe(0);
    expect(cache.layout().fixedBytes).toBeGreaterThan(start);
    const alive: number[] = [];
    for (let i = 0; i < 8000; i++) {
      if (!cache.has(`t${i}`)) continue;
      alive.push(i);
      expect(cache.ttl(`t${i}`)).toBe(ttlOf(i));
    }
    expect(alive.length).toBeGreaterThan(4000);
    // The heap hands the items back soonest deadline first: at each step the removal pass (run by
    // `size`) takes exactly the items past their time, and the stored count says so.
    const items = cache.stats().items;
    for (const t of [12_000, 18_000, 25_000, 31_000]) {
      clock.now = 1_000_000 + t;
      const gone = alive.filter((i) => ttlOf(i) < t).length;
      expect(cache.size).toBe(items - gone);
      expect(cache.stats().items).toBe(items - gone);
      for (const i of alive) expect(cache.has(`t${i}`)).toBe(ttlOf(i) >= t);
      expect(cache.checkInvariants()).toBe(0);
    }
  });
});
