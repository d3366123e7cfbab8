// The near-cache's API against a real redis-server: reads kept locally, write-through, values as
// strings or bytes, prefixes, TTL bounds, and option errors.
import { createServer, type Socket } from 'node:net';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { CacheError } from '../../src/errors.js';
import { createNearCache, type NearCache } from '../../src/near/index.js';
import { forKey, nextEvent, type PlainClient, SLOW_MACHINE_PING_TIMEOUT, template, useRedis } from './helpers.js';
import type { RedisServer } from './redis-server.js';

let server: RedisServer;
let plain: PlainClient;
const opened: NearCache[] = [];
useRedis((s, p) => ([server, plain] = [s, p]), opened);

async function near(options: Partial<Parameters<typeof createNearCache>[0]> = {}) {
  const cache = await createNearCache({ redis: template(server.url), local: { maxMemory: '1mb' }, pingTimeout: SLOW_MACHINE_PING_TIMEOUT, ...options });
  opened.push(cache);
  return cache;
}

describe('near-cache basics', () => {
  it('reads Redis once, then answers locally until the key changes', async () => {
    const cache = await near();
    expect(cache.state).toBe('on');
    await plain.set('basic:1', 'one');
    expect(await cache.get('basic:1')).toBe('one');
    expect(await cache.get('basic:1')).toBe('one');
    expect(await cache.get('basic:missing')).toBeUndefined();
    const s = cache.stats();
    expect(s).toMatchObject({ localHits: 1, remoteReads: 2, localItems: 1, trackingEnabled: 1 });
    expect(cache.local.get('basic:1')).toBe('one');
  });

  it('writes through to Redis and keeps the written value locally', async () => {
    const cache = await near();
    await cache.set('basic:2', 'two');
    expect(await plain.get('basic:2')).toBe('two');
    expect(cache.local.get('basic:2')).toBe('two');
    expect(await cache.get('basic:2')).toBe('two');
    expect(cache.stats().remoteReads).toBe(0);
    expect(await cache.delete('basic:2')).toBe(true);
    expect(await cache.delete('basic:2')).toBe(false);
    expect(cache.local.has('basic:2')).toBe(false);
    expect(await plain.exists('basic:2')).toBe(0);
    expect(await cache.get('basic:2')).toBeUndefined();
  });

  it('joins a read of the same key already in flight', async () => {
    const cache = await near();
    await plain.set('basic:3', 'three');
    const answers = await Promise.all([cache.get('basic:3'), cache.get('basic:3'), cache.get('basic:3')]);
    expect(answers).toEqual(['three', 'three', 'three']);
    expect(cache.stats()).toMatchObject({ remoteReads: 1, coalesced: 2 });
  });

  it("a key written through one near-cache is kept tracked: another client's write still invalidates it", async () => {
    const cache = await near();
    await cache.set('basic:4', 'mine');
    const invalidated = nextEvent(cache, 'invalidate', forKey('basic:4'));
    await plain.set('basic:4', 'theirs');
    const [key, bytes] = await invalidated;
    expect(key).toBe('basic:4'); // the key as text, as the README's example uses it
    expect([...bytes]).toEqual([...Buffer.from('basic:4')]);
    expect(cache.local.has('basic:4')).toBe(false);
    expect(await cache.get('basic:4')).toBe('theirs');
  });

  it("bounds each local copy by the key's TTL in Redis and by maxTtl", async () => {
    const cache = await near({ maxTtl: 5_000 });
    await plain.set('ttl:short', 'x', { PX: 2_000 });
    await plain.set('ttl:none', 'y');
    await cache.get('ttl:short');
    await cache.get('ttl:none');
    // Redis's remaining time first, then the local one: the local copy must not outlive the key.
    const inRedis = await plain.pTTL('ttl:short');
    const short = cache.local.ttl('ttl:short');
    expect(short).toBeGreaterThan(0);
    expect(short).toBeLessThanOrEqual(inRedis);
    const none = cache.local.ttl('ttl:none');
    expect(none).toBeGreaterThan(0);
    expect(none).toBeLessThanOrEqual(5_000);
    await cache.set('ttl:written', 'z', { ttl: 1_500 });
    expect(cache.local.ttl('ttl:written')).toBeLessThanOrEqual(1_500);
    expect(await plain.pTTL('ttl:written')).toBeGreaterThan(0);
  });

  it('a local copy expires after maxTtl (a fake local clock), and the next get() reads Redis', async () => {
    let now = Date.now();
    const cache = await near({ maxTtl: 1_000, local: { maxMemory: '1mb', now: () => now, activeExpiry: false } });
    await plain.set('ttl:clock', 'c');
    expect(await cache.get('ttl:clock')).toBe('c');
    expect(await cache.get('ttl:clock')).toBe('c');
    now += 1_001;
    expect(cache.local.has('ttl:clock')).toBe(false);
    expect(await cache.get('ttl:clock')).toBe('c');
    expect(cache.stats()).toMatchObject({ localHits: 1, remoteReads: 2 });
  });

  it('returns bytes with values: "bytes", and binary keys are the same keys as their text', async () => {
    const cache = await near({ values: 'bytes' });
    await plain.set('bin:1', Buffer.from([0, 255, 1]));
    expect(await cache.get('bin:1')).toEqual(new Uint8Array([0, 255, 1]));
    expect(await cache.get(new TextEncoder().encode('bin:1'))).toEqual(new Uint8Array([0, 255, 1]));
    expect(cache.stats().localHits).toBe(1);
    await cache.set(new Uint8Array([0x62, 0x69, 0x6e, 0x3a, 0xff]), 'text');
    expect(await plain.get(Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xff]))).toBe('text');
    expect(await cache.get(new Uint8Array([0x62, 0x69, 0x6e, 0x3a, 0xff]))).toEqual(new TextEncoder().encode('text'));
    await plain.set('bin:2', 'shared');
    const [x, y] = await Promise.all([cache.get('bin:2'), cache.get('bin:2')]); // one read, two callers
    expect(x).toEqual(y);
    expect(x).not.toBe(y);
  });

  it('keeps only keys under the given prefixes locally', async () => {
    const cache = await near({ prefixes: ['hot:'] });
    await plain.mSet({ 'hot:1': 'h', 'cold:1': 'c' });
    for (let i = 0; i < 2; i++) {
      expect(await cache.get('hot:1')).toBe('h');
      expect(await cache.get('cold:1')).toBe('c');
    }
    expect(cache.stats()).toMatchObject({ localHits: 1, remoteReads: 3, localItems: 1 });
  });

  it('bcast mode: Redis pushes only writes under the prefixes, and only those keys are kept', async () => {
    const cache = await near({ mode: 'bcast', prefixes: ['bc:'] });
    const seeded = nextEvent(cache, 'invalidate', forKey('bc:1')); // BCAST pushes every write, read or not
    await plain.mSet({ 'bc:1': 'a', 'other:1': 'b' });
    await seeded;
    for (let i = 0; i < 2; i++) {
      expect(await cache.get('bc:1')).toBe('a');
      expect(await cache.get('other:1')).toBe('b');
    }
    expect(cache.stats()).toMatchObject({ localHits: 1, remoteReads: 3 });
    const pushed: string[] = [];
    cache.on('invalidate', (key) => pushed.push(key));
    const last = nextEvent(cache, 'invalidate', forKey('bc:2'));
    await plain.set('other:1', 'b2');
    await plain.set('bc:1', 'a2');
    await plain.set('bc:2', 'never read');
    await last; // pushes come in order: any push for other:1 would have come first
    expect(pushed).toEqual(['bc:1', 'bc:2']);
    expect(await cache.get('bc:1')).toBe('a2');
    expect(await cache.get('other:1')).toBe('b2');
  });

  it('a key longer than the local maxKeySize goes to Redis every time, and its invalidations do no harm', async () => {
    const cache = await near({ local: { maxMemory: '1mb', maxKeySize: 64 } });
    const long = 'long:' + 'k'.repeat(100);
    await cache.set(long, 'v1');
    expect(await cache.get(long)).toBe('v1');
    const invalidated = nextEvent(cache, 'invalidate', forKey(long));
    await plain.set(long, 'v2'); // tracked by the get above: Redis pushes the long key
    await invalidated;
    expect(await cache.get(long)).toBe('v2');
    expect(await cache.delete(long)).toBe(true);
    expect(cache.stats()).toMatchObject({ localHits: 0, remoteReads: 2, localItems: 0 });
    expect(cache.state).toBe('on');
  });

  it('rejects bad options, keys, values and TTLs with CacheError naming what was wrong', async () => {
    const redis = template(server.url);
    await expect(createNearCache({ redis, mode: 'optin' as never })).rejects.toThrow(/mode must be 'default' or 'bcast'/);
    await expect(createNearCache({ redis, maxTtl: -1 })).rejects.toThrow(/maxTtl/);
    await expect(createNearCache({ redis, prefixes: [''] })).rejects.toThrow(/prefixes/);
    await expect(createNearCache({ redis: {} as never })).rejects.toThrow(/node-redis v5\+ client/);
    const cache = await near();
    await expect(cache.get(42 as never)).rejects.toMatchObject({ code: 'ERR_KEY_TYPE' });
    await expect(cache.set('k', {} as never)).rejects.toMatchObject({ code: 'ERR_VALUE_TYPE' });
    await expect(cache.set('k', 'v', { ttl: -5 })).rejects.toMatchObject({ code: 'ERR_TTL' });
    cache.dispose();
    await expect(cache.get('k')).rejects.toBeInstanceOf(CacheError);
  });

  it('rejects with ERR_REDIS when Redis cannot be reached', async () => {
    const unreachable = createClient({ url: 'redis://127.0.0.1:1', socket: { reconnectStrategy: false } });
    await expect(createNearCache({ redis: unreachable })).rejects.toMatchObject({ code: 'ERR_REDIS' });
    await expect(createNearCache({ redis: unreachable, connectTimeout: 0 })).rejects.toThrow(/connectTimeout/);
  });
});

