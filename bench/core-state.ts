// Core state move (issue 16): get/set CPU time of one or more trees' caches, side by side in one
// process (same machine load for each), rounds alternated, best of 7.
//
//   node --import tsx bench/core-state.ts                        (this tree)
//   node --import tsx bench/core-state.ts /path/to/base /path/to/new   (A/B: each tree built)
//
// 1e6 keys 'user:' + i with 100-char strings in a 256 MiB cache (hotTier off), then 2e6 random
// gets and 1e6 random overwrites per round. The cache created second tends to run a few percent
// faster, so an A/B is run in both orders.
import { fileURLToPath } from 'node:url';

interface Bench {
  get(key: string): unknown;
  set(key: string, value: string): unknown;
}

const trees = process.argv.length > 2 ? process.argv.slice(2) : [fileURLToPath(new URL('..', import.meta.url))];
const N = 1_000_000;
const G = 2_000_000;
const S = 1_000_000;
const ROUNDS = 7;
const keys: string[] = [];
for (let i = 0; i < N; i++) keys.push('user:' + i);
const values: string[] = [];
for (let k = 0; k < 16; k++) values.push(String.fromCharCode(97 + k).repeat(100));
let x = 0x12345678;
const rnd = (): number => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) % N;
};
const gets = Uint32Array.from({ length: G }, rnd);
const sets = Uint32Array.from({ length: S }, rnd);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const caches: Bench[] = [];
for (const t of trees) {
  const { createCacheSync } = (await import(t + '/src/index.ts')) as typeof import('../src/index.js');
  const c = createCacheSync({ maxMemory: '256mb', hotTier: false });
  for (let i = 0; i < N; i++) c.set(keys[i], values[0]);
  caches.push(c as Bench);
}
const best = trees.map(() => ({ get: Infinity, set: Infinity }));
let sink = 0;
for (let r = 0; r < ROUNDS; r++) {
  for (let j = 0; j < trees.length; j++) {
    const k = r % 2 === 0 ? j : trees.length - 1 - j; // alternate who goes first
    const c = caches[k];
    let t = cpuMs();
    for (let i = 0; i < G; i++) sink += (c.get(keys[gets[i]]) as string).length;
    best[k].get = Math.min(best[k].get, cpuMs() - t);
    t = cpuMs();
    for (let i = 0; i < S; i++) c.set(keys[sets[i]], values[i & 15]);
    best[k].set = Math.min(best[k].set, cpuMs() - t);
  }
}
trees.forEach((t, j) =>
  console.log(`${t}: get ${((best[j].get * 1e6) / G).toFixed(0)} ns, set ${((best[j].set * 1e6) / S).toFixed(0)} ns (CPU, best of ${ROUNDS})`),
);
if (trees.length === 2) {
  console.log(`second / first: get ${(best[1].get / best[0].get).toFixed(3)}, set ${(best[1].set / best[0].set).toFixed(3)}`);
}
if (sink === 0) console.log('(no value read)');
