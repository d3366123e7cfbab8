import { bench, run, summary } from 'mitata';
import { LRUCache } from 'lru-cache';
import { createCacheSync } from './src/index.js';
import { keyOf } from './bench/lib/data.js';
import { Zipf, zipfSequence } from './bench/lib/zipf.js';
const N = 1e4;
const order = zipfSequence(new Zipf(N, 0.99), 1 << 20, 7);
const keys = Array.from({ length: N }, (_, i) => keyOf(i).split('').join(''));
const mk = (i: number): any => ({ id: i, name: 'user' + i, tags: ['a'] });
const lru = new LRUCache<string, object>({ max: N });
const c = createCacheSync({ maxEntries: N, maxMemory: '64mb' });
const m = new Map<string, object>();
for (let i = 0; i < N; i++) { lru.set(keys[i], mk(i)); c.set(keys[i], mk(i)); m.set(keys[i], mk(i)); }
for (let r = 0; r < 1e6; r++) c.get(keys[order[r & 1048575]]);
const hot = (c as any).hot;
let i = 0, sink = 0;
summary(() => {
  bench('Map get', () => { sink += (m.get(keys[order[i++ & 1048575]]) as any).id; });
  bench('lru-cache get', () => { sink += (lru.get(keys[order[i++ & 1048575]]) as any).id; });
  bench('wasmcache get', () => { sink += (c.get(keys[order[i++ & 1048575]]) as any).id; });
  bench('tier byKey.get only', () => { sink += (hot.byKey.get(keys[order[i++ & 1048575]]).value as any).id; });
});
await run();
console.log(c.stats().hotItems, hot.bypass, hot.pending);
