// A value stored by fetch() with a stale window follows Redis's TTL semantics for every other call:
// its TTL is its fresh time; the stale window is fetch's own business (issue 14, item 8).
import { describe, expect, it } from 'vitest';
import { createCacheSync } from '../src/index.js';

function fetched(value: unknown = '41') {
  const clock = { now: 10_000 };
  const cache = createCacheSync({ maxMemory: '1mb', activeExpiry: false, now: () => clock.now });
  return { cache, clock, ready: cache.fetch('k', async () => value, { ttl: 1000, staleWhileRevalidate: 5000 }) };
}

describe('TTL semantics of a value fetched with a stale window', () => {
  it('ttl() is the fresh time left', async () => {
    const { cache, clock, ready } = fetched();
    await ready;
    clock.now += 500;
    expect(cache.ttl('k')).toBe(500);
  });

  it('incr keeps the TTL left, not the stale window', async () => {
    const { cache, clock, ready } = fetched();
    await ready;
    clock.now += 500;
    expect(cache.incr('k')).toBe(42);
    expect(cache.ttl('k')).toBe(500);
    clock.now += 501;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.has('k')).toBe(false);
  });

  it('set with keepTtl keeps the TTL left', async () => {
    const { cache, clock, ready } = fetched({ a: 1 });
    await ready;
    clock.now += 500;
    cache.set('k', { a: 2 }, { keepTtl: true });
    expect(cache.ttl('k')).toBe(500);
    clock.now += 499;
    expect(cache.get('k')).toEqual({ a: 2 });
    clock.now += 2;
    expect(cache.get('k')).toBeUndefined();
  });

  it('persist makes it permanent: visible forever, with or without other keys that have TTLs', async () => {
    for (const others of [false, true]) {
      const { cache, clock, ready } = fetched();
      await ready;
      if (others) cache.set('other', 1, { ttl: 100_000 });
      expect(cache.persist('k')).toBe(true);
      expect(cache.ttl('k')).toBe(-1);
      clock.now += 1_000_000;
      expect(cache.get('k')).toBe('41');
      expect(cache.has('k')).toBe(true);
      expect([...cache.keys()]).toContain('k');
      // Through a snapshot too.
      const copy = createCacheSync({ maxMemory: '1mb', activeExpiry: false, now: () => clock.now });
      copy.loadBytes(cache.toBytes());
      expect(copy.get('k')).toBe('41');
      expect(copy.ttl('k')).toBe(-1);
      expect(cache.checkInvariants()).toBe(0);
    }
  });

  it('expire sets the TTL exactly, longer or shorter than the fresh time', async () => {
    const { cache, clock, ready } = fetched();
    await ready;
    expect(cache.expire('k', 3000)).toBe(true);
    expect(cache.ttl('k')).toBe(3000);
    clock.now += 2999;
    expect(cache.get('k')).toBe('41');
    clock.now += 2;
    expect(cache.get('k')).toBeUndefined();

    const b = fetched();
    await b.ready;
    expect(b.cache.expire('k', 200)).toBe(true);
    expect(b.cache.ttl('k')).toBe(200);
    b.clock.now += 201;
    expect(b.cache.get('k')).toBeUndefined();
  });
});
