// Unit tests: every method and option of the public API, one behaviour per test.
import { describe, expect, it } from 'vitest';
import { CacheError, createCache, createCacheSync, parseBytes, type Cache, type CacheOptions } from '../src/index.js';

/** Equality that compares large byte arrays quickly (vitest's toEqual walks them element by element). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(b);
  return a === b;
}

/** A cache on a fake clock that the test moves by hand. */
function clocked(options: CacheOptions = {}): { cache: Cache; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const cache = createCacheSync({ maxMemory: '4mb', activeExpiry: false, now: () => clock.now, ...options });
  return { cache, clock };
}

describe('creation and options', () => {
  it('createCache (async) and createCacheSync give working caches', async () => {
    const a = await createCache({ maxMemory: '1mb' });
    const b = createCacheSync({ maxMemory: '1mb' });
    a.set('k', 'v');
    b.set('k', 'w');
    expect(a.get('k')).toBe('v');
    expect(b.get('k')).toBe('w');
    a.dispose();
    b.dispose();
  });

  it('parses byte counts with Redis units', () => {
    expect(parseBytes(1234, 'x')).toBe(1234);
    expect(parseBytes('512kb', 'x')).toBe(512 * 1024);
    expect(parseBytes('64mb', 'x')).toBe(64 * 1024 ** 2);
    expect(parseBytes('1GB', 'x')).toBe(1024 ** 3);
    expect(parseBytes('100m', 'x')).toBe(100_000_000);
    expect(parseBytes('2k', 'x')).toBe(2000);
    expect(parseBytes('1.5mb', 'x')).toBe(1.5 * 1024 ** 2);
    for (const bad of ['', 'lots', '12 parsecs', '-1mb', '1tb']) {
      expect(() => parseBytes(bad, 'maxMemory')).toThrow(/maxMemory must be a byte count/);
    }
    expect(() => parseBytes(-5, 'maxMemory')).toThrow(CacheError);
  });

  it('maxMemory bounds the Wasm memory exactly, rounded down to 64 KiB pages', () => {
    const c = createCacheSync({ maxMemory: 1024 * 1024 + 1000 });
    expect(c.layout().memoryBytes).toBe(1024 * 1024);
    expect(c.stats().maxBytes).toBe(1024 * 1024);
  });

  it('rejects bad options with ERR_OPTIONS naming the option', () => {
    const bad: [CacheOptions, RegExp][] = [
      [{ maxMemory: '100kb' }, /maxMemory/],
      [{ maxMemory: '5gb' }, /maxMemory/],
      [{ maxEntries: 0 }, /maxEntries/],
      [{ maxEntries: 1.5 }, /maxEntries/],
      [{ maxKeySize: 70000 }, /maxKeySize/],
      [{ maxValueSize: -1 }, /maxValueSize/],
      [{ maxMemory: '1mb', maxValueSize: 10 * 1024 ** 2 }, /maxValueSize/],
      [{ policy: 'fifo' as 'lru' }, /policy/],
      [{ activeExpiry: 0 }, /activeExpiry/],
      [{ now: 5 as unknown as () => number }, /now/],
      [{ maxMemory: '1mb', maxEntries: 1_000_000 }, /maxEntries/],
    ];
    for (const [opts, re] of bad) {
      let err: unknown;
      try {
        createCacheSync(opts);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(opts)).toBeInstanceOf(CacheError);
      expect((err as CacheError).code).toBe(opts.defaultTtl !== undefined ? 'ERR_TTL' : 'ERR_OPTIONS');
      expect((err as CacheError).message).toMatch(re);
    }
    expect(() => createCacheSync({ defaultTtl: -1 })).toThrow(/defaultTtl/);
  });

  it('maxEntries bounds the item count, evicting the least recently used', () => {
    const c = createCacheSync({ maxMemory: '1mb', maxEntries: 3 });
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    c.get('a'); // b is now least recently used
    c.set('d', 4);
    expect(c.has('b')).toBe(false);
    expect([...c.keys()].sort()).toEqual(['a', 'c', 'd']);
    expect(c.stats().evictions).toBe(1);
  });

  it('maxKeySize and maxValueSize are enforced in bytes', () => {
    const c = createCacheSync({ maxMemory: '1mb', maxKeySize: 4, maxValueSize: 8 });
    expect(c.set('abcd', '12345678')).toBe(true);
    expect(() => c.set('abcde', 'x')).toThrow(expect.objectContaining({ code: 'ERR_KEY_TOO_LARGE' }));
    expect(() => c.set('é€', 'x')).toThrow(expect.objectContaining({ code: 'ERR_KEY_TOO_LARGE' })); // 5 bytes
    expect(() => c.set('k', '123456789')).toThrow(expect.objectContaining({ code: 'ERR_VALUE_TOO_LARGE' }));
    expect(() => c.set('k', new Uint8Array(9))).toThrow(expect.objectContaining({ code: 'ERR_VALUE_TOO_LARGE' }));
    expect(() => c.set('k', { a: 'long enough' })).toThrow(expect.objectContaining({ code: 'ERR_VALUE_TOO_LARGE' }));
  });

  it('defaultTtl applies to sets without a ttl; ttl: 0 overrides it', () => {
    const { cache, clock } = clocked({ defaultTtl: 1000 });
    cache.set('a', 1);
    cache.set('b', 2, { ttl: 0 });
    expect(cache.ttl('a')).toBe(1000);
    expect(cache.ttl('b')).toBe(-1);
    clock.now += 1001;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
  });
});

