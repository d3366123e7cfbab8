// Memory per entry at 1e6 entries of 16-byte keys and 100-byte values, each library alone in a
// fresh Node process (node --expose-gc), so that one library's heap does not count against another.
//
//   npm run bench:memory                       (parent: runs the children, writes the results)
//   node --expose-gc --import tsx bench/memory.ts --lib=lru-cache   (one child; prints RESULT json)
//
// A child measures process.memoryUsage() after two full collections, before creating the cache and
// after filling it: JS heap growth, external memory (where Wasm memory is counted) and RSS. Keys
// and values are flat strings built per entry (as a decoder makes them) and held only by the cache.
// wasmcache then reads its first 40,000 keys three times, which fills its hot tier (on by default).
// For wasmcache the parent first probes the bytes the entries use with a generous maxMemory, then
// runs again with maxMemory sized tightly (used bytes + 2%, grown by 5% until nothing is evicted).
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { createCacheSync } from '../src/index.js';
import { arg, runChild, sendResult } from './lib/child.js';
import { StringMaker, KEY_LEN } from './lib/data.js';
import { fullGc, requireExposedGc } from './lib/gc.js';
import { LIBS, type Lib, type Row, envInt, fmt, load1, mdTable, writeSection } from './lib/report.js';

const N = envInt('BENCH_MEM_N', 1_000_000);
const VALUE_LEN = 100;
const PAYLOAD = KEY_LEN + VALUE_LEN; // bytes of key and value: the floor any cache must hold
const PAGE = 65536;

interface Measured {
  lib: Lib;
  size: number;
  heap: number;
  external: number;
  rss: number;
  wasmReserved?: number;
  wasmUsed?: number;
  evictions?: number;
  maxMemory?: number;
  /** Values the hot tier kept after the reads. */
  hotItems?: number;
  error?: string;
}

// ── child ───────────────────────────────────────────────────────────────────────────────────────

function child(lib: Lib): Measured {
  const make = new StringMaker(VALUE_LEN);
  fullGc();
  const before = process.memoryUsage();
  let size: number;
  let extra: Partial<Measured> = {};
  let get: (key: string) => unknown;
  // The cache stays reachable (in `keep`) until the second measurement.
  let keep: unknown;
  if (lib === 'wasmcache') {
    const maxMemory = Number(arg('maxMemory'));
    let c;
    try {
      c = createCacheSync({ maxEntries: N, maxMemory });
    } catch (e) {
      return { lib, size: 0, heap: 0, external: 0, rss: 0, maxMemory, error: String(e) };
    }
    for (let i = 0; i < N; i++) c.set(make.key(i), make.value(i));
    // Reads that fill the hot tier (on by default) to its budget, so that its heap is measured too.
    for (let r = 0; r < 3; r++) for (let i = 0; i < Math.min(N, 40_000); i++) c.get(make.key(i));
    const s = c.stats();
    size = c.size;
    extra = { wasmReserved: c.layout().memoryBytes, wasmUsed: s.usedBytes, evictions: s.evictions, maxMemory, hotItems: s.hotItems };
    get = (k) => c.get(k);
    keep = c;
  } else if (lib === 'lru-cache') {
    const c = new LRUCache<string, string>({ max: N });
    for (let i = 0; i < N; i++) c.set(make.key(i), make.value(i));
    size = c.size;
    get = (k) => c.get(k);
    keep = c;
  } else if (lib === 'lru.min') {
    const c = createLRU<string, string>({ max: N });
    for (let i = 0; i < N; i++) c.set(make.key(i), make.value(i));
    size = c.size;
    get = (k) => c.get(k);
    keep = c;
  } else {
    const c = new Map<string, string>();
    for (let i = 0; i < N; i++) c.set(make.key(i), make.value(i));
    size = c.size;
    get = (k) => c.get(k);
    keep = c;
  }
  fullGc();
  const after = process.memoryUsage();
  // Sanity, after measuring: a sample of entries reads back as stored.
  for (let i = 0; i < N && size === N; i += Math.max(1, Math.floor(N / 1000))) {
    if (get(make.key(i)) !== make.value(i)) throw new Error(`${lib}: wrong value for ${make.key(i)}`);
  }
  if (keep === undefined) throw new Error('unreachable');
  return {
    lib,
    size,
    heap: after.heapUsed - before.heapUsed,
    external: after.external - before.external,
    rss: after.rss - before.rss,
    ...extra,
  };
}

// ── parent ──────────────────────────────────────────────────────────────────────────────────────

