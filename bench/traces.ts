// Hit ratios on real request traces: every trace in test/fixtures replayed through the real cache
// (createCacheSync, the Wasm core, not a simulator) for each eviction policy, beside lru-cache 11
// on the same requests and the reference ratios of an independent simulator.
//
//   npm run bench:traces
//   npm run bench:traces -- --policies lru      # or: POLICIES=lru npm run bench:traces
//
// Imports ../src directly (like bench/get-set.ts), so it runs the core embedded in
// src/generated: after changing assembly/, run `npm run build:wasm` first.
//
// Two kinds of capacity:
//  1. Items: every trace at 1% and 10% of its unique keys (maxEntries; memory never binds).
//  2. Bytes: adaptsize-request, the trace with object sizes, at 1% and 10% of its unique bytes.
// A hit is a get() that finds the key; a miss is followed by set(). Cold misses count.
// Prints markdown and writes it to bench/results-traces.md.

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LRUCache } from 'lru-cache';
import { CacheError, type Policy, createCacheSync } from '../src/index.js';
import { coreWasmBase64 } from '../src/generated/core-wasm.js';
import { type InternedTrace, firstSizes, readTraceInterned } from '../test/helpers/traces.js';

const started = performance.now();

// ── configuration ─────────────────────────────────────────────────────────────────────────────

const ALL_POLICIES = ['s3fifo', 'sieve', 'lru'];

/** `--policies a,b` / `--policies=a,b`, else env POLICIES, else all. */
function selectedPolicies(): string[] {
  const argv = process.argv.slice(2);
  let spec = process.env.POLICIES;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--policies') spec = argv[++i];
    else if (argv[i].startsWith('--policies=')) spec = argv[i].slice('--policies='.length);
    else throw new Error(`unknown argument ${argv[i]} (usage: --policies s3fifo,sieve,lru)`);
  }
  if (spec === undefined || spec.trim() === '') return ALL_POLICIES;
  const list = spec.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  // Keep the table's column order whatever order they were given in; unknown names go last.
  return [...ALL_POLICIES.filter((p) => list.includes(p)), ...list.filter((p) => !ALL_POLICIES.includes(p))];
}

const policies = selectedPolicies();

// Fail before minutes of replays, not after, if the core does not take a policy yet.
for (const policy of policies) {
  try {
    createCacheSync({ policy: policy as Policy, maxMemory: '1mb' }).dispose();
  } catch (e) {
    if (!(e instanceof CacheError && e.code === 'ERR_OPTIONS')) throw e;
    console.error(`policy '${policy}' is not accepted by this build: ${e.message}`);
    console.error(`run the others only, e.g. POLICIES=lru npm run bench:traces (or rebuild: npm run build:wasm)`);
    process.exit(2);
  }
}

const TRACES = [
  { name: 'web12', file: 'web12.txt.gz' },
  { name: 'scarab-recs', file: 'scarab-recs.txt.gz' },
  { name: 'adaptsize-request', file: 'adaptsize-request.txt.gz' },
  { name: 'w106', file: 'w106.txt.gz' },
];

/** Reference hit ratios (%) from an independent simulator (test/fixtures/README.md). */
const REFERENCE: Record<string, { capacity: number; lru: number; sieve: number; s3fifo: number }[]> = {
  web12: [
    { capacity: 137, lru: 39.7, sieve: 40.25, s3fifo: 41.14 },
    { capacity: 1375, lru: 68.48, sieve: 71.72, s3fifo: 71.91 },
  ],
  'scarab-recs': [
    { capacity: 2583, lru: 34.71, sieve: 40.81, s3fifo: 42.08 },
    { capacity: 25836, lru: 60.6, sieve: 60.91, s3fifo: 62.81 },
  ],
  'adaptsize-request': [
    { capacity: 368, lru: 24.29, sieve: 26.14, s3fifo: 26.19 },
    { capacity: 3681, lru: 34.19, sieve: 37.5, s3fifo: 38.36 },
  ],
  w106: [
    { capacity: 2751, lru: 79.79, sieve: 80.45, s3fifo: 80.68 },
    { capacity: 27517, lru: 91.77, sieve: 91.64, s3fifo: 92.17 },
  ],
};

