// One cache for every thread: a cache created with shared: true, attached from worker_threads.
// Three workers and the main thread run random operations on one cache at once; what each thread
// saw is checked against what the cache must hold whatever the interleaving: counters exact, one
// winner per NX lock, no read mixing two writes, each thread's own keys holding its last write,
// the structures consistent. Workers import the built package (dist/), as a user's would.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CacheError, attachCache, createCache, createCacheSync, type CacheHandle } from '../src/index.js';
import { SharedLock } from '../src/shared.js';

const WORKER = join(import.meta.dirname, 'fixtures', 'threads', 'worker.mjs');
const DIST = join(import.meta.dirname, '..', 'dist', 'index.js');

interface Seen {
  id: number;
  torn: number;
  reads: number;
  lockWins: number;
  last: Record<string, unknown>;
  /** The worker had lanes of its own, so its gets ran without the lock (src/unlocked.ts). */
  ownLane: boolean;
}

function start(handle: CacheHandle, job: string, id: number, n = 0) {
  const worker = new Worker(WORKER, { workerData: { handle, job, id, n, seed: 0x9e3779b9 * (id + 1) } });
  const exited = new Promise<number>((done) => worker.on('exit', done));
  const message = new Promise<Seen>((done, fail) => {
    worker.on('message', (m: Seen & { holding?: boolean }) => done(m));
    worker.on('error', fail);
  });
  return { worker, exited, message };
}

