// Gets across cache sizes, value kinds and key distributions: wasmcache vs lru-cache 11 vs lru.min vs
// a plain Map (issue 15, "What it must show").
//
//   npm run bench:sizes                       (npm run bench runs it with the others, after a build)
//   BENCH_SIZES=1e4,1e5 npm run bench:sizes   (fewer sizes, while developing)
//   BENCH_SIZES_CPU_MS=100 BENCH_SIZES_ROUNDS=1 npm run bench:sizes   (shorter mitata budgets)
//   BENCH_HOT_TIER=off npm run bench:sizes    (wasmcache without its hot tier, for comparison)
//
// One child process per size (`--size=N`), so that one size's heap cannot disturb the next; in it,
// for each of three value kinds, all four caches are filled and then measured cell by cell, the
// libraries of a cell back to back (the kind's data is dropped and collected before the next kind):
//   strings  100-char ASCII strings (flat, as a decoder makes them)
//   objects  six-field objects with a nested array, ~120 B as JSON
//   bytes    1 KiB Uint8Array values; wasmcache read with get (a new Uint8Array) and with getInto
//            (a copy into the caller's reused buffer); the others return the array they store
// and, for each, gets of present keys drawn from Zipf(0.99) and uniformly (2^20 seeded ids walked
// cyclically), with the key built per op (keyOf: 'user:' + 11 digits) or taken from an array of
// pre-built keys. Every returned value is consumed (a length, a field or a byte added to a sink).
// Rounds repeat every cell (the library order rotating); each cell reports the fastest round (mitata avg).
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createLRU } from 'lru.min';
import { measure } from 'mitata';
import { type Cache, createCacheSync } from '../src/index.js';
import { arg, runChild, sendResult } from './lib/child.js';
import { StringMaker, byteTemplate, keyOf, newByteValue, stamp, stampOf } from './lib/data.js';
import { fullGc, requireExposedGc } from './lib/gc.js';
import { type Goal, LIBS, type Lib, type Row, envInt, evaluate, fmt, fmtRatio, load1, mdTable, writeSection } from './lib/report.js';
import { uniformOrder } from './lib/rng.js';

const HOT_OFF = process.env.BENCH_HOT_TIER === 'off';
import { Zipf, zipfSequence } from './lib/zipf.js';

const SIZES = (process.env.BENCH_SIZES || '1e4,1e5,1e6').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 100 || n > 4e6) throw new Error(`BENCH_SIZES: ${s} is not an entry count from 100 to 4e6`);
  return n;
});
const CPU_MS = envInt('BENCH_SIZES_CPU_MS', 120); // mitata min_cpu_time per benchmark (its default is 642)
const ROUNDS = envInt('BENCH_SIZES_ROUNDS', 3);
const STRING_LEN = 100;
const BYTES_LEN = 1024;
const S = 0.99;
const ORDER_MASK = (1 << 20) - 1; // 1,048,576 ids per distribution, walked cyclically
const PAGE = 65536;
const MAX_WASM = 4 * 2 ** 30 - PAGE;

type Kind = 'strings' | 'objects' | 'bytes';
const KINDS: readonly Kind[] = ['strings', 'objects', 'bytes'];
type Dist = 'zipf' | 'uniform';
const DISTS: readonly Dist[] = ['zipf', 'uniform'];
type KeyMode = 'built' | 'prebuilt';
const KEY_MODES: readonly KeyMode[] = ['built', 'prebuilt'];
/** A column of the report: a kind and how wasmcache reads it (the others always use get). */
type Read = 'strings' | 'objects' | 'bytes-get' | 'bytes-getInto';
const READS: readonly Read[] = ['strings', 'objects', 'bytes-get', 'bytes-getInto'];
const KEY_TEXT: Record<KeyMode, string> = { built: "key built per op ('user:' + id)", prebuilt: 'keys pre-built in an array' };
const DIST_TEXT: Record<Dist, string> = { zipf: `Zipf ${S}`, uniform: 'uniform' };
const READ_TEXT: Record<Read, string> = { strings: 'strings', objects: 'objects', 'bytes-get': 'bytes get', 'bytes-getInto': 'bytes getInto' };

