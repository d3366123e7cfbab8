import { bench, run, summary } from 'mitata';
import { LRUCache } from 'lru-cache';
import { createCacheSync } from './src/index.js';
import { keyOf } from './bench/lib/data.js';
import { Zipf, zipfSequence } from './bench/lib/zipf.js';
const N = Number(process.env.N ?? 1e5);
const order = zipfSequence(new Zipf(N, 0.99), 1 << 20, 7);
const mk = (i: number) => ({ id: i, name: 'user' + i, email: `u${i}@example.com`, active: true, score: i * 1.5, tags: ['a', 'b', String(i % 7)] });
const on = createCacheSync({ maxEntries: N, maxMemory: '128mb' });
const lru = new LRUCache<string, object>({ max: N });
for (let i = 0; i < N; i++) { on.set(keyOf(i), mk(i)); lru.set(keyOf(i), mk(i)); }
let i = 0, sink = 0;
for (let r = 0; r < 3e5; r++) on.get(keyOf(order[r & 1048575]));
const s0 = on.stats(); console.log('warm', s0.hotItems, s0.hotHits, s0.hits, (on as any).hot?.bypass);
summary(() => {
  bench('lru-cache get', () => { sink += (lru.get(keyOf(order[i++ & 1048575])) as any).id; });
  bench('wasmcache get', () => { sink += (on.get(keyOf(order[i++ & 1048575])) as any).id; });
});
await run();
const s = on.stats(); console.log(s.hotItems, s.hotHits, s.hits, (on as any).hot?.bypass, sink > 0);
const off = createCacheSync({ maxEntries: N, maxMemory: '128mb', hotTier: false });
const big = createCacheSync({ maxEntries: N, maxMemory: '512mb', hotTier: { maxEntries: 65536, maxBytes: '64mb' } });
for (let i = 0; i < N; i++) { off.set(keyOf(i), mk(i)); big.set(keyOf(i), mk(i)); }
for (let r = 0; r < 6e5; r++) big.get(keyOf(order[r & 1048575]));
const strs = order.subarray(0, 4096);
summary(() => {
  bench('lru-cache get', () => { sink += (lru.get(keyOf(order[i++ & 1048575])) as any).id; });
  bench('wasmcache get tier off', () => { sink += (off.get(keyOf(order[i++ & 1048575])) as any).id; });
  bench('wasmcache get tier 64k', () => { sink += (big.get(keyOf(order[i++ & 1048575])) as any).id; });
  bench('JSON.parse of one value', () => { sink += JSON.parse('{"id":' + (i++ & 1023) + ',"name":"user12345","email":"u12345@example.com","active":true,"score":18517.5,"tags":["a","b","3"]}').id; });
});
await run();
const b = big.stats(); console.log('big', b.hotItems, b.hotHits / b.hits, b.hotBytes);
