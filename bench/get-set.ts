// get/set throughput at 1e6 entries: wasmcache vs lru-cache 11 vs lru.min vs a plain Map (floor).
//
//   npm run bench:get-set          (npm run bench runs it with the others, after a build)
//   BENCH_N=100000 npm run bench:get-set   (smaller, while developing)
//
// Every library gets the same keys (16 chars, 'user:' + 11 digits), the same 100-char ASCII values
// and the same random access order (an index array from a seeded PRNG). Each library's data is built
// once, by the fill measurement, and then reused by the mitata benchmarks.
// Each bench body is written out per library (no shared adapter), so every call site stays
// monomorphic and no library pays for another's shapes. Every returned value is consumed.
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { bench, group, run, summary } from 'mitata';
import { type Cache, createCacheSync } from '../src/index.js';
import { keyOf, stringEntries } from './lib/data.js';
import { fullGc, requireExposedGc } from './lib/gc.js';
import { LIBS, type Lib, type Row, envInt, load1, median, mitataDetails, writeSection } from './lib/report.js';
import { uniformOrder } from './lib/rng.js';

const N = envInt('BENCH_N', 1_000_000);
const FILL_REPS = envInt('BENCH_FILL_REPS', 3);
const VALUE_LEN = 100;
const LRU_MAX = Math.ceil(N * 1.1);
const WASM_MEMORY = Math.max(64, Math.ceil((N / 1e6) * 256)) * 2 ** 20; // 256 MiB at 1e6
const ORDER_MASK = (1 << 20) - 1; // 1,048,576 random indices, walked cyclically
const SEED = 0x5eed1234;

requireExposedGc();
const loadAtStart = load1();
const started = performance.now();

const { keys, values } = stringEntries(N, VALUE_LEN);
const order = uniformOrder(N, ORDER_MASK + 1, SEED);
let sink = 0; // every get adds the value's length here; printed at the end

// ── fill: N fresh inserts into an empty cache, timed with performance.now ─────────────────────

function fillWasm(c: Cache): void {
  for (let i = 0; i < N; i++) c.set(keys[i], values[i]);
}
function fillLruCache(c: LRUCache<string, string>): void {
  for (let i = 0; i < N; i++) c.set(keys[i], values[i]);
}
function fillLruMin(c: ReturnType<typeof createLRU<string, string>>): void {
  for (let i = 0; i < N; i++) c.set(keys[i], values[i]);
}
function fillMap(c: Map<string, string>): void {
  for (let i = 0; i < N; i++) c.set(keys[i], values[i]);
}

function checkSize(lib: string, size: number): void {
  if (size !== N) throw new Error(`${lib}: size ${size} after inserting ${N} entries (expected ${N}: eviction?)`);
}

let wasm: Cache | undefined;
let lruCache: LRUCache<string, string> | undefined;
let lruMin: ReturnType<typeof createLRU<string, string>> | undefined;
let map: Map<string, string> | undefined;
const fillNs: Record<Lib, number[]> = { wasmcache: [], 'lru-cache': [], 'lru.min': [], Map: [] };
/** wasmcache also given maxEntries: LRU_MAX, the same sizing lru-cache and lru.min get from `max`. */
const fillSizedNs: number[] = [];

function timed(f: () => void): number {
  fullGc();
  const t0 = performance.now();
  f();
  return ((performance.now() - t0) * 1e6) / N;
}