async function parent(): Promise<void> {
  requireExposedGc();
  const loadAtStart = load1();
  const started = performance.now();
  const one = (lib: Lib, extra: string[] = []) => runChild<Measured>('memory.ts', [`--lib=${lib}`, ...extra]);
  const m: Partial<Record<Lib, Measured>> = {};
  for (const lib of LIBS) {
    if (lib !== 'wasmcache') {
      m[lib] = await one(lib);
      continue;
    }
    const probes: string[] = [];
    const generous = Math.ceil((N * PAYLOAD * 3) / PAGE) * PAGE;
    const probe = await one(lib, [`--maxMemory=${generous}`]);
    if (probe.error || probe.size !== N) throw new Error(`wasmcache probe failed: ${probe.error ?? `size ${probe.size}`}`);
    probes.push(`${(generous / 2 ** 20).toFixed(1)} MiB: ${probe.size} items, ${(probe.wasmUsed! / 2 ** 20).toFixed(1)} MiB used`);
    let bytes = Math.ceil((probe.wasmUsed! * 1.02) / PAGE) * PAGE;
    let r: Measured | undefined;
    for (let tries = 0; tries < 8; tries++) {
      r = await one(lib, [`--maxMemory=${bytes}`]);
      probes.push(`${(bytes / 2 ** 20).toFixed(1)} MiB: ${r.error ? 'refused' : `${r.size} items, ${r.evictions} evicted`}`);
      if (!r.error && r.size === N && r.evictions === 0) break;
      bytes = Math.ceil((bytes * 1.05) / PAGE) * PAGE;
    }
    if (!r || r.error || r.size !== N) throw new Error(`wasmcache: no tight maxMemory found (${probes.join('; ')})`);
    m[lib] = r;
    wasmProbes = probes;
  }
  for (const lib of LIBS) if (m[lib]!.size !== N) throw new Error(`${lib}: ${m[lib]!.size} entries of ${N}`);

  const per = (x: number) => x / N;
  const w = m.wasmcache!;
  const total = (lib: Lib) => per(m[lib]!.heap + (lib === 'wasmcache' ? w.wasmReserved! : m[lib]!.external));
  const values = (f: (lib: Lib) => number) => Object.fromEntries(LIBS.map((l) => [l, f(l)])) as Record<Lib, number>;
  const n = N.toExponential(0).replace('+', '');
  const what = `${n} entries, ${KEY_LEN} B keys + ${VALUE_LEN} B values`;
  const usedTotal = per(w.heap + w.wasmUsed!);
  const rows: Row[] = [
    {
      id: 'mem-total',
      label: `memory, ${what}: total (JS heap growth + Wasm memory reserved = maxMemory)`,
      unit: 'B/entry',
      values: values(total),
      goals: [{ text: '≤ 0.75× lru-cache', factor: 1 / 0.75, baseline: 'lru-cache' }],
    },
    {
      id: 'mem-overhead',
      label: `memory, ${what}: overhead above the ${PAYLOAD} B of key and value (reserved)`,
      unit: 'B/entry',
      values: values((l) => total(l) - PAYLOAD),
      goals: [{ text: '≤ 1/3 of lru-cache', factor: 3, baseline: 'lru-cache' }],
    },
    {
      id: 'mem-total-used',
      label: `memory, ${what}: total, wasmcache counting stats().usedBytes instead of maxMemory`,
      unit: 'B/entry',
      values: { ...values(total), wasmcache: usedTotal },
      noChart: true,
    },
  ];
  const mb = (x: number | undefined) => (x === undefined ? '-' : (x / 2 ** 20).toFixed(1));
  const details = [
    mdTable(
      ['library', 'JS heap growth', 'external growth', 'RSS growth', 'Wasm reserved (maxMemory)', 'Wasm used (usedBytes)', 'total (reserved)', 'overhead (reserved)'],
      LIBS.map((l) => {
        const x = m[l]!;
        return [
          l,
          `${fmt(per(x.heap))} B (${mb(x.heap)} MiB)`,
          `${fmt(per(x.external))} B`,
          `${fmt(per(x.rss))} B (${mb(x.rss)} MiB)`,
          l === 'wasmcache' ? `${fmt(per(x.wasmReserved!))} B (${mb(x.wasmReserved)} MiB)` : '-',
          l === 'wasmcache' ? `${fmt(per(x.wasmUsed!))} B (${mb(x.wasmUsed)} MiB)` : '-',
          `${fmt(total(l))} B`,
          `${fmt(total(l) - PAYLOAD)} B`,
        ];
      }),
      ['---', ...Array(7).fill('---:')],
    ),
    `wasmcache maxMemory search: ${wasmProbes.join('; ')}.`,
  ];
  writeSection(
    {
      name: 'memory',
      title: `Memory at ${n} entries`,
      command: 'node --expose-gc --import tsx bench/memory.ts',
      method: [
        `${N} entries, ${KEY_LEN}-byte keys ('user:' + 11 digits) and ${VALUE_LEN}-byte ASCII values, flat strings built per entry and ` +
          'held only by the cache. Each library runs alone in a fresh `node --expose-gc` process; `process.memoryUsage()` is read ' +
          'after two forced collections, before the cache is created and after it is filled. All units are bytes per entry.',
        'Total = JS heap growth + (wasmcache) the Wasm memory it reserves, which is its whole maxMemory, allocated up front (the ' +
          '"external" figure); for the JS caches, heap growth + external growth (lru-cache keeps its list links in typed arrays, ' +
          'about 12 B per entry outside the heap). Overhead = total minus the ' +
          `${PAYLOAD} bytes of key and value text. A V8 string costs a 12-16 B header on top of its characters, so even Map pays about 40 B here.`,
        'wasmcache: `maxEntries: ' + N + '`, and a maxMemory sized tightly for this data (below); stats().usedBytes is what the index, ' +
          'metadata and slab chunks in use take (whole slab pages are counted as they are carved). RSS growth counts only pages touched.',
      ],
      rows,
      details,
      seconds: (performance.now() - started) / 1000,
    },
    loadAtStart,
  );
}

let wasmProbes: string[] = [];
const lib = arg('lib') as Lib | undefined;
if (lib) {
  if (!LIBS.includes(lib)) throw new Error(`--lib must be one of ${LIBS.join(', ')}`);
  sendResult(child(lib));
} else await parent();
