// The hot tier (src/hot.ts): decoded values of often-read keys kept in front of the core. What a get
// returns must be exactly what the core would return: after any write, delete, expiry, eviction,
// clear or load of the key; and what a caller does to a returned object must not reach later gets.
// The model runs in model.test.ts ('the hot tier, small, with every policy') cover random mixes.
import { describe, expect, it } from 'vitest';
import { HOT_RING_ENTRIES, KIND_JSON } from '../assembly/abi.js';
import { HotTier } from '../src/hot.js';
import { CacheError, createCacheSync } from '../src/index.js';

const readTwice = (c: ReturnType<typeof createCacheSync>, key: string) => {
  c.get(key);
  return c.get(key);
};

describe('hot tier', () => {
  it('keeps a value on its second read, serves later reads from the JS heap, and counts them as hits', () => {
    const c = createCacheSync({ maxMemory: '4mb' });
    c.set('a', { n: 1, tags: ['x'] });
    c.get('a');
    expect(c.stats().hotItems).toBe(0); // read once: not kept
    c.get('a'); // read twice: kept
    expect(c.stats().hotItems).toBe(1);
    expect(c.get('a')).toEqual({ n: 1, tags: ['x'] });
    expect(c.get('a')).toBe(c.get('a')); // the same decoded object
    const s = c.stats();
    expect(s.hits).toBe(5);
    expect(s.hotHits).toBe(3);
    expect(s.hotBytes).toBeGreaterThan(0);
    // usedBytes is the Wasm memory in use: the tier's heap is not in it.
    const off = createCacheSync({ maxMemory: '4mb', hotTier: false });
    off.set('a', { n: 1, tags: ['x'] });
    expect(s.usedBytes).toBe(off.stats().usedBytes);
  });

  it('a one-pass scan over many keys fills nothing (admission by frequency)', () => {
    const c = createCacheSync({ maxMemory: '8mb' });
    for (let i = 0; i < 5000; i++) c.set(`k${i}`, i);
    for (let i = 0; i < 5000; i++) c.get(`k${i}`);
    expect(c.stats().hotItems).toBe(0);
  });

  it('returned objects are frozen: a caller cannot change what later gets return', () => {
    const c = createCacheSync({ maxMemory: '4mb' });
    c.set('row', { id: 7, tags: ['a', 'b'], nested: { deep: [1, 2] } });
    const first = c.get('row') as { id: number; tags: string[] }; // from the core: a fresh copy
    first.id = 99;
    first.tags.push('mutated');
    const kept = readTwice(c, 'row') as { id: number; tags: string[]; nested: { deep: number[] } };
    expect(Object.isFrozen(kept)).toBe(true);
    expect(Object.isFrozen(kept.tags)).toBe(true);
    expect(Object.isFrozen(kept.nested.deep)).toBe(true);
    expect(() => {
      'use strict';
      kept.tags.push('x');
    }).toThrow(TypeError);
    expect(c.get('row')).toEqual({ id: 7, tags: ['a', 'b'], nested: { deep: [1, 2] } });
  });

  it('byte values are not kept (a get copies them out of the core, which is the cost the tier saves)', () => {
    const c = createCacheSync({ maxMemory: '4mb' });
    c.set('b', new Uint8Array([1, 2, 3]));
    const v = readTwice(c, 'b') as Uint8Array;
    readTwice(c, 'b');
    expect(c.stats().hotItems).toBe(0);
    v[0] = 42;
    expect(c.get('b')).toEqual(new Uint8Array([1, 2, 3]));
    expect(c.get('b')).not.toBe(c.get('b'));
  });

  it('every write, delete, TTL change, clear and load of a kept key is seen by the next get', () => {
    const clock = { now: 1_000 };
    const c = createCacheSync({ maxMemory: '4mb', now: () => clock.now, activeExpiry: false });
    const keep = (k: string, v: unknown) => {
      c.set(k, v);
      readTwice(c, k);
    };
    keep('s', 'one');
    c.set('s', 'two');
    expect(c.get('s')).toBe('two');
    keep('d', 1);
    c.delete('d');
    expect(c.get('d')).toBeUndefined();
    keep('n', '5');
    c.incr('n', 2);
    expect(c.get('n')).toBe('7');
    keep('m', 'a');
    c.mset([['m', 'b']]);
    expect(c.get('m')).toBe('b');
    keep('bytes-key', 'str');
    c.set(new TextEncoder().encode('bytes-key'), 'via bytes');
    expect(c.get('bytes-key')).toBe('via bytes');
    keep('t', 'x');
    c.expire('t', 100);
    clock.now += 101;
    expect(c.get('t')).toBeUndefined();
    keep('p', 'y');
    c.expire('p', 50);
    readTwice(c, 'p');
    c.persist('p');
    clock.now += 1000;
    expect(c.get('p')).toBe('y');
    keep('ttl', 'z');
    c.set('ttl', 'z', { ttl: 10 });
    readTwice(c, 'ttl');
    expect(c.stats().hotItems).toBeGreaterThan(0);
    clock.now += 10;
    expect(c.get('ttl')).toBe('z'); // alive at its expiry time, as in Redis
    clock.now += 1;
    expect(c.get('ttl')).toBeUndefined();
    keep('c', 1);
    c.clear();
    expect(c.get('c')).toBeUndefined();
    const other = createCacheSync({ maxMemory: '4mb' });
    other.set('l', 'from snapshot');
    keep('l', 'before load');
    c.loadBytes(other.toBytes());
    expect(c.get('l')).toBe('from snapshot');
    expect(c.checkInvariants()).toBe(0);
  });

  it('evictions and expiries inside the core drop kept values (the ring), however many at once', () => {
    for (const policy of ['s3fifo', 'sieve', 'lru'] as const) {
      const clock = { now: 1_000 };
      const c = createCacheSync({ maxMemory: '1mb', policy, now: () => clock.now, activeExpiry: false, hotTier: { maxEntries: 1000 } });
      for (let i = 0; i < 600; i++) {
        c.set(`h${i}`, `v${i}`, { ttl: 1000 + i });
        readTwice(c, `h${i}`);
      }
      expect(c.stats().hotItems).toBe(600);
      // Big values evict everything: more hot items go at once than the ring holds (256).
      const big = 'x'.repeat(100_000);
      for (let i = 0; i < 30; i++) c.set(`big${i}`, big);
      for (let i = 0; i < 600; i++) {
        const v = c.get(`h${i}`);
        if (v !== undefined) expect(v).toBe(`v${i}`);
        expect(v === undefined).toBe(c.peek(`h${i}`) === undefined);
      }
      // Kept values whose items expire in the core are gone too: `size` runs one expiry sweep that
      // removes 300 kept items, more than the ring holds (the tier then starts over).
      c.clear();
      c.set('stays', 'here');
      readTwice(c, 'stays');
      for (let i = 0; i < 300; i++) {
        c.set(`e${i}`, i, { ttl: 10 });
        readTwice(c, `e${i}`);
      }
      expect(c.stats().hotItems).toBe(301);
      clock.now += 11;
      expect(c.size).toBe(1);
      for (let i = 0; i < 300; i++) expect(c.get(`e${i}`)).toBeUndefined();
      expect(c.get('stays')).toBe('here');
      // After the overflow every item may be kept again.
      readTwice(c, 'stays');
      expect(c.stats().hotItems).toBe(1);
      expect(c.checkInvariants()).toBe(0);
    }
  });

  it('a refused call on a kept key leaves the tier and the counters as they were', () => {
    const c = createCacheSync({ maxMemory: '1mb', maxKeySize: 64 });
    c.set('k', { v: 1 });
    readTwice(c, 'k');
    const before = JSON.stringify(c.stats());
    expect(() => c.set('k', 'x'.repeat(c.layout().maxValueSize + 1))).toThrow(CacheError);
    expect(() => c.set('k', () => 1)).toThrow(CacheError);
    expect(() => c.expire('k', -1)).toThrow(CacheError);
    expect(c.set('k', 2, { nx: true })).toBe(false);
    expect(JSON.stringify(c.stats())).toBe(before);
    expect(c.get('k')).toEqual({ v: 1 });
    expect(c.stats().hotHits).toBe(JSON.parse(before).hotHits + 1);
  });

  it('stays within its budget, in entries and in estimated bytes', () => {
    const c = createCacheSync({ maxMemory: '16mb', hotTier: { maxEntries: 100, maxBytes: '64kb' } });
    for (let i = 0; i < 2000; i++) {
      c.set(`k${i}`, 'v'.repeat(i % 500));
      readTwice(c, `k${i}`);
      const s = c.stats();
      expect(s.hotItems).toBeLessThanOrEqual(100);
      expect(s.hotBytes).toBeLessThanOrEqual(64 * 1024);
    }
    expect(c.stats().hotItems).toBeGreaterThan(50);
  });

  it('can be turned off, and refuses bad budgets', () => {
    const c = createCacheSync({ maxMemory: '4mb', hotTier: false });
    c.set('a', 1);
    for (let i = 0; i < 5; i++) c.get('a');
    expect(c.stats()).toMatchObject({ hits: 5, hotHits: 0, hotItems: 0, hotBytes: 0 });
    for (const hotTier of [{ maxEntries: -1 }, { maxEntries: 1.5 }, { maxBytes: 'lots' }, { adaptive: 1 }, 'on', null]) {
      expect(() => createCacheSync({ hotTier: hotTier as never })).toThrow(CacheError);
    }
  });

  it('is bypassed while its lookups mostly miss, stays coherent meanwhile, and is used again when reads concentrate', () => {
    const c = createCacheSync({ maxMemory: '16mb', hotTier: { maxEntries: 64 } });
    const fixed = createCacheSync({ maxMemory: '16mb', hotTier: { maxEntries: 64, adaptive: false } });
    const N = 4000;
    for (const x of [c, fixed]) for (let i = 0; i < N; i++) x.set(`k${i}`, { v: i });
    const spread = (x: typeof c, gets: number) => {
      for (let i = 0; i < gets; i++) expect(x.get(`k${(i * 7919) % N}`)).toEqual({ v: (i * 7919) % N });
    };
    spread(c, 6 * 4096);
    spread(fixed, 6 * 4096);
    // Bypassed: a hot key now gets one lookup in 16.
    c.set('hot', { h: -1 });
    fixed.set('hot', { h: -1 });
    readTwice(c, 'hot');
    readTwice(fixed, 'hot');
    expect(hits(fixed, 'hot', 160)).toBeGreaterThan(140); // the tier is full: an offer comes one core read in 8
    expect(hits(c, 'hot', 160)).toBeLessThanOrEqual(20);
    // Writes, deletes and TTL changes of kept keys while bypassed are seen by the sampled lookups too.
    for (let round = 0; round < 40; round++) {
      c.set('hot', { h: round });
      for (let i = 0; i < 17; i++) expect(c.get('hot')).toEqual({ h: round });
    }
    c.delete('hot');
    for (let i = 0; i < 17; i++) expect(c.get('hot')).toBeUndefined();
    // Reads on a few keys: within a few windows the tier serves every get again.
    for (let i = 0; i < 8; i++) c.set(`few${i}`, { i });
    for (let i = 0; i < 4 * 4096; i++) expect(c.get(`few${i & 7}`)).toEqual({ i: i & 7 });
    expect(hits(c, 'few3', 160)).toBeGreaterThan(140); // (one not kept yet waits for an offer: one core read in 8)
    expect(c.checkInvariants()).toBe(0);
  });

  it('a full tier of strings is bypassed when the core holds far more items than it (decoding a string costs little)', () => {
    const big = createCacheSync({ maxMemory: '16mb', hotTier: { maxEntries: 64 } });
    const small = createCacheSync({ maxMemory: '16mb', hotTier: { maxEntries: 64 } });
    for (let i = 0; i < 4000; i++) big.set(`k${i}`, `v${i}`);
    for (let i = 0; i < 200; i++) small.set(`k${i}`, `v${i}`);
    // Reads over 100 keys: the tier (64) is full, and most of them hit it. `changed`: values written since.
    const changed = new Map<string, string>();
    const phase = (x: typeof big) => {
      const before = x.stats().hotHits;
      for (let i = 0; i < 4096; i++) {
        const k = `k${i % 100}`;
        expect(x.get(k)).toBe((x === big && changed.get(k)) || `v${i % 100}`);
      }
      return x.stats().hotHits - before;
    };
    for (const x of [big, small]) for (let r = 0; r < 3; r++) phase(x);
    // Parked: no get even samples the tier (a sampled lookup costs a Map lookup out of the CPU caches).
    expect(phase(big)).toBe(0);
    expect(phase(small)).toBeGreaterThan(4096 / 3);
    // Writes while parked reach the kept strings: once the tier is used again, it serves the new values.
    for (let i = 0; i < 100; i += 7) {
      big.set(`k${i}`, `new${i}`);
      changed.set(`k${i}`, `new${i}`);
    }
    // Once the core holds few items again, the tier is sampled, then used.
    for (let i = 100; i < 4000; i++) big.delete(`k${i}`);
    let later = 0;
    for (let r = 0; r < 4; r++) later = phase(big);
    expect(later).toBeGreaterThan(4096 / 3);
    expect(big.checkInvariants()).toBe(0);
  });

  it('keeps at most 16,384 strings of a cache over 65,536 items, and every object of one that large', () => {
    const N = 70_000;
    const fill = (x: ReturnType<typeof createCacheSync>, value: (i: number) => string | { i: number }) => {
      for (let i = 0; i < N; i++) x.set(`k${i}`, value(i) as never);
      for (let r = 0; r < 3; r++) for (let i = 0; i < 30_000; i++) x.get(`k${i}`);
      return x.stats().hotItems;
    };
    const strings = createCacheSync({ maxMemory: '64mb' });
    const objects = createCacheSync({ maxMemory: '64mb' });
    expect(fill(strings, (i) => `v${i}`)).toBe(16_384);
    expect(fill(objects, (i) => ({ i }))).toBe(30_000);
    for (let i = 0; i < 30_000; i += 997) {
      expect(strings.get(`k${i}`)).toBe(`v${i}`);
      expect(objects.get(`k${i}`)).toEqual({ i });
    }
    expect(strings.checkInvariants()).toBe(0);
  });
});

