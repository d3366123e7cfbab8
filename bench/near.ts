// Near-cache vs straight to Redis: a read-heavy Zipf workload against a redis-server of its own.
//
//   npm run bench:near                               (builds first; writes bench/results-near.md)
//   BENCH_NEAR_SECONDS=2 node --import tsx bench/near.ts   (shorter, while developing)
//
// Keys `item:<i>` (i < KEYS) hold 100-byte values that start with a version number. Readers (CONCURRENCY
// async loops in this process) pick keys from a Zipf distribution; one plain client writes Zipf-chosen
// keys at WRITES_PER_S, one write at a time, so that per key the versions are in Redis's order. Each
// scenario runs RUNS times: every key read once, WARMUP s unmeasured, then SECONDS s measured:
//   direct: every read is a GET on a plain node-redis client (pipelined by the concurrent loops);
//   near:   every read is near.get() on a near-cache (default tracking mode, 64 MiB local).
// Stale reads are counted against a ground truth (test/near/staleness.ts): a near-cache read must not
// return a version older than the last one acknowledged before the invalidation for that key was
// delivered; a direct read not older than the last one acknowledged before the read started.
import { writeFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';
import { createNearCache, type NearCache } from '../src/near/index.js';
import { prng } from '../test/helpers/prng.js';
import { startRedis } from '../test/near/redis-server.js';
import { StaleChecker, versioned, type AckLog } from '../test/near/staleness.js';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const KEYS = env('BENCH_NEAR_KEYS', 10_000);
const ZIPF_S = env('BENCH_NEAR_ZIPF', 0.99);
const CONCURRENCY = env('BENCH_NEAR_CONCURRENCY', 32);
const WRITES_PER_S = env('BENCH_NEAR_WRITES', 500);
const SECONDS = env('BENCH_NEAR_SECONDS', 5);
const WARMUP = env('BENCH_NEAR_WARMUP', 1);
const RUNS = env('BENCH_NEAR_RUNS', 3);
const VALUE_BYTES = 100;

/** Zipf(s) over 0..n-1 by inverse CDF: rank 0 is the hottest key. */
function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) cdf[i] /= sum;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const keyOf = (i: number) => `item:${i}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RunResult {
  opsPerS: number;
  reads: number;
  stale: number;
  inWindow: number;
  writes: number;
  hitRatio?: number;
  invalidations?: number;
  discarded?: number;
  flushes?: number;
}

async function run(url: string, scenario: 'direct' | 'near', seed: number): Promise<RunResult> {
  const writer = createClient({ url });
  const reader = createClient({ url });
  for (const c of [writer, reader]) c.on('error', (e) => console.error('client error', e));
  await Promise.all([writer.connect(), reader.connect()]);
  // Fresh data per run, so that every run starts from the same state.
  await writer.flushAll();
  for (let i = 0; i < KEYS; i += 1000) {
    const batch: Record<string, string> = {};
    for (let j = i; j < Math.min(KEYS, i + 1000); j++) batch[keyOf(j)] = versioned(0, VALUE_BYTES);
    await writer.mSet(batch);
  }
  let near: NearCache<string> | undefined;
  if (scenario === 'near') {
    near = await createNearCache({ redis: reader, local: { maxMemory: '64mb' }, values: 'string' });
    near.on('error', (e) => console.error('near error', e));
  }
  // Read every key once first (both scenarios), so that the measurement sees the steady state of
  // a warm near-cache rather than its cold misses on the long Zipf tail.
  const warm = near ? (k: string) => near.get(k) : (k: string) => reader.get(k);
  for (let i = 0; i < KEYS; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, KEYS - i) }, (_, j) => warm(keyOf(i + j))));
  }
  // The writer runs in a worker thread, so that busy readers cannot slow it down; it publishes the
  // last acknowledged version of each key in shared memory.
  const acked = new Int32Array(new SharedArrayBuffer(4 * (KEYS + 1)));
  const checker = new StaleChecker(sharedAckLog(acked));
  if (near) checker.watch(near);
  const read = near ? (k: string) => near.get(k) : (k: string) => reader.get(k);

  let running = true;
  const writerThread = startWriter({ url, seed, acked: acked.buffer });
  await new Promise((resolve) => writerThread.once('message', resolve)); // writing
  const readers = Array.from({ length: CONCURRENCY }, async (_, r) => {
    const pick = zipf(KEYS, ZIPF_S, prng(seed + r));
    // Local hits resolve without I/O: yield to the event loop now and then (both scenarios alike).
    for (let n = 0; running; n++) {
      if ((n & 63) === 0) await new Promise((r) => setImmediate(r));
      const k = keyOf(pick());
      await checker.read(k, near, () => read(k));
    }
  });

  await sleep(WARMUP * 1000);
  const before = { reads: checker.reads, stale: checker.stale, inWindow: checker.inWindow, stats: near?.stats(), writes: Atomics.load(acked, KEYS) };
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const after = { reads: checker.reads, stale: checker.stale, inWindow: checker.inWindow, stats: near?.stats(), writes: Atomics.load(acked, KEYS) };
  running = false;
  writerThread.postMessage('stop');
  await Promise.all([new Promise((resolve) => writerThread.once('exit', resolve)), ...readers]);
  near?.dispose();
  writer.destroy();
  reader.destroy();

  const reads = after.reads - before.reads;
  const result: RunResult = {
    opsPerS: reads / elapsed,
    reads,
    stale: after.stale - before.stale,
    inWindow: after.inWindow - before.inWindow,
    writes: after.writes - before.writes,
  };
  if (before.stats && after.stats) {
    const hits = after.stats.localHits - before.stats.localHits;
    const remote = after.stats.remoteReads - before.stats.remoteReads + after.stats.coalesced - before.stats.coalesced;
    result.hitRatio = hits / (hits + remote);
    result.invalidations = after.stats.invalidations - before.stats.invalidations;
    result.discarded = after.stats.discarded - before.stats.discarded;
    result.flushes = after.stats.flushes - before.stats.flushes;
  }
  return result;
}

/** Runs writerMain() in a worker thread, which loads this TypeScript file through tsx's API. */
function startWriter(data: { url: string; seed: number; acked: SharedArrayBuffer }): Worker {
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const self = JSON.stringify(import.meta.url);
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${self}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** Key i's last acknowledged version is acked[i]; acked[KEYS] counts the writes. */
function sharedAckLog(acked: Int32Array): AckLog {
  return {
    get: (key) => Atomics.load(acked, Number(key.slice(5))),
    *entries() {
      for (let i = 0; i < KEYS; i++) yield [keyOf(i), Atomics.load(acked, i)];
    },
  };
}

/**
 * The writer thread: Zipf-chosen keys at WRITES_PER_S, one write at a time; each version a global
 * counter, published after Redis acknowledged it.
 */
async function writerMain(): Promise<void> {
  const { url, seed, acked: buffer } = workerData as { url: string; seed: number; acked: SharedArrayBuffer };
  const acked = new Int32Array(buffer);
  const writer = createClient({ url });
  writer.on('error', (e) => console.error('writer error', e));
  await writer.connect();
  let running = true;
  parentPort!.on('message', () => (running = false));
  parentPort!.postMessage('writing');
  const writeKey = zipf(KEYS, ZIPF_S, prng(seed ^ 0x77));
  const interval = 1000 / WRITES_PER_S;
  let next = performance.now();
  for (let version = 1; running; version++) {
    const i = writeKey();
    await writer.set(keyOf(i), versioned(version, VALUE_BYTES));
    Atomics.store(acked, i, version);
    Atomics.add(acked, KEYS, 1);
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  writer.destroy();
  parentPort!.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const started = performance.now();
  const load0 = loadavg()[0];
  const server = await startRedis();
  const results: Record<'direct' | 'near', RunResult[]> = { direct: [], near: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const scenario of ['direct', 'near'] as const) {
        const r = await run(server.url, scenario, 1000 + i);
        results[scenario].push(r);
        console.log(scenario, JSON.stringify(r));
      }
    }
  } finally {
    await server.stop();
  }
  const d = results.direct;
  const n = results.near;
  const directOps = median(d.map((r) => r.opsPerS));
  const nearOps = median(n.map((r) => r.opsPerS));
  const speedup = nearOps / directOps;
  const sum = (rs: RunResult[], f: (r: RunResult) => number) => rs.reduce((a, r) => a + f(r), 0);
  const version = (await import('node:child_process')).execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  const lines = [
    '# Near-cache in front of Redis',
    '',
    `${new Date().toISOString()}; Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB RAM; 1-min load average ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end. ` +
      `${version.split(' ').slice(0, 3).join(' ')} on the same machine (loopback).`,
    `Command: \`npm run bench:near\` (${Math.round((performance.now() - started) / 1000)} s).`,
    '',
    `${KEYS.toLocaleString('en-US')} keys of ${VALUE_BYTES} B, reads Zipf(s = ${ZIPF_S}) from ${CONCURRENCY} concurrent loops in one process; ` +
      `one plain client writes Zipf-chosen keys at ${WRITES_PER_S}/s meanwhile. ${RUNS} runs per scenario, each: every key read once, ${WARMUP} s warm-up, ${SECONDS} s measured; median ops/s.`,
    'direct: `client.get()` on a node-redis 6 client (its pipelining shares the round trips of the concurrent loops). near: `near.get()` on `createNearCache({ redis, local: { maxMemory: \'64mb\' } })`, default tracking mode.',
    '',
    '| scenario | reads/s (median) | runs | hit ratio | writes | invalidations | replies not kept | flushes | stale reads | reads in the delivery window |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
    `| direct | ${fmt(directOps)} | ${d.map((r) => fmt(r.opsPerS)).join(' / ')} | - | ${fmt(sum(d, (r) => r.writes))} | - | - | - | ${sum(d, (r) => r.stale)} | ${fmt(sum(d, (r) => r.inWindow))} |`,
    `| near | ${fmt(nearOps)} | ${n.map((r) => fmt(r.opsPerS)).join(' / ')} | ${(median(n.map((r) => r.hitRatio ?? 0)) * 100).toFixed(1)}% | ${fmt(sum(n, (r) => r.writes))} | ${fmt(sum(n, (r) => r.invalidations ?? 0))} | ${fmt(sum(n, (r) => r.discarded ?? 0))} | ${sum(n, (r) => r.flushes ?? 0)} | ${sum(n, (r) => r.stale)} | ${fmt(sum(n, (r) => r.inWindow))} |`,
    '',
    `Near-cache vs direct: **${speedup.toFixed(1)}×** the reads/s (goal ≥ 10×: ${speedup >= 10 ? 'met' : '**not met**'}), ` +
      `${sum(n, (r) => r.stale)} stale reads over ${fmt(sum(n, (r) => r.reads))} measured near-cache reads (goal 0: ${sum(n, (r) => r.stale) === 0 ? 'met' : '**not met**'}).`,
    '',
    'Stale reads: a near-cache read older than the last write acknowledged before the near-cache received that key\'s invalidation; a direct read older than the last write acknowledged before it started. ' +
      '"Reads in the delivery window" returned the previous version after the writer\'s acknowledgement but before the invalidation reached the near-cache: what any client-side cache allows (the push and the acknowledgement travel on different connections).',
    '',
  ];
  writeFileSync(new URL('./results-near.md', import.meta.url), lines.join('\n'));
  console.log(lines.join('\n'));
}

if (isMainThread) await main();
else await writerMain();