describe('set, get, peek, has, delete, clear, size', () => {
  it('returns each value as the kind it was stored', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    const values: unknown[] = [
      '',
      'plain ascii',
      'ünïcødé ✓ 🔑',
      'x'.repeat(5000),
      new Uint8Array(0),
      new Uint8Array([0, 255, 7]),
      0,
      -12.5,
      true,
      false,
      null,
      [1, 'two', { three: 3 }],
      { nested: { list: [1, 2], s: 'é' } },
    ];
    values.forEach((v, i) => c.set(`k${i}`, v));
    values.forEach((v, i) => {
      const got = c.get(`k${i}`);
      expect(got).toEqual(v);
      if (v instanceof Uint8Array) expect(got).toBeInstanceOf(Uint8Array);
      else expect(typeof got).toBe(typeof v);
    });
  });

  it('a string key and the Uint8Array of its UTF-8 bytes are the same key', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.set('ключ', 'v1');
    expect(c.get(new TextEncoder().encode('ключ'))).toBe('v1');
    c.set(new Uint8Array([0xff, 0x00, 0x01]), 'bin');
    expect(c.get(new Uint8Array([0xff, 0x00, 0x01]))).toBe('bin');
    expect(c.get('')).toBeUndefined();
    c.set('', 'empty key');
    expect(c.get('')).toBe('empty key');
  });

  it('each byte value got is its own copy, though short ones share a pooled ArrayBuffer', () => {
    const c = createCacheSync({ maxMemory: '4mb' });
    // Sizes around the pooled limit (4 KiB) and a pool's end, each filled with its own byte.
    const sizes = [0, 1, 7, 33, 1024, 4095, 4096, 4097, 20_000];
    for (let round = 0; round < 40; round++) {
      const got = sizes.map((n, i) => {
        c.set(`b${i}`, new Uint8Array(n).fill(i + 1));
        return c.get(`b${i}`) as Uint8Array;
      });
      got.forEach((v, i) => {
        expect(v).toBeInstanceOf(Uint8Array);
        expect(v.length).toBe(sizes[i]);
        expect(v.byteOffset % 8).toBe(0);
        v.fill(0xee); // the caller's to change: no other value and nothing stored moves
      });
      sizes.forEach((n, i) => {
        const again = c.get(`b${i}`) as Uint8Array;
        expect(again.every((b) => b === i + 1)).toBe(true);
        if (n > 4096) expect(again.buffer.byteLength).toBe(n);
      });
    }
    expect([...c.keys()].sort()).toEqual(sizes.map((_, i) => `b${i}`).sort());
  });

  it('overwrites replace the value and kind', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.set('k', 'short');
    c.set('k', new Uint8Array(3000).fill(9));
    expect((c.get('k') as Uint8Array).length).toBe(3000);
    c.set('k', { a: 1 });
    expect(c.get('k')).toEqual({ a: 1 });
    expect(c.size).toBe(1);
  });

  it('nx and xx follow Redis SET NX / XX', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    expect(c.set('k', 1, { xx: true })).toBe(false);
    expect(c.has('k')).toBe(false);
    expect(c.set('k', 1, { nx: true })).toBe(true);
    expect(c.set('k', 2, { nx: true })).toBe(false);
    expect(c.get('k')).toBe(1);
    expect(c.set('k', 3, { xx: true })).toBe(true);
    expect(c.get('k')).toBe(3);
    expect(() => c.set('k', 4, { nx: true, xx: true })).toThrow(expect.objectContaining({ code: 'ERR_SET_OPTIONS' }));
  });

  it('peek and has do not refresh recency or count hits', () => {
    const c = createCacheSync({ maxMemory: '1mb', maxEntries: 2 });
    c.set('a', 1);
    c.set('b', 2);
    expect(c.peek('a')).toBe(1);
    expect(c.has('a')).toBe(true);
    c.set('c', 3); // a is still least recently used
    expect(c.has('a')).toBe(false);
    expect(c.stats().hits).toBe(0);
    c.get('b');
    c.get('zzz');
    expect(c.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('delete reports whether the key existed', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.set('k', 'v');
    expect(c.delete('k')).toBe(true);
    expect(c.delete('k')).toBe(false);
    expect(c.get('k')).toBeUndefined();
    expect(c.stats().deletes).toBe(1);
  });

  it('clear empties the cache and it stays usable', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    for (let i = 0; i < 100; i++) c.set(`k${i}`, i, { ttl: i % 2 ? 1000 : 0 });
    c.clear();
    expect(c.size).toBe(0);
    expect([...c.keys()]).toEqual([]);
    expect(c.stats().items).toBe(0);
    c.set('again', 'yes');
    expect(c.get('again')).toBe('yes');
    expect(c.checkInvariants()).toBe(0);
  });
});

