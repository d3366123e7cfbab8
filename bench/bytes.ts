// Byte values: reading a 1 KiB Uint8Array value. wasmcache get (a copy: a view of a pooled buffer, src/byte-pool.ts),
// getView (a view of its memory, valid until the next write) and getInto (a copy into the caller's
// buffer), against lru-cache, lru.min and Map returning the Uint8Array they store.
//
//   npm run bench:bytes
//   BENCH_BYTES_N=20000 npm run bench:bytes   (smaller, while developing)
//
// Random hits over pre-built keys (seeded order, the same for all); one byte of every value read.
// Also the floors of a read that hands out a copy, whatever the store: a new 1 KiB Uint8Array alone,
// Map get + slice() (a JS cache returning a copy), Map get + a copy carved from a 64 KiB pool (as
// wasmcache's get copies), and Map get + set() into a reused buffer.
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { bench, group, run, summary } from 'mitata';
import { copyOut } from '../src/byte-pool.js';
import { createCacheSync } from '../src/index.js';
import { StringMaker, byteTemplate, newByteValue, stampOf } from './lib/data.js';
import { fullGc, requireExposedGc } from './lib/gc.js';
import { type Lib, type Row, envInt, fmt, load1, mdTable, mitataDetails, writeSection } from './lib/report.js';
import { uniformOrder } from './lib/rng.js';

const N = envInt('BENCH_BYTES_N', 100_000);
const VALUE_LEN = 1024;
const ORDER_MASK = (1 << 20) - 1;

requireExposedGc();
const loadAtStart = load1();
const started = performance.now();

const make = new StringMaker(16);
const T = byteTemplate(VALUE_LEN);
const keys: string[] = Array.from({ length: N }, (_, i) => make.key(i));
const order = uniformOrder(N, ORDER_MASK + 1, 0xb1e5);

const w = createCacheSync({ maxEntries: N, maxMemory: Math.ceil((N * (VALUE_LEN + 256)) / 2 ** 20 + 16) * 2 ** 20 });
const lc = new LRUCache<string, Uint8Array>({ max: N });
const lm = createLRU<string, Uint8Array>({ max: N });
const m = new Map<string, Uint8Array>();
for (let i = 0; i < N; i++) {
  const v = newByteValue(T, i);
  w.set(keys[i], v);
  lc.set(keys[i], v);
  lm.set(keys[i], newByteValue(T, i));
  m.set(keys[i], newByteValue(T, i));
}
if (w.size !== N || w.stats().evictions !== 0) throw new Error(`wasmcache holds ${w.size} of ${N}`);
{
  const out = new Uint8Array(VALUE_LEN);
  for (let i = 0; i < 1000; i++) {
    const id = order[i];
    const k = keys[id];
    const got = [w.get(k) as Uint8Array, w.getView(k)!, w.getInto(k, out) === VALUE_LEN ? out : undefined, lc.get(k), lm.get(k), m.get(k)];
    if (got.some((v) => !v || v.length !== VALUE_LEN || stampOf(v) !== id || v[VALUE_LEN - 1] !== T[VALUE_LEN - 1])) {
      throw new Error(`wrong value for ${k}`);
    }
  }
}
fullGc();

let sink = 0;
type Read = 'get' | 'getView' | 'getInto';
const floors = new Set<string>();
const floor = (name: string) => (floors.add(name), name);
const names = new Map<string, { read: Read; lib: Lib }>();
const reg = (read: Read, lib: Lib, name: string) => (names.set(name, { read, lib }), name);

