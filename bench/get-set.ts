// get/set throughput at 1e6 entries: wasmcache vs lru-cache 11 vs lru.min vs a plain Map (floor).
//
//   npm run bench
//   # or, without rebuilding dist/ (this file imports ../src directly):
//   node --expose-gc --import tsx bench/get-set.ts
//
// Every library gets the same 1e6 keys (16 chars, 'user:' + 11 digits), the same 100-char ASCII
// values and the same random access order (an index array from a seeded PRNG). Each library's data
// is built once, by the fill measurement, and then reused by the mitata benchmarks.
// Each bench body is written out per library (no shared adapter), so every call site stays
// monomorphic and no library pays for another's shapes.

import { writeFileSync } from 'node:fs';
import { availableParallelism as os_cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { bench, group, run, summary } from 'mitata';
import { type Cache, createCacheSync } from '../src/index.js';

const N = 1_000_000;
const LRU_MAX = 1_100_000;
const WASM_MEMORY = '256mb';
const VALUE_LEN = 100;
const ORDER_BITS = 20; // 1,048,576 random indices, walked cyclically
const ORDER_MASK = (1 << ORDER_BITS) - 1;
const FILL_REPS = 3;
const SEED = 0x5eed1234;

const loadAtStart = loadavg()[0];

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {});
if (!(globalThis as { gc?: unknown }).gc) console.warn('warning: run with --expose-gc for stable numbers');

// ── data ──────────────────────────────────────────────────────────────────────────────────────

