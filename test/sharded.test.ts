// A shared cache in shards (src/sharded.ts), from one thread: keys reach the same shard however
// they are given, the calls that span shards (mget, mset, scan, keys, size, stats, clear) see all
// of them, and snapshots move between sharded and unsharded caches unchanged. The threads
// themselves: test/threads.test.ts. The model runs: test/model.test.ts (D1-D3).
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cache, CacheError, attachCache, createCache, createCacheSync, fromBytes, loadCache } from '../src/index.js';
import { keyHash } from '../src/shard-key.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmcache-sharded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const utf8 = (s: string) => new TextEncoder().encode(s);
const shardsOf = (cache: Cache) => (cache as unknown as { shards: Cache[] }).shards;

/** Which shard holds each key, by asking the shards themselves. */
function holders(cache: Cache, keys: string[]): number[] {
  return keys.map((k) => shardsOf(cache).findIndex((s) => s.has(k)));
}

async function refusal(fn: () => unknown): Promise<CacheError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CacheError);
    return e as CacheError;
  }
  throw new Error('expected a CacheError');
}

describe('a shared cache in shards', () => {
  it('is a Cache, with one shard unless told, and the option is checked', async () => {
    const one = await createCache({ shared: true });
    expect(one).toBeInstanceOf(Cache);
    expect(shardsOf(one)).toHaveLength(1);
    one.dispose();
    const big = await createCache({ shared: true, shards: 8 });
    expect(shardsOf(big)).toHaveLength(8);
    expect(big.stats().maxBytes).toBe(64 * 2 ** 20);
    expect(big.layout().memoryBytes).toBe(64 * 2 ** 20);
    big.dispose();
    const three = await createCache({ shared: true, maxMemory: '3mb', shards: 3 });
    expect(shardsOf(three)).toHaveLength(3);
    three.dispose();
    expect((await refusal(() => createCache({ shared: true, maxMemory: '1mb', shards: 8 }))).message).toMatch(/under the smallest maxMemory/);
    expect((await refusal(() => createCache({ shared: true, shards: 0 }))).message).toBe('shards must be an integer from 1 to 64, got 0');
    expect((await refusal(() => createCacheSync({ shards: 4 }))).message).toMatch(/needs shared: true/);
    expect((await refusal(() => createCache({ shared: true, snapshot: { path: join(dir, 'x.wcs') } }))).message).toMatch(/does not take options.snapshot/);
  });

  it('routes a key to one shard, the same for its string and its UTF-8 bytes', async () => {
    const cache = await createCache({ shared: true, maxMemory: '8mb', shards: 8 });
    const keys = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? `ключ:${i}` : i % 3 === 1 ? `key:${i}` : `😀${i}`));
    for (const k of keys) cache.set(k, k);
    const at = holders(cache, keys);
    expect(at.every((s) => s >= 0)).toBe(true);
    // Spread: every shard holds some keys.
    expect(new Set(at).size).toBe(8);
    for (const k of keys) {
      expect(keyHash(k)).toBe(keyHash(utf8(k)));
      expect(cache.get(utf8(k))).toBe(k); // found through the bytes, in the same shard
      expect(shardsOf(cache).filter((s) => s.has(k))).toHaveLength(1);
    }
    cache.set(utf8('ключ:0'), 'by bytes'); // overwrites the string key's item
    expect(cache.get('ключ:0')).toBe('by bytes');
    expect(cache.size).toBe(keys.length);
    cache.dispose();
  });

  it('mget answers in order across shards; mset checks every entry before any shard stores', async () => {
    const cache = await createCache({ shared: true, maxMemory: '8mb', shards: 4 });
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    cache.mset(keys.map((k, i) => [k, { i }]));
    expect(new Set(holders(cache, keys)).size).toBe(4);
    const asked = [...keys.slice(10, 30).reverse(), 'missing', ...keys.slice(0, 5)];
    expect(cache.mget(asked)).toEqual(asked.map((k) => (k === 'missing' ? undefined : { i: Number(k.slice(1)) })));
    const before = cache.stats();
    // The bad entry is last and in some shard; nothing at all may be stored.
    const e = await refusal(() => cache.mset([...keys.map((k): [string, unknown] => [k, 'new']), ['bad', () => 1]]));
    expect(e.code).toBe('ERR_VALUE_TYPE');
    expect(cache.mget(keys)).toEqual(keys.map((k) => ({ i: Number(k.slice(1)) })));
    expect(cache.stats().sets).toBe(before.sets);
    // A bad key refuses an mget before any shard counts a read.
    const hits = cache.stats().hits;
    expect((await refusal(() => cache.mget([...keys, 5 as unknown as string]))).code).toBe('ERR_KEY_TYPE');
    expect(cache.stats().hits).toBe(hits);
    cache.dispose();
  });

  it('scan walks every shard: each key once, whatever the count; keys(), entries(), size and stats() add up', async () => {
    const cache = await createCache({ shared: true, maxMemory: '8mb', shards: 4 });
    const n = 777;
    for (let i = 0; i < n; i++) cache.set(`s${i}`, i);
    for (const count of [1, 7, 100, 10_000]) {
      const seen: string[] = [];
      let cursor = 0;
      let calls = 0;
      do {
        const [next, keys] = cache.scan(cursor, count);
        expect(keys.length).toBeLessThanOrEqual(count);
        seen.push(...(keys as string[]));
        cursor = next;
        calls++;
      } while (cursor !== 0 && calls < 10_000);
      expect(seen.length).toBe(n);
      expect(new Set(seen).size).toBe(n);
    }
    expect(new Set(cache.keys()).size).toBe(n);
    expect([...cache.entries()].reduce((a, [, v]) => a + (v as number), 0)).toBe((n * (n - 1)) / 2);
    expect(cache.size).toBe(n);
    const st = cache.stats();
    expect(st.items).toBe(n);
    expect(st.sets).toBe(n);
    expect(st.usedBytes).toBe(shardsOf(cache).reduce((a, s) => a + s.stats().usedBytes, 0));
    expect(cache.layout().memoryBytes).toBe(8 * 2 ** 20);
    expect(cache.layout().shards).toBe(4);
    expect(cache.checkInvariants()).toBe(0);
    const picked = new Set<string>();
    for (let i = 0; i < 400; i++) picked.add(cache.randomKey() as string);
    expect(new Set(holders(cache, [...picked])).size).toBe(4); // random keys come from every shard
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.randomKey()).toBeUndefined();
    expect(cache.scan(0, 10)).toEqual([0, []]);
    cache.dispose();
  });

  it('snapshots move between sharded and unsharded caches unchanged: kinds, byte keys, TTLs, large values', async () => {
    let now = 1_800_000_000_000;
    const clock = () => now;
    const source = await createCache({ shared: true, maxMemory: '16mb', shards: 4, now: clock });
    const big = new Uint8Array(300_000).map((_, i) => i * 7);
    const want = new Map<string, unknown>();
    for (let i = 0; i < 300; i++) {
      const v = i % 3 === 0 ? `text ${i}` : i % 3 === 1 ? { i, list: [i, 'x'] } : new Uint8Array([i, i >> 8, 1, 2]);
      source.set(`v${i}`, v, i % 5 === 0 ? { ttl: 60_000 + i } : undefined);
      want.set(`v${i}`, v);
    }
    source.set(utf8('byte key'), 'b');
    source.set('big', big); // larger than a shard's scratch region: its own block
    source.set('gone soon', 'x', { ttl: 10 });
    const bytes = source.toBytes();
    now += 20; // 'gone soon' has expired by the time the snapshot is loaded

    const check = (c: Cache) => {
      for (const [k, v] of want) expect(c.get(k)).toEqual(v);
      for (let i = 0; i < 300; i += 5) expect(c.ttl(`v${i}`)).toBe(60_000 + i - 20);
      expect(c.ttl('v1')).toBe(-1);
      expect(Buffer.compare(c.get('big') as Uint8Array, big)).toBe(0); // (toEqual walks 300,000 elements slowly)
      expect(c.get('gone soon')).toBeUndefined();
      expect([...c.keys()].some((k) => k instanceof Uint8Array && new TextDecoder().decode(k) === 'byte key')).toBe(true);
      expect(c.size).toBe(302);
    };
    const plain = await fromBytes(bytes, { maxMemory: '16mb', now: clock });
    check(plain);
    const back = await createCache({ shared: true, maxMemory: '16mb', shards: 8, now: clock });
    back.set('old', 'replaced by the load');
    const result = back.loadBytes(plain.toBytes());
    expect(result).toEqual({ items: 302, expired: 0, dropped: 0 });
    expect(back.get('old')).toBeUndefined();
    check(back);
    expect(back.checkInvariants()).toBe(0);
    const fromSharded = back.loadBytes(bytes);
    expect(fromSharded).toEqual({ items: 302, expired: 1, dropped: 0 });
    check(back);

    // Files, both ways, and loadCache into a shared cache.
    const path = join(dir, 'sharded.wcs');
    expect(await back.save(path)).toBe(302);
    check(await loadCache(path, { maxMemory: '16mb', now: clock }));
    check(await loadCache(path, { shared: true, maxMemory: '16mb', now: clock }));
    const pieces: Uint8Array[] = [];
    for await (const p of back.exportSnapshot()) pieces.push(p);
    const other = await createCache({ shared: true, maxMemory: '16mb', shards: 2, now: clock });
    await other.importSnapshot(pieces);
    check(other);
    for (const c of [source, plain, back, other]) c.dispose();
  });

  it('a bad snapshot leaves every shard as it was', async () => {
    const cache = await createCache({ shared: true, maxMemory: '8mb', shards: 4 });
    for (let i = 0; i < 200; i++) cache.set(`keep${i}`, i);
    const donor = createCacheSync({ maxMemory: '8mb' });
    for (let i = 0; i < 500; i++) donor.set(`new${i}`, { i });
    const good = donor.toBytes();
    const path = join(dir, 'bad.wcs');
    for (const at of [50, Math.floor(good.length / 2), good.length - 30]) {
      const bad = good.slice();
      bad[at] ^= 0x40;
      expect((await refusal(() => cache.loadBytes(bad))).code).toMatch(/^ERR_SNAPSHOT_/);
      writeFileSync(path, bad);
      expect((await refusal(() => cache.load(path))).code).toMatch(/^ERR_SNAPSHOT_/);
      expect((await refusal(() => cache.loadBytes(good.subarray(0, at)))).code).toMatch(/^ERR_SNAPSHOT_/);
    }
    expect(cache.size).toBe(200);
    for (let i = 0; i < 200; i++) expect(cache.get(`keep${i}`)).toBe(i);
    expect(readFileSync(path).length).toBe(good.length);
    donor.dispose();
    cache.dispose();
  });

  it('threads get lanes of their own (assembly/lanes.ts); stats() counts every lane, the gauges are current in each', async () => {
    const cache = await createCache({ shared: true, maxMemory: '32mb', shards: 2 });
    const others = [await attachCache(cache.handle), await attachCache(cache.handle)];
    const lane = (c: Cache) => (shardsOf(c)[0] as unknown as { seam: { stats64: Float64Array } }).seam.stats64.byteOffset;
    expect(new Set([cache, ...others].map(lane)).size).toBe(3);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i);
    others[0].set('ttl', 1, { ttl: 60_000 });
    let wantHits = 0;
    for (const [t, c] of [cache, ...others].entries()) {
      for (let i = 0; i < 100; i++) {
        const k = (i * 7 + t) % 130;
        if (k < 100) wantHits++;
        c.get(`k${k}`);
      }
    }
    for (const c of [cache, ...others]) {
      const st = c.stats();
      expect(st.hits + st.misses).toBe(300); // every thread's reads, from any thread
      expect(st.hits).toBe(wantHits);
      expect(st.sets).toBe(101);
      expect(st.items).toBe(101); // another lane's write is seen at once
      expect(c.size).toBe(101);
      expect(c.ttl('ttl')).toBeGreaterThan(59_000);
    }
    for (const c of others) c.dispose();
    cache.dispose();
  });

  it("the RESP server's byte path (setArgs, getArgs) reaches each key's shard", async () => {
    const cache = await createCache({ shared: true, maxMemory: '8mb', shards: 4 });
    const words = Array.from({ length: 40 }, (_, i) => [`bk${i}`, `value ${i}`]).flat();
    const data = utf8(words.join(''));
    const start = new Int32Array(words.length);
    const end = new Int32Array(words.length);
    let at = 0;
    words.forEach((w, i) => ((start[i] = at), (end[i] = at += utf8(w).length)));
    const args = { data, start, end };
    for (let from = 0; from < words.length; ) from += 2 * cache.setArgs(args, from, (words.length - from) / 2, 0);
    expect(new Set(holders(cache, words.filter((_, i) => i % 2 === 0))).size).toBe(4);
    const got: string[] = [];
    const sink = { value: (m: Uint8Array, a: number, b: number) => got.push(new TextDecoder().decode(m.slice(a, b))), missing: () => got.push('-') };
    const keys = { data, start: start.filter((_, i) => i % 2 === 0), end: end.filter((_, i) => i % 2 === 0) };
    for (let i = 0; i < 40; ) i += cache.getArgs(keys, i, 40, sink);
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => `value ${i}`));
    cache.dispose();
  });

  it('memo() and fetch() route by key; onRemove hears every shard', async () => {
    const removed: string[] = [];
    const cache = await createCache({ shared: true, maxMemory: '8mb', shards: 4, onRemove: (k, _v, why) => removed.push(`${String(k)}:${why}`) });
    let calls = 0;
    const double = cache.memo(async (n: number) => (calls++, n * 2), { key: (n) => `double:${n}` });
    for (let round = 0; round < 2; round++) for (let n = 0; n < 40; n++) expect(await double(n)).toBe(n * 2);
    expect(calls).toBe(40);
    expect(new Set(holders(cache, Array.from({ length: 40 }, (_, n) => `double:${n}`))).size).toBe(4);
    const plain = cache.memo(async (s: string) => s.toUpperCase());
    expect(await plain('a')).toBe('A');
    expect(await cache.fetch('f', async () => 'loaded')).toBe('loaded');
    for (let n = 0; n < 40; n++) cache.delete(`double:${n}`);
    expect(removed.filter((r) => r.endsWith(':delete'))).toHaveLength(40);
    cache.dispose();
    expect((await refusal(() => cache.get('f'))).code).toBe('ERR_DISPOSED');
  });
});
