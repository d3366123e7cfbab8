// Cache-aside under skew: 90% get / 10% set over Zipf(0.99) keys from a 2e6 key space, capacity 1e5
// items of 1 KiB Uint8Array values. A get that misses "loads" the value and sets it, as a service
// in front of a database does; the value is consumed either way.
//
//   npm run bench:zipf
//   BENCH_ZIPF_OPS=500000 npm run bench:zipf   (shorter, while developing)
//
// One process, one library at a time (each cache is dropped and collected before the next is
// built), the same precomputed sequence of keys and operations for all. wasmcache runs three
// times: reading with get (a copy into a new Uint8Array), getView (a view of its memory) and
// getInto (a copy into the caller's reused buffer).
//
// Where a value comes from on a miss: JS caches keep the object they are given, so each miss and
// each set stores a new Uint8Array (as a decoder would hand it over); wasmcache copies the bytes
// into its memory, so the caller fills one reused buffer. That difference is the point of the
// design, and it is stated in the results.
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { type Cache, createCacheSync } from '../src/index.js';
import { byteTemplate, keyOf, newByteValue, stamp, stampOf } from './lib/data.js';
import { type GcTotals, fullGc, requireExposedGc, watchGc } from './lib/gc.js';
import { type Lib, type Row, envInt, fmt, load1, mdTable, writeSection } from './lib/report.js';
import { mulberry32 } from './lib/rng.js';
import { Zipf, zipfSequence } from './lib/zipf.js';

const KEYS = envInt('BENCH_ZIPF_KEYS', 2_000_000);
const CAP = envInt('BENCH_ZIPF_CAP', 100_000);
const OPS = envInt('BENCH_ZIPF_OPS', 1_000_000);
const WARM = envInt('BENCH_ZIPF_WARM', 600_000);
const VALUE_LEN = 1024;
const ROUNDS = envInt('BENCH_ZIPF_ROUNDS', 2);
const SET_SHARE = 0.1;
const S = 0.99;
const SET = 0x80000000; // high bit of a sequence entry: this op is a set

requireExposedGc();
const loadAtStart = load1();
const started = performance.now();

// ── the access sequence: ids with the set flag, shared by every library ──────────────────────────

const zipf = new Zipf(KEYS, S);
const seq = zipfSequence(zipf, WARM + OPS, 0x21bf);
{
  const rnd = mulberry32(0x5e7);
  for (let i = 0; i < seq.length; i++) if (rnd() < SET_SHARE) seq[i] = (seq[i] | SET) >>> 0;
}
const T = byteTemplate(VALUE_LEN);
let sink = 0;

// ── wasmcache: maxMemory sized for CAP items of this shape (probed, then 5% headroom) ────────────

function wasmMemoryFor(items: number): number {
  const page = 65536;
  const buf = T.slice();
  const probe = createCacheSync({ maxEntries: items, maxMemory: Math.ceil((items * (VALUE_LEN + 128) * 2) / page) * page });
  for (let i = 0; i < items; i++) probe.set(keyOf(i), buf);
  if (probe.stats().evictions !== 0) throw new Error('the probe cache evicted: make it larger');
  let bytes = Math.ceil((probe.stats().usedBytes * 1.05) / page) * page;
  probe.dispose();
  for (;;) {
    const c = createCacheSync({ maxEntries: items, maxMemory: bytes });
    for (let i = 0; i < items; i++) c.set(keyOf(i), buf);
    const ok = c.stats().evictions === 0;
    c.dispose();
    if (ok) return bytes;
    bytes = Math.ceil((bytes * 1.1) / page) * page;
  }
}
const WASM_MEMORY = wasmMemoryFor(CAP);
const newWasm = (): Cache => createCacheSync({ maxEntries: CAP, maxMemory: WASM_MEMORY });

// ── one loop per library and read API (written out so every call site stays monomorphic) ─────────
// Each returns the number of gets that hit.

function runWasmGet(c: Cache, from: number, to: number): number {
  const buf = T.slice();
  let hits = 0;
  for (let i = from; i < to; i++) {
    const x = seq[i];
    const id = x & ~SET;
    const key = keyOf(id);
    if (x & SET) {
      stamp(buf, id);
      c.set(key, buf);
      continue;
    }
    const v = c.get(key) as Uint8Array | undefined;
    if (v !== undefined) {
      hits++;
      sink += v[0];
    } else {
      stamp(buf, id);
      c.set(key, buf);
      sink += buf[0];
    }
  }
  return hits;
}

