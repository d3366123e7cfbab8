// Tail latency with 5e6 entries stored: a steady loop of 90% get / 10% set (overwrites of stored
// keys with fresh values), timed in batches of 1000 ops; p50 / p99 / p99.9 / max of the batch
// times, and the GC pauses seen meanwhile. Each library runs alone in a fresh Node process
// (node --expose-gc --max-old-space-size=6144), so its heap is the only one there.
//
//   npm run bench:latency                      (parent: runs the children, writes the results)
//   BENCH_LAT_N=500000 npm run bench:latency   (smaller, while developing)
//   node --expose-gc --max-old-space-size=6144 --import tsx bench/latency.ts --lib=Map   (one child)
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { type Cache, createCacheSync } from '../src/index.js';
import { arg, runChild, sendResult } from './lib/child.js';
import { StringMaker, keyOf } from './lib/data.js';
import { type GcTotals, fullGc, requireExposedGc, watchGc } from './lib/gc.js';
import { LIBS, type Lib, type Row, envInt, fmt, load1, mdTable, quantile, writeSection } from './lib/report.js';
import { mulberry32 } from './lib/rng.js';

const N = envInt('BENCH_LAT_N', 5_000_000);
const BATCHES = envInt('BENCH_LAT_BATCHES', 5000);
const WARM_BATCHES = envInt('BENCH_LAT_WARM', 300);
const BATCH = 1000;
const VALUE_LEN = 100;
const SET_SHARE = 0.1;
const SET = 0x80000000;
const ORDER_MASK = (1 << 20) - 1;
const HEAP_FLAG = '--max-old-space-size=6144';

/** The libraries, and 'none': the same loop without a cache (key and value building only), the noise floor. */
type Runner = Lib | 'none';
const RUNNERS: readonly Runner[] = [...LIBS, 'none'];

interface Measured {
  lib: Runner;
  size: number;
  fillSeconds: number;
  /** Batch times, us, sorted. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** The five longest batches, us, longest first. */
  worst: number[];
  gc: GcTotals;
  heapMiB: number;
  wasmMiB?: number;
}

// ── child ───────────────────────────────────────────────────────────────────────────────────────

/** Ids uniform over the stored keys, the high bit marking a set; walked cyclically. */
function makeOrder(): Uint32Array {
  const rnd = mulberry32(0x1a7e);
  const order = new Uint32Array(ORDER_MASK + 1);
  for (let i = 0; i < order.length; i++) order[i] = ((rnd() * N) >>> 0) | (rnd() < SET_SHARE ? SET : 0);
  return order;
}

const order = makeOrder();
const make = new StringMaker(VALUE_LEN);
let sink = 0;
let cursor = 0;

// One batch per library, written out so every call site stays monomorphic. Gets build the key per
// op; sets store a fresh value string (as a decoder hands it over).
function batchWasm(c: Cache): void {
  for (let i = 0; i < BATCH; i++) {
    const x = order[cursor++ & ORDER_MASK];
    const id = x & ~SET;
    if (x & SET) c.set(keyOf(id), make.value(id));
    else sink += (c.get(keyOf(id)) as string).length;
  }
}
function batchLruCache(c: LRUCache<string, string>): void {
  for (let i = 0; i < BATCH; i++) {
    const x = order[cursor++ & ORDER_MASK];
    const id = x & ~SET;
    if (x & SET) c.set(keyOf(id), make.value(id));
    else sink += c.get(keyOf(id))!.length;
  }
}
function batchLruMin(c: ReturnType<typeof createLRU<string, string>>): void {
  for (let i = 0; i < BATCH; i++) {
    const x = order[cursor++ & ORDER_MASK];
    const id = x & ~SET;
    if (x & SET) c.set(keyOf(id), make.value(id));
    else sink += c.get(keyOf(id))!.length;
  }
}
function batchNone(_: null): void {
  for (let i = 0; i < BATCH; i++) {
    const x = order[cursor++ & ORDER_MASK];
    const id = x & ~SET;
    if (x & SET) sink += make.value(id).length + keyOf(id).length;
    else sink += keyOf(id).length;
  }
}
function batchMap(c: Map<string, string>): void {
  for (let i = 0; i < BATCH; i++) {
    const x = order[cursor++ & ORDER_MASK];
    const id = x & ~SET;
    if (x & SET) c.set(keyOf(id), make.value(id));
    else sink += c.get(keyOf(id))!.length;
  }
}

