// Snapshot load cost in memory, before/after comparisons on a busy machine: loadBytes() of a
// snapshot of `items` items of `valueBytes`-byte values (string or JSON objects of that JSON size),
// into the emptied cache (one pass) and into the full cache (a check pass, then the load), best of
// 15, as CPU time (process.cpuUsage: less disturbed by other processes than wall time) and wall time.
// Run: node --max-old-space-size=8000 --import tsx bench/snapshot-load.ts [items] [valueBytes] [string|json] [path of a checkout]
import { fileURLToPath } from 'node:url';

const items = Number(process.argv[2] ?? 300_000);
const valueBytes = Number(process.argv[3] ?? 1024);
const kind = process.argv[4] === 'json' ? 'json' : 'string';
const tree = process.argv[5] ?? fileURLToPath(new URL('..', import.meta.url));
const { createCacheSync } = (await import(`${tree}/src/index.ts`)) as typeof import('../src/index.js');

const cache = createCacheSync({ maxMemory: Math.ceil(items * (valueBytes + 64) * 1.3), maxEntries: items + 1 });
const value = kind === 'json' ? { v: 'v'.repeat(Math.max(0, valueBytes - 8)) } : 'v'.repeat(valueBytes);
for (let i = 0; i < items; i++) cache.set('key:' + String(i).padStart(11, '0'), value);
const bytes = cache.toBytes();

function best(run: () => void, before?: () => void): { cpu: number; wall: number } {
  let cpu = Infinity;
  let wall = Infinity;
  for (let r = 0; r < 15; r++) {
    before?.();
    const t = performance.now();
    const u = process.cpuUsage();
    run();
    const d = process.cpuUsage(u);
    wall = Math.min(wall, performance.now() - t);
    cpu = Math.min(cpu, (d.user + d.system) / 1000);
  }
  return { cpu, wall };
}
const full = best(() => cache.loadBytes(bytes));
const one = best(() => cache.loadBytes(bytes), () => cache.clear());
const mbps = (ms: number) => (bytes.length / 1e3 / ms).toFixed(0);
const row = (name: string, r: { cpu: number; wall: number }) =>
  `| ${name} | ${r.cpu.toFixed(0)} ms (${mbps(r.cpu)} MB/s) | ${r.wall.toFixed(0)} ms (${mbps(r.wall)} MB/s) |`;
console.log(`${tree}: ${items} x ${valueBytes}-byte ${kind} values, ${(bytes.length / 1e6).toFixed(0)} MB`);
console.log('| load | CPU time | wall time |\n|---|---:|---:|');
console.log(row('into the emptied cache (one pass)', one));
console.log(row('into the full cache (check pass + load)', full));
cache.dispose();
