// fetch() and memo(): one load per missing key however many callers, errors shared and never
// cached, stale values served exactly within their windows, per-caller abort.
import { describe, expect, it } from 'vitest';
import { CacheError, createCacheSync, fromBytes, type Cache, type CacheOptions } from '../src/index.js';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A loader whose every call waits for the test to settle it; records its calls. */
function controlledLoader<T>() {
  const calls: { key: unknown; staleValue: unknown; signal: AbortSignal; done: ReturnType<typeof deferred<T>> }[] = [];
  const loader = (key: unknown, ctx: { staleValue: unknown; signal: AbortSignal }) => {
    const done = deferred<T>();
    calls.push({ key, staleValue: ctx.staleValue, signal: ctx.signal, done });
    return done.promise;
  };
  return { loader, calls };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

function clocked(options: CacheOptions = {}): { cache: Cache; clock: { now: number } } {
  const clock = { now: 1_000 };
  const cache = createCacheSync({ maxMemory: '1mb', activeExpiry: false, now: () => clock.now, ...options });
  return { cache, clock };
}

describe('fetch', () => {
  it('1,000 concurrent fetches of one missing key call the loader once and all get its value', async () => {
    const { cache } = clocked();
    const { loader, calls } = controlledLoader<{ id: number }>();
    const waiters = Array.from({ length: 1000 }, () => cache.fetch('user:1', loader, { ttl: 1000 }));
    expect(calls.length).toBe(1);
    calls[0].done.resolve({ id: 1 });
    const results = await Promise.all(waiters);
    expect(results.every((r) => JSON.stringify(r) === '{"id":1}')).toBe(true);
    expect(cache.get('user:1')).toEqual({ id: 1 });
    expect(cache.stats()).toMatchObject({ loads: 1, coalesced: 999, loadErrors: 0 });
    // Cached now: the next fetch does not call the loader.
    expect(await cache.fetch('user:1', loader)).toEqual({ id: 1 });
    expect(calls.length).toBe(1);
  });

  it('a loader error reaches every waiter and caches nothing', async () => {
    const { cache } = clocked();
    const { loader, calls } = controlledLoader<string>();
    const waiters = Array.from({ length: 10 }, () => cache.fetch('k', loader));
    calls[0].done.reject(new Error('db down'));
    const settled = await Promise.allSettled(waiters);
    expect(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'db down')).toBe(true);
    expect(cache.has('k')).toBe(false);
    expect(cache.stats()).toMatchObject({ loads: 1, loadErrors: 1 });
    const again = cache.fetch('k', loader);
    expect(calls.length).toBe(2); // the error was not cached: a new load
    calls[1].done.resolve('ok');
    expect(await again).toBe('ok');
  });

  it('serves a stale value exactly within the stale-while-revalidate window, with one background reload', async () => {
    const { cache, clock } = clocked();
    const { loader, calls } = controlledLoader<string>();
    const first = cache.fetch('k', loader, { ttl: 100, staleWhileRevalidate: 50 });
    calls[0].done.resolve('v1');
    expect(await first).toBe('v1');
    const t0 = clock.now;

    clock.now = t0 + 100; // still fresh (alive while now <= fresh-until)
    expect(await cache.fetch('k', loader, { ttl: 100, staleWhileRevalidate: 50 })).toBe('v1');
    expect(calls.length).toBe(1);
    expect(cache.get('k')).toBe('v1');

    clock.now = t0 + 101; // stale: served at once, one reload starts
    expect(cache.get('k')).toBeUndefined(); // plain reads never see a stale value
    expect(cache.has('k')).toBe(false);
    expect(cache.ttl('k')).toBe(-2);
    const stale = await Promise.all([1, 2, 3].map(() => cache.fetch('k', loader, { ttl: 100, staleWhileRevalidate: 50 })));
    expect(stale).toEqual(['v1', 'v1', 'v1']);
    expect(calls.length).toBe(2);
    expect(calls[1].staleValue).toBe('v1');
    expect(cache.stats().staleServed).toBe(3);
    calls[1].done.resolve('v2');
    await tick();
    expect(cache.get('k')).toBe('v2');
    expect(cache.ttl('k')).toBe(100);
  });

  it('never serves a stale value after its window: the caller waits for the load', async () => {
    const { cache, clock } = clocked();
    const { loader, calls } = controlledLoader<string>();
    const first = cache.fetch('k', loader, { ttl: 100, staleWhileRevalidate: 50 });
    calls[0].done.resolve('v1');
    await first;
    const t0 = clock.now;
    clock.now = t0 + 150; // last ms of the window
    expect(await cache.fetch('k', loader, { ttl: 100, staleWhileRevalidate: 50 })).toBe('v1');
    calls[1].done.reject(new Error('ignored: background reload failed'));
    await tick();
    clock.now = t0 + 151; // the window is over: the item itself has expired
    expect(cache.stats().items).toBe(1);
    const waiting = cache.fetch('k', loader, { ttl: 100, staleWhileRevalidate: 50 });
    expect(calls.length).toBe(3);
    calls[2].done.resolve('v3');
    expect(await waiting).toBe('v3');
    expect(cache.stats().staleServed).toBe(1);
  });

  it('stale-if-error answers a failed reload with the stale value, only within its window', async () => {
    const { cache, clock } = clocked();
    const { loader, calls } = controlledLoader<string>();
    const first = cache.fetch('k', loader, { ttl: 100, staleIfError: 1000 });
    calls[0].done.resolve('v1');
    await first;
    const t0 = clock.now;
    clock.now = t0 + 500; // stale; no stale-while-revalidate, so the caller waits for the reload
    const reload = cache.fetch('k', loader, { ttl: 100, staleIfError: 1000 });
    calls[1].done.reject(new Error('down'));
    expect(await reload).toBe('v1');
    expect(cache.stats()).toMatchObject({ loadErrors: 1, staleServed: 1 });

    clock.now = t0 + 1101; // past ttl + staleIfError: the value is gone, the error comes through
    const late = cache.fetch('k', loader, { ttl: 100, staleIfError: 1000 });
    calls[2].done.reject(new Error('still down'));
    await expect(late).rejects.toThrow('still down');
  });

  it('an aborted waiter rejects alone; the load goes on for the others and is cached', async () => {
    const { cache } = clocked();
    const { loader, calls } = controlledLoader<string>();
    const controller = new AbortController();
    const aborted = cache.fetch('k', loader, { signal: controller.signal });
    const other = cache.fetch('k', loader);
    controller.abort(new Error('caller went away'));
    await expect(aborted).rejects.toThrow('caller went away');
    expect(calls[0].signal.aborted).toBe(false);
    calls[0].done.resolve('v');
    expect(await other).toBe('v');
    expect(cache.get('k')).toBe('v');
    // An already aborted signal rejects at once.
    await expect(cache.fetch('x', loader, { signal: AbortSignal.abort(new Error('no')) })).rejects.toThrow('no');
  });

  it('a key evicted while its load is in flight still gets its result to the waiters', async () => {
    const { cache } = clocked({ maxEntries: 10 });
    const { loader, calls } = controlledLoader<string>();
    cache.set('k', 'old', { ttl: 10 });
    const waiters = [cache.fetch('k', loader, { forceRefresh: true }), cache.fetch('k', loader, { forceRefresh: true })];
    for (let i = 0; i < 100; i++) cache.set(`filler:${i}`, i); // evicts k
    expect(cache.has('k')).toBe(false);
    expect(calls[0].staleValue).toBe('old');
    calls[0].done.resolve('new');
    expect(await Promise.all(waiters)).toEqual(['new', 'new']);
    expect(cache.get('k')).toBe('new');
  });

  it('a write or delete during the load wins: the load result is returned but not cached', async () => {
    const { cache } = clocked();
    const { loader, calls } = controlledLoader<string>();
    const a = cache.fetch('a', loader);
    const b = cache.fetch('b', loader);
    cache.set('a', 'written meanwhile');
    cache.delete('b');
    calls[0].done.resolve('loaded a');
    calls[1].done.resolve('loaded b');
    expect(await a).toBe('loaded a');
    expect(await b).toBe('loaded b');
    expect(cache.get('a')).toBe('written meanwhile');
    expect(cache.has('b')).toBe(false);
  });

  it('a fetch after a delete does not join the load the delete overtook', async () => {
    const { cache } = clocked();
    const { loader, calls } = controlledLoader<string>();
    const before = cache.fetch('k', loader);
    cache.delete('k'); // e.g. the source changed: the load in flight may hold the old value
    const after = cache.fetch('k', loader);
    expect(calls.length).toBe(2);
    calls[0].done.resolve('old');
    calls[1].done.resolve('new');
    expect(await before).toBe('old');
    expect(await after).toBe('new');
    expect(cache.get('k')).toBe('new');
  });

  it('forceRefresh reloads on a hit; a loader returning undefined caches nothing', async () => {
    const { cache } = clocked();
    cache.set('k', 1);
    expect(await cache.fetch('k', () => 2)).toBe(1);
    expect(await cache.fetch('k', () => 2, { forceRefresh: true })).toBe(2);
    expect(cache.get('k')).toBe(2);
    expect(await cache.fetch('none', () => undefined)).toBeUndefined();
    expect(cache.has('none')).toBe(false);
  });

  it('stale values count against memory and are dropped when their window ends', async () => {
    const { cache, clock } = clocked();
    const before = cache.stats().usedBytes;
    await cache.fetch('big', () => 'x'.repeat(10_000), { ttl: 100, staleWhileRevalidate: 1000 });
    clock.now += 500; // stale, still kept
    expect(cache.stats().usedBytes - before).toBeGreaterThan(10_000);
    expect(cache.get('big')).toBeUndefined();
    clock.now += 601;
    expect(cache.size).toBe(0);
    expect(cache.stats().usedBytes).toBe(before);
    expect(cache.checkInvariants()).toBe(0);
  });

  it('dispose aborts the loads in flight and rejects their waiters at once with ERR_DISPOSED', async () => {
    const { cache } = clocked();
    const { loader, calls } = controlledLoader<string>();
    // The loader ignores its signal: its promise settles only when the test says so.
    const waiters = [cache.fetch('k', loader), cache.fetch('k', loader), cache.fetch('k', loader, { signal: new AbortController().signal })];
    const superseded = cache.fetch('w', loader);
    cache.set('w', 'written'); // the load of 'w' can no longer be joined, but its waiter still waits
    cache.dispose();
    expect(calls[0].signal.aborted).toBe(true);
    expect((calls[0].signal.reason as CacheError).code).toBe('ERR_DISPOSED');
    const settled = await Promise.race([
      Promise.allSettled([...waiters, superseded]),
      new Promise((r) => setTimeout(() => r('still waiting'), 1000)),
    ]);
    expect(settled).not.toBe('still waiting');
    for (const s of settled as PromiseSettledResult<unknown>[]) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(CacheError);
      expect((s as PromiseRejectedResult).reason.code).toBe('ERR_DISPOSED');
    }
    // What the loaders answer later is dropped.
    for (const c of calls) c.done.resolve('late');
    await tick();
  });

  it('a fetch of the key from inside its own loader joins the load in flight', async () => {
    const { cache } = clocked();
    let inner: Promise<unknown> | undefined;
    let loads = 0;
    const loader = async (key: unknown) => {
      loads++;
      // The synchronous part of the loader: the load is registered, and must be joinable.
      inner ??= cache.fetch(key as string, loader);
      await tick();
      return 'loaded';
    };
    expect(await cache.fetch('self', loader)).toBe('loaded');
    expect(await inner).toBe('loaded');
    expect(loads).toBe(1);
    expect(cache.stats()).toMatchObject({ loads: 1, coalesced: 1 });
  });

  it('rejects bad arguments with CacheError', async () => {
    const { cache } = clocked();
    await expect(cache.fetch('k', 5 as never)).rejects.toMatchObject({ code: 'ERR_OPTIONS' });
    await expect(cache.fetch('k', () => 1, { staleWhileRevalidate: -1 })).rejects.toMatchObject({ code: 'ERR_TTL' });
    await expect(cache.fetch(7 as never, () => 1)).rejects.toMatchObject({ code: 'ERR_KEY_TYPE' });
  });
});