async function timeBatches<C>(lib: Runner, c: C, batch: (c: C) => void, size: () => number, fillSeconds: number): Promise<Measured> {
  if (size() !== N) throw new Error(`${lib}: ${size()} entries after filling ${N}`);
  for (let b = 0; b < WARM_BATCHES; b++) batch(c);
  fullGc();
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  const times = new Float64Array(BATCHES);
  const watch = watchGc();
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now();
    batch(c);
    times[b] = (performance.now() - t0) * 1000;
  }
  const gc = await watch.stop();
  if (size() !== N) throw new Error(`${lib}: ${size()} entries after the loop`);
  for (let i = 0; i < 1000; i++) {
    const id = order[i] & ~SET;
    if (!check(c, keyOf(id), make.value(id))) throw new Error(`${lib}: wrong value for ${keyOf(id)}`);
  }
  let sum = 0;
  for (const t of times) sum += t;
  times.sort();
  return {
    lib,
    size: size(),
    fillSeconds,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    p999: quantile(times, 0.999),
    max: times[times.length - 1],
    mean: sum / BATCHES,
    worst: Array.from(times.subarray(-5)).reverse(),
    gc,
    heapMiB,
  };
}

let check: (c: unknown, key: string, want: string) => boolean = () => false;

async function child(lib: Runner): Promise<Measured> {
  const t0 = performance.now();
  const fillSeconds = () => (performance.now() - t0) / 1000;
  if (lib === 'none') {
    check = () => true;
    return timeBatches(lib, null, batchNone, () => N, 0);
  }
  if (lib === 'wasmcache') {
    const c = createCacheSync({ maxEntries: N, maxMemory: Math.ceil((N * 200) / 65536) * 65536 });
    for (let i = 0; i < N; i++) c.set(make.key(i), make.value(i));
    if (c.stats().evictions) throw new Error(`wasmcache evicted ${c.stats().evictions} items while filling`);
    check = (cc, k, v) => (cc as Cache).get(k) === v;
    const m = await timeBatches(lib, c, batchWasm, () => c.size, fillSeconds());
    return { ...m, wasmMiB: c.layout().memoryBytes / 2 ** 20 };
  }
  if (lib === 'lru-cache') {
    const c = new LRUCache<string, string>({ max: N });
    for (let i = 0; i < N; i++) c.set(make.key(i), make.value(i));
    check = (cc, k, v) => (cc as typeof c).get(k) === v;
    return timeBatches(lib, c, batchLruCache, () => c.size, fillSeconds());
  }
  if (lib === 'lru.min') {
    const c = createLRU<string, string>({ max: N });
    for (let i = 0; i < N; i++) c.set(make.key(i), make.value(i));
    check = (cc, k, v) => (cc as typeof c).get(k) === v;
    return timeBatches(lib, c, batchLruMin, () => c.size, fillSeconds());
  }
  const c = new Map<string, string>();
  for (let i = 0; i < N; i++) c.set(make.key(i), make.value(i));
  check = (cc, k, v) => (cc as typeof c).get(k) === v;
  return timeBatches(lib, c, batchMap, () => c.size, fillSeconds());
}

// ── parent ──────────────────────────────────────────────────────────────────────────────────────