// Capacities and budgets as percentages of the unique keys (bytes), rounded DOWN: that is what
// reproduces the reference table (web12: 13,756 keys -> 137 and 1,375; Math.round would give 138
// and 1,376). Integer arithmetic, so no 0.1 * n float surprises.
const PERCENTS = [1, 10];
const share = (total: number, percent: number) => Math.floor((total * percent) / 100);
const ITEM_VALUE = '1'; // item-capacity runs: a tiny value, so only the count can bind
const MiB = 1024 * 1024;
const WASM_PAGE = 65536;

// ── helpers ───────────────────────────────────────────────────────────────────────────────────

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (part: number, whole: number) => ((100 * part) / whole).toFixed(2);
const yesNo = (ok: boolean) => (ok ? 'yes' : '**NO**');

function progress(what: string, t0: number): void {
  console.error(`  ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

interface ItemRun {
  hits: number;
  /** Evictions beyond the count limit: memory bound the cache, so it was not an N-item cache. */
  memoryEvictions: number;
}

/**
 * maxMemory for an N-item cache that memory never binds: items here are about 40 bytes
 * (16-byte header, key of at most 20 bytes, 1-byte value) plus about 30 bytes of index and heap
 * per entry; 256 bytes per entry leaves ample room for slab rounding and policy metadata, and the
 * eviction count checks it after the replay.
 */
function itemMemory(capacity: number): number {
  return Math.max(2 * MiB, capacity * 256);
}

/** wasmcache with maxEntries = capacity: a get that finds the key is a hit, else set it. */
function replayWasmItems(trace: InternedTrace, policy: string, capacity: number): ItemRun {
  const cache = createCacheSync({ policy: policy as Policy, maxEntries: capacity, maxMemory: itemMemory(capacity) });
  const { keys, ids } = trace;
  let hits = 0;
  for (let i = 0; i < ids.length; i++) {
    const key = keys[ids[i]];
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, ITEM_VALUE);
  }
  const s = cache.stats();
  if (s.hits !== hits) throw new Error(`stats().hits ${s.hits} != counted hits ${hits}`);
  cache.dispose();
  // With only the count binding, each set beyond the first `capacity` evicts exactly one item.
  return { hits, memoryEvictions: s.evictions - Math.max(0, s.sets - capacity) };
}

/** lru-cache 11 with max = capacity, replayed the same way. */
function replayLruCacheItems(trace: InternedTrace, capacity: number): number {
  const lru = new LRUCache<string, string>({ max: capacity });
  const { keys, ids } = trace;
  let hits = 0;
  for (let i = 0; i < ids.length; i++) {
    const key = keys[ids[i]];
    if (lru.get(key) !== undefined) hits++;
    else lru.set(key, ITEM_VALUE);
  }
  return hits;
}

interface ByteRun {
  hits: number;
  hitBytes: number;
  /** Requests of objects larger than the cache can store (misses, never stored). */
  tooLarge: number;
  /** set() calls that threw (the core could not make room): misses, reported. */
  failedSets: number;
}

/**
 * wasmcache under a byte budget. Values are Uint8Arrays of exactly the object's size (views into
 * one preallocated buffer, so the replay allocates nothing per set).
 */
function replayWasmBytes(trace: InternedTrace, keySize: Uint32Array, buf: Uint8Array, policy: string, maxMemory: number) {
  const cache = createCacheSync({ policy: policy as Policy, maxMemory });
  const layout = cache.layout();
  const maxValue = layout.maxValueSize;
  const { keys, ids } = trace;
  const run: ByteRun = { hits: 0, hitBytes: 0, tooLarge: 0, failedSets: 0 };
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const size = keySize[id];
    const v = cache.get(keys[id]) as Uint8Array | undefined;
    if (v !== undefined) {
      if (v.length !== size) throw new Error(`${keys[id]}: got ${v.length} bytes, stored ${size}`);
      run.hits++;
      run.hitBytes += size;
    } else if (size > maxValue) {
      run.tooLarge++;
    } else {
      try {
        cache.set(keys[id], buf.subarray(0, size));
      } catch (e) {
        if (!(e instanceof CacheError)) throw e;
        run.failedSets++;
      }
    }
  }
  const stats = cache.stats();
  cache.dispose();
  return { run, layout, maxBytes: stats.maxBytes };
}

/** lru-cache 11 with maxSize = budget, sized by value length; larger objects cannot be stored. */
function replayLruCacheBytes(trace: InternedTrace, keySize: Uint32Array, buf: Uint8Array, budget: number): ByteRun {
  const lru = new LRUCache<string, Uint8Array>({ maxSize: budget, sizeCalculation: (v) => v.length });
  const { keys, ids } = trace;
  const run: ByteRun = { hits: 0, hitBytes: 0, tooLarge: 0, failedSets: 0 };
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const size = keySize[id];
    if (lru.get(keys[id]) !== undefined) {
      run.hits++;
      run.hitBytes += size;
    } else if (size > budget) {
      run.tooLarge++;
    } else {
      lru.set(keys[id], buf.subarray(0, size));
    }
  }
  return run;
}

/**
 * maxMemory whose slab pages come to about `budget`: maxMemory is the whole footprint, so add the
 * fixed part (registers, scratch, tables, index) of a cache of that size. The index is sized from
 * maxMemory, so the fixed part grows with it: probe once at the budget, once more at the result.
 * The cache rounds maxMemory down to 64 KiB pages; rounding to the nearest page instead keeps
 * the slab near the budget rather than up to a whole page below it.
 */
function slabSizedMemory(policy: string, budget: number): number {
  let memory = budget;
  for (let i = 0; i < 2; i++) {
    const probe = createCacheSync({ policy: policy as Policy, maxMemory: memory });
    memory = budget + probe.layout().fixedBytes;
    probe.dispose();
  }
  return Math.round(memory / WASM_PAGE) * WASM_PAGE;
}

// ── the replays ───────────────────────────────────────────────────────────────────────────────

const itemRows: string[] = [];
const itemChecks: string[] = [];
const byteRows: string[] = [];
const byteChecks: string[] = [];
const traceLines: string[] = [];
const notes: string[] = [];
let sizedTrace: { trace: InternedTrace; name: string } | undefined;

for (const { name, file } of TRACES) {
  let t0 = performance.now();
  const trace = readTraceInterned(file);
  const unique = trace.keys.length;
  traceLines.push(`- ${name}: ${fmt(trace.ids.length)} requests, ${fmt(unique)} unique keys`);
  progress(`read ${file} (${fmt(trace.ids.length)} requests)`, t0);
  if (trace.sizes) sizedTrace = { trace, name };

  const reference = REFERENCE[name];
  PERCENTS.forEach((percent, r) => {
    const capacity = share(unique, percent);
    const ref = reference[r];
    if (ref.capacity !== capacity) {
      throw new Error(`${name}: ${percent}% of ${unique} keys is ${capacity}, the reference table has ${ref.capacity}`);
    }
    const requests = trace.ids.length;
    const hitsByPolicy = new Map<string, number>();
    for (const policy of policies) {
      t0 = performance.now();
      const { hits, memoryEvictions } = replayWasmItems(trace, policy, capacity);
      hitsByPolicy.set(policy, hits);
      progress(`${name} @ ${fmt(capacity)} wasmcache ${policy}`, t0);
      if (memoryEvictions !== 0) {
        notes.push(
          `${name} @ ${fmt(capacity)} wasmcache ${policy}: ` +
            `${fmt(memoryEvictions)} evictions were forced by memory, not by maxEntries`,
        );
      }
    }
    t0 = performance.now();
    const lruCacheHits = replayLruCacheItems(trace, capacity);
    progress(`${name} @ ${fmt(capacity)} lru-cache`, t0);

    const cells = policies.map((p) => pct(hitsByPolicy.get(p) as number, requests));
    itemRows.push(
      `| ${name} | ${fmt(capacity)} | ${cells.join(' | ')} | ${pct(lruCacheHits, requests)} | ` +
        `${ref.lru.toFixed(2)} | ${ref.sieve.toFixed(2)} | ${ref.s3fifo.toFixed(2)} |`,
    );

    // Compared on exact hit counts, not on the rounded percentages.
    const s3 = hitsByPolicy.get('s3fifo');
    const lru = hitsByPolicy.get('lru');
    const parts: string[] = [];
    if (s3 === undefined) parts.push('S3-FIFO not run');
    else {
      parts.push(lru === undefined ? 'S3-FIFO >= LRU: n/a (lru not run)' : `S3-FIFO >= LRU: ${yesNo(s3 >= lru)}`);
      parts.push(`S3-FIFO >= lru-cache: ${yesNo(s3 >= lruCacheHits)}`);
    }
    // Both are exact LRU: they must agree to the request, and match the reference LRU column.
    if (lru !== undefined) {
      parts.push(`wasmcache lru = lru-cache: ${yesNo(lru === lruCacheHits)}`);
      parts.push(`lru = reference LRU: ${yesNo(pct(lru, requests) === ref.lru.toFixed(2))}`);
    }
    // A policy the core does not really implement would replay as some other one: flag a tie.
    for (const p of policies) {
      if (p !== 'lru' && lru !== undefined && hitsByPolicy.get(p) === lru) {
        parts.push(`${p} hits = lru hits exactly (suspicious)`);
      }
    }
    itemChecks.push(`- ${name} @ ${fmt(capacity)}: ${parts.join('; ')}`);
  });
}

// Byte budget: the trace with object sizes.
if (sizedTrace) {
  const { trace, name } = sizedTrace;
  const keySize = firstSizes(trace);
  const sizes = trace.sizes as Uint32Array;
  let uniqueBytes = 0;
  let maxSize = 0;
  for (const s of keySize) {
    uniqueBytes += s;
    maxSize = Math.max(maxSize, s);
  }
  // Keys whose size changes within the trace: every request of a key uses its first size.
  let requestedBytes = 0;
  let resized = 0;
  const resizedKeys = new Set<number>();
  for (let i = 0; i < trace.ids.length; i++) {
    const id = trace.ids[i];
    requestedBytes += keySize[id];
    if (sizes[i] !== keySize[id]) {
      resized++;
      resizedKeys.add(id);
    }
  }
  notes.push(
    `${name}: ${fmt(resizedKeys.size)} of ${fmt(trace.keys.length)} keys appear with more than one size ` +
      `(${fmt(resized)} of ${fmt(trace.ids.length)} requests differ from their key's first size). ` +
      `Every request of a key uses the key's FIRST size seen: for the budget, the stored value and the byte counts. ` +
      `Unique bytes ${fmt(uniqueBytes)}; requested bytes ${fmt(requestedBytes)}; largest object ${fmt(maxSize)} bytes.`,
  );
  const buf = new Uint8Array(maxSize).fill(0x61);
  const requests = trace.ids.length;

  for (const percent of PERCENTS) {
    const budget = share(uniqueBytes, percent);
    const label = `${name} @ ${percent}% = ${fmt(budget)} B`;
    const byVariant = new Map<string, Map<string, ByteRun>>(); // variant -> policy -> run
    const row = (cache: string, maxMemory: string, slab: string, maxValue: string, run: ByteRun) =>
      byteRows.push(
        `| ${label} | ${cache} | ${maxMemory} | ${slab} | ${maxValue} | ${fmt(run.tooLarge)}` +
          `${run.failedSets ? ` (+${fmt(run.failedSets)} failed sets)` : ''} | ` +
          `${pct(run.hits, requests)} | ${pct(run.hitBytes, requestedBytes)} |`,
      );

    for (const variant of ['maxMemory = B', 'slab ≈ B'] as const) {
      const runs = new Map<string, ByteRun>();
      byVariant.set(variant, runs);
      for (const policy of policies) {
        const maxMemory = variant === 'maxMemory = B' ? budget : slabSizedMemory(policy, budget);
        const t0 = performance.now();
        const { run, layout, maxBytes } = replayWasmBytes(trace, keySize, buf, policy, maxMemory);
        progress(`${label} wasmcache ${policy} (${variant})`, t0);
        runs.set(policy, run);
        row(
          `wasmcache ${policy}, ${variant}`,
          `${fmt(maxBytes)}`,
          `${fmt(layout.pageCount * layout.pageBytes)} (fixed ${fmt(layout.fixedBytes)})`,
          fmt(layout.maxValueSize),
          run,
        );
      }
    }
    const t0 = performance.now();
    const lruRun = replayLruCacheBytes(trace, keySize, buf, budget);
    progress(`${label} lru-cache`, t0);
    row('lru-cache, maxSize = B', '-', '-', fmt(budget), lruRun);

    for (const [variant, runs] of byVariant) {
      const s3 = runs.get('s3fifo');
      const lru = runs.get('lru');
      // Object and byte hit ratio, each compared on exact counts.
      const ge = (a: ByteRun, b: ByteRun) =>
        `objects ${yesNo(a.hits >= b.hits)}, bytes ${yesNo(a.hitBytes >= b.hitBytes)}`;
      const parts: string[] = [];
      if (s3 === undefined) parts.push('S3-FIFO not run');
      else {
        parts.push(lru === undefined ? 'S3-FIFO >= LRU: n/a (lru not run)' : `S3-FIFO >= LRU: ${ge(s3, lru)}`);
        parts.push(`S3-FIFO >= lru-cache: ${ge(s3, lruRun)}`);
      }
      byteChecks.push(`- ${label}, ${variant}: ${parts.join('; ')}`);
    }
  }
}

if (policies.includes('s3fifo')) {
  notes.push(
    's3fifo can differ by a few hundredths of a percent from run to run: each cache draws a random hash seed, ' +
      'and the core keeps the ghost queue as hashed fingerprints (assembly/ghost.ts), so its collisions vary.',
  );
}

// ── output ────────────────────────────────────────────────────────────────────────────────────

const seconds = ((performance.now() - started) / 1000).toFixed(1);
// Which core ran: the Wasm embedded in src/generated (rebuilt by `npm run build:wasm`).
const core = Buffer.from(coreWasmBase64, 'base64');
const coreId = `${core.length} bytes, sha256 ${createHash('sha256').update(core).digest('hex').slice(0, 12)}`;
const policyCols = policies.map((p) => `wasmcache ${p}`);
const command =
  (process.env.POLICIES !== undefined ? `POLICIES=${process.env.POLICIES} ` : '') +
  ['node --import tsx bench/traces.ts', ...process.argv.slice(2)].join(' ');

const md = [
  '# Hit ratios on real traces',
  '',
  'Every request replayed through the real cache (`createCacheSync`, the Wasm core): a `get` that finds the key is a hit, ' +
    'otherwise the key is `set`. Cold misses count. lru-cache 11 replays the same requests with the same capacity. ' +
    'Reference columns: an independent simulator (`test/fixtures/README.md`).',
  '',
  `Node ${process.version}, ${process.platform}/${process.arch}; ${new Date().toISOString()}. ` +
    `Command: \`${command}\`. Policies: ${policies.join(', ')}. Core: ${coreId}. ` +
    `Total run time ${seconds} s (trace reading included).`,
  '',
  ...traceLines,
  '',
  '## Capacity in items',
  '',
  'Capacity = 1% and 10% of the unique keys, rounded down (as in the reference table). wasmcache: ' +
    '`createCacheSync({ policy, maxEntries: N, maxMemory: max(2 MiB, 256 B * N) })` (memory never binds), ' +
    'value `\'1\'`. lru-cache: `new LRUCache({ max: N })`. Object hit ratio, %.',
  '',
  `| trace | capacity (items) | ${policyCols.join(' | ')} | lru-cache | ref LRU | ref SIEVE | ref S3-FIFO |`,
  `|---|---:|${policyCols.map(() => '---:|').join('')}---:|---:|---:|---:|`,
  ...itemRows,
  '',
  ...itemChecks,
  '',
  '## Byte budget',
  '',
  'B = 1% and 10% of the unique bytes, rounded down (each key counted once, at its first size). Values are ' +
    'Uint8Arrays of the object\'s size. `maxMemory = B`: the whole footprint (index and metadata included) is B, ' +
    'rounded down to 64 KiB pages. `slab ≈ B`: maxMemory = B + the fixed bytes of a probe cache (probed twice), ' +
    'rounded to the nearest page, so the slab pages hold about B, the budget lru-cache gets for values alone. ' +
    'Objects larger than the cache\'s ' +
    '`maxValueSize` (lru-cache: larger than B) are misses and are not stored. Hit ratios in %: object = hits / ' +
    'requests, byte = hit bytes / requested bytes.',
  '',
  '| trace @ budget | cache | maxMemory (bytes) | slab pages (bytes) | max value (bytes) | requests too large | object hit % | byte hit % |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
  ...byteRows,
  '',
  ...byteChecks,
  '',
  ...(notes.length ? ['## Notes', '', ...notes.map((n) => `- ${n}`), ''] : []),
].join('\n');

console.log(md);
const out = fileURLToPath(new URL('./results-traces.md', import.meta.url));
writeFileSync(out, md + '\n');
console.error(`wrote ${out}`);