describe('hot tier slots (src/hot.ts over a fake core)', () => {
  /** A tier over a recording core: what it replays, releases, and a ring the test writes removals into. */
  function tier(exact: boolean) {
    const ring = new Uint32Array(HOT_RING_ENTRIES);
    const regs = new Uint32Array(1);
    const counters = new Float64Array(2); // [evictions, items]
    const touched: number[] = [];
    const released: number[] = [];
    const core = {
      hotTouch: (n: number) => touched.push(...ring.subarray(0, n)),
      hotRelease: (it: number) => void released.push(it),
      hotReleaseAll: () => {},
      hotThrottle: () => {},
      hotDrained: () => void (regs[0] = 0),
    };
    const t = new HotTier(core, ring, regs, 0, 8192, 2 ** 30, exact, false, counters, 0, 1);
    const removed = (...addrs: number[]) => {
      ring.set(addrs);
      regs[0] = addrs.length;
    };
    const get = (key: string) => {
      t.drain();
      const s = t.byKey.get(key);
      if (s === undefined) return undefined;
      t.hit(s);
      return t.values[s];
    };
    return { t, touched, released, removed, get };
  }

  for (const exact of [false, true]) {
    it(`a queued hit of a value dropped since is not replayed, even once its slot holds another (${exact ? 'lru' : 's3fifo'})`, () => {
      const { t, touched, get } = tier(exact);
      t.admit('a', 1000, 'A', 0, 0, 1);
      expect(get('a')).toBe('A');
      t.drop('a');
      t.admit('b', 2000, 'B', 0, 0, 1); // takes the slot 'a' left
      t.flush();
      expect(touched).toEqual([]);
      expect(get('b')).toBe('B');
      t.flush();
      expect(touched).toEqual([2000]);
    });
  }

  it('grows past its first slots and keeps every value, address and hit (5,000 kept, some removed by the core)', () => {
    const { t, touched, removed, get } = tier(false);
    const N = 5000;
    for (let i = 0; i < N; i++) t.admit(`k${i}`, 8 * (i + 1), i % 2 ? `v${i}` : { i }, 0, i % 2 ? 0 : KIND_JSON, 8);
    removed(...Array.from({ length: 100 }, (_, j) => 8 * (50 * j + 1))); // k0, k50, ... gone in the core
    for (let i = 0; i < N; i++) {
      const v = get(`k${i}`);
      if (i % 50 === 0) expect(v).toBeUndefined();
      else expect(v).toEqual(i % 2 ? `v${i}` : { i });
    }
    t.flush();
    expect(t.size).toBe(N - 100);
    expect(t.hits).toBe(N - 100);
    expect(touched.length).toBe(N - 100);
    expect(new Set(touched)).toEqual(new Set(Array.from({ length: N }, (_, i) => 8 * (i + 1)).filter((_, i) => i % 50 !== 0)));
  });
});

function hits(x: ReturnType<typeof createCacheSync>, key: string, gets: number): number {
  const before = x.stats().hotHits;
  for (let i = 0; i < gets; i++) x.get(key);
  return x.stats().hotHits - before;
}