describe('expiry (Redis PTTL semantics)', () => {
  it('ttl gives remaining ms, -1 without expiry, -2 when missing', () => {
    const { cache, clock } = clocked();
    cache.set('t', 'v', { ttl: 500 });
    cache.set('p', 'v');
    expect(cache.ttl('t')).toBe(500);
    expect(cache.ttl('p')).toBe(-1);
    expect(cache.ttl('nope')).toBe(-2);
    clock.now += 200;
    expect(cache.ttl('t')).toBe(300);
  });

  it('an item is alive at its expiry time and gone 1 ms later, for every method', () => {
    const { cache, clock } = clocked();
    cache.set('t', 'v', { ttl: 100 });
    clock.now += 100;
    expect(cache.get('t')).toBe('v');
    expect(cache.ttl('t')).toBe(0);
    clock.now += 1;
    expect(cache.peek('t')).toBeUndefined();
    expect(cache.has('t')).toBe(false);
    expect(cache.get('t')).toBeUndefined();
    expect(cache.mget(['t'])).toEqual([undefined]);
    expect(cache.ttl('t')).toBe(-2);
    expect([...cache.keys()]).toEqual([]);
    expect(cache.size).toBe(0);
    expect(cache.expire('t', 100)).toBe(false);
    expect(cache.persist('t')).toBe(false);
    expect(cache.delete('t')).toBe(false);
  });

  it('size never counts expired items, and they are counted as expired', () => {
    const { cache, clock } = clocked();
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, i, { ttl: 10 + i });
    clock.now += 30;
    expect(cache.size).toBe(30); // ttl 10..29 expired (alive while now <= expireAt)
    expect(cache.stats().expired).toBe(20);
  });

  it('expire sets, changes and (with 0) deletes; persist removes the expiry', () => {
    const { cache, clock } = clocked();
    cache.set('k', 'v');
    expect(cache.expire('k', 1000)).toBe(true);
    expect(cache.ttl('k')).toBe(1000);
    expect(cache.expire('k', 50)).toBe(true);
    expect(cache.ttl('k')).toBe(50);
    expect(cache.persist('k')).toBe(true);
    expect(cache.persist('k')).toBe(false);
    expect(cache.ttl('k')).toBe(-1);
    clock.now += 10_000;
    expect(cache.get('k')).toBe('v');
    expect(cache.expire('k', 0)).toBe(true);
    expect(cache.has('k')).toBe(false);
    expect(cache.expire('missing', 10)).toBe(false);
    expect(() => cache.expire('k', -1)).toThrow(expect.objectContaining({ code: 'ERR_TTL' }));
    expect(() => cache.expire('k', Infinity)).toThrow(expect.objectContaining({ code: 'ERR_TTL' }));
  });

  it('expire keeps values intact whatever the item size (in place or moved to a bigger chunk)', () => {
    const { cache, clock } = clocked({ maxMemory: '2mb' });
    const sizes = [0, 1, 7, 8, 9, 20, 100, 104, 108, 112, 500, 1000, 4000, 8100, 8180, 20_000, 100_000];
    for (const n of sizes) {
      for (let k = 0; k < 3; k++) cache.set(`s${n}:${k}`, new Uint8Array(n).fill((n + k) & 255));
    }
    for (const n of sizes) expect(cache.expire(`s${n}:1`, 5000)).toBe(true);
    expect(cache.checkInvariants()).toBe(0);
    for (const n of sizes) {
      for (let k = 0; k < 3; k++) {
        const v = cache.get(`s${n}:${k}`) as Uint8Array;
        expect(v.length).toBe(n);
        expect(v.every((b) => b === ((n + k) & 255))).toBe(true);
        expect(cache.ttl(`s${n}:${k}`)).toBe(k === 1 ? 5000 : -1);
      }
    }
    clock.now += 5001;
    for (const n of sizes) expect(cache.has(`s${n}:1`)).toBe(false);
    expect(cache.size).toBe(sizes.length * 2);
  });

  it('keepTtl keeps the old expiry; a plain set clears it', () => {
    const { cache } = clocked();
    cache.set('k', 1, { ttl: 700 });
    cache.set('k', 2, { keepTtl: true });
    expect(cache.ttl('k')).toBe(700);
    cache.set('k', 3);
    expect(cache.ttl('k')).toBe(-1);
    cache.set('new', 1, { keepTtl: true });
    expect(cache.ttl('new')).toBe(-1);
    expect(() => cache.set('k', 1, { keepTtl: true, ttl: 5 })).toThrow(expect.objectContaining({ code: 'ERR_TTL' }));
  });

  it('expired items are reclaimed before any live item is evicted', () => {
    const { cache, clock } = clocked({ maxEntries: 10 });
    for (let i = 0; i < 5; i++) cache.set(`t${i}`, i, { ttl: 10 });
    for (let i = 0; i < 5; i++) cache.set(`live${i}`, i);
    clock.now += 11;
    for (let i = 0; i < 5; i++) cache.set(`more${i}`, i);
    for (let i = 0; i < 5; i++) expect(cache.get(`live${i}`)).toBe(i);
    expect(cache.stats()).toMatchObject({ evictions: 0, expired: 5 });
  });

  it('the active expiry timer removes expired items without any read', async () => {
    const clock = { now: 0 };
    const cache = createCacheSync({ maxMemory: '1mb', activeExpiry: 5, now: () => clock.now });
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, i, { ttl: 100 });
    clock.now = 500;
    for (let i = 0; i < 100 && cache.stats().items > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cache.stats()).toMatchObject({ items: 0, expired: 1000 });
    cache.dispose();
  });

  it('rejects negative and non-finite ttls without changing anything', () => {
    const { cache } = clocked();
    cache.set('k', 'v');
    for (const ttl of [-1, NaN, Infinity, '5' as unknown as number]) {
      expect(() => cache.set('k', 'other', { ttl })).toThrow(expect.objectContaining({ code: 'ERR_TTL' }));
      expect(() => cache.mset([['k', 'other']], { ttl })).toThrow(expect.objectContaining({ code: 'ERR_TTL' }));
    }
    expect(cache.get('k')).toBe('v');
    expect(cache.ttl('k')).toBe(-1);
  });
});