console.log(`fill: ${N} fresh inserts per library, ${FILL_REPS} reps (fresh caches each rep)...`);
for (let rep = 0; rep < FILL_REPS; rep++) {
  // Drop the previous rep's instances before timing the next one.
  wasm?.dispose();
  wasm = lruCache = lruMin = map = undefined;
  fullGc();

  const sized = createCacheSync({ maxMemory: WASM_MEMORY, maxEntries: LRU_MAX });
  fillSizedNs.push(timed(() => fillWasm(sized)));
  checkSize('wasmcache', sized.size);
  if (sized.stats().evictions !== 0) throw new Error(`wasmcache evicted ${sized.stats().evictions} items during fill`);
  sized.dispose();

  const w = createCacheSync({ maxMemory: WASM_MEMORY });
  fillNs.wasmcache.push(timed(() => fillWasm(w)));
  checkSize('wasmcache', w.size);
  if (w.stats().evictions !== 0) throw new Error(`wasmcache evicted ${w.stats().evictions} items during fill`);
  wasm = w;

  const lc = new LRUCache<string, string>({ max: LRU_MAX });
  fillNs['lru-cache'].push(timed(() => fillLruCache(lc)));
  checkSize('lru-cache', lc.size);
  lruCache = lc;

  const lm = createLRU<string, string>({ max: LRU_MAX });
  fillNs['lru.min'].push(timed(() => fillLruMin(lm)));
  checkSize('lru.min', lm.size);
  lruMin = lm;

  const m = new Map<string, string>();
  fillNs.Map.push(timed(() => fillMap(m)));
  checkSize('Map', m.size);
  map = m;

  console.log(`  rep ${rep + 1}: wasmcache+maxEntries ${fillSizedNs[rep].toFixed(1)} ns, ` + LIBS.map((l) => `${l} ${fillNs[l][rep].toFixed(1)} ns`).join(', '));
}
fullGc();

// Sanity: every library returns the same value for a sample of keys.
for (let i = 0; i < 1000; i++) {
  const id = order[i];
  const want = values[id];
  const got = [wasm!.get(keys[id]), lruCache!.get(keys[id]), lruMin!.get(keys[id]), map!.get(keys[id])];
  if (got.some((g) => g !== want)) throw new Error(`value mismatch for ${keys[id]}: ${JSON.stringify(got)}`);
}

// ── mitata ────────────────────────────────────────────────────────────────────────────────────

type Op = 'get-prebuilt' | 'get-built' | 'set-overwrite';
const names = new Map<string, { op: Op; lib: Lib }>();
function reg(op: Op, lib: Lib): string {
  const name = `${lib} ${op}`;
  names.set(name, { op, lib });
  return name;
}

{
  const w = wasm!;
  const lc = lruCache!;
  const lm = lruMin!;
  const m = map!;

  group('get: random hit, prebuilt keys', () => {
    summary(() => {
      let c1 = 0;
      bench(reg('get-prebuilt', 'wasmcache'), () => {
        sink += (w.get(keys[order[c1++ & ORDER_MASK]]) as string).length;
      });
      let c2 = 0;
      bench(reg('get-prebuilt', 'lru-cache'), () => {
        sink += lc.get(keys[order[c2++ & ORDER_MASK]])!.length;
      });
      let c3 = 0;
      bench(reg('get-prebuilt', 'lru.min'), () => {
        sink += lm.get(keys[order[c3++ & ORDER_MASK]])!.length;
      });
      let c4 = 0;
      bench(reg('get-prebuilt', 'Map'), () => {
        sink += m.get(keys[order[c4++ & ORDER_MASK]])!.length;
      });
    });
  });

  group("get: random hit, key built per op ('user:' + id)", () => {
    summary(() => {
      let c1 = 0;
      bench(reg('get-built', 'wasmcache'), () => {
        sink += (w.get(keyOf(order[c1++ & ORDER_MASK])) as string).length;
      });
      let c2 = 0;
      bench(reg('get-built', 'lru-cache'), () => {
        sink += lc.get(keyOf(order[c2++ & ORDER_MASK]))!.length;
      });
      let c3 = 0;
      bench(reg('get-built', 'lru.min'), () => {
        sink += lm.get(keyOf(order[c3++ & ORDER_MASK]))!.length;
      });
      let c4 = 0;
      bench(reg('get-built', 'Map'), () => {
        sink += m.get(keyOf(order[c4++ & ORDER_MASK]))!.length;
      });
    });
  });

  group('set: overwrite an existing key at random (full cache)', () => {
    summary(() => {
      let c1 = 0;
      bench(reg('set-overwrite', 'wasmcache'), () => {
        const id = order[c1++ & ORDER_MASK];
        w.set(keys[id], values[id]);
      });
      let c2 = 0;
      bench(reg('set-overwrite', 'lru-cache'), () => {
        const id = order[c2++ & ORDER_MASK];
        lc.set(keys[id], values[id]);
      });
      let c3 = 0;
      bench(reg('set-overwrite', 'lru.min'), () => {
        const id = order[c3++ & ORDER_MASK];
        lm.set(keys[id], values[id]);
      });
      let c4 = 0;
      bench(reg('set-overwrite', 'Map'), () => {
        const id = order[c4++ & ORDER_MASK];
        m.set(keys[id], values[id]);
      });
    });
  });
}