/** What a child sends back: per cell (`read/dist/keys`) and library, the mitata avg of each round. */
interface Measured {
  n: number;
  ns: Record<string, Partial<Record<Lib, number[]>>>;
  p99: Record<string, Partial<Record<Lib, number[]>>>;
  wasm: Record<Kind, { maxMemory: number; usedBytes: number; tries: number }>;
  jsonBytes: number;
  seconds: number;
  sink: number;
}
const cellId = (read: Read, dist: Dist, keys: KeyMode) => `${read}/${dist}/${keys}`;

// ── values ──────────────────────────────────────────────────────────────────────────────────────

interface Profile {
  id: number;
  name: string;
  email: string;
  active: boolean;
  score: number;
  tags: string[];
}
const TAGS = ['admin', 'beta', 'cache', 'docs', 'edge', 'free', 'gold', 'http', 'iot', 'json', 'kv', 'lab'];
const pad = (id: number) => String(id).padStart(8, '0');

/** A fresh object for id: six fields, one a nested array of three tags (~120 B as JSON). */
function profile(id: number): Profile {
  const p = pad(id);
  return {
    id,
    name: 'User ' + p,
    email: 'user' + p + '@ex.com',
    active: id % 3 !== 0,
    score: (id % 10_000) / 100,
    tags: [TAGS[id % 12], TAGS[(id >>> 2) % 12], TAGS[(id >>> 4) % 12]],
  };
}

// ── the bodies: one per library, read and key mode, written out so every call site stays monomorphic ──
// Each returns the function mitata calls once per op; `order` is the distribution's id array.

let sink = 0;
type Body = (order: Uint32Array) => () => void;
type LruC<V extends {}> = LRUCache<string, V>;
type LruM<V> = ReturnType<typeof createLRU<string, V>>;

function wasmBodies(c: Cache, keys: readonly string[], read: Read): Record<KeyMode, Body> {
  switch (read) {
    case 'strings':
      return {
        built: (o) => {
          let i = 0;
          return () => void (sink += (c.get(keyOf(o[i++ & ORDER_MASK])) as string).length);
        },
        prebuilt: (o) => {
          let i = 0;
          return () => void (sink += (c.get(keys[o[i++ & ORDER_MASK]]) as string).length);
        },
      };
    case 'objects':
      return {
        built: (o) => {
          let i = 0;
          return () => void (sink += (c.get(keyOf(o[i++ & ORDER_MASK])) as Profile).id);
        },
        prebuilt: (o) => {
          let i = 0;
          return () => void (sink += (c.get(keys[o[i++ & ORDER_MASK]]) as Profile).id);
        },
      };
    case 'bytes-get':
      return {
        built: (o) => {
          let i = 0;
          return () => void (sink += (c.get(keyOf(o[i++ & ORDER_MASK])) as Uint8Array)[0]);
        },
        prebuilt: (o) => {
          let i = 0;
          return () => void (sink += (c.get(keys[o[i++ & ORDER_MASK]]) as Uint8Array)[0]);
        },
      };
    case 'bytes-getInto': {
      const out = new Uint8Array(BYTES_LEN);
      return {
        built: (o) => {
          let i = 0;
          return () => void (sink += c.getInto(keyOf(o[i++ & ORDER_MASK]), out) + out[0]);
        },
        prebuilt: (o) => {
          let i = 0;
          return () => void (sink += c.getInto(keys[o[i++ & ORDER_MASK]], out) + out[0]);
        },
      };
    }
  }
}

