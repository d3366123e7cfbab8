// Pauses while filling: the longest single set() during a fill of N fresh entries, and the sets
// that took over 5 ms, for wasmcache without maxEntries (its index grows by half and is rebuilt
// from the items), wasmcache with maxEntries (no rebuild), and the JS caches in the same process.
// A Map rehashes as it doubles, so it pauses too; lru-cache and lru.min preallocate from `max`.
//
//   npm run bench:growth
//   BENCH_GROWTH_N=1000000 npm run bench:growth   (smaller)
//
// Single-op pauses are not what mitata measures (it averages many iterations), so each set is
// timed with performance.now(); a GC pause inside a JS cache's fill counts as its pause too.
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { createCacheSync } from '../src/index.js';
import { StringMaker } from './lib/data.js';
import { fullGc, requireExposedGc } from './lib/gc.js';
import { type Lib, type Row, envInt, fmt, load1, mdTable, writeSection } from './lib/report.js';

requireExposedGc();
const started = performance.now();
const loadAtStart = load1();
const N = envInt('BENCH_GROWTH_N', 5_000_000);
const VALUE_LEN = 100;
const PAUSE_MS = 5;

const maker = new StringMaker(VALUE_LEN);
const keys: string[] = new Array(N);
for (let i = 0; i < N; i++) keys[i] = maker.key(i);
const value = maker.value(0);

interface Fill {
  name: string;
  /** ns per insert, the whole fill. */
  perInsert: number;
  maxMs: number;
  /** Sets over PAUSE_MS: [entries stored before it, ms]. */
  pauses: [number, number][];
}

function fill(name: string, set: (key: string) => void): Fill {
  fullGc();
  const pauses: [number, number][] = [];
  let maxMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const a = performance.now();
    set(keys[i]);
    const d = performance.now() - a;
    if (d > maxMs) maxMs = d;
    if (d > PAUSE_MS) pauses.push([i, d]);
  }
  const perInsert = ((performance.now() - t0) * 1e6) / N;
  console.log(`${name}: ${perInsert.toFixed(0)} ns/insert, longest set ${maxMs.toFixed(1)} ms, ${pauses.length} over ${PAUSE_MS} ms`);
  return { name, perInsert, maxMs, pauses };
}

const memory = Math.ceil((N * 300) / 2 ** 20) * 2 ** 20; // ample: memory never binds
const max = Math.ceil(N * 1.1);
const results: Record<string, Fill> = {};
{
  const c = createCacheSync({ maxMemory: memory });
  results.grow = fill('wasmcache, maxMemory only', (k) => c.set(k, value));
  if (c.size !== N) throw new Error(`wasmcache stored ${c.size} of ${N}`);
  c.dispose();
}
{
  const c = createCacheSync({ maxMemory: memory, maxEntries: max });
  results.sized = fill(`wasmcache, maxEntries ${max}`, (k) => c.set(k, value));
  if (c.size !== N) throw new Error(`wasmcache stored ${c.size} of ${N}`);
  c.dispose();
}
{
  let c: LRUCache<string, string> | undefined = new LRUCache<string, string>({ max });
  results['lru-cache'] = fill(`lru-cache, max ${max}`, (k) => c!.set(k, value));
  c = undefined;
}
{
  let c: ReturnType<typeof createLRU<string, string>> | undefined = createLRU<string, string>({ max });
  results['lru.min'] = fill(`lru.min, max ${max}`, (k) => c!.set(k, value));
  c = undefined;
}
{
  let c: Map<string, string> | undefined = new Map<string, string>();
  results.Map = fill('Map', (k) => c!.set(k, value));
  c = undefined;
}

const libValues = (pick: (f: Fill) => number): Partial<Record<Lib, number>> => ({
  wasmcache: pick(results.grow),
  'lru-cache': pick(results['lru-cache']),
  'lru.min': pick(results['lru.min']),
  Map: pick(results.Map),
});
const n = N.toExponential(0).replace('+', '');
const rows: Row[] = [
  { id: 'growth-max', label: `longest single set while filling ${n} entries; wasmcache sized by maxMemory only`, unit: 'ms', values: libValues((f) => f.maxMs), noChart: true },
  {
    id: 'growth-max-sized',
    label: `longest single set while filling ${n} entries; wasmcache also given maxEntries`,
    unit: 'ms',
    values: { ...libValues((f) => f.maxMs), wasmcache: results.sized.maxMs },
    noChart: true,
  },
];
const pauseTable = mdTable(
  ['fill', 'ns per insert', 'longest set (ms)', `sets over ${PAUSE_MS} ms: at entries stored (ms)`],
  Object.values(results).map((f) => [
    f.name,
    fmt(f.perInsert),
    f.maxMs.toFixed(1),
    f.pauses.length === 0 ? '-' : f.pauses.map(([at, ms]) => `${fmt(at)} (${ms.toFixed(0)})`).join(', '),
  ]),
  ['---', '---:', '---:', '---'],
);

writeSection(
  {
    name: 'growth',
    title: `Pauses while filling ${n} entries`,
    command: 'node --expose-gc --import tsx bench/growth.ts',
    method: [
      `${N} fresh inserts of 16-char keys and one ${VALUE_LEN}-char value into each cache in turn, in one process, ` +
        'each set timed with performance.now(). wasmcache without maxEntries starts its index at 1/16 of its largest ' +
        'size and rebuilds it from the items each time it grows by half: one set pays for a pass over every item ' +
        'stored. With maxEntries the index is sized once. lru-cache and lru.min are given `max` (they preallocate ' +
        'from it); a Map rehashes as it doubles. A JS cache\'s longest set may also be a GC pause.',
    ],
    rows,
    details: [pauseTable],
    seconds: (performance.now() - started) / 1000,
  },
  loadAtStart,
);
