// wasmcache/keyv: Keyv's own adapter test suite (@keyv/test-suite) over KeyvWasmcache in three
// set-ups, then what the suite does not look at: what Keyv hands the store, namespaces sharing one
// cache, TTLs reaching the cache, errors, and cacheable on top.
import { Cacheable } from 'cacheable';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import * as vitest from 'vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { CacheError, createCacheSync, type Cache } from '../src/index.js';
import { KeyvWasmcache } from '../src/keyv/index.js';

// The adapter satisfies Keyv's own type for a store (checked by `npm run typecheck`).
const asAdapter: (store: KeyvWasmcache) => KeyvStoreAdapter = (store) => store;
void asAdapter;

type Suite = typeof keyvTestSuite;
type SuiteTest = Parameters<Suite>[0];
type SuiteKeyv = Parameters<Suite>[1];

/**
 * Runs Keyv's suite (keyvTestSuite: api, values and namespace tests; and keyvIteratorTests). The
 * tests named in `knownFailures` run as `it.fails`: they must fail (with the reason recorded in
 * the map), so a change that makes them pass, or a suite version that renames them, shows up.
 */
function runKeyvSuite(KeyvClass: SuiteKeyv, store: () => KeyvWasmcache, knownFailures: Record<string, string> = {}) {
  const seen = new Set<string>();
  const it = ((name: string, fn: vitest.TestFunction) => {
    if (name in knownFailures) {
      seen.add(name);
      return vitest.it.fails(`${name} (fails as expected: ${knownFailures[name]})`, fn);
    }
    return vitest.it(name, fn);
  }) as unknown as typeof vitest.it;
  const test = { ...vitest, it, test: it } as SuiteTest;
  keyvTestSuite(test, KeyvClass, store);
  keyvIteratorTests(test, KeyvClass, store);
  vitest.it('every known failure names a test of the suite', () => {
    expect([...seen].sort()).toEqual(Object.keys(knownFailures).sort());
  });
}

describe('@keyv/test-suite, every store over one shared Cache', () => {
  // One cache for every adapter the suite creates, so namespaces really share a keyspace.
  const shared = createCacheSync({ maxMemory: '1mb' });
  runKeyvSuite(Keyv, () => new KeyvWasmcache(shared));
});

describe('@keyv/test-suite, every store creating its own cache from CacheOptions', () => {
  runKeyvSuite(Keyv, () => new KeyvWasmcache({ maxMemory: '256kb', activeExpiry: false }));
});

/** Keyv with its serializer off: the store receives Keyv's `{ value, expires }` objects. */
class RawKeyv extends Keyv {
  constructor(options?: ConstructorParameters<typeof Keyv>[0]) {
    super({ serialize: undefined, deserialize: undefined, ...(options as object) });
  }
}

describe('@keyv/test-suite, Keyv with serialize: undefined (the store gets { value, expires } objects)', () => {
  const shared = createCacheSync({ maxMemory: '1mb' });
  const buffer = 'a Buffer does not survive JSON, so the adapter refuses it (ERR_VALUE_TYPE) and Keyv.set resolves false';
  runKeyvSuite(RawKeyv as unknown as SuiteKeyv, () => new KeyvWasmcache(shared), {
    'value can be a buffer': buffer,
    'value can be an object containing a buffer': buffer,
  });
});

// ── beyond the suite ───────────────────────────────────────────────────────────────────────────

const caches: Cache[] = [];
function newCache(now?: () => number): Cache {
  const cache = createCacheSync({ maxMemory: '1mb', activeExpiry: false, now });
  caches.push(cache);
  return cache;
}
afterEach(() => {
  for (const c of caches.splice(0)) c.dispose();
});