const result = await run();

// Overwrites must not have changed the entry counts.
checkSize('wasmcache', wasm!.size);
checkSize('lru-cache', lruCache!.size);
checkSize('lru.min', lruMin!.size);
checkSize('Map', map!.size);

// ── results ───────────────────────────────────────────────────────────────────────────────────

const ns: Record<Op, Partial<Record<Lib, number>>> = { 'get-prebuilt': {}, 'get-built': {}, 'set-overwrite': {} };
for (const trial of result.benchmarks) {
  const meta = names.get(trial.alias);
  const stats = trial.runs[0]?.stats;
  if (meta && stats) ns[meta.op][meta.lib] = stats.avg;
}
const n = N.toExponential(0).replace('+', '');
const getGoals = [
  { text: '≥ 1.5× lru-cache', factor: 1.5, baseline: 'lru-cache' as const },
  { text: '≥ 1× Map', factor: 1, baseline: 'Map' as const },
];
const setGoal = [{ text: '≥ 1.5× lru-cache', factor: 1.5, baseline: 'lru-cache' as const }];
const rows: Row[] = [
  { id: 'get-prebuilt', label: 'get, random hit, keys pre-built in an array', unit: 'ns/op', values: ns['get-prebuilt'], goals: getGoals },
  { id: 'get-built', label: "get, random hit, key built per op ('user:' + id)", unit: 'ns/op', values: ns['get-built'], goals: getGoals },
  { id: 'set-overwrite', label: 'set, overwrite a random key (full cache)', unit: 'ns/op', values: ns['set-overwrite'], goals: setGoal },
  {
    id: 'fill',
    label: `fill ${n} fresh entries (median of ${FILL_REPS}); wasmcache sized by maxMemory only, its tables grow`,
    unit: 'ns/op',
    values: Object.fromEntries(LIBS.map((l) => [l, median(fillNs[l])])),
    goals: setGoal,
  },
  {
    id: 'fill-sized',
    label: `fill ${n} fresh entries (median of ${FILL_REPS}); wasmcache also given maxEntries ${LRU_MAX} (as lru-cache gets max)`,
    unit: 'ns/op',
    values: { ...Object.fromEntries(LIBS.map((l) => [l, median(fillNs[l])])), wasmcache: median(fillSizedNs) },
    goals: setGoal,
  },
];

writeSection(
  {
    name: 'get-set',
    title: `get / set at ${n} entries`,
    command: 'node --expose-gc --import tsx bench/get-set.ts',
    method: [
      `${N} entries, 16-char keys, ${VALUE_LEN}-char ASCII string values (flat strings, as a decoder makes them), random ` +
        'hits from a seeded index array: the same keys, values and order for every library. ' +
        `wasmcache \`maxMemory\` ${WASM_MEMORY / 2 ** 20} MiB, default policy (S3-FIFO); lru-cache and lru.min \`max: ${LRU_MAX}\`; ` +
        'Map has no eviction bookkeeping (the floor). Each get reads the returned string\'s length.',
      'get/set rows: mitata average per iteration (one op). fill rows: performance.now around one loop of ' +
        `${N} inserts into an empty cache, median of ${FILL_REPS} fresh caches. The first fill row gives wasmcache only ` +
        'maxMemory: its index starts at 1/16 and is rebuilt each time it grows by half. The second also gives it ' +
        `maxEntries: ${LRU_MAX}, the count that lru-cache and lru.min get as \`max\` (they size their arrays from it), ` +
        'so its tables are sized once. The get/set rows use the first kind.',
    ],
    rows,
    details: [
      mitataDetails(result.benchmarks),
      `Fill samples (ns/insert): wasmcache with maxEntries [${fillSizedNs.map((x) => x.toFixed(0)).join(', ')}]; ` +
        `${LIBS.map((l) => `${l} [${fillNs[l].map((x) => x.toFixed(0)).join(', ')}]`).join('; ')}. (sink ${sink})`,
    ],
    seconds: (performance.now() - started) / 1000,
  },
  loadAtStart,
);