describe('incr (Redis INCRBY)', () => {
  it('creates, adds, subtracts, and keeps the value kind and TTL', () => {
    const { cache } = clocked();
    expect(cache.incr('n')).toBe(1);
    expect(cache.incr('n', 41)).toBe(42);
    expect(cache.incr('n', -50)).toBe(-8);
    expect(cache.get('n')).toBe('-8');
    cache.set('j', 10); // JSON number: stays a number
    expect(cache.incr('j')).toBe(11);
    expect(cache.get('j')).toBe(11);
    cache.set('t', '5', { ttl: 900 });
    expect(cache.incr('t', 5)).toBe(10);
    expect(cache.ttl('t')).toBe(900);
    expect(cache.ttl('n')).toBe(-1);
  });

  it('refuses values that are not decimal integers, and overflow, leaving the value', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    for (const v of ['', 'abc', '1.5', ' 1', '+1', '01', '-0', '1e3', '99999999999999999999', { a: 1 }]) {
      c.set('k', v);
      expect(() => c.incr('k'), JSON.stringify(v)).toThrow(expect.objectContaining({ code: 'ERR_NOT_INTEGER' }));
      expect(c.get('k')).toEqual(v);
    }
    c.set('k', String(Number.MAX_SAFE_INTEGER));
    expect(() => c.incr('k')).toThrow(expect.objectContaining({ code: 'ERR_INCR_OVERFLOW' }));
    expect(c.get('k')).toBe(String(Number.MAX_SAFE_INTEGER));
    expect(() => c.incr('k', 1.5)).toThrow(CacheError);
    c.set('b', new TextEncoder().encode('7'));
    expect(c.incr('b')).toBe(8);
    expect(c.get('b')).toEqual(new TextEncoder().encode('8'));
  });
});