/** A port on which nothing listens (it was free a moment ago). */
function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Sockets and timers alive in this process (what a leak would add to). */
function handles(): number {
  return process.getActiveResourcesInfo().filter((r) => /TCP|Timeout|Pipe/i.test(r)).length;
}

/** A client template that records the connection createNearCache() duplicates from it. */
function recording(client: ReturnType<typeof createClient>) {
  const made: ReturnType<typeof client.duplicate>[] = [];
  return {
    made,
    redis: {
      duplicate(overrides?: Record<string, unknown>) {
        const conn = client.duplicate(overrides);
        made.push(conn);
        return conn;
      },
    },
  };
}

describe('createNearCache with Redis down', () => {
  const cases: [string, () => Promise<ReturnType<typeof createClient>>][] = [
    ['retrying every 50 ms', async () => createClient({ url: `redis://127.0.0.1:${await deadPort()}`, socket: { reconnectStrategy: () => 50 } })],
    ["with node-redis's default reconnect strategy", async () => createClient({ url: `redis://127.0.0.1:${await deadPort()}` })],
  ];
  for (const [name, client] of cases) {
    it(`rejects with ERR_REDIS within connectTimeout, ${name}, and leaves nothing open`, async () => {
      const before = handles();
      const { made, redis } = recording(await client());
      const t0 = Date.now();
      const outcome = await Promise.race([
        createNearCache({ redis, connectTimeout: 300 }).then(
          (near) => (near.dispose(), 'resolved'),
          (error: unknown) => error,
        ),
        new Promise((r) => setTimeout(() => r('never settled'), 5000)),
      ]);
      expect(outcome).toBeInstanceOf(CacheError);
      expect(outcome).toMatchObject({ code: 'ERR_REDIS' });
      expect((outcome as Error).message).toMatch(/connectTimeout/);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(made).toHaveLength(1);
      expect(made[0].isOpen).toBe(false);
      let retries = 0;
      made[0].on('reconnecting', () => retries++);
      made[0].on('connect', () => retries++);
      // node-redis may still sleep out the backoff it was in (a timer of its own, which then
      // ends the attempt): wait for it, then nothing of the connection may be left.
      for (let i = 0; i < 300 && handles() > before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(handles()).toBeLessThanOrEqual(before);
      expect(retries).toBe(0);
    });
  }

  it('rejects with ERR_REDIS within connectTimeout when Redis accepts but never answers, and hangs up', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.resume(); // reads (and drops) the handshake, so the client's hang-up is seen
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const { made, redis } = recording(createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: () => 50 } }));
      await expect(createNearCache({ redis, connectTimeout: 300 })).rejects.toMatchObject({ code: 'ERR_REDIS' });
      expect(made[0].isOpen).toBe(false);
      for (let i = 0; i < 100 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(sockets.size).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