function lruCacheBodies(c: LruC<string> | LruC<Profile> | LruC<Uint8Array>, keys: readonly string[], kind: Kind): Record<KeyMode, Body> {
  if (kind === 'strings') {
    const s = c as LruC<string>;
    return {
      built: (o) => {
        let i = 0;
        return () => void (sink += s.get(keyOf(o[i++ & ORDER_MASK]))!.length);
      },
      prebuilt: (o) => {
        let i = 0;
        return () => void (sink += s.get(keys[o[i++ & ORDER_MASK]])!.length);
      },
    };
  }
  if (kind === 'objects') {
    const p = c as LruC<Profile>;
    return {
      built: (o) => {
        let i = 0;
        return () => void (sink += p.get(keyOf(o[i++ & ORDER_MASK]))!.id);
      },
      prebuilt: (o) => {
        let i = 0;
        return () => void (sink += p.get(keys[o[i++ & ORDER_MASK]])!.id);
      },
    };
  }
  const b = c as LruC<Uint8Array>;
  return {
    built: (o) => {
      let i = 0;
      return () => void (sink += b.get(keyOf(o[i++ & ORDER_MASK]))![0]);
    },
    prebuilt: (o) => {
      let i = 0;
      return () => void (sink += b.get(keys[o[i++ & ORDER_MASK]])![0]);
    },
  };
}

function lruMinBodies(c: LruM<string> | LruM<Profile> | LruM<Uint8Array>, keys: readonly string[], kind: Kind): Record<KeyMode, Body> {
  if (kind === 'strings') {
    const s = c as LruM<string>;
    return {
      built: (o) => {
        let i = 0;
        return () => void (sink += s.get(keyOf(o[i++ & ORDER_MASK]))!.length);
      },
      prebuilt: (o) => {
        let i = 0;
        return () => void (sink += s.get(keys[o[i++ & ORDER_MASK]])!.length);
      },
    };
  }
  if (kind === 'objects') {
    const p = c as LruM<Profile>;
    return {
      built: (o) => {
        let i = 0;
        return () => void (sink += p.get(keyOf(o[i++ & ORDER_MASK]))!.id);
      },
      prebuilt: (o) => {
        let i = 0;
        return () => void (sink += p.get(keys[o[i++ & ORDER_MASK]])!.id);
      },
    };
  }
  const b = c as LruM<Uint8Array>;
  return {
    built: (o) => {
      let i = 0;
      return () => void (sink += b.get(keyOf(o[i++ & ORDER_MASK]))![0]);
    },
    prebuilt: (o) => {
      let i = 0;
      return () => void (sink += b.get(keys[o[i++ & ORDER_MASK]])![0]);
    },
  };
}

function mapBodies(c: Map<string, unknown>, keys: readonly string[], kind: Kind): Record<KeyMode, Body> {
  if (kind === 'strings') {
    const s = c as Map<string, string>;
    return {
      built: (o) => {
        let i = 0;
        return () => void (sink += s.get(keyOf(o[i++ & ORDER_MASK]))!.length);
      },
      prebuilt: (o) => {
        let i = 0;
        return () => void (sink += s.get(keys[o[i++ & ORDER_MASK]])!.length);
      },
    };
  }
  if (kind === 'objects') {
    const p = c as Map<string, Profile>;
    return {
      built: (o) => {
        let i = 0;
        return () => void (sink += p.get(keyOf(o[i++ & ORDER_MASK]))!.id);
      },
      prebuilt: (o) => {
        let i = 0;
        return () => void (sink += p.get(keys[o[i++ & ORDER_MASK]])!.id);
      },
    };
  }
  const b = c as Map<string, Uint8Array>;
  return {
    built: (o) => {
      let i = 0;
      return () => void (sink += b.get(keyOf(o[i++ & ORDER_MASK]))![0]);
    },
    prebuilt: (o) => {
      let i = 0;
      return () => void (sink += b.get(keys[o[i++ & ORDER_MASK]])![0]);
    },
  };
}

// ── child: one size ─────────────────────────────────────────────────────────────────────────────