describe('memo', () => {
  it('caches results by arguments, one call in flight per argument list', async () => {
    const { cache } = clocked();
    let calls = 0;
    const square = cache.memo(async (n: number) => {
      calls++;
      await tick();
      return n * n;
    }, { ttl: 1000 });
    expect(await Promise.all([square(3), square(3), square(4)])).toEqual([9, 9, 16]);
    expect(calls).toBe(2);
    expect(await square(3)).toBe(9);
    expect(calls).toBe(2);
    // Two memos on one cache do not share keys.
    const cube = cache.memo(async (n: number) => n * n * n);
    expect(await cube(3)).toBe(27);
  });

  it('dispose rejects memo callers whose function never settles with ERR_DISPOSED', async () => {
    const { cache } = clocked();
    const hang = cache.memo((n: number) => new Promise<number>(() => void n));
    const calls = [hang(1), hang(1), hang(2)];
    cache.dispose();
    const settled = await Promise.race([
      Promise.allSettled(calls),
      new Promise((r) => setTimeout(() => r('still waiting'), 1000)),
    ]);
    expect(settled).not.toBe('still waiting');
    for (const s of settled as PromiseSettledResult<unknown>[]) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason.code).toBe('ERR_DISPOSED');
    }
    await expect(hang(3)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it('takes a key function', async () => {
    const { cache } = clocked();
    const user = cache.memo(async (id: number) => ({ id }), { key: (id) => `user:${id}` });
    await user(7);
    expect(cache.get('user:7')).toEqual({ id: 7 });
  });

  it('keys of its own: no key given to the cache is a memo key, and keys() and snapshots leave them out', async () => {
    const { cache } = clocked();
    let calls = 0;
    const f = cache.memo(async (n: number) => `f(${n}) #${++calls}`);
    // What memo keys were (or might look like) before: plain keys, as text and as bytes.
    const lookalikes = ['memo:0:[21]', '0:[21]', '0:[d21]', '0:d21', 'memo:0:[d21]'];
    for (const k of lookalikes) cache.set(k, 'planted');
    for (const k of lookalikes) cache.set(new TextEncoder().encode(k + '!'), 'planted');
    expect(await f(21)).toBe('f(21) #1');
    expect(await f(21)).toBe('f(21) #1'); // cached
    for (const k of lookalikes) expect(cache.get(k)).toBe('planted'); // and the planted keys untouched
    // A write or delete of any caller's key does not touch the memo entry, nor its load in flight.
    for (const k of lookalikes) cache.delete(k);
    expect(await f(21)).toBe('f(21) #1');
    expect(calls).toBe(1);
    // keys() and entries() list the caller's keys only; size counts the memo entry (it takes memory).
    cache.set('mine', 1);
    expect([...cache.keys()].filter((k) => typeof k === 'string')).toEqual(['mine']);
    expect(cache.size).toBe(1 + 5 + 1);
    expect(cache.checkInvariants()).toBe(0);
    // A snapshot holds the caller's keys only: a memo is known by its creation order in one process.
    const copy = await fromBytes(cache.toBytes(), { maxMemory: '1mb' });
    expect(copy.size).toBe(1 + 5);
    let copyCalls = 0;
    const g = copy.memo(async (n: number) => `g(${n}) #${++copyCalls}`);
    expect(await g(21)).toBe('g(21) #1');
    // clear() empties the memo's key space too.
    cache.clear();
    expect(await f(21)).toBe('f(21) #2');
  });

  it('tells argument lists apart that JSON.stringify would confuse', async () => {
    const { cache } = clocked();
    const seen: unknown[][] = [];
    const echo = cache.memo(async (...args: unknown[]) => {
      seen.push(args);
      return seen.length;
    });
    const lists: unknown[][] = [
      [undefined],
      [null],
      [],
      [[undefined]],
      [[null]],
      [[]],
      [{ a: undefined }],
      [{}],
      [{ a: null }],
      [0],
      [-0],
      [NaN],
      [Infinity],
      [-Infinity],
      [1],
      [1n],
      ['1'],
      [true],
      ['true'],
      [new Date(0)],
      [new Date(0).toISOString()],
      ['a\uD800'],
      ['a\uFFFD'],
      [new Uint8Array([1, 2])],
      [[1, 2]],
      ['x', 'y'],
      ['x,y'],
      [{ a: 1, b: 2 }],
      [{ '"a":1,"b"': 2 }],
    ];
    const first = await Promise.all(lists.map((args) => echo(...args)));
    expect(new Set(first).size).toBe(lists.length); // one call each: no two lists share a key
    const again = await Promise.all(lists.map((args) => echo(...args)));
    expect(again).toEqual(first); // and each is cached under its own key
    expect(seen.length).toBe(lists.length);
    expect(Object.is(seen[lists.findIndex((l) => Object.is(l[0], -0))][0], -0)).toBe(true);
  });

  it('refuses arguments it cannot encode with ERR_KEY_TYPE, unless given a key function', async () => {
    const { cache } = clocked();
    const f = cache.memo(async (x: unknown) => typeof x);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [new Map(), new Set([1]), () => 1, Symbol('s'), cyclic, [new Map()], new (class Point {})()]) {
      await expect(f(bad)).rejects.toMatchObject({ code: 'ERR_KEY_TYPE' });
    }
    const byName = cache.memo(async (m: Map<string, number>) => m.get('a'), { key: (m) => `map:${m.get('a')}` });
    expect(await byName(new Map([['a', 7]]))).toBe(7);
    expect(cache.get('map:7')).toBe(7);
  });

  it('the same key text in both key spaces stays two items through growth and eviction', async () => {
    const cache = createCacheSync({ maxMemory: '1mb', activeExpiry: false });
    const pad = '.'.repeat(150);
    const f = cache.memo(async (n: number) => `memo ${n}${pad}`);
    // `0:[d${n}]` is the text of f(n)'s key in memo()'s space (memo number 0, argument list [n]).
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 4000; n++) {
        expect(await f(n)).toBe(`memo ${n}${pad}`);
        cache.set(`0:[d${n}]`, `user ${n}${pad}`); // the same bytes, in the callers' key space
      }
      expect(cache.checkInvariants()).toBe(0);
    }
    expect(cache.stats().evictions).toBeGreaterThan(0);
    for (let n = 3990; n < 4000; n++) {
      expect(cache.get(`0:[d${n}]`)).toBe(`user ${n}${pad}`);
      expect(await f(n)).toBe(`memo ${n}${pad}`);
    }
    expect([...cache.keys()].every((k) => typeof k === 'string' && k.startsWith('0:[d'))).toBe(true);
    expect(cache.checkInvariants()).toBe(0);
  });
});