/** A fresh flat (sequential, one-byte) copy of an ASCII string: no cons/sliced strings in the data. */
function flat(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/** The key a service would build for an id: 16 chars. */
function keyOf(id: number): string {
  return 'user:' + String(id).padStart(11, '0');
}

/** mulberry32: small, seeded, good enough to scatter accesses. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const keys: string[] = new Array(N);
const values: string[] = new Array(N);
{
  const rnd = mulberry32(SEED ^ 0xa5a5a5a5);
  for (let i = 0; i < N; i++) {
    keys[i] = flat(keyOf(i));
    let v = `v${i}:`;
    while (v.length < VALUE_LEN) v += ALPHABET[(rnd() * ALPHABET.length) | 0];
    values[i] = flat(v);
  }
}
const order = new Uint32Array(1 << ORDER_BITS);
{
  const rnd = mulberry32(SEED);
  for (let i = 0; i < order.length; i++) order[i] = (rnd() * N) >>> 0;
}

let sink = 0; // every get adds the value's length here; printed at the end

// ── fill: 1e6 fresh inserts into an empty cache, timed with performance.now ────────────────────

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

function check(lib: string, size: number): void {
  if (size !== N) throw new Error(`${lib}: size ${size} after inserting ${N} entries (expected ${N}: eviction?)`);
}

let wasm: Cache | undefined;
let lruCache: LRUCache<string, string> | undefined;
let lruMin: ReturnType<typeof createLRU<string, string>> | undefined;
let map: Map<string, string> | undefined;

const LIBS = ['wasmcache', 'lru-cache', 'lru.min', 'Map'] as const;
type Lib = (typeof LIBS)[number];
const fillNs: Record<Lib, number[]> = { wasmcache: [], 'lru-cache': [], 'lru.min': [], Map: [] };

function timed(f: () => void): number {
  gc();
  const t0 = performance.now();
  f();
  return ((performance.now() - t0) * 1e6) / N;
}

console.log(`fill: ${N} fresh inserts per library, ${FILL_REPS} reps (fresh caches each rep)...`);
for (let rep = 0; rep < FILL_REPS; rep++) {
  // Drop the previous rep's instances before timing the next one.
  wasm?.dispose();
  wasm = undefined;
  lruCache = undefined;
  lruMin = undefined;
  map = undefined;
  gc();

  const w = createCacheSync({ maxMemory: WASM_MEMORY });
  fillNs.wasmcache.push(timed(() => fillWasm(w)));
  check('wasmcache', w.size);
  if (w.stats().evictions !== 0) throw new Error(`wasmcache evicted ${w.stats().evictions} items during fill`);
  wasm = w;

  const lc = new LRUCache<string, string>({ max: LRU_MAX });
  fillNs['lru-cache'].push(timed(() => fillLruCache(lc)));
  check('lru-cache', lc.size);
  lruCache = lc;

  const lm = createLRU<string, string>({ max: LRU_MAX });
  fillNs['lru.min'].push(timed(() => fillLruMin(lm)));
  check('lru.min', lm.size);
  lruMin = lm;

  const m = new Map<string, string>();
  fillNs.Map.push(timed(() => fillMap(m)));
  check('Map', m.size);
  map = m;

  console.log(`  rep ${rep + 1}: ` + LIBS.map((l) => `${l} ${fillNs[l][rep].toFixed(1)} ns`).join(', '));
}
gc();

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Sanity: every library returns the same value for a sample of keys.
for (let i = 0; i < 1000; i++) {
  const id = order[i];
  const want = values[id];
  const got = [wasm!.get(keys[id]), lruCache!.get(keys[id]), lruMin!.get(keys[id]), map!.get(keys[id])];
  if (got.some((g) => g !== want)) throw new Error(`value mismatch for ${keys[id]}: ${JSON.stringify(got)}`);
}

// ── mitata ────────────────────────────────────────────────────────────────────────────────────

type Op = 'get (prebuilt keys)' | 'get (key built per op)' | 'set (overwrite, full cache)';
const OPS: Op[] = ['get (prebuilt keys)', 'get (key built per op)', 'set (overwrite, full cache)'];
const benchName = (op: Op, lib: Lib): string => `${lib} ${op.split(' ')[0]}${op.includes('built per op') ? ' built-key' : ''}`;
const names = new Map<string, { op: Op; lib: Lib }>();
function reg(op: Op, lib: Lib): string {
  const name = benchName(op, lib);
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
      const op: Op = 'get (prebuilt keys)';
      let c1 = 0;
      bench(reg(op, 'wasmcache'), () => {
        sink += (w.get(keys[order[c1++ & ORDER_MASK]]) as string).length;
      });
      let c2 = 0;
      bench(reg(op, 'lru-cache'), () => {
        sink += lc.get(keys[order[c2++ & ORDER_MASK]])!.length;
      });
      let c3 = 0;
      bench(reg(op, 'lru.min'), () => {
        sink += lm.get(keys[order[c3++ & ORDER_MASK]])!.length;
      });
      let c4 = 0;
      bench(reg(op, 'Map'), () => {
        sink += m.get(keys[order[c4++ & ORDER_MASK]])!.length;
      });
    });
  });

  group('get: random hit, key built per op', () => {
    summary(() => {
      const op: Op = 'get (key built per op)';
      let c1 = 0;
      bench(reg(op, 'wasmcache'), () => {
        sink += (w.get('user:' + String(order[c1++ & ORDER_MASK]).padStart(11, '0')) as string).length;
      });
      let c2 = 0;
      bench(reg(op, 'lru-cache'), () => {
        sink += lc.get('user:' + String(order[c2++ & ORDER_MASK]).padStart(11, '0'))!.length;
      });
      let c3 = 0;
      bench(reg(op, 'lru.min'), () => {
        sink += lm.get('user:' + String(order[c3++ & ORDER_MASK]).padStart(11, '0'))!.length;
      });
      let c4 = 0;
      bench(reg(op, 'Map'), () => {
        sink += m.get('user:' + String(order[c4++ & ORDER_MASK]).padStart(11, '0'))!.length;
      });
    });
  });

  group('set: overwrite existing key at random (full cache)', () => {
    summary(() => {
      const op: Op = 'set (overwrite, full cache)';
      let c1 = 0;
      bench(reg(op, 'wasmcache'), () => {
        const id = order[c1++ & ORDER_MASK];
        w.set(keys[id], values[id]);
      });
      let c2 = 0;
      bench(reg(op, 'lru-cache'), () => {
        const id = order[c2++ & ORDER_MASK];
        lc.set(keys[id], values[id]);
      });
      let c3 = 0;
      bench(reg(op, 'lru.min'), () => {
        const id = order[c3++ & ORDER_MASK];
        lm.set(keys[id], values[id]);
      });
      let c4 = 0;
      bench(reg(op, 'Map'), () => {
        const id = order[c4++ & ORDER_MASK];
        m.set(keys[id], values[id]);
      });
    });
  });
}

const result = await run();

// Overwrites must not have changed the entry counts.
check('wasmcache', wasm!.size);
check('lru-cache', lruCache!.size);
check('lru.min', lruMin!.size);
check('Map', map!.size);

// ── table ─────────────────────────────────────────────────────────────────────────────────────

const ns: Record<string, Partial<Record<Lib, number>>> = {};
for (const trial of result.benchmarks) {
  const meta = names.get(trial.alias);
  const stats = trial.runs[0]?.stats;
  if (!meta || !stats) continue;
  (ns[meta.op] ??= {})[meta.lib] = stats.avg;
}
const FILL_OP = `fill ${N.toExponential(0).replace('+', '')} fresh (median of ${FILL_REPS})`;
ns[FILL_OP] = Object.fromEntries(LIBS.map((l) => [l, median(fillNs[l])]));

const fmt = (x: number | undefined): string => (x === undefined ? 'n/a' : x < 100 ? x.toFixed(1) : x.toFixed(0));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? 'n/a' : `${(b / a).toFixed(2)}×`; // ops/s of a vs b = ns(b) / ns(a)

const lines = [
  `| operation (ns/op) | ${LIBS.join(' | ')} | wasmcache vs lru-cache (ops/s) | wasmcache vs Map (ops/s) |`,
  `|---|${LIBS.map(() => '---:').join('|')}|---:|---:|`,
  ...[...OPS, FILL_OP].map((op) => {
    const r = ns[op] ?? {};
    return `| ${op} | ${LIBS.map((l) => fmt(r[l])).join(' | ')} | ${ratio(r.wasmcache, r['lru-cache'])} | ${ratio(r.wasmcache, r.Map)} |`;
  }),
];
const table = lines.join('\n');

const ctx = result.context as { cpu?: { name?: string | null; freq?: number }; runtime?: string | null };
const header = [
  '# get/set at 1e6 entries',
  '',
  `${N} entries, 16-char keys, ${VALUE_LEN}-char string values, random hits from a seeded index array ` +
    `(same keys, values and order for every library). wasmcache maxMemory ${WASM_MEMORY}; ` +
    `lru-cache ${'`'}max: ${LRU_MAX}${'`'}; lru.min ${'`'}max: ${LRU_MAX}${'`'}; Map has no eviction bookkeeping (floor).`,
  'get/set rows: mitata average ns/iter (one op per iteration). fill row: performance.now around one loop of ' +
    `${N} inserts into an empty cache, median of ${FILL_REPS} fresh caches. Ratios > 1× mean wasmcache is faster.`,
  '',
  `Node ${process.version}, ${process.platform}/${process.arch}, CPU: ${ctx.cpu?.name ?? 'unknown'}; ` +
    `${new Date().toISOString()}. Command: ${'`'}node --expose-gc --import tsx bench/get-set.ts${'`'}`,
  `1-min load average: ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (on ${os_cpus()} CPUs; other load skews the numbers).`,
  '',
].join('\n');

const fillLine = `Fill samples (ns/insert): ${LIBS.map((l) => `${l} [${fillNs[l].map((x) => x.toFixed(1)).join(', ')}]`).join('; ')}`;
console.log('\n' + table + '\n');
console.log(fillLine);
console.log(`(sink ${sink})`);
const out = fileURLToPath(new URL('./results-get-set.md', import.meta.url));
writeFileSync(out, header + '\n' + table + '\n\n' + fillLine + '\n');
console.log(`wrote ${out}`);
