// Snapshot save and load throughput: wasmcache save()/load() against lru-cache's
// dump() + JSON.stringify + writeFile and readFile + JSON.parse + load(), same items, same run,
// beside this machine's floors (writing a new file, with and without fsync; touching fresh memory).
// The warm restart (loadCache into a new cache) is timed best of REPS, each run beside a first
// touch of as much fresh memory as the file has bytes, and beside the same load without reads
// ahead (createCache + load()), so that the ratios come from the same minutes of a shared machine.
// Run: node --expose-gc --max-old-space-size=8000 --import tsx bench/snapshot.ts [items] [valueBytes] [string|json]
// (npm run bench:snapshot). Default 1e6 items of 1 KiB string values (about 1 GiB live); `json`
// stores objects { v: '...' } of the same JSON size instead (loading checks that each parses).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { createCache, createCacheSync, loadCache } from '../src/index.js';

const items = Number(process.argv[2] ?? 1_000_000);
const valueBytes = Number(process.argv[3] ?? 1024);
const valueKind = process.argv[4] === 'json' ? 'json' : 'string';
const value: string | { v: string } = valueKind === 'json' ? { v: 'v'.repeat(Math.max(0, valueBytes - 8)) } : 'v'.repeat(valueBytes);
const keyOf = (i: number) => 'key:' + String(i).padStart(11, '0');
const mbps = (bytes: number, seconds: number) => (bytes / 1e6 / seconds).toFixed(0);
const loadAtStart = loadavg()[0];
// Disk (the OS temp folder) and, where there is one, memory (tmpfs): the file system sets the floor.
const dirs = [{ name: 'disk', dir: tmpdir() }, ...(existsSync('/dev/shm') ? [{ name: 'tmpfs', dir: '/dev/shm' }] : [])];
const REPS = 3;
const rows: string[] = [];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {}); // --expose-gc: the last run's memory goes before the next one's is touched
const ratios: string[] = [];
const warm: { name: string; mbps: number; floor: number }[] = [];

function seconds<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const r = fn();
  return [r, (performance.now() - t) / 1000];
}

// ── floors: dd-like writes of the same size, and first touch of fresh memory ───────────────────
const floors: string[] = [];
{
  const bytes = items * (valueBytes + 40);
  const block = new Uint8Array(1 << 20).fill(1);
  for (const { name, dir } of dirs) {
    for (const sync of [false, true]) {
      let best = Infinity;
      for (let r = 0; r < 2; r++) {
        const path = join(dir, 'wasmcache-floor.bin');
        const [, s] = seconds(() => {
          const fd = openSync(path, 'w');
          for (let at = 0; at < bytes; at += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - at));
          if (sync) fsyncSync(fd);
          closeSync(fd);
        });
        rmSync(path);
        best = Math.min(best, s);
      }
      floors.push(`| write a new ${(bytes / 1e6).toFixed(0)} MB file on ${name} (${dir}), 1 MiB writes${sync ? ' + fsync' : ''} | ${mbps(bytes, best)} |`);
    }
  }
  const [, s] = seconds(() => new Uint8Array(bytes).fill(1));
  floors.push(`| first touch of ${(bytes / 1e6).toFixed(0)} MB of fresh memory (new Uint8Array + fill), once at the start | ${mbps(bytes, s)} |`);
  // The core's block checksum (XXH64) over its scratch region, as often as the file has bytes.
  const probe = createCacheSync({ maxMemory: '64mb' });
  const seam = (probe as unknown as { seam: { core: { checksum(p: number, n: number): number }; scratch: number; scratchBytes: number } }).seam;
  const rounds = Math.ceil(bytes / seam.scratchBytes);
  const [, c] = seconds(() => {
    for (let r = 0; r < rounds; r++) seam.core.checksum(seam.scratch, seam.scratchBytes);
  });
  floors.push(`| the core's block checksum (XXH64) over ${((rounds * seam.scratchBytes) / 1e6).toFixed(0)} MB of warm memory | ${mbps(rounds * seam.scratchBytes, c)} |`);
  probe.dispose();
}