async function parent(): Promise<void> {
  requireExposedGc();
  const loadAtStart = load1();
  const started = performance.now();
  const m = {} as Record<Runner, Measured>;
  for (const lib of RUNNERS) {
    console.log(`latency: ${lib} (${N} entries, ${BATCHES} batches of ${BATCH} ops)...`);
    m[lib] = await runChild<Measured>('latency.ts', [`--lib=${lib}`], [HEAP_FLAG]);
    const x = m[lib];
    console.log(`  p50 ${fmt(x.p50)} us, p99 ${fmt(x.p99)} us, p99.9 ${fmt(x.p999)} us, max ${fmt(x.max)} us; GC ${x.gc.count} pauses, ${fmt(x.gc.ms)} ms`);
  }
  const n = N.toExponential(0).replace('+', '');
  const label = (q: string) => `${q} of 1000-op batches, 90% get / 10% set, ${n} entries stored`;
  const values = (f: (x: Measured) => number) => Object.fromEntries(LIBS.map((l) => [l, f(m[l])]));
  const tenth = [{ text: '≤ 1/10 of lru-cache', factor: 10, baseline: 'lru-cache' as const }];
  const rows: Row[] = [
    { id: 'tail-p50', label: label('p50'), unit: 'us/batch', values: values((x) => x.p50) },
    { id: 'tail-p99', label: label('p99'), unit: 'us/batch', values: values((x) => x.p99) },
    { id: 'tail-p999', label: label('p99.9'), unit: 'us/batch', values: values((x) => x.p999), goals: tenth },
    { id: 'tail-max', label: label('max'), unit: 'us/batch', values: values((x) => x.max), goals: tenth },
  ];
  const details = mdTable(
    ['library', 'p50 (us)', 'p99 (us)', 'p99.9 (us)', 'max (us)', 'mean (us)', 'GC pauses', 'GC pause total (ms)', 'longest GC pause (ms)', 'JS heap (MiB)', 'Wasm memory (MiB)', 'fill (s)', '5 longest batches (ms)'],
    RUNNERS.map((l) => {
      const x = m[l];
      return [l === 'none' ? 'none (the loop without a cache)' : l, fmt(x.p50), fmt(x.p99), fmt(x.p999), fmt(x.max), fmt(x.mean), String(x.gc.count), fmt(x.gc.ms), fmt(x.gc.maxMs), fmt(x.heapMiB), x.wasmMiB ? fmt(x.wasmMiB) : '-', fmt(x.fillSeconds), x.worst.map((t) => (t / 1000).toFixed(1)).join(', ')];
    }),
  );
  writeSection(
    {
      name: 'latency',
      title: `Tail latency with ${n} entries stored`,
      command: `node --expose-gc ${HEAP_FLAG} --import tsx bench/latency.ts`,
      method: [
        `Each library alone in a fresh \`node --expose-gc ${HEAP_FLAG}\` process: fill ${N} entries (16-byte keys, ${VALUE_LEN}-byte ` +
          `flat string values), run ${WARM_BATCHES} warm-up batches, force a full GC, then time ${BATCHES} batches of ${BATCH} ops ` +
          `(performance.now around each batch). Ops: ${SET_SHARE * 100}% sets overwriting a stored key with a fresh value string, ` +
          "the rest gets of stored keys ('user:' + id built per op, the value's length read); keys uniform over the stored ones. " +
          'Quantiles are nearest-rank over the batch times, in microseconds per 1000-op batch.',
        `wasmcache: \`maxEntries: ${N}\`, maxMemory ${N} × 200 B. lru-cache and lru.min: \`max: ${N}\`. ` +
          'GC: PerformanceObserver `gc` entries during the timed batches. The row "none" runs the same loop with no cache ' +
          '(building keys and set values only): its tail is the noise floor of the machine and the harness.',
      ],
      rows,
      details: [details],
      seconds: (performance.now() - started) / 1000,
    },
    loadAtStart,
  );
}

const lib = arg('lib') as Runner | undefined;
if (lib) {
  if (!RUNNERS.includes(lib)) throw new Error(`--lib must be one of ${RUNNERS.join(', ')}`);
  const r = await child(lib);
  if (sink === 0) throw new Error('no value was read');
  sendResult(r);
} else await parent();