describe('a shared cache across worker_threads', () => {
  it('the built package is there for the workers (npm test builds it first)', () => {
    expect(existsSync(DIST), `${DIST} is missing: run npm run build`).toBe(true);
  });

  // One lock for everything (shards: 1), and the cache in shards, each with its lock (src/sharded.ts).
  for (const shards of [1, 4]) {
    it(`three workers and the main thread at once: counters exact, one NX winner, no torn read, own keys as last written (shards: ${shards})`, async () => {
      // Memory enough for a lane per thread in every shard: the workers' gets run without the lock.
      const cache = await createCache({ maxMemory: shards === 1 ? '8mb' : '32mb', shared: true, shards });
      const N = 3_000;
      const workers = [1, 2, 3].map((id) => start(cache.handle, 'mixed', id, N));
      // The main thread works meanwhile (its own keys, the counter, the locks).
      let mainWins = 0;
      for (let i = 0; i < N; i++) {
        cache.incr('counter');
        if (cache.set(`lock:${i % 50}`, 'main', { nx: true })) mainWins++;
        const v = cache.get(`shared:${i % 64}`);
        if (v !== undefined) expect(v).toBe(v[0].repeat(v.length));
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      const seen = await Promise.all(workers.map((w) => w.message));
      await Promise.all(workers.map((w) => w.exited));
      expect(cache.get('counter')).toBe(String(4 * N)); // no increment lost
      expect(mainWins + seen.reduce((n, s) => n + s.lockWins, 0)).toBe(50); // each lock taken exactly once
      for (const s of seen) {
        expect(s.torn, `worker ${s.id} read a value mixing two writes`).toBe(0);
        expect(s.reads).toBeGreaterThan(100);
        expect(s.ownLane, `worker ${s.id} has lanes of its own`).toBe(true);
        for (const [key, value] of Object.entries(s.last)) expect(cache.get(key), key).toEqual(value);
      }
      expect(cache.checkInvariants()).toBe(0);
      cache.dispose();
    }, 60_000);

    // Small: one lane, shared, so every call takes the lock; large: the workers read without it
    // while the main thread's writes evict the items they read.
    for (const [memory, size, keys] of [[shards === 1 ? '512kb' : '1mb', 2_000, 200], [shards === 1 ? '8mb' : '32mb', shards === 1 ? 8_000 : 30_000, 2_000]] as const) {
      it(`evictions and expiry while every thread writes: the structures stay consistent (shards: ${shards}, ${memory})`, async () => {
        const cache = await createCache({ maxMemory: memory, shared: true, shards, activeExpiry: 5 });
        const workers = [1, 2, 3].map((id) => start(cache.handle, 'mixed', id, 2_000));
        for (let i = 0; i < 2_000; i++) {
          cache.set(`big:${i % keys}`, 'z'.repeat(size), { ttl: 5 });
          if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
        }
        const seen = await Promise.all(workers.map((w) => w.message));
        await Promise.all(workers.map((w) => w.exited));
        for (const s of seen) {
          expect(s.torn).toBe(0);
          expect(s.ownLane).toBe(keys > 200);
        }
        const stats = cache.stats();
        expect(stats.evictions + stats.expired).toBeGreaterThan(0);
        expect(cache.checkInvariants()).toBe(0);
        cache.dispose();
      }, 60_000);
    }

    it(`a snapshot saved while workers write loads into a new cache and passes its checks (shards: ${shards})`, async () => {
      const cache = await createCache({ maxMemory: '4mb', shared: true, shards });
      const workers = [1, 2].map((id) => start(cache.handle, 'mixed', id, 3_000));
      const snaps: Uint8Array[] = [];
      for (let i = 0; i < 20; i++) {
        snaps.push(cache.toBytes());
        await new Promise((r) => setTimeout(r, 2));
      }
      await Promise.all(workers.map((w) => w.exited));
      for (const bytes of snaps) {
        const copy = createCacheSync({ maxMemory: '4mb' });
        copy.loadBytes(bytes);
        expect(copy.checkInvariants()).toBe(0);
        for (const [k, v] of copy.entries()) if (String(k).startsWith('shared:')) expect(v).toBe((v as string)[0].repeat((v as string).length));
      }
      cache.dispose();
    }, 60_000);
  }

  for (const writer of ['tear-write', 'tear-move']) {
    it(`reads without the lock never return a value half rewritten: one writer rewrites a key ${writer === 'tear-write' ? 'in place' : 'moving it'}, two readers check each read`, async () => {
      const cache = await createCache({ maxMemory: '16mb', shared: true });
      cache.set('tear', 'a'.repeat(4000));
      const N = 300_000;
      const workers = [start(cache.handle, writer, 1, N), start(cache.handle, 'tear-read', 2, N), start(cache.handle, 'tear-read', 3, N)];
      const seen = await Promise.all(workers.map((w) => w.message));
      await Promise.all(workers.map((w) => w.exited));
      for (const s of seen.slice(1)) {
        expect(s.ownLane).toBe(true);
        expect(s.reads).toBe(N);
        expect(s.torn, `worker ${s.id}: reads that mixed two writes`).toBe(0);
      }
      expect(cache.stats().hits).toBe(2 * N); // every read a hit, counted once however often it retried
      cache.dispose();
    }, 60_000);
  }

  it('attach and exit in a loop: every attach sees the cache, nothing is left locked', async () => {
    const cache = await createCache({ maxMemory: '1mb', shared: true });
    for (let i = 0; i < 12; i++) {
      const w = start(cache.handle, 'attach', i);
      await w.message;
      expect(await w.exited).toBe(0);
    }
    expect(cache.get('attached')).toBe('12');
    cache.dispose();
  }, 60_000);

  it('onRemove is per thread: the creating thread hears its own removals; a worker without one removes without a callback', async () => {
    const heard: string[] = [];
    const cache = await createCache({ maxMemory: '1mb', shared: true, onRemove: (key, _value, reason) => void heard.push(`${String(key)} ${reason}`) });
    for (let i = 0; i < 10; i++) cache.set(`d${i}`, i);
    const w = start(cache.handle, 'delete', 1, 5);
    const seen = (await w.message) as Seen & { keys: number };
    expect(await w.exited).toBe(0);
    expect(seen.keys).toBe(5); // the worker's iterator saw the five keys it left
    expect(heard).toEqual([]); // its deletes were its own
    cache.delete('d9');
    expect(heard).toEqual(['d9 delete']);
    expect([...cache.keys()].sort()).toEqual(['d5', 'd6', 'd7', 'd8']);
    cache.dispose();
  }, 30_000);

  it('a worker terminated while it holds the lock: the others get ERR_LOCK_TIMEOUT, never hang', async () => {
    const cache = await createCache({ maxMemory: '1mb', shared: true, lockTimeoutMs: 300 });
    cache.set('k', 'v');
    const w = start(cache.handle, 'hold', 1);
    await w.message; // it holds the lock now
    await w.worker.terminate();
    const t = Date.now();
    let err: unknown;
    try {
      cache.get('k');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CacheError);
    expect((err as CacheError).code).toBe('ERR_LOCK_TIMEOUT');
    expect(Date.now() - t).toBeGreaterThanOrEqual(250);
    cache.dispose();
  }, 30_000);
});

describe('shared caches: what is refused, and the lock', () => {
  it('shared is refused where it cannot work, with the reason', async () => {
    const refused = async (f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        expect(e).toBeInstanceOf(CacheError);
        expect((e as CacheError).code).toBe('ERR_OPTIONS');
        return (e as CacheError).message;
      }
      throw new Error('not refused');
    };
    expect(await refused(() => createCacheSync({ shared: true }))).toMatch(/createCache\(\)/);
    expect(await refused(() => createCache({ shared: true, hotTier: { maxEntries: 10 } }))).toMatch(/no hot tier/);
    expect(await refused(() => createCacheSync({ maxMemory: '1mb' }).handle)).toMatch(/shared: true/);
    expect(await refused(() => attachCache({} as CacheHandle))).toMatch(/handle of a shared cache/);
    const cache = await createCache({ maxMemory: '1mb', shared: true });
    expect(await refused(() => attachCache(cache.handle, { maxMemory: '2mb' } as never))).toMatch(/now and onRemove/);
    cache.dispose();
    const { checkSharedSupport } = await import('../src/shared.js');
    expect(() => checkSharedSupport(true)).toThrow(/Cloudflare Workers/);
  });

  it('the handle posts (structured clone) and another instance in this thread sees the same items', async () => {
    const cache = await createCache({ maxMemory: '1mb', shared: true });
    cache.set('a', { n: 1 });
    const handle = structuredClone(cache.handle);
    const other = await attachCache(handle);
    expect(other.get('a')).toEqual({ n: 1 });
    other.set('b', 'x');
    expect(cache.get('b')).toBe('x');
    expect(cache.stats().hotItems).toBe(0);
    cache.dispose();
    other.dispose();
  });

  it('the lock: re-entrant in a thread, and a held lock times out', () => {
    const i32 = new Int32Array(new SharedArrayBuffer(12));
    const lock = new SharedLock(i32, 1, 100);
    lock.run(() => lock.run(() => expect(i32[1]).toBe(1))); // held: odd
    expect(i32[1]).toBe(2); // free again: even, and changed (a read without the lock sees that a writer ran)
    Atomics.store(i32, 1, 3); // held by someone else
    const t = Date.now();
    expect(() => lock.enter()).toThrow(/stayed locked for 100 ms/);
    expect(Date.now() - t).toBeGreaterThanOrEqual(90);
    expect(i32[2]).toBe(0); // no waiter left counted
    Atomics.store(i32, 1, 4);
    lock.run(() => expect(i32[1]).toBe(5)); // usable again once free
  });
});
