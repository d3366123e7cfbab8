// Two near-caches and a plain client share keys on one redis-server. After a write by any of them,
// the other near-caches never return the old value once the invalidation has been delivered; the
// time from the write's acknowledgement to that delivery is measured and printed.
import { describe, expect, it } from 'vitest';
import { createNearCache, type NearCache, type NearCacheOptions } from '../../src/near/index.js';
import { forKey, nextEvent, type PlainClient, SLOW_MACHINE_PING_TIMEOUT, template, useRedis } from './helpers.js';
import type { RedisServer } from './redis-server.js';
import { StaleChecker, versioned } from './staleness.js';

let server: RedisServer;
let plain: PlainClient;
const opened: NearCache[] = [];
useRedis((s, p) => ([server, plain] = [s, p]), opened);

async function pair(options: Partial<NearCacheOptions> = {}): Promise<[NearCache<string>, NearCache<string>]> {
  const make = () => createNearCache({ redis: template(server.url), local: { maxMemory: '2mb' }, pingTimeout: SLOW_MACHINE_PING_TIMEOUT, ...options, values: 'string' });
  const both: [NearCache<string>, NearCache<string>] = [await make(), await make()];
  opened.push(...both);
  return both;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

for (const mode of ['default', 'bcast'] as const) {
  describe(`coherence, ${mode} mode`, () => {
    const prefix = `${mode}:`;
    const options: Partial<NearCacheOptions> = mode === 'bcast' ? { mode, prefixes: [prefix] } : { mode };

    it('after a write by one, the others return the new value once its invalidation is delivered', async () => {
      const key = `${prefix}k`;
      await plain.set(key, 'start'); // before the caches exist: in bcast mode its push would void their first reads
      const [a, b] = await pair(options);
      const delays: number[] = [];
      const writers = [
        { name: 'a', write: (v: string) => a.set(key, v), readers: [b] },
        { name: 'b', write: (v: string) => b.set(key, v), readers: [a] },
        { name: 'plain', write: async (v: string) => void (await plain.set(key, v)), readers: [a, b] },
      ];
      for (let i = 0; i < 150; i++) {
        const { write, readers } = writers[i % writers.length];
        for (const r of readers) {
          await r.get(key); // read (and keep) the current value, so it is tracked
          expect(r.local.has(key)).toBe(true);
        }
        let delivered = 0;
        const waits = readers.map((r) =>
          nextEvent(r, 'invalidate', forKey(key)).then(() => {
            delivered = Math.max(delivered, performance.now());
          }),
        );
        await write(`v${i}`);
        const acked = performance.now();
        await Promise.all(waits);
        delays.push(Math.max(0, delivered - acked));
        for (const r of readers) expect(await r.get(key)).toBe(`v${i}`);
      }
      // The writer that went through a near-cache reads its own write locally.
      expect(a.local.get(key) ?? b.local.get(key)).toBeDefined();
      delays.sort((x, y) => x - y);
      const report = `p50 ${quantile(delays, 0.5).toFixed(2)} ms, p99 ${quantile(delays, 0.99).toFixed(2)} ms, max ${delays[delays.length - 1].toFixed(2)} ms`;
      console.log(`[near ${mode}] invalidation delivered after the write was acknowledged: ${report} (${delays.length} writes)`);
    }, 60_000);

    it('concurrent readers and writers: no read older than a delivered invalidation', async () => {
      const [a, b] = await pair(options);
      const checker = new StaleChecker();
      checker.watch(a);
      checker.watch(b);
      const keys = Array.from({ length: 24 }, (_, i) => `${prefix}c${i}`);
      for (const k of keys) await plain.set(k, versioned(0));
      let version = 0;
      let running = true;
      // One writer per key (keys dealt round-robin), each waiting for its acknowledgement.
      const writerFor = [
        async (k: string, v: string) => a.set(k, v),
        async (k: string, v: string) => b.set(k, v),
        async (k: string, v: string) => void (await plain.set(k, v)),
      ];
      const writers = writerFor.map(async (write, w) => {
        const mine = keys.filter((_, i) => i % writerFor.length === w);
        while (running) {
          const k = mine[Math.floor(Math.random() * mine.length)];
          const v = ++version;
          await write(k, versioned(v));
          checker.written(k, v, w === 0 ? a : w === 1 ? b : undefined);
          await new Promise((r) => setTimeout(r, 1));
        }
      });
      const readers = [a, b, a, b].map(async (near) => {
        // Local hits resolve without I/O: yield now and then, or the loop starves the sockets.
        for (let n = 0; running; n++) {
          if (n % 64 === 0) await new Promise((r) => setImmediate(r));
          const k = keys[Math.floor(Math.random() ** 2 * keys.length)]; // skewed: hot keys stay cached
          await checker.read(k, near, () => near.get(k));
        }
      });
      await new Promise((r) => setTimeout(r, 1500));
      running = false;
      await Promise.all([...writers, ...readers]);
      const sa = a.stats();
      const sb = b.stats();
      console.log(
        `[near ${mode}] concurrent: ${checker.reads} reads, ${version} writes, stale ${checker.stale}, ` +
          `in the delivery window ${checker.inWindow}, local hits ${sa.localHits + sb.localHits}, invalidations ${sa.invalidations + sb.invalidations}`,
      );
      expect(checker.stale).toBe(0);
      expect(checker.missing).toBe(0);
      expect(sa.localHits + sb.localHits).toBeGreaterThan(0);
      expect(sa.invalidations + sb.invalidations).toBeGreaterThan(0);
    }, 60_000);

    it('FLUSHALL empties both near-caches', async () => {
      await plain.mSet({ [`${prefix}f1`]: 'x', [`${prefix}f2`]: 'y' });
      const [a, b] = await pair(options);
      for (const near of [a, b]) {
        await near.get(`${prefix}f1`);
        await near.get(`${prefix}f2`);
        expect(near.local.size).toBe(2);
      }
      const flushed = [a, b].map((near) => nextEvent<[string]>(near, 'flush'));
      await plain.flushAll();
      const reasons = await Promise.all(flushed);
      expect(reasons[0][0]).toMatch(/null invalidation/);
      for (const near of [a, b]) {
        expect(near.local.size).toBe(0);
        expect(near.stats().flushes).toBe(1);
        expect(await near.get(`${prefix}f1`)).toBeUndefined();
      }
    });
  });
}