async function child(N: number): Promise<Measured> {
  requireExposedGc();
  const started = performance.now();
  const maker = new StringMaker(STRING_LEN);
  const keys: string[] = Array.from({ length: N }, (_, i) => maker.key(i));
  const orders: Record<Dist, Uint32Array> = {
    zipf: zipfSequence(new Zipf(N, S), ORDER_MASK + 1, 0x5123f),
    uniform: uniformOrder(N, ORDER_MASK + 1, 0x5123e),
  };
  const T = byteTemplate(BYTES_LEN);
  const jsonBytes = Math.round(keys.slice(0, 1000).reduce((a, _, i) => a + JSON.stringify(profile(i * 997)).length, 0) / 1000);
  const valueBytes: Record<Kind, number> = { strings: STRING_LEN, objects: jsonBytes, bytes: BYTES_LEN };

  const ns: Measured['ns'] = {};
  const p99: Measured['p99'] = {};
  const wasmInfo = {} as Measured['wasm'];

  /** Ids to check after a fill: the start of each order (the popular keys under Zipf). */
  const sample = [...orders.zipf.subarray(0, 500), ...orders.uniform.subarray(0, 500)];
  const check = (lib: Lib, kind: Kind, get: (k: string) => unknown) => {
    for (const id of sample) {
      const v = get(keys[id]);
      const ok =
        kind === 'strings'
          ? v === maker.value(id)
          : kind === 'objects'
            ? JSON.stringify(v) === JSON.stringify(profile(id))
            : v instanceof Uint8Array && v.length === BYTES_LEN && stampOf(v) === id && v[BYTES_LEN - 1] === T[BYTES_LEN - 1];
      if (!ok) throw new Error(`${lib} ${kind} at ${N}: wrong value for ${keys[id]}`);
    }
  };
  const checkSize = (lib: Lib, size: number) => {
    if (size !== N) throw new Error(`${lib}: ${size} entries after inserting ${N}`);
  };

  /** Fills a wasmcache with N values of the kind; retries with more memory if it had to evict. */
  function buildWasm(kind: Kind): Cache {
    let bytes = Math.min(MAX_WASM, Math.ceil((N * (16 + valueBytes[kind] + 96) * 1.25 + 32 * 2 ** 20) / PAGE) * PAGE);
    for (let tries = 1; ; tries++) {
      const c = createCacheSync({ maxEntries: N, maxMemory: bytes, ...(HOT_OFF ? { hotTier: false as const } : {}) });
      if (kind === 'strings') for (let i = 0; i < N; i++) c.set(keys[i], maker.value(i));
      else if (kind === 'objects') for (let i = 0; i < N; i++) c.set(keys[i], profile(i));
      else {
        const buf = T.slice();
        for (let i = 0; i < N; i++) {
          stamp(buf, i);
          c.set(keys[i], buf);
        }
      }
      if (c.size === N && c.stats().evictions === 0) {
        wasmInfo[kind] = { maxMemory: bytes, usedBytes: c.stats().usedBytes, tries };
        return c;
      }
      c.dispose();
      if (bytes === MAX_WASM || tries >= 4) throw new Error(`wasmcache: ${N} ${kind} do not fit in ${bytes} bytes`);
      bytes = Math.min(MAX_WASM, Math.ceil((bytes * 1.5) / PAGE) * PAGE);
    }
  }

  /**
   * The value a JS cache keeps for id: a fresh string or object per library; the byte arrays are
   * built once per kind and shared by the three JS caches (1 GiB each at 1e6 would not fit thrice).
   */
  let sharedBytes: Uint8Array[] | undefined;
  const valueOf = (kind: Kind, id: number): string | Profile | Uint8Array =>
    kind === 'strings' ? maker.value(id) : kind === 'objects' ? profile(id) : sharedBytes![id];

  /** Builds one library's cache for the kind; returns its bodies per read and a function that frees it. */
  function build(lib: Lib, kind: Kind): { bodies: Partial<Record<Read, Record<KeyMode, Body>>>; free: () => void; tier?: () => string } {
    const reads = READS.filter((r) => r.startsWith(kind));
    if (lib === 'wasmcache') {
      const c = buildWasm(kind);
      checkSize(lib, c.size);
      check(lib, kind, (k) => c.peek(k));
      const tier = () => {
        const s = c.stats();
        return `hot tier: ${((100 * s.hotHits) / Math.max(1, s.hits)).toFixed(1)}% of hits, ${s.hotItems} kept`;
      };
      return { bodies: Object.fromEntries(reads.map((r) => [r, wasmBodies(c, keys, r)])), free: () => c.dispose(), tier };
    }
    // The JS caches read with get only: their bytes-getInto cell is n/a.
    const read = reads[0];
    if (lib === 'lru-cache') {
      const c = new LRUCache<string, string | Profile | Uint8Array>({ max: N });
      for (let i = 0; i < N; i++) c.set(keys[i], valueOf(kind, i));
      checkSize(lib, c.size);
      check(lib, kind, (k) => c.peek(k));
      return { bodies: { [read]: lruCacheBodies(c as LruC<string>, keys, kind) }, free: () => c.clear() };
    }
    if (lib === 'lru.min') {
      const c = createLRU<string, string | Profile | Uint8Array>({ max: N });
      for (let i = 0; i < N; i++) c.set(keys[i], valueOf(kind, i));
      checkSize(lib, c.size);
      check(lib, kind, (k) => c.peek(k));
      return { bodies: { [read]: lruMinBodies(c as LruM<string>, keys, kind) }, free: () => c.clear() };
    }
    const c = new Map<string, unknown>();
    for (let i = 0; i < N; i++) c.set(keys[i], valueOf(kind, i));
    checkSize(lib, c.size);
    check(lib, kind, (k) => c.get(k));
    return { bodies: { [read]: mapBodies(c, keys, kind) }, free: () => c.clear() };
  }

  // Per kind: all four caches built, then every cell measured for each library back to back (the
  // order rotating from cell to cell and round to round), so that a burst of load from elsewhere
  // hits every library of a cell alike; then everything is dropped before the next kind.
  for (const kind of KINDS) {
    fullGc();
    if (kind === 'bytes') sharedBytes = Array.from({ length: N }, (_, i) => newByteValue(T, i));
    const built: Partial<Record<Lib, ReturnType<typeof build>>> = {};
    const fills: string[] = [];
    for (const lib of LIBS) {
      const t0 = performance.now();
      built[lib] = build(lib, kind);
      fills.push(`${lib} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    fullGc();
    console.log(`${N} ${kind}: filled (${fills.join(', ')})`);
    let turn = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const line: string[] = [];
      for (const read of READS.filter((r) => r.startsWith(kind))) {
        for (const dist of DISTS) {
          for (const keyMode of KEY_MODES) {
            const libs = LIBS.filter((l) => built[l]!.bodies[read] !== undefined);
            const id = cellId(read, dist, keyMode);
            const got: string[] = [];
            for (let j = 0; j < libs.length; j++) {
              // The start rotates from cell to cell and from round to round (with as many cells per
              // round as libraries, the cell index alone would give a cell the same order every round).
              const lib = libs[(j + turn + round) % libs.length];
              const stats = await measure(built[lib]!.bodies[read]![keyMode](orders[dist]), { min_cpu_time: CPU_MS * 1e6 });
              ((ns[id] ??= {})[lib] ??= []).push(stats.avg);
              ((p99[id] ??= {})[lib] ??= []).push(stats.p99);
              got.push(`${lib} ${stats.avg.toFixed(0)}`);
            }
            turn++;
            line.push(`  ${READ_TEXT[read]}, ${dist}, ${keyMode}: ${got.join(', ')}`);
          }
        }
      }
      console.log(`${N} ${kind} round ${round + 1} of ${ROUNDS} (ns/op; load ${load1()})\n${line.join('\n')}`);
    }
    console.log(`${N} ${kind}: wasmcache ${built.wasmcache!.tier!()}`);
    for (const lib of LIBS) built[lib]!.free();
    sharedBytes = undefined;
  }
  return { n: N, ns, p99, wasm: wasmInfo, jsonBytes, seconds: (performance.now() - started) / 1000, sink };
}

// ── parent: one child per size, then the report ─────────────────────────────────────────────────

const nText = (n: number) => n.toExponential(0).replace('+', '');

interface CellGoal {
  /** Which goal of the issue this cell carries. */
  group: string;
  goal: Goal;
}

/** The issue's goals for a cell (ratio = lru-cache ns / wasmcache ns). Uniform objects and bytes: reported only. */
function goalsFor(n: number, read: Read, dist: Dist): CellGoal[] {
  const g = (factor: number): Goal => ({ text: `≥ ${factor.toFixed(1)}× lru-cache`, factor, baseline: 'lru-cache' });
  const out: CellGoal[] = [];
  if (dist === 'zipf') {
    out.push({ group: 'Zipf: ≥ 1.0× for every kind at every size', goal: g(1) });
    if (read === 'strings' && n === 1e6) out.push({ group: 'Zipf: ≥ 1.5× for strings at 1e6', goal: g(1.5) });
  } else if (read === 'strings' && n === 1e4) out.push({ group: 'uniform strings: ≥ 0.8× at 1e4', goal: g(0.8) });
  else if (read === 'strings' && n === 1e6) out.push({ group: 'uniform strings: ≥ 1.5× at 1e6', goal: g(1.5) });
  return out;
}

async function parent(): Promise<void> {
  requireExposedGc();
  const loadAtStart = load1();
  const loads = [`${loadAtStart} at start`];
  const started = performance.now();
  const measured: Measured[] = [];
  for (const n of SIZES) {
    console.log(`\n── ${nText(n)} entries ──`);
    measured.push(await runChild<Measured>('sizes.ts', [`--size=${n}`], ['--max-old-space-size=6000']));
    loads.push(`${load1()} after ${nText(n)}`);
  }

  /** The reported figure of a cell: the fastest round. */
  const best = (xs: number[] | undefined) => (xs && xs.length ? Math.min(...xs) : undefined);
  const rows: Row[] = [];
  const cellGoals = new Map<string, CellGoal[]>();
  for (const keyMode of KEY_MODES) {
    for (const m of measured) {
      for (const read of READS) {
        for (const dist of DISTS) {
          const mine = m.ns[cellId(read, dist, keyMode)] ?? {};
          // The getInto column compares wasmcache's getInto with the others' get (they return their stored array).
          const peers = read === 'bytes-getInto' ? (m.ns[cellId('bytes-get', dist, keyMode)] ?? {}) : mine;
          const values: Partial<Record<Lib, number>> = {};
          for (const lib of LIBS) values[lib] = best(lib === 'wasmcache' ? mine[lib] : peers[lib]);
          const cg = goalsFor(m.n, read, dist);
          const id = `sizes-${nText(m.n)}-${read}-${dist}-${keyMode}`;
          cellGoals.set(id, cg);
          rows.push({
            id,
            label: `${nText(m.n)} entries, ${READ_TEXT[read]}, ${DIST_TEXT[dist]}, ${KEY_TEXT[keyMode]}`,
            unit: 'ns/op',
            values,
            goals: cg.map((c) => c.goal),
            noChart: keyMode !== 'built' || cg.length === 0,
          });
        }
      }
    }
  }
  const rowOf = (n: number, read: Read, dist: Dist, keyMode: KeyMode) => rows.find((r) => r.id === `sizes-${nText(n)}-${read}-${dist}-${keyMode}`)!;
  const ratio = (r: Row) => (r.values.wasmcache && r.values['lru-cache'] ? r.values['lru-cache'] / r.values.wasmcache : undefined);

  // Ratio tables, shaped as the issue asks: one line per size, one column per kind × distribution.
  const cols = READS.flatMap((read) => DISTS.map((dist) => ({ read, dist })));
  const ratioTable = (keyMode: KeyMode) =>
    mdTable(
      ['entries', ...cols.map((c) => `${READ_TEXT[c.read]}, ${DIST_TEXT[c.dist]}`)],
      measured.map((m) => [
        nText(m.n),
        ...cols.map(({ read, dist }) => {
          const r = rowOf(m.n, read, dist, keyMode);
          const missed = (r.goals ?? []).some((g) => evaluate(g, r, rows).met === false);
          const t = fmtRatio(ratio(r));
          return missed ? `**${t}**` : t;
        }),
      ]),
    );
  // Raw figures: ns/op per library per cell (the fastest round; the other rounds in parentheses).
  const rawTable = (keyMode: KeyMode) =>
    mdTable(
      ['entries', 'kind', 'distribution', ...LIBS.map((l) => `${l} (ns/op)`), 'wasmcache p99 (ns/op)', 'lru-cache p99 (ns/op)'],
      measured.flatMap((m) =>
        cols.map(({ read, dist }) => {
          const cell = m.ns[cellId(read, dist, keyMode)] ?? {};
          const peers = read === 'bytes-getInto' ? (m.ns[cellId('bytes-get', dist, keyMode)] ?? {}) : cell;
          const shown = (xs: number[] | undefined) => {
            if (!xs || !xs.length) return 'n/a';
            const b = Math.min(...xs);
            const rest = xs.filter((_, i) => i !== xs.indexOf(b));
            return fmt(b) + (rest.length ? ` (${rest.map(fmt).join(', ')})` : '');
          };
          const p = m.p99[cellId(read, dist, keyMode)] ?? {};
          const pp = read === 'bytes-getInto' ? (m.p99[cellId('bytes-get', dist, keyMode)] ?? {}) : p;
          return [
            nText(m.n),
            READ_TEXT[read],
            DIST_TEXT[dist],
            ...LIBS.map((l) => (l === 'wasmcache' ? shown(cell[l]) : read === 'bytes-getInto' ? `${shown(peers[l])} (get)` : shown(peers[l]))),
            fmt(best(p.wasmcache)),
            fmt(best(pp['lru-cache'])),
          ];
        }),
      ),
    );

  // Goal verdicts, per goal of the issue and key mode.
  const groups = [
    'Zipf: ≥ 1.0× for every kind at every size',
    'Zipf: ≥ 1.5× for strings at 1e6',
    'uniform strings: ≥ 0.8× at 1e4',
    'uniform strings: ≥ 1.5× at 1e6',
  ];
  const verdictLines: string[] = [];
  const verdictRows = groups.map((group) => {
    const cells = KEY_MODES.map((keyMode) => {
      const hits = rows
        .filter((r) => r.id.endsWith(`-${keyMode}`))
        .flatMap((r) => (cellGoals.get(r.id) ?? []).filter((c) => c.group === group).map((c) => ({ r, v: evaluate(c.goal, r, rows) })));
      if (!hits.length) return 'not measured (size not run)';
      const missed = hits.filter((h) => !h.v.met);
      const worst = hits.reduce((a, h) => ((h.v.achieved ?? Infinity) < (a.v.achieved ?? Infinity) ? h : a));
      for (const h of missed) verdictLines.push(`- missed (${KEY_TEXT[keyMode]}): ${h.r.label}: ${fmtRatio(h.v.achieved)}`);
      return missed.length === 0
        ? `met in ${hits.length} of ${hits.length} (lowest ${fmtRatio(worst.v.achieved)})`
        : `**not met**: ${hits.length - missed.length} of ${hits.length} (lowest ${fmtRatio(worst.v.achieved)}, ${worst.r.label.split(', ').slice(0, 3).join(', ')})`;
    });
    return [group, ...cells];
  });
  verdictRows.push(['uniform objects (and uniform bytes)', 'reported only', 'reported only']);

  const seconds = (performance.now() - started) / 1000;
  const wasmLine = measured
    .map(
      (m) =>
        `${nText(m.n)}: ` +
        KINDS.map((k) => `${k} maxMemory ${(m.wasm[k].maxMemory / 2 ** 20).toFixed(0)} MiB (${(m.wasm[k].usedBytes / 2 ** 20).toFixed(0)} MiB used)`).join(', ') +
        ` [child ${m.seconds.toFixed(0)} s]`,
    )
    .join('; ');
  const jsonBytes = measured[0]?.jsonBytes ?? 0;
  writeSection(
    {
      name: 'sizes',
      title: 'Gets by cache size, value kind and key distribution',
      command: 'node --expose-gc --import tsx bench/sizes.ts',
      method: [
        `Sizes ${SIZES.map(nText).join(', ')} entries (\`BENCH_SIZES\`), each in its own child process; in it, per value kind, all four ` +
          'caches are filled, then each cell is measured for every library back to back (the order rotating from cell to cell), ' +
          'so that load from elsewhere falls on the libraries of a cell alike; the kind\'s data is dropped before the next kind. Value kinds: ' +
          `${STRING_LEN}-char ASCII strings (flat, as a decoder makes them); objects of six fields with a nested array of three tags ` +
          `(\`{id, name, email, active, score, tags}\`, ${jsonBytes} B as JSON; wasmcache stores the JSON and returns a parsed copy); ` +
          `${BYTES_LEN} B \`Uint8Array\` values, read by wasmcache with get (a new array) and getInto (a copy into one reused buffer). ` +
          'lru-cache, lru.min and Map return the object they store (a reference, no copy), so in the getInto column they are timed with get. ' +
          'The byte arrays are built once and shared by the three JS caches (strings and objects: each library gets its own).',
        `Gets of present keys only: ${ORDER_MASK + 1} seeded ids per distribution, Zipf(${S}) (ranks scattered over the ids) or uniform, ` +
          "walked cyclically; the key built per op (`keyOf`: 'user:' + 11 digits, 16 chars) or read from an array of pre-built keys. " +
          'Each returned value is consumed (the string\'s length, the object\'s `id`, the first byte). One op per mitata iteration; ' +
          `mitata \`min_cpu_time\` ${CPU_MS} ms per benchmark (\`BENCH_SIZES_CPU_MS\`), ${ROUNDS} rounds (\`BENCH_SIZES_ROUNDS\`); ` +
          'each cell reports the fastest round\'s average (mitata\'s mean over its samples, GC included).',
        `wasmcache: default options${HOT_OFF ? ' but `hotTier: false` (BENCH_HOT_TIER=off)' : ' (the hot tier on)'} plus \`maxEntries: N\` and a \`maxMemory\` with room for every item (no evictions, checked); ${wasmLine}. ` +
          'lru-cache and lru.min: `max: N`. Map: no eviction bookkeeping (the floor).',
        `Ratio = lru-cache ns/op ÷ wasmcache ns/op (above 1× = wasmcache faster). Load average (1 min): ${loads.join(', ')}.`,
      ],
      rows,
      details: [
        mdTable(['goal (issue 15)', KEY_TEXT.built, KEY_TEXT.prebuilt], verdictRows),
        ...(verdictLines.length ? [verdictLines.join('\n')] : []),
        `**wasmcache vs lru-cache, ${KEY_TEXT.built}** (bold: a goal missed)\n\n${ratioTable('built')}`,
        `**wasmcache vs lru-cache, ${KEY_TEXT.prebuilt}** (bold: a goal missed)\n\n${ratioTable('prebuilt')}`,
        `**ns/op, ${KEY_TEXT.built}** (the fastest round; the others in parentheses)\n\n${rawTable('built')}`,
        `**ns/op, ${KEY_TEXT.prebuilt}** (the fastest round; the others in parentheses)\n\n${rawTable('prebuilt')}`,
        `(sink ${measured.reduce((a, m) => a + m.sink, 0)})`,
      ],
      seconds,
    },
    loadAtStart,
  );
}

const size = arg('size');
if (size !== undefined) sendResult(await child(Number(size)));
else await parent();