function runWasmGetView(c: Cache, from: number, to: number): number {
  const buf = T.slice();
  let hits = 0;
  for (let i = from; i < to; i++) {
    const x = seq[i];
    const id = x & ~SET;
    const key = keyOf(id);
    if (x & SET) {
      stamp(buf, id);
      c.set(key, buf);
      continue;
    }
    const v = c.getView(key);
    if (v !== undefined) {
      hits++;
      sink += v[0];
    } else {
      stamp(buf, id);
      c.set(key, buf);
      sink += buf[0];
    }
  }
  return hits;
}

function runWasmGetInto(c: Cache, from: number, to: number): number {
  const buf = T.slice();
  const out = new Uint8Array(VALUE_LEN);
  let hits = 0;
  for (let i = from; i < to; i++) {
    const x = seq[i];
    const id = x & ~SET;
    const key = keyOf(id);
    if (x & SET) {
      stamp(buf, id);
      c.set(key, buf);
      continue;
    }
    if (c.getInto(key, out) >= 0) {
      hits++;
      sink += out[0];
    } else {
      stamp(buf, id);
      c.set(key, buf);
      sink += buf[0];
    }
  }
  return hits;
}

function runLruCache(c: LRUCache<string, Uint8Array>, from: number, to: number): number {
  let hits = 0;
  for (let i = from; i < to; i++) {
    const x = seq[i];
    const id = x & ~SET;
    const key = keyOf(id);
    if (x & SET) {
      c.set(key, newByteValue(T, id));
      continue;
    }
    let v = c.get(key);
    if (v !== undefined) hits++;
    else c.set(key, (v = newByteValue(T, id)));
    sink += v[0];
  }
  return hits;
}

function runLruMin(c: ReturnType<typeof createLRU<string, Uint8Array>>, from: number, to: number): number {
  let hits = 0;
  for (let i = from; i < to; i++) {
    const x = seq[i];
    const id = x & ~SET;
    const key = keyOf(id);
    if (x & SET) {
      c.set(key, newByteValue(T, id));
      continue;
    }
    let v = c.get(key);
    if (v !== undefined) hits++;
    else c.set(key, (v = newByteValue(T, id)));
    sink += v[0];
  }
  return hits;
}

/**
 * Map as a floor: a Map plus a ring of its keys in insertion order, evicting the oldest at capacity
 * (FIFO) and doing nothing on a hit. (Evicting with `map.keys().next()` instead is O(deleted
 * entries) in V8 until the table is rebuilt, and took ~25 us per op here.)
 */
class FifoMap {
  readonly map = new Map<string, Uint8Array>();
  private readonly ring: string[] = new Array(CAP);
  private next = 0;

  /** Stores a key that is not in the map, evicting the oldest key at capacity. */
  insert(key: string, value: Uint8Array): void {
    if (this.map.size >= CAP) this.map.delete(this.ring[this.next]);
    this.ring[this.next] = key;
    this.next = this.next + 1 === CAP ? 0 : this.next + 1;
    this.map.set(key, value);
  }
}

function runMap(c: FifoMap, from: number, to: number): number {
  const m = c.map;
  let hits = 0;
  for (let i = from; i < to; i++) {
    const x = seq[i];
    const id = x & ~SET;
    const key = keyOf(id);
    if (x & SET) {
      if (m.has(key)) m.set(key, newByteValue(T, id));
      else c.insert(key, newByteValue(T, id));
      continue;
    }
    let v = m.get(key);
    if (v !== undefined) hits++;
    else c.insert(key, (v = newByteValue(T, id)));
    sink += v[0];
  }
  return hits;
}

/** The loop without a cache: the keys built per op and the sequence walked, nothing stored. */
function runNone(from: number, to: number): number {
  for (let i = from; i < to; i++) sink += keyOf(seq[i] & ~SET).length;
  return 0;
}

// ── driver ──────────────────────────────────────────────────────────────────────────────────────

interface Outcome {
  variant: string;
  lib: Lib;
  nsPerOp: number;
  hitRatio: number;
  gc: GcTotals;
  size: number;
}

const gets = (from: number, to: number) => {
  let n = 0;
  for (let i = from; i < to; i++) if (!(seq[i] & SET)) n++;
  return n;
};
const measuredGets = gets(WARM, WARM + OPS);