describe('KeyvWasmcache: what Keyv stores', () => {
  it('stores the string Keyv serializes (value and expires) under namespace:key', async () => {
    const cache = newCache();
    const keyv = new Keyv({ store: new KeyvWasmcache(cache), namespace: 'app' });
    const before = Date.now();
    await keyv.set('user', { name: 'Ada' }, 60_000);
    const raw = cache.get('app:user');
    expect(typeof raw).toBe('string');
    const data = JSON.parse(raw as string) as { value: unknown; expires: number };
    expect(data.value).toEqual({ name: 'Ada' });
    expect(data.expires).toBeGreaterThanOrEqual(before + 60_000);
    expect(data.expires).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(await keyv.get('user')).toEqual({ name: 'Ada' });
    expect(cache.has('user')).toBe(false);
  });

  it('stores Keyv\'s { value, expires } object as is when Keyv does not serialize', async () => {
    const cache = newCache();
    const keyv = new RawKeyv({ store: new KeyvWasmcache(cache), namespace: 'raw' });
    await keyv.set('n', [1, 'two', { three: null }]);
    expect(cache.get('raw:n')).toEqual({ value: [1, 'two', { three: null }] });
    expect(await keyv.get('n')).toEqual([1, 'two', { three: null }]);
  });

  it('refuses raw values JSON would change, naming where, instead of storing them altered', async () => {
    const store = new KeyvWasmcache(newCache());
    for (const [value, where] of [
      [{ value: new Uint8Array([1]) }, 'value.value is a Uint8Array'],
      [{ value: { at: new Date(0) } }, 'value.value.at is a Date'],
      [{ value: [1, undefined] }, 'value.value[1] is undefined'],
      [{ value: 10n }, 'value.value is a bigint'],
      [{ value: () => 1 }, 'value.value is a function'],
      [{ value: Number.NaN }, 'value.value is NaN'],
      [undefined, 'the value is undefined'],
    ] as const) {
      const error = await store.set('k', value).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CacheError);
      expect((error as CacheError).code).toBe('ERR_VALUE_TYPE');
      expect((error as CacheError).message).toContain(where);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(store.set('k', { value: cyclic })).rejects.toThrow('value.value.self is circular');
    expect(await store.has('k')).toBe(false);
  });

  it('stores a Uint8Array given directly as bytes', async () => {
    const store = new KeyvWasmcache(newCache());
    await store.set('b', new Uint8Array([0, 255, 7]));
    expect(await store.get('b')).toEqual(new Uint8Array([0, 255, 7]));
  });
});

describe('KeyvWasmcache: TTLs', () => {
  it('gives the cache the TTL Keyv passes, and the item expires in the cache itself', async () => {
    let now = 1_000_000;
    const cache = newCache(() => now);
    const store = new KeyvWasmcache(cache);
    await store.set('t', 'v', 5_000);
    expect(cache.ttl('t')).toBe(5_000);
    now += 4_999;
    expect(await store.get('t')).toBe('v');
    now += 2;
    expect(await store.get('t')).toBeUndefined();
    expect(await store.has('t')).toBe(false);
  });

  it('without a TTL uses the cache\'s defaultTtl; Keyv\'s ttl 0 means none', async () => {
    const cache = createCacheSync({ maxMemory: '1mb', activeExpiry: false, defaultTtl: 30_000 });
    caches.push(cache);
    const keyv = new Keyv({ store: new KeyvWasmcache(cache), namespace: 'd' });
    await keyv.set('a', 1);
    expect(cache.ttl('d:a')).toBeGreaterThan(29_000);
    await keyv.set('b', 2, 0);
    expect(cache.ttl('d:b')).toBeGreaterThan(29_000); // Keyv turns 0 into "no ttl given"
    await new KeyvWasmcache(cache).set('c', 3, 0); // straight to the adapter, 0 is "no expiry"
    expect(cache.ttl('c')).toBe(-1);
  });

  it('setMany stores each entry with its own TTL', async () => {
    const cache = newCache();
    const keyv = new Keyv({ store: new KeyvWasmcache(cache), namespace: 'm' });
    const results = await keyv.setMany([
      { key: 'a', value: 'A', ttl: 10_000 },
      { key: 'b', value: 'B' },
      { key: 'c', value: 'C', ttl: 20_000 },
      { key: 'd', value: 'D', ttl: 10_000 },
    ]);
    expect(results).toEqual([true, true, true, true]);
    expect(cache.ttl('m:a')).toBeGreaterThan(9_000);
    expect(cache.ttl('m:a')).toBeLessThanOrEqual(10_000);
    expect(cache.ttl('m:b')).toBe(-1);
    expect(cache.ttl('m:c')).toBeGreaterThan(19_000);
    expect(cache.ttl('m:d')).toBeGreaterThan(9_000);
    expect(await keyv.getMany(['a', 'b', 'x', 'c', 'd'])).toEqual(['A', 'B', undefined, 'C', 'D']);
    expect(await keyv.hasMany(['a', 'x'])).toEqual([true, false]);
    expect(await keyv.deleteMany(['a', 'b'])).toBe(true);
    expect(await keyv.deleteMany(['c', 'a'])).toBe(false); // 'a' was gone
    expect(await keyv.get('d')).toBe('D');
  });
});

