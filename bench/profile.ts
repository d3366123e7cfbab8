// Where a hot path spends its time: a CPU profile of one operation in a loop at 1e6 entries, taken
// with the V8 inspector's sampler around the loop only (not the fill), summed by function.
//
//   npm run bench:profile -- get      (or set, mget)
//
// Prints each function's share of the samples (self time; a function V8 inlined counts in its
// caller) and writes the profile to build/bench/profile-<op>.cpuprofile, which Chrome's DevTools
// open. Time spent waiting on a cache miss lands on the instruction that needed the data, or the
// one after it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { createCacheSync } from '../src/index.js';
import { stringEntries } from './lib/data.js';
import { RESULTS_DIR, envInt } from './lib/report.js';
import { uniformOrder } from './lib/rng.js';

const OPS = ['get', 'set', 'mget'] as const;
const op = process.argv[2] as (typeof OPS)[number];
if (!OPS.includes(op)) throw new Error(`usage: npm run bench:profile -- ${OPS.join('|')}`);
const N = envInt('BENCH_N', 1_000_000);
const SECONDS = envInt('BENCH_PROFILE_SECONDS', 4);
const ORDER_MASK = (1 << 20) - 1;

const { keys, values } = stringEntries(N, 100);
const order = uniformOrder(N, ORDER_MASK + 1, 0x9f0f11e);
const cache = createCacheSync({ maxMemory: Math.ceil((N * 256) / 2 ** 20) * 2 ** 20 });
for (let i = 0; i < N; i++) cache.set(keys[i], values[i]);
const batch: string[] = new Array(100);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
let sink = 0;
let done = 0;
const t0 = performance.now();
while (performance.now() - t0 < SECONDS * 1000) {
  for (let j = 0; j < 1000; j++) {
    const id = order[done++ & ORDER_MASK];
    if (op === 'get') sink += (cache.get(keys[id]) as string).length;
    else if (op === 'set') cache.set(keys[id], values[id]);
    else {
      for (let k = 0; k < 100; k++) batch[k] = keys[order[(done + k * 7919) & ORDER_MASK]];
      sink += (cache.mget(batch)[0] as string).length;
      done += 99;
    }
  }
}
const ns = ((performance.now() - t0) * 1e6) / done;
const { profile } = await session.post('Profiler.stop');
mkdirSync(RESULTS_DIR, { recursive: true });
const file = `${RESULTS_DIR}profile-${op}.cpuprofile`;
writeFileSync(file, JSON.stringify(profile));

// Self time by function: each sample's node, weighted by the time to the next sample.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
for (let i = 0; i < samples.length; i++) {
  const frame = byId.get(samples[i])!.callFrame;
  const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}`.trim();
  const dt = deltas[i + 1] ?? 0;
  self.set(name, (self.get(name) ?? 0) + dt);
  total += dt;
}
console.log(`${op}: ${ns.toFixed(0)} ns per ${op === 'mget' ? 'key' : 'op'} over ${done} ${op === 'mget' ? 'keys' : 'ops'} (sink ${sink})`);
console.log('share of samples, by function (self time; wasm-function[n] is the core):');
for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(6)}%  ${name}`);
}
console.log(`profile: ${file}`);