describe('batches', () => {
  it('mget answers in order, undefined where missing', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.mset([
      ['a', 1],
      ['b', 'two'],
      [new Uint8Array([99]), new Uint8Array([3])],
    ]);
    expect(c.mget(['a', 'x', 'b', 'c'])).toEqual([1, undefined, 'two', new Uint8Array([3])]);
    expect(c.mget([])).toEqual([]);
    expect(c.stats()).toMatchObject({ hits: 3, misses: 1 });
  });

  it('batches larger than the scratch region are split transparently', () => {
    const c = createCacheSync({ maxMemory: '32mb', maxKeySize: 4000 });
    const entries: [string, string | Uint8Array][] = [];
    for (let i = 0; i < 20_000; i++) entries.push([`key:${i}:${'k'.repeat(i % 50)}`, i % 3 ? `value ${i}` : new Uint8Array(i % 700).fill(i & 255)]);
    entries.push(['huge', new Uint8Array(600_000).fill(5)], ['long key '.repeat(400), 'lk']);
    c.mset(entries);
    expect(c.size).toBe(entries.length);
    const got = c.mget(entries.map(([k]) => k));
    got.forEach((v, i) => expect(sameValue(v, entries[i][1]), entries[i][0]).toBe(true));
  });

  it('mset applies a ttl to every entry', () => {
    const { cache, clock } = clocked();
    cache.mset(
      [
        ['a', 1],
        ['b', 2],
      ],
      { ttl: 100 },
    );
    expect(cache.ttl('a')).toBe(100);
    clock.now += 101;
    expect(cache.mget(['a', 'b'])).toEqual([undefined, undefined]);
  });

  it('a bad entry rejects the whole batch before anything is stored or read', () => {
    const c = createCacheSync({ maxMemory: '1mb', maxEntries: 2 });
    c.set('a', 1);
    c.set('b', 2);
    expect(() => c.mset([['c', 3], ['d', () => 0]])).toThrow(expect.objectContaining({ code: 'ERR_VALUE_TYPE' }));
    expect(() => c.mset([['c', 3], [5 as unknown as string, 1]])).toThrow(expect.objectContaining({ code: 'ERR_KEY_TYPE' }));
    expect(() => c.mget(['a', {} as unknown as string])).toThrow(expect.objectContaining({ code: 'ERR_KEY_TYPE' }));
    expect(c.stats()).toMatchObject({ hits: 0, misses: 0, sets: 2 });
    c.set('c', 3); // a was not touched by the failed mget, so it is the LRU victim
    expect(c.has('a')).toBe(false);
  });
});