describe('KeyvWasmcache: namespaces sharing one cache', () => {
  it('clear() removes only its namespace\'s keys; without a namespace, everything', async () => {
    const cache = newCache();
    const a = new Keyv({ store: new KeyvWasmcache(cache), namespace: 'a' });
    const ab = new Keyv({ store: new KeyvWasmcache(cache), namespace: 'a:b' });
    const b = new Keyv({ store: new KeyvWasmcache(cache), namespace: 'b' });
    for (let i = 0; i < 200; i++) await a.set(`k${i}`, i); // more than one scan step
    await b.set('k', 'b');
    cache.set('other', 'not keyv');
    cache.set(new Uint8Array([97, 58, 120]), 'a byte key that reads "a:x"');
    cache.set('ab:x', 'no colon after "a"');
    await ab.clear();
    expect(cache.size).toBe(204); // 'a:b:' had no keys; 'a:k*' are not under it
    await a.clear();
    expect(await a.get('k0')).toBeUndefined();
    expect(await b.get('k')).toBe('b');
    expect([...cache.keys()].filter((k) => typeof k === 'string').sort()).toEqual(['ab:x', 'b:k', 'other']);
    expect(cache.size).toBe(4);
    const whole = new Keyv({ store: new KeyvWasmcache(cache), namespace: '' });
    await whole.clear();
    expect(cache.size).toBe(0);
  });

  it('iterator(namespace) yields [stored key, value] of that namespace only, without touching the counters', async () => {
    const cache = newCache();
    const store = new KeyvWasmcache(cache);
    cache.set('x:1', 'one');
    cache.set('x:2', 'two');
    cache.set('y:1', 'other');
    cache.set('x', 'no prefix');
    const hits = cache.stats().hits;
    const got: unknown[] = [];
    for await (const entry of store.iterator('x')) got.push(entry);
    expect(got.sort()).toEqual([
      ['x:1', 'one'],
      ['x:2', 'two'],
    ]);
    expect(cache.stats().hits).toBe(hits);
    const all: unknown[] = [];
    for await (const [k] of store.iterator()) all.push(k);
    expect(all.sort()).toEqual(['x', 'x:1', 'x:2', 'y:1']);
  });

  it('keyv.iterator() works through the adapter and survives deletes while iterating', async () => {
    const cache = newCache();
    const keyv = new Keyv({ store: new KeyvWasmcache(cache), namespace: 'it' });
    expect(typeof keyv.iterator).toBe('function');
    for (let i = 0; i < 100; i++) await keyv.set(`k${i}`, i);
    const seen = new Set<string>();
    for await (const [key, value] of keyv.iterator!({})) {
      expect(value).toBe(Number(String(key).slice(1)));
      seen.add(key as string);
      await keyv.delete(key as string); // deletes behind a cursor walk would lose keys
    }
    expect(seen.size).toBe(100);
    expect(cache.size).toBe(0);
  });
});