/** Warms the cache up, then times the measured ops; checks a sample of the stored values. */
async function measure<C>(
  variant: string,
  lib: Lib,
  make: () => C,
  loop: (c: C, from: number, to: number) => number,
  read: (c: C, key: string) => Uint8Array | undefined,
  size: (c: C) => number,
  done: (c: C) => void = () => {},
): Promise<Outcome> {
  fullGc();
  let c: C | undefined = make();
  loop(c, 0, WARM);
  fullGc();
  const watch = watchGc();
  const t0 = performance.now();
  const hits = loop(c, WARM, WARM + OPS);
  const ms = performance.now() - t0;
  const gc = await watch.stop();
  const n = size(c);
  if (n > CAP || n < CAP * 0.9) throw new Error(`${variant}: ${n} items at the end (capacity ${CAP})`);
  let checked = 0;
  for (let i = seq.length - 1; i >= 0 && checked < 1000; i--) {
    const id = seq[i] & ~SET;
    const v = read(c, keyOf(id));
    if (v === undefined) continue;
    if (v.length !== VALUE_LEN || stampOf(v) !== id || v[VALUE_LEN - 1] !== T[VALUE_LEN - 1]) {
      throw new Error(`${variant}: wrong value for ${keyOf(id)}`);
    }
    checked++;
  }
  if (checked < 500) throw new Error(`${variant}: only ${checked} of the last keys are cached`);
  done(c);
  c = undefined;
  const o: Outcome = { variant, lib, nsPerOp: (ms * 1e6) / OPS, hitRatio: hits / measuredGets, gc, size: n };
  console.log(
    `  ${variant}: ${o.nsPerOp.toFixed(0)} ns/op, hit ratio ${(o.hitRatio * 100).toFixed(1)}%, ` +
      `GC ${gc.count} pauses ${gc.ms.toFixed(0)} ms (longest ${gc.maxMs.toFixed(1)} ms)`,
  );
  return o;
}

console.log(
  `zipf: Zipf(${S}) over ${KEYS} keys, capacity ${CAP}, ${VALUE_LEN} B values, ${WARM} warm-up + ${OPS} timed ops; ` +
    `wasmcache maxMemory ${(WASM_MEMORY / 2 ** 20).toFixed(1)} MiB`,
);
const wasmDone = (c: Cache) => c.dispose();
const wasmSize = (c: Cache) => c.size;
const wasmRead = (c: Cache, k: string) => c.getView(k);
const runs: (() => Promise<Outcome>)[] = [
  () => measure('wasmcache get', 'wasmcache', newWasm, runWasmGet, wasmRead, wasmSize, wasmDone),
  () => measure('wasmcache getView', 'wasmcache', newWasm, runWasmGetView, wasmRead, wasmSize, wasmDone),
  () => measure('wasmcache getInto', 'wasmcache', newWasm, runWasmGetInto, wasmRead, wasmSize, wasmDone),
  () => measure('lru-cache', 'lru-cache', () => new LRUCache<string, Uint8Array>({ max: CAP }), runLruCache, (c, k) => c.peek(k), (c) => c.size),
  () => measure('lru.min', 'lru.min', () => createLRU<string, Uint8Array>({ max: CAP }), runLruMin, (c, k) => c.peek(k), (c) => c.size),
  () => measure('Map', 'Map', () => new FifoMap(), runMap, (c, k) => c.map.get(k), (c) => c.map.size),
];
// The harness alone: what building the keys costs, in time and GC, before any cache.
fullGc();
const harness = await (async () => {
  runNone(0, WARM);
  fullGc();
  const watch = watchGc();
  const t0 = performance.now();
  runNone(WARM, WARM + OPS);
  const ns = ((performance.now() - t0) * 1e6) / OPS;
  return { ns, gc: await watch.stop() };
})();
console.log(`  the loop without a cache: ${harness.ns.toFixed(0)} ns/op, GC ${harness.gc.count} pauses ${harness.gc.ms.toFixed(0)} ms`);

// Rounds alternate the order, so that no library always runs first (or right after another's GC).
const rounds: Outcome[][] = [];
for (let r = 0; r < ROUNDS; r++) {
  console.log(`round ${r + 1} of ${ROUNDS}`);
  const results: Outcome[] = [];
  for (const i of runs.keys()) {
    const k = r % 2 === 0 ? i : runs.length - 1 - i;
    results[k] = await runs[k]();
  }
  rounds.push(results);
}
/** Per run: the round with the median ns/op (the lower middle one for an even count). */
const outcomes: Outcome[] = runs.map((_, k) => {
  const mine = rounds.map((r) => r[k]).sort((a, b) => a.nsPerOp - b.nsPerOp);
  return mine[(mine.length - 1) >> 1];
});

