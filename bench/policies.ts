// What each eviction policy costs in speed: the Zipf(0.99) cache-aside workload of bench/zipf.ts
// (90% get / 10% set over 2e6 keys, capacity 1e5 items of 1 KiB bytes, a miss followed by a set)
// through wasmcache with each policy, reading with getInto, beside lru-cache on the same sequence.
//
//   npm run bench:policies        (after npm run build)
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { createCacheSync, type Policy } from '../src/index.js';
import { byteTemplate, keyOf, newByteValue } from './lib/data.js';
import { loadavg } from 'node:os';
import { envInt } from './lib/report.js';
import { mulberry32 } from './lib/rng.js';
import { Zipf, zipfSequence } from './lib/zipf.js';

const KEYS = envInt('BENCH_ZIPF_KEYS', 2_000_000);
const CAP = envInt('BENCH_ZIPF_CAP', 100_000);
const OPS = envInt('BENCH_ZIPF_OPS', 1_000_000);
const WARM = envInt('BENCH_ZIPF_WARM', 600_000);
const ROUNDS = 3;
const VALUE_LEN = 1024;
const SET = 0x80000000;

const loadAtStart = loadavg()[0];
const seq = zipfSequence(new Zipf(KEYS, 0.99), WARM + OPS, 0x21bf);
{
  const rnd = mulberry32(0x5e7);
  for (let i = 0; i < seq.length; i++) if (rnd() < 0.1) seq[i] = (seq[i] | SET) >>> 0;
}
const keys = Array.from({ length: KEYS }, (_, i) => keyOf(i));
const T = byteTemplate(VALUE_LEN);
let sink = 0;

interface Run {
  name: string;
  nsPerOp: number;
  hitRatio: number;
}

/** Runs the sequence from `from` to `to`; returns the hits among the gets. */
type Replay = (from: number, to: number) => number;

function measure(name: string, replay: Replay): Run {
  replay(0, WARM);
  let best = Infinity;
  let hits = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    hits = replay(WARM, WARM + OPS);
    best = Math.min(best, performance.now() - t);
  }
  let gets = 0;
  for (let i = WARM; i < WARM + OPS; i++) if (!(seq[i] & SET)) gets++;
  return { name, nsPerOp: (best * 1e6) / OPS, hitRatio: hits / gets };
}

const runs: Run[] = [];
for (const policy of ['s3fifo', 'sieve', 'lru'] as Policy[]) {
  const cache = createCacheSync({ policy, maxEntries: CAP, maxMemory: Math.ceil((CAP * (VALUE_LEN + 96) * 1.1) / 65536) * 65536 });
  const buf = T.slice();
  const out = new Uint8Array(VALUE_LEN);
  runs.push(
    measure(`wasmcache ${policy}`, (from, to) => {
      let hits = 0;
      for (let i = from; i < to; i++) {
        const op = seq[i];
        const key = keys[op & ~SET];
        if (op & SET) cache.set(key, buf);
        else if (cache.getInto(key, out) >= 0) {
          hits++;
          sink += out[0];
        } else cache.set(key, buf);
      }
      return hits;
    }),
  );
  if (cache.stats().evictions === 0) throw new Error(`${policy}: no evictions, the capacity did not bind`);
  cache.dispose();
}
{
  const lru = new LRUCache<string, Uint8Array>({ max: CAP });
  runs.push(
    measure('lru-cache', (from, to) => {
      let hits = 0;
      for (let i = from; i < to; i++) {
        const op = seq[i];
        const id = op & ~SET;
        const key = keys[id];
        if (op & SET) lru.set(key, newByteValue(T, id));
        else {
          const v = lru.get(key);
          if (v !== undefined) {
            hits++;
            sink += v[0];
          } else lru.set(key, newByteValue(T, id));
        }
      }
      return hits;
    }),
  );
}

const lruNs = runs[runs.length - 1].nsPerOp;
const table = [
  '| cache | ns/op | ops/s | vs lru-cache | get hit ratio |',
  '|---|---:|---:|---:|---:|',
  ...runs.map((r) => `| ${r.name} | ${r.nsPerOp.toFixed(0)} | ${Math.round(1e9 / r.nsPerOp).toLocaleString('en-US')} | ${(lruNs / r.nsPerOp).toFixed(2)}x | ${(r.hitRatio * 100).toFixed(2)}% |`),
].join('\n');
const text = [
  '# Eviction policies: speed on the Zipf workload',
  '',
  `${new Date().toISOString()}; Node ${process.version}; 1-min load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end.`,
  `Command: \`npm run bench:policies\`. 90% get / 10% set over Zipf(0.99) keys from ${KEYS} keys, capacity ${CAP} items of ${VALUE_LEN}-byte`,
  `Uint8Array values; a get that misses is followed by a set. wasmcache reads with getInto; ${WARM} warm-up ops, then the best of ${ROUNDS} rounds of ${OPS} ops.`,
  '',
  table,
  '',
].join('\n');
console.log(text, `(sink ${sink})`);
writeFileSync(new URL('./results-policies.md', import.meta.url), text);