describe('KeyvWasmcache: errors and lifecycle', () => {
  it('each failure reaches Keyv\'s error listeners exactly once, reads included', async () => {
    const cache = createCacheSync({ maxMemory: '1mb' });
    const keyv = new Keyv({ store: new KeyvWasmcache(cache) });
    const errors: unknown[] = [];
    keyv.on('error', (e: unknown) => errors.push(e));
    await keyv.set('a', 1);
    cache.dispose();
    expect(await keyv.get('a')).toBeUndefined(); // Keyv drops a failed store.get; the adapter emits
    expect(errors).toHaveLength(1);
    expect(await keyv.set('a', 2)).toBe(false); // Keyv emits a failed store.set itself
    expect(errors).toHaveLength(2);
    expect(await keyv.delete('a')).toBe(false);
    await keyv.clear();
    expect(errors).toHaveLength(4);
    await expect(keyv.has('a')).rejects.toThrow(CacheError); // Keyv does not catch has(); the adapter emits
    expect(errors).toHaveLength(5);
    for (const e of errors) expect((e as CacheError).code).toBe('ERR_DISPOSED');
  });

  it('rejects through Keyv with throwOnErrors, e.g. a value over maxValueSize', async () => {
    const cache = createCacheSync({ maxMemory: '1mb', maxValueSize: 100 });
    caches.push(cache);
    const keyv = new Keyv({ store: new KeyvWasmcache(cache), throwOnErrors: true });
    keyv.on('error', () => {});
    await expect(keyv.set('big', 'x'.repeat(200))).rejects.toMatchObject({ code: 'ERR_VALUE_TOO_LARGE' });
    expect(await keyv.set('small', 'x')).toBe(true);
  });

  it('the adapter\'s emitter: on, once, off, emit', () => {
    const store = new KeyvWasmcache(newCache());
    const calls: string[] = [];
    const on = (x: string) => calls.push(`on ${x}`);
    store.on('e', on).once('e', (x: string) => calls.push(`once ${x}`));
    expect(store.emit('e', 1)).toBe(true);
    store.emit('e', 2);
    store.off('e', on);
    expect(store.emit('e', 3)).toBe(false);
    expect(calls).toEqual(['on 1', 'once 1', 'on 2']);
  });

  it('disconnect() disposes a cache the adapter created, not one passed in', async () => {
    const own = new KeyvWasmcache({ maxMemory: '256kb' });
    await own.set('a', 'b');
    await new Keyv({ store: own }).disconnect();
    expect(() => own.cache.get('a')).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
    const cache = newCache();
    const passed = new KeyvWasmcache(cache);
    await passed.disconnect();
    expect(cache.set('a', 'still open')).toBe(true);
    expect(passed.cache).toBe(cache);
  });
});

describe('cacheable with KeyvWasmcache as its primary store', () => {
  it('set, get, delete and TTL expiry go through to the wasmcache Cache', async () => {
    const cache = newCache();
    const cacheable = new Cacheable({ primary: new Keyv({ store: new KeyvWasmcache(cache) }) });
    await cacheable.set('user:1', { name: 'Ada' });
    expect(await cacheable.get('user:1')).toEqual({ name: 'Ada' });
    expect([...cache.keys()].some((k) => typeof k === 'string' && k.endsWith('user:1'))).toBe(true);
    expect(await cacheable.has('user:1')).toBe(true);
    expect(await cacheable.delete('user:1')).toBe(true);
    expect(await cacheable.get('user:1')).toBeUndefined();
    expect(cache.size).toBe(0);

    await cacheable.set('short', 'lived', 50);
    const key = [...cache.keys()].find((k) => typeof k === 'string' && k.endsWith('short')) as string;
    expect(cache.ttl(key)).toBeGreaterThan(0); // the TTL reached the wasmcache item
    expect(cache.ttl(key)).toBeLessThanOrEqual(50);
    expect(await cacheable.get('short')).toBe('lived');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await cacheable.get('short')).toBeUndefined();
    expect(cache.has(key)).toBe(false);

    await cacheable.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: '1h' },
    ]);
    expect(await cacheable.getMany(['a', 'b', 'c'])).toEqual([1, 2, undefined]);
    await cacheable.clear();
    expect(cache.size).toBe(0);
  });

  it('wrap() memoizes through the wasmcache store', async () => {
    const cache = newCache();
    const cacheable = new Cacheable({ primary: new Keyv({ store: new KeyvWasmcache(cache) }) });
    let calls = 0;
    const square = cacheable.wrap(async (n: number) => {
      calls++;
      return n * n;
    }, { ttl: '1m' });
    expect(await square(7)).toBe(49);
    expect(await square(7)).toBe(49);
    expect(calls).toBe(1);
    expect(cache.size).toBe(1);
  });
});