// ── wasmcache ──────────────────────────────────────────────────────────────────────────────────
const maxMemory = Math.ceil(items * (valueBytes + 64) * 1.3);
for (const { name, dir } of dirs) {
  const path = join(dir, 'wasmcache-bench.wcs');
  const cache = createCacheSync({ maxMemory, maxEntries: items + 1 });
  for (let i = 0; i < items; i++) cache.set(keyOf(i), value);
  let save = Infinity;
  let loadFull = Infinity;
  let loadEmpty = Infinity;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    await cache.save(path);
    save = Math.min(save, (performance.now() - t0) / 1000);
    // Into the full cache: checked in a first pass, then loaded (nothing changes if it is bad).
    const t1 = performance.now();
    const full = await cache.load(path);
    loadFull = Math.min(loadFull, (performance.now() - t1) / 1000);
    // Into the same cache emptied: one pass (its memory is already mapped).
    cache.clear();
    const t2 = performance.now();
    const empty = await cache.load(path);
    loadEmpty = Math.min(loadEmpty, (performance.now() - t2) / 1000);
    if (full.items !== items || empty.items !== items) throw new Error(`loaded ${full.items} / ${empty.items} of ${items}`);
  }
  cache.dispose();
  const bytes = statSync(path).size;
  // loadCache: a new cache, whose memory the kernel maps page by page as the items arrive. Each
  // run beside a first touch of the file's size of fresh memory and the load without reads ahead.
  let fresh = Infinity;
  let plain = Infinity;
  let touch = Infinity;
  for (let r = 0; r < REPS; r++) {
    gc();
    touch = Math.min(touch, seconds(() => new Uint8Array(bytes).fill(1))[1]);
    gc();
    const t3 = performance.now();
    const loaded = await loadCache(path, { maxMemory, maxEntries: items + 1 });
    fresh = Math.min(fresh, (performance.now() - t3) / 1000);
    if (loaded.size !== items) throw new Error(`loadCache: ${loaded.size} of ${items}`);
    loaded.dispose();
    gc();
    const t4 = performance.now();
    const created = await createCache({ maxMemory, maxEntries: items + 1 });
    await created.load(path);
    plain = Math.min(plain, (performance.now() - t4) / 1000);
    if (created.size !== items) throw new Error(`createCache + load: ${created.size} of ${items}`);
    created.dispose();
  }
  warm.push({ name, mbps: bytes / 1e6 / fresh, floor: bytes / 1e6 / touch });
  rows.push(`| wasmcache save() (fsync) on ${name} | ${items} | ${(bytes / 1e6).toFixed(0)} | ${mbps(bytes, save)} | |`);
  rows.push(`| wasmcache load() into the full cache (checks first: two passes) from ${name} | ${items} | ${(bytes / 1e6).toFixed(0)} | | ${mbps(bytes, loadFull)} |`);
  rows.push(`| wasmcache load() into the emptied cache (one pass) from ${name} | ${items} | ${(bytes / 1e6).toFixed(0)} | | ${mbps(bytes, loadEmpty)} |`);
  rows.push(`| wasmcache createCache() + load(): a new cache, no reads ahead, from ${name} | ${items} | ${(bytes / 1e6).toFixed(0)} | | ${mbps(bytes, plain)} |`);
  rows.push(`| **wasmcache loadCache()**: a new cache, reads ahead, from ${name} | ${items} | ${(bytes / 1e6).toFixed(0)} | | **${mbps(bytes, fresh)}** |`);
  rows.push(`| first touch of ${(bytes / 1e6).toFixed(0)} MB of fresh memory, best of the runs beside loadCache from ${name} | | | | ${mbps(bytes, touch)} |`);
  rmSync(path);
}

// ── lru-cache: dump + JSON to a file, and back ──────────────────────────────────────────────────
// V8 strings stop at 2^29 - 24 characters, so a dump larger than that cannot be stringified at
// all; then the largest quarter-size that works is timed. writeFileSync does not fsync.
{
  const path = join(tmpdir(), 'lru-cache-bench.json');
  for (let n = items; n >= 1000; n = Math.floor(n / 4)) {
    const lru = new LRUCache<string, string | { v: string }>({ max: n + 1 });
    for (let i = 0; i < n; i++) lru.set(keyOf(i), value);
    try {
      const [, save] = seconds(() => writeFileSync(path, JSON.stringify(lru.dump())));
      const bytes = statSync(path).size;
      const copy = new LRUCache<string, string | { v: string }>({ max: n + 1 });
      const [, load] = seconds(() => copy.load(JSON.parse(readFileSync(path, 'utf8'))));
      if (copy.size !== n) throw new Error(`lru-cache loaded ${copy.size} of ${n}`);
      rows.push(`| lru-cache dump + JSON + writeFile (no fsync) / readFile + JSON + load, on disk | ${n} | ${(bytes / 1e6).toFixed(0)} | ${mbps(bytes, save)} | ${mbps(bytes, load)} |`);
      for (const w of warm) {
        ratios.push(`| loadCache from ${w.name} | ${w.mbps.toFixed(0)} | ${(w.mbps / (bytes / 1e6 / load)).toFixed(1)}x lru-cache (${mbps(bytes, load)} MB/s at ${n} items) | ${w.floor.toFixed(0)} | ${((100 * w.mbps) / w.floor).toFixed(0)}% |`);
      }
      break;
    } catch (e) {
      rows.push(`| lru-cache at ${n} items | ${n} | - | fails: ${(e as Error).message} | - |`);
    } finally {
      rmSync(path, { force: true });
    }
  }
}

const table = [
  `Snapshot throughput, ${items} items of ${valueBytes}-byte ${valueKind} values (Node ${process.version}, ${new Date().toISOString()}; ` +
    `1-min load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end, on 2 CPUs).`,
  'Command: `node --expose-gc --max-old-space-size=8000 --import tsx bench/snapshot.ts ' + `${items} ${valueBytes} ${valueKind}\`. MB = 10^6 bytes of file; best of ${REPS} for save and load (loadCache and createCache + load: best of ${REPS} runs, interleaved with the first touch).`,
  '',
  '| what | items | file MB | save MB/s | load MB/s |',
  '|---|---:|---:|---:|---:|',
  ...rows,
  '',
  'The warm restart against its goals (issue 19: >= 10x lru-cache, >= 80% of the first-touch floor, same run):',
  '',
  '| what | MB/s | against lru-cache | first touch MB/s | against first touch |',
  '|---|---:|---:|---:|---:|',
  ...ratios,
  '',
  "This machine's floors:",
  '',
  '| what | MB/s |',
  '|---|---:|',
  ...floors,
].join('\n');
console.log(table);
writeFileSync(new URL(`./results-snapshot${valueBytes === 1024 && valueKind === 'string' ? '' : `-${valueBytes}b-${valueKind}`}.md`, import.meta.url), `# Snapshots\n\n${table}\n`);