describe('zero-copy reads', () => {
  it('getView returns the stored bytes without a copy, valid until the next write', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.set('b', new Uint8Array([1, 2, 3]));
    c.set('s', 'héllo');
    c.set('j', { a: 1 });
    const view = c.getView('b') as Uint8Array;
    expect(view).toEqual(new Uint8Array([1, 2, 3]));
    expect(new TextDecoder().decode(c.getView('s'))).toBe('héllo');
    expect(new TextDecoder().decode(c.getView('j'))).toBe('{"a":1}');
    expect(c.getView('missing')).toBeUndefined();
    c.get('s'); // reads never move stored bytes
    expect(view).toEqual(new Uint8Array([1, 2, 3]));
    expect(view.buffer).toBe((c.getView('s') as Uint8Array).buffer); // a view of the cache's memory
    expect(c.stats()).toMatchObject({ hits: 5, misses: 1 });
  });

  it('getInto copies into a caller buffer, or refuses a target that is too small', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.set('b', new Uint8Array(1000).fill(7));
    const target = new Uint8Array(1010);
    expect(c.getInto('b', target, 10)).toBe(1000);
    expect(target[9]).toBe(0);
    expect(target.subarray(10).every((x) => x === 7)).toBe(true);
    expect(c.getInto('missing', target)).toBe(-1);
    const small = new Uint8Array(999);
    expect(() => c.getInto('b', small)).toThrow(expect.objectContaining({ code: 'ERR_TARGET_TOO_SMALL' }));
    expect(small.every((x) => x === 0)).toBe(true);
  });
});

describe('iteration, stats, layout, dispose', () => {
  it('keys, values and entries list live items with their key kind', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.set('s', 1);
    c.set(new Uint8Array([1, 2]), 'bytes-key');
    expect(new Map(c.entries())).toEqual(
      new Map<unknown, unknown>([
        ['s', 1],
        [new Uint8Array([1, 2]), 'bytes-key'],
      ]),
    );
    expect([...c.values()].sort()).toEqual([1, 'bytes-key'].sort());
    expect([...c].length).toBe(2);
  });

  it('stats count sets, hits, misses, deletes and bytes', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    const before = c.stats().usedBytes;
    c.set('a', 'x'.repeat(1000));
    c.get('a');
    c.get('b');
    c.delete('a');
    const s = c.stats();
    expect(s).toMatchObject({ sets: 1, hits: 1, misses: 1, deletes: 1, items: 0, evictions: 0, expired: 0, policy: 's3fifo' });
    expect(s.usedBytes).toBe(before);
    c.set('a', 'x'.repeat(1000));
    expect(c.stats().usedBytes - before).toBeGreaterThanOrEqual(1000 + 16 + 1);
    expect(c.stats().usedBytes - before).toBeLessThan(1000 * 1.2);
  });

  it('reports a per-item header of at most 32 bytes including the index slot', () => {
    const c = createCacheSync({ maxMemory: '64mb' });
    const l = c.layout();
    const slotShare = (8 * 8) / 7; // one 8-byte slot at the highest load factor, 7/8
    const heapShare = 4; // one expiry-heap entry reserved per index entry
    expect(l.itemHeaderBytes + slotShare + heapShare).toBeLessThanOrEqual(32);
  });

  it('dispose makes every later call throw ERR_DISPOSED', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.set('k', 1);
    c.dispose();
    expect(() => c.get('k')).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
    expect(() => c.set('k', 1)).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
    expect(() => c.size).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
  });
});

