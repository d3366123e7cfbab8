// Batch reads: mget of 100 keys against 100 separate gets, at 1e6 entries (16-char keys, 100-char
// string values). lru-cache, lru.min and Map have no mget: their figure is 100 gets in a loop.
//
//   npm run bench:mget
//   BENCH_N=100000 npm run bench:mget   (smaller, while developing)
//
// 4096 batches of 100 random pre-built keys (seeded), walked cyclically, the same for every
// library; every value of a batch is consumed (its length). Figures are per key.
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { bench, group, run, summary } from 'mitata';
import { createCacheSync } from '../src/index.js';
import { stringEntries } from './lib/data.js';
import { fullGc, requireExposedGc } from './lib/gc.js';
import { type Lib, type Row, envInt, load1, mitataDetails, writeSection } from './lib/report.js';
import { uniformOrder } from './lib/rng.js';

const N = envInt('BENCH_N', 1_000_000);
const BATCH = 100;
const BATCHES = 4096;
const VALUE_LEN = 100;

requireExposedGc();
const loadAtStart = load1();
const started = performance.now();

const { keys, values } = stringEntries(N, VALUE_LEN);
const order = uniformOrder(N, BATCH * BATCHES, 0xba7c4);
const batches: string[][] = [];
for (let b = 0; b < BATCHES; b++) batches.push(Array.from(order.subarray(b * BATCH, (b + 1) * BATCH), (id) => keys[id]));

const w = createCacheSync({ maxMemory: Math.max(64, Math.ceil((N / 1e6) * 256)) * 2 ** 20 }); // as get-set.ts
const lc = new LRUCache<string, string>({ max: N });
const lm = createLRU<string, string>({ max: N });
const m = new Map<string, string>();
for (let i = 0; i < N; i++) {
  w.set(keys[i], values[i]);
  lc.set(keys[i], values[i]);
  lm.set(keys[i], values[i]);
  m.set(keys[i], values[i]);
}
if (w.size !== N || w.stats().evictions !== 0) throw new Error(`wasmcache holds ${w.size} of ${N}`);
// Sanity: mget answers as separate gets and the other libraries do.
for (let b = 0; b < 20; b++) {
  const got = w.mget(batches[b]);
  batches[b].forEach((k, j) => {
    const want = m.get(k);
    if (got[j] !== want || w.get(k) !== want || lc.get(k) !== want || lm.get(k) !== want) throw new Error(`mismatch for ${k}`);
  });
}
fullGc();

let sink = 0;
const MASK = BATCHES - 1;
const names = new Map<string, { row: 'mget' | 'gets'; lib: Lib }>();
const reg = (row: 'mget' | 'gets', lib: Lib, name: string) => (names.set(name, { row, lib }), name);

group(`${BATCH} keys per call, random hits at ${N} entries`, () => {
  summary(() => {
    let c1 = 0;
    bench(reg('mget', 'wasmcache', 'wasmcache mget(100)'), () => {
      const out = w.mget(batches[c1++ & MASK]);
      for (let j = 0; j < BATCH; j++) sink += (out[j] as string).length;
    });
    let c2 = 0;
    bench(reg('gets', 'wasmcache', 'wasmcache 100 × get'), () => {
      const batch = batches[c2++ & MASK];
      for (let j = 0; j < BATCH; j++) sink += (w.get(batch[j]) as string).length;
    });
    let c3 = 0;
    bench(reg('gets', 'lru-cache', 'lru-cache 100 × get'), () => {
      const batch = batches[c3++ & MASK];
      for (let j = 0; j < BATCH; j++) sink += lc.get(batch[j])!.length;
    });
    let c4 = 0;
    bench(reg('gets', 'lru.min', 'lru.min 100 × get'), () => {
      const batch = batches[c4++ & MASK];
      for (let j = 0; j < BATCH; j++) sink += lm.get(batch[j])!.length;
    });
    let c5 = 0;
    bench(reg('gets', 'Map', 'Map 100 × get'), () => {
      const batch = batches[c5++ & MASK];
      for (let j = 0; j < BATCH; j++) sink += m.get(batch[j])!.length;
    });
  });
});

const result = await run();
const perKey: Record<'mget' | 'gets', Partial<Record<Lib, number>>> = { mget: {}, gets: {} };
for (const trial of result.benchmarks) {
  const meta = names.get(trial.alias);
  const stats = trial.runs[0]?.stats;
  if (meta && stats) perKey[meta.row][meta.lib] = stats.avg / BATCH;
}
const others = { 'lru-cache': perKey.gets['lru-cache'], 'lru.min': perKey.gets['lru.min'], Map: perKey.gets.Map };
const n = N.toExponential(0).replace('+', '');
const rows: Row[] = [
  {
    id: 'mget',
    label: `mget of ${BATCH} keys at ${n} entries (others: ${BATCH} gets), per key`,
    unit: 'ns/key',
    values: { wasmcache: perKey.mget.wasmcache, ...others },
    goals: [{ text: '≤ 1/2 of wasmcache\'s per-key cost in 100 gets', factor: 2, baseline: 'wasmcache', row: 'mget-gets' }],
  },
  { id: 'mget-gets', label: `${BATCH} separate gets at ${n} entries, per key`, unit: 'ns/key', values: { wasmcache: perKey.gets.wasmcache, ...others } },
];
writeSection(
  {
    name: 'mget',
    title: `Batch reads: mget(${BATCH}) vs ${BATCH} gets at ${n} entries`,
    command: 'node --expose-gc --import tsx bench/mget.ts',
    method: [
      `${N} entries (16-char keys, ${VALUE_LEN}-char string values). ${BATCHES} batches of ${BATCH} random pre-built keys, the same for ` +
        `every library; mitata times one batch per iteration, shown here divided by ${BATCH}. Every value's length is read. ` +
        `lru-cache, lru.min and Map have no batch read: their figure is a loop of ${BATCH} gets. The goal compares wasmcache's mget ` +
        'with its own separate gets.',
    ],
    rows,
    details: [
      mitataDetails(result.benchmarks, BATCH, 'ns/key'),`(sink ${sink})`],
    seconds: (performance.now() - started) / 1000,
  },
  loadAtStart,
);
