// Snapshot save and load throughput: wasmcache save()/load() against lru-cache's
// dump() + JSON.stringify + writeFile and readFile + JSON.parse + load(), same items, same run.
// Run: node --max-old-space-size=8000 --import tsx bench/snapshot.ts [items] [valueBytes]
// (npm run bench:snapshot). Default 1e6 items of 1 KiB string values (about 1 GiB live).
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { createCacheSync } from '../src/index.js';

const items = Number(process.argv[2] ?? 1_000_000);
const valueBytes = Number(process.argv[3] ?? 1024);
const value = 'v'.repeat(valueBytes);
const keyOf = (i: number) => 'key:' + String(i).padStart(11, '0');
const mb = (bytes: number, seconds: number) => (bytes / 1e6 / seconds).toFixed(0);
const rows: string[] = [];

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const r = fn();
  return [r, (performance.now() - t) / 1000];
}

// wasmcache: the best of 3 saves and 3 loads (the first load maps fresh memory, later ones reuse it).
{
  const path = join(tmpdir(), 'wasmcache-bench.wcs');
  const cache = createCacheSync({ maxMemory: Math.ceil(items * (valueBytes + 64) * 1.3), maxEntries: items + 1 });
  for (let i = 0; i < items; i++) cache.set(keyOf(i), value);
  let save = Infinity;
  let load = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await cache.save(path);
    save = Math.min(save, (performance.now() - t0) / 1000);
    const t1 = performance.now();
    const result = await cache.load(path);
    load = Math.min(load, (performance.now() - t1) / 1000);
    if (result.items !== items) throw new Error(`loaded ${result.items} of ${items}`);
  }
  const bytes = statSync(path).size;
  rows.push(`| wasmcache save() / load() | ${items} | ${(bytes / 1e6).toFixed(0)} | ${mb(bytes, save)} | ${mb(bytes, load)} |`);
  rmSync(path);
  cache.dispose();
}

// lru-cache: dump + JSON to a file, and back. V8 strings stop at 2^29 - 24 characters, so a dump
// larger than that cannot be stringified at all; then the largest quarter-size that works is timed.
{
  const path = join(tmpdir(), 'lru-cache-bench.json');
  for (let n = items; n >= 1000; n = Math.floor(n / 4)) {
    const lru = new LRUCache<string, string>({ max: n + 1 });
    for (let i = 0; i < n; i++) lru.set(keyOf(i), value);
    try {
      const [, save] = time(() => writeFileSync(path, JSON.stringify(lru.dump())));
      const bytes = statSync(path).size;
      const copy = new LRUCache<string, string>({ max: n + 1 });
      const [, load] = time(() => copy.load(JSON.parse(readFileSync(path, 'utf8'))));
      if (copy.size !== n) throw new Error(`lru-cache loaded ${copy.size} of ${n}`);
      rows.push(`| lru-cache dump + JSON + writeFile / readFile + JSON + load | ${n} | ${(bytes / 1e6).toFixed(0)} | ${mb(bytes, save)} | ${mb(bytes, load)} |`);
      break;
    } catch (e) {
      rows.push(`| lru-cache at ${n} items | ${n} | - | fails: ${(e as Error).message} | - |`);
    } finally {
      rmSync(path, { force: true });
    }
  }
}

const table = [
  `Snapshot throughput, ${items} items of ${valueBytes}-byte string values (Node ${process.version}, ${new Date().toISOString()}).`,
  'Command: `node --max-old-space-size=8000 --import tsx bench/snapshot.ts ' + `${items} ${valueBytes}\`. MB = 10^6 bytes of file.`,
  '',
  '| what | items | file MB | save MB/s | load MB/s |',
  '|---|---:|---:|---:|---:|',
  ...rows,
].join('\n');
console.log(table);
writeFileSync(new URL('./results-snapshot.md', import.meta.url), `# Snapshots\n\n${table}\n`);
