// Losing Redis: killing and restarting redis-server flushes the near-caches, which re-enable
// tracking on reconnect and serve no stale value; a server that stops answering PINGs (SIGSTOP)
// flushes them too, until it answers again.
import { describe, expect, it } from 'vitest';
import { createNearCache, type NearCache } from '../../src/near/index.js';
import { forKey, nextEvent, type PlainClient, SLOW_MACHINE_PING_TIMEOUT, template, useRedis } from './helpers.js';
import type { RedisServer } from './redis-server.js';
import { StaleChecker, versioned } from './staleness.js';

let server: RedisServer;
let plain: PlainClient;
const opened: NearCache[] = [];
useRedis((s, p) => ([server, plain] = [s, p]), opened);

async function near(options: { pingInterval?: number; pingTimeout?: number } = {}): Promise<NearCache<string>> {
  const cache = await createNearCache({ redis: template(server.url), local: { maxMemory: '1mb' }, values: 'string', pingTimeout: SLOW_MACHINE_PING_TIMEOUT, ...options });
  opened.push(cache);
  return cache;
}

describe('near-cache recovery', () => {
  it('a killed and restarted redis-server flushes both caches; they recover and serve nothing stale', async () => {
    const [a, b] = [await near(), await near()];
    const keys = ['r:1', 'r:2', 'r:3'];
    for (const k of keys) await plain.set(k, 'before');
    for (const cache of [a, b]) {
      for (const k of keys) expect(await cache.get(k)).toBe('before');
      expect(cache.local.size).toBe(3);
    }
    const flushed = [a, b].map((cache) => nextEvent<[string]>(cache, 'flush'));
    await server.kill();
    for (const [reason] of await Promise.all(flushed)) expect(reason).toMatch(/tracking lost/);
    for (const cache of [a, b]) {
      expect(cache.local.size).toBe(0);
      expect(cache.state).not.toBe('on');
      await expect(cache.get('r:1')).rejects.toThrow(); // Redis is down: an error, not the old value
    }
    const tracking = [a, b].map((cache) => nextEvent(cache, 'tracking'));
    await server.restart(); // empty: the old values are gone from Redis too
    await Promise.all(tracking);
    for (const cache of [a, b]) {
      expect(cache.state).toBe('on');
      expect(await cache.get('r:1')).toBeUndefined();
    }
    // The reads of the missing key tracked it: wait for this write's push, or a read sent before
    // it arrives is (rightly) answered without being kept.
    const pushed = [a, b].map((cache) => nextEvent(cache, 'invalidate', forKey('r:1')));
    await plain.set('r:1', 'after');
    await Promise.all(pushed);
    for (const cache of [a, b]) {
      expect(await cache.get('r:1')).toBe('after');
      expect(cache.local.get('r:1')).toBe('after');
    }
    // Tracking really is on again: a write is pushed to both.
    const invalidated = [a, b].map((cache) => nextEvent(cache, 'invalidate', forKey('r:1')));
    await plain.set('r:1', 'again');
    await Promise.all(invalidated);
    for (const cache of [a, b]) {
      expect(await cache.get('r:1')).toBe('again');
      expect(cache.stats()).toMatchObject({ trackingEnabled: 2, flushes: 1, invalidations: 2 });
    }
  }, 30_000);

  it('under load: readers and a writer across a kill and restart see no stale value', async () => {
    const [a, b] = [await near(), await near()];
    const checker = new StaleChecker();
    checker.watch(a);
    checker.watch(b);
    const keys = Array.from({ length: 16 }, (_, i) => `load:${i}`);
    for (const k of keys) await plain.set(k, versioned(0));
    let version = 0;
    let running = true;
    let errors = 0;
    const writer = (async () => {
      while (running) {
        const k = keys[Math.floor(Math.random() * keys.length)];
        const v = ++version;
        try {
          await plain.set(k, versioned(v));
          checker.written(k, v);
        } catch {
          errors++;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const readers = [a, b, a, b].map(async (cache) => {
      for (let n = 0; running; n++) {
        if (n % 64 === 0) await new Promise((r) => setImmediate(r));
        const k = keys[Math.floor(Math.random() ** 2 * keys.length)];
        try {
          await checker.read(k, cache, () => cache.get(k));
        } catch {
          errors++;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    });
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await pause(400);
    const tracking = [a, b].map((cache) => nextEvent(cache, 'tracking'));
    await server.kill();
    await pause(200);
    await server.restart();
    await Promise.all(tracking);
    const hitsAtRestart = a.stats().localHits + b.stats().localHits;
    await pause(600);
    running = false;
    await Promise.all([writer, ...readers]);
    const hitsAfter = a.stats().localHits + b.stats().localHits - hitsAtRestart;
    console.log(
      `[near recovery] ${checker.reads} reads (${checker.missing} missing after the restart), ${errors} errors while down, ` +
        `stale ${checker.stale}, local hits after recovery ${hitsAfter}`,
    );
    expect(checker.stale).toBe(0);
    expect(a.stats().flushes).toBeGreaterThanOrEqual(1);
    expect(b.stats().flushes).toBeGreaterThanOrEqual(1);
    expect(hitsAfter).toBeGreaterThan(0);
  }, 30_000);

  it('a server that stops answering PINGs flushes the cache until it answers again', async () => {
    const cache = await near({ pingInterval: 50, pingTimeout: 200 });
    await plain.set('ping:1', 'v');
    await cache.get('ping:1');
    expect(cache.local.size).toBe(1);
    const flushed = nextEvent<[string]>(cache, 'flush');
    server.pause();
    try {
      const [reason] = await flushed;
      expect(reason).toMatch(/PING not answered within 200 ms/);
      expect(cache.local.size).toBe(0);
      expect(cache.state).toBe('off');
    } finally {
      server.resume();
    }
    await nextEvent(cache, 'tracking');
    expect(cache.state).toBe('on');
    expect(await cache.get('ping:1')).toBe('v');
    expect(await cache.get('ping:1')).toBe('v');
    expect(cache.stats()).toMatchObject({ localHits: 1, flushes: 1, trackingEnabled: 2 });
  }, 30_000);
});