group(`1 KiB byte values, random hits at ${N} entries`, () => {
  summary(() => {
    let c1 = 0;
    bench(reg('get', 'wasmcache', 'wasmcache get (copy)'), () => {
      sink += (w.get(keys[order[c1++ & ORDER_MASK]]) as Uint8Array)[0];
    });
    let c2 = 0;
    bench(reg('getView', 'wasmcache', 'wasmcache getView'), () => {
      sink += w.getView(keys[order[c2++ & ORDER_MASK]])![0];
    });
    let c3 = 0;
    const out = new Uint8Array(VALUE_LEN);
    bench(reg('getInto', 'wasmcache', 'wasmcache getInto'), () => {
      sink += w.getInto(keys[order[c3++ & ORDER_MASK]], out) + out[0];
    });
    let c4 = 0;
    bench(reg('get', 'lru-cache', 'lru-cache get'), () => {
      sink += lc.get(keys[order[c4++ & ORDER_MASK]])![0];
    });
    let c5 = 0;
    bench(reg('get', 'lru.min', 'lru.min get'), () => {
      sink += lm.get(keys[order[c5++ & ORDER_MASK]])![0];
    });
    let c6 = 0;
    bench(reg('get', 'Map', 'Map get'), () => {
      sink += m.get(keys[order[c6++ & ORDER_MASK]])![0];
    });
    bench(floor('floor: new Uint8Array(1024) alone'), () => {
      sink += new Uint8Array(VALUE_LEN)[0];
    });
    let c7 = 0;
    bench(floor('floor: Map get + slice() (a copy per read)'), () => {
      sink += m.get(keys[order[c7++ & ORDER_MASK]])!.slice()[0];
    });
    let c9 = 0;
    bench(floor('floor: Map get + a pooled copy (a view of a shared 64 KiB buffer)'), () => {
      const v = m.get(keys[order[c9++ & ORDER_MASK]])!;
      sink += copyOut(v, 0, v.length)[0];
    });
    let c8 = 0;
    const out2 = new Uint8Array(VALUE_LEN);
    bench(floor('floor: Map get + set() into a reused buffer'), () => {
      out2.set(m.get(keys[order[c8++ & ORDER_MASK]])!);
      sink += out2[0];
    });
  });
});

const result = await run();
const ns: Record<Read, Partial<Record<Lib, number>>> = { get: {}, getView: {}, getInto: {} };
for (const trial of result.benchmarks) {
  const meta = names.get(trial.alias);
  const stats = trial.runs[0]?.stats;
  if (meta && stats) ns[meta.read][meta.lib] = stats.avg;
}
const lruGet = ns.get['lru-cache'] ?? NaN;
const floorTable = mdTable(
  ['floor', 'avg (ns/op)', "vs lru-cache's get"],
  result.benchmarks.filter((t) => floors.has(t.alias)).map((t) => [t.alias.slice('floor: '.length), fmt(t.runs[0].stats!.avg), `${(t.runs[0].stats!.avg / lruGet).toFixed(2)}× its time`]),
);
const js = { 'lru-cache': ns.get['lru-cache'], 'lru.min': ns.get['lru.min'], Map: ns.get.Map };
const n = N.toExponential(0).replace('+', '');
const label = (how: string) => `read a 1 KiB byte value, ${n} entries; wasmcache ${how} (others return their stored array)`;
const rows: Row[] = [
  { id: 'bytes-getView', label: label('getView (a view)'), unit: 'ns/op', values: { wasmcache: ns.getView.wasmcache, ...js } },
  { id: 'bytes-getInto', label: label("getInto (copy into the caller's buffer)"), unit: 'ns/op', values: { wasmcache: ns.getInto.wasmcache, ...js } },
  { id: 'bytes-get', label: label('get (a pooled copy)'), unit: 'ns/op', values: { wasmcache: ns.get.wasmcache, ...js } },
];
writeSection(
  {
    name: 'bytes',
    title: 'Zero-copy reads of 1 KiB byte values',
    command: 'node --expose-gc --import tsx bench/bytes.ts',
    method: [
      `${N} entries of ${VALUE_LEN}-byte \`Uint8Array\` values under 16-char pre-built keys; random hits, one op per mitata ` +
        'iteration, the first byte of each value read. wasmcache: get copies the value into a `Uint8Array` of its own (carved from a ' +
        'shared 64 KiB pool, as Node\'s `Buffer.allocUnsafe` does: src/byte-pool.ts), getView returns ' +
        "a view of its memory (valid until the next call that writes), getInto copies into one reused buffer. lru-cache, lru.min " +
        'and Map return the `Uint8Array` object they store (no copy at all): the floor a zero-copy read is measured against.',
    ],
    rows,
    details: [
      'What a read that hands out a copy costs before any lookup (wasmcache\'s get must copy: a typed array cannot be frozen, ' +
        'and a caller may change it): a new `Uint8Array` of its own, or, as wasmcache\'s get does, a view carved from a pool.',
      floorTable,
      mitataDetails(result.benchmarks),`(sink ${sink})`],
    seconds: (performance.now() - started) / 1000,
  },
  loadAtStart,
);
