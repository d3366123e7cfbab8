import { bench, run, summary } from 'mitata';
import { LRUCache } from 'lru-cache';
import { createCacheSync } from './src/index.js';
import { keyOf } from './bench/lib/data.js';
import { Zipf, zipfSequence } from './bench/lib/zipf.js';
import { uniformOrder } from './bench/lib/rng.js';
const N = Number(process.env.N ?? 1e5);
const dist = process.env.D ?? 'zipf';
const order = dist === 'zipf' ? zipfSequence(new Zipf(N, 0.99), 1 << 20, 7) : uniformOrder(N, 1 << 20, 7);
const K = process.env.K ?? 'obj';
const mk = (i: number): any => K === 'str' ? (String(i).padStart(11, '0') + ':' + 'x'.repeat(88)) : ({ id: i, name: 'user' + i, email: `u${i}@example.com`, active: true, score: i * 1.5, tags: ['a', 'b', String(i % 7)] });
const lru = new LRUCache<string, object>({ max: N });
const tiers = (process.env.T ?? '16384,65536,131072').split(',').map(Number);
const cs = tiers.map((t) => createCacheSync({ maxEntries: N, maxMemory: N > 5e5 ? '1gb' : '512mb', hotTier: { maxEntries: t, maxBytes: '256mb', adaptive: process.env.A !== 'off' } }));
for (let i = 0; i < N; i++) { lru.set(keyOf(i), mk(i)); for (const c of cs) c.set(keyOf(i), mk(i)); }
for (const c of cs) for (let r = 0; r < 1e6; r++) c.get(keyOf(order[r & 1048575]));
let i = 0, sink = 0;
summary(() => {
  bench('lru-cache get', () => { sink += (lru.get(keyOf(order[i++ & 1048575])) as any).length | 0; });
  cs.forEach((c, k) => bench(`tier ${tiers[k]}`, () => { sink += (c.get(keyOf(order[i++ & 1048575])) as any).length; }));
});
await run();
cs.forEach((c, k) => { const s = c.stats(); console.log(tiers[k], s.hotItems, (s.hotHits / s.hits).toFixed(3), (s.hotBytes / 2 ** 20).toFixed(1) + ' MiB', (c as any).hot.bypass); });