describe('randomKey', () => {
  it('spreads over the keys, also while the index is far below its largest size', () => {
    const c = createCacheSync({ maxMemory: '64mb' });
    for (let i = 0; i < 1000; i++) c.set(`k${i}`, i);
    const seen = new Set<unknown>();
    for (let i = 0; i < 200; i++) seen.add(c.randomKey());
    expect(seen.size).toBeGreaterThan(50);
    for (const k of seen) expect(c.has(k as string)).toBe(true);
    c.clear();
    expect(c.randomKey()).toBeUndefined();
  });

  // Counts within 4.5 standard deviations of a uniform pick: a false alarm about once in 10^5 runs.
  const uniform = (counts: Map<unknown, number>, keys: number, draws: number) => {
    expect(counts.size).toBe(keys);
    const p = 1 / keys;
    const sd = Math.sqrt(draws * p * (1 - p));
    for (const n of counts.values()) expect(Math.abs(n - draws * p)).toBeLessThan(4.5 * sd);
  };
  const draw = (c: ReturnType<typeof createCacheSync>, draws: number) => {
    const counts = new Map<unknown, number>();
    for (let i = 0; i < draws; i++) {
      const k = c.randomKey();
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  };

  it('picks each of two keys about half the time (Redis RANDOMKEY)', () => {
    const c = createCacheSync({ maxMemory: '1mb' });
    c.set('a', 1);
    c.set('b', 2);
    uniform(draw(c, 2000), 2, 2000);
  });

  it('is uniform in a small cache with a large index, and never returns an expired key', () => {
    const clock = { now: 1000 };
    const c = createCacheSync({ maxMemory: '64mb', maxEntries: 1_000_000, now: () => clock.now, activeExpiry: false });
    for (let i = 0; i < 10; i++) c.set(`k${i}`, i);
    for (let i = 0; i < 50; i++) c.set(`gone${i}`, i, { ttl: 10 });
    clock.now += 20;
    uniform(draw(c, 5000), 10, 5000);
  });

  it("never returns memo()'s keys, in a dense or a sparse index", async () => {
    for (const maxEntries of [undefined, 1_000_000]) {
      const c = createCacheSync({ maxMemory: '64mb', maxEntries });
      const m = c.memo(async (n: number) => n * 2);
      for (let i = 0; i < 500; i++) await m(i);
      c.set('mine', 1);
      // 40 draws: in the sparse index each falls back to a pass over the 1.1M slots.
      for (let i = 0; i < 40; i++) expect(c.randomKey()).toBe('mine');
      c.delete('mine');
      expect(c.randomKey()).toBeUndefined();
    }
  });

  it('is uniform over many keys in a dense index', () => {
    const c = createCacheSync({ maxMemory: '8mb' });
    for (let i = 0; i < 20_000; i++) c.set(`k${i}`, i);
    // Grouped by the key's last digit: 10 groups of 2,000 keys.
    const groups = new Map<unknown, number>();
    for (const [k, n] of draw(c, 20_000)) groups.set(String(k).slice(-1), (groups.get(String(k).slice(-1)) ?? 0) + n);
    uniform(groups, 10, 20_000);
  });
});