// ── results ─────────────────────────────────────────────────────────────────────────────────────

const by = (v: string) => outcomes.find((o) => o.variant === v)!.nsPerOp;
const js = { 'lru-cache': by('lru-cache'), 'lru.min': by('lru.min'), Map: by('Map') };
const goal = [{ text: '≥ 3× lru-cache', factor: 3, baseline: 'lru-cache' as const }];
const label = `90% get / 10% set, Zipf(${S}) over ${(KEYS / 1e6).toFixed(0)}e6 keys, capacity ${CAP.toExponential(0).replace('+', '')}, 1 KiB bytes`;
const rows: Row[] = [
  { id: 'zipf-getView', label: `${label}; wasmcache reads with getView`, unit: 'ns/op', values: { wasmcache: by('wasmcache getView'), ...js }, goals: goal },
  { id: 'zipf-getInto', label: `${label}; wasmcache reads with getInto`, unit: 'ns/op', values: { wasmcache: by('wasmcache getInto'), ...js }, goals: goal },
  { id: 'zipf-get', label: `${label}; wasmcache reads with get (a copy)`, unit: 'ns/op', values: { wasmcache: by('wasmcache get'), ...js } },
];
const ideal = zipf.head(CAP);
const details = mdTable(
  ['run', 'ns/op (each round)', 'get hit ratio', 'GC pauses', 'GC pause total (ms)', 'GC ms per 1e6 ops', 'longest GC pause (ms)', 'items at end'],
  outcomes.map((o) => [
    o.variant,
    `${fmt(o.nsPerOp)} (${rounds.map((r) => fmt(r.find((x) => x.variant === o.variant)!.nsPerOp)).join(', ')})`,
    `${(o.hitRatio * 100).toFixed(1)}%`,
    String(o.gc.count),
    fmt(o.gc.ms),
    fmt((o.gc.ms * 1e6) / OPS),
    fmt(o.gc.maxMs),
    String(o.size),
  ]).concat([
    [
      'none (the loop without a cache: keys built, nothing stored)',
      fmt(harness.ns),
      '-',
      String(harness.gc.count),
      fmt(harness.gc.ms),
      fmt((harness.gc.ms * 1e6) / OPS),
      fmt(harness.gc.maxMs),
      '-',
    ],
  ]),
);

writeSection(
  {
    name: 'zipf',
    title: 'Cache-aside under Zipf(0.99): 90% get / 10% set, 1 KiB byte values',
    command: 'node --expose-gc --import tsx bench/zipf.ts',
    method: [
      `Keys drawn from Zipf(${S}) over ${KEYS} ids ('user:' + 11 digits, built per op), ${SET_SHARE * 100}% of ops are sets; ` +
        `capacity ${CAP} items of ${VALUE_LEN} B \`Uint8Array\` values. A get that misses is followed by a set of the loaded value ` +
        '(cache-aside); the value is consumed (one byte read) either way. One precomputed sequence for every library: ' +
        `${WARM} warm-up ops, then ${OPS} timed ops (performance.now around the loop, GC included), in a fresh cache; ` +
        `${ROUNDS} rounds in alternating order, the median round reported (the faster one of two).`,
      `wasmcache: \`maxEntries: ${CAP}\`, \`maxMemory\` ${(WASM_MEMORY / 2 ** 20).toFixed(1)} MiB (probed: the bytes ${CAP} such items ` +
        'use, plus 5%), default policy S3-FIFO. lru-cache and lru.min: `max: ' + CAP + '`. Map: the floor, evicting in insertion ' +
        'order at capacity and doing nothing on a hit.',
      'On a miss or a set, the JS caches store a new `Uint8Array` (they keep the object they are given); wasmcache copies the ' +
        'bytes from one reused buffer into its memory. Hit ratios differ by policy (S3-FIFO vs LRU vs FIFO), and every miss ' +
        `costs a set, so they are shown below; a perfect cache of the ${CAP} most popular keys would hit ${(ideal * 100).toFixed(1)}%.`,
      'GC pauses: PerformanceObserver `gc` entries during the timed ops (incremental marking done during allocation is not among them).',
    ],
    rows,
    details: [details, `(sink ${sink})`],
    seconds: (performance.now() - started) / 1000,
  },
  loadAtStart,
);
