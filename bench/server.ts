// RESP server throughput: redis-benchmark against `wasmcache serve` (the built CLI, its own
// process), redis-server and a Node floor, each on its own port, in one run, with the same flags.
//
//   npm run bench:server                      (builds first; ~6 min)
//   BENCH_ROUNDS=1 BENCH_SCALE=0.2 node --import tsx bench/server.ts   (quicker)
//   BENCH_ONLY=wasmcache ... (one server only, e.g. under a profiler)
//
// The matrix: -P 1 and 16, one key or a 1e6-key space (-r 1000000), 100-byte and 1 KiB values
// (-d), SET then GET in one redis-benchmark run. Each round runs every cell on every server,
// alternating their order so background load hits all alike; the table shows the median over the
// rounds. The Node floor answers +OK to everything and stores nothing: the ceiling of any server
// written on Node's sockets. Results go to stdout and to bench/results-server.md.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { createServer as netServer, connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Requests per run are scaled so that each test lasts about 1-3 s here. */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ONLY = process.env.BENCH_ONLY;
const CLIENTS = 50;
/** Every server gets the same budget, large enough that no run evicts (1e6 keys x 1 KiB). */
const MAXMEMORY = '2gb';
const TESTS = ['set', 'get'];

interface Cell {
  pipeline: number;
  keyspace: number; // 0: one key
  size: number;
  n: number;
}
const CELLS: Cell[] = [];
for (const pipeline of [1, 16]) {
  for (const keyspace of [0, 1_000_000]) {
    for (const size of [100, 1024]) CELLS.push({ pipeline, keyspace, size, n: Math.round((pipeline === 1 ? 100_000 : 1_000_000) * SCALE) });
  }
}
const cellName = (c: Cell) => `-P ${c.pipeline} ${c.keyspace ? '-r 1000000' : 'one key'} -d ${c.size}`;

for (const tool of ['redis-server', 'redis-benchmark']) {
  if (spawnSync(tool, ['--version']).status !== 0) throw new Error(`${tool} is required (apt-get install redis-server redis-tools)`);
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const up = await new Promise<boolean>((ok) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), ok(true)));
      s.on('error', () => ok(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on ${port}`);
}

interface Target {
  name: string;
  port: number;
  child: ChildProcess;
}

async function start(name: string, cmd: string, args: (port: number) => string[]): Promise<Target> {
  const port = await freePort();
  const child = spawn(cmd, args(port), { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  await waitForPort(port);
  return { name, port, child };
}

/** One redis-benchmark run of SET then GET; returns requests per second for each. */
function benchmark(port: number, cell: Cell): Record<string, number> {
  const args = ['-p', String(port), '-t', TESTS.join(','), '-n', String(cell.n), '-c', String(CLIENTS), '-P', String(cell.pipeline), '-d', String(cell.size), '--csv'];
  if (cell.keyspace) args.push('-r', String(cell.keyspace));
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const out: Record<string, number> = {};
  for (const line of r.stdout.trim().split('\n').slice(1)) {
    const [test, rps] = line.split(',').map((f) => f.replace(/"/g, ''));
    out[test.toLowerCase()] = Number(rps);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

// The floor: a Node server that sends the replies a real server would (+OK to a SET, a bulk of the
// -d size to a GET) without parsing or storing anything, to separate what Node's sockets cost from
// what the server's own code costs. It looks only at where each command starts ('*' after a newline)
// and at its name's first byte; it never writes an empty buffer. One per cell: the value size is its
// second argument.
const FLOOR = `
const OK = Buffer.from('+OK\\r\\n');
const size = Number(process.argv[2]);
const VALUE = Buffer.concat([Buffer.from('$' + size + '\\r\\n'), Buffer.alloc(size, 0x78), Buffer.from('\\r\\n')]);
const START = Buffer.from('\\n*');
// i: a command's '*' or the newline before it; its name's first byte is 8 on from the '*' (*2\\r\\n$3\\r\\nGET).
const isGet = (d, i) => (d[i + (d[i] === 42 ? 8 : 9)] | 0x20) === 0x67;
require('node:net').createServer((s) => {
  s.setNoDelay(true);
  s.on('data', (d) => {
    // Commands start with '*' after a newline (native indexOf: the values are skipped, not scanned).
    let bytes = 0;
    for (let i = d[0] === 42 ? 0 : d.indexOf(START); i >= 0; i = d.indexOf(START, i + 1)) bytes += isGet(d, i) ? VALUE.length : 5;
    if (bytes === 0) return;
    const out = Buffer.allocUnsafe(bytes);
    let n = 0;
    for (let i = d[0] === 42 ? 0 : d.indexOf(START); i >= 0; i = d.indexOf(START, i + 1)) n += (isGet(d, i) ? VALUE : OK).copy(out, n);
    s.write(out);
  });
}).listen(Number(process.argv[1]), '127.0.0.1');`;

const dir = mkdtempSync(join(tmpdir(), 'wc-bench-'));
const loadStart = loadavg();
const t0 = Date.now();
const targets: Target[] = [];
const floorFor = (size: number) => start('node floor', process.execPath, (p) => ['-e', FLOOR, String(p), String(size)]);
if (!ONLY || ONLY === 'node floor') targets.push(await floorFor(CELLS[0].size));
if (!ONLY || ONLY === 'redis-server') {
  targets.push(await start('redis-server', 'redis-server', (p) => ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory', MAXMEMORY]));
}
if (!ONLY || ONLY === 'wasmcache') {
  const port = Number(process.env.BENCH_WASMCACHE_PORT ?? 0);
  const args = (p: number) => [join(root, 'dist', 'cli.js'), 'serve', '--port', String(p), '--dir', dir, '--maxmemory', MAXMEMORY];
  // BENCH_WASMCACHE_PORT: a server already running (e.g. under --cpu-prof), not started here.
  targets.push(port ? { name: 'wasmcache', port, child: spawn('true') } : await start('wasmcache', process.execPath, args));
}
const samples = new Map<string, number[]>(); // `${server} ${test} ${cell}` -> rps per round
const key = (server: string, test: string, cell: Cell) => `${server} ${test} ${cellName(cell)}`;
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const cell of CELLS) {
      const f = targets.findIndex((t) => t.name === 'node floor');
      if (f >= 0) {
        targets[f].child.kill('SIGKILL'); // a floor for this cell's value size
        targets[f] = await floorFor(cell.size);
      }
      const order = round % 2 ? [...targets].reverse() : targets;
      for (const target of order) {
        const res = benchmark(target.port, cell);
        for (const test of TESTS) samples.set(key(target.name, test, cell), [...(samples.get(key(target.name, test, cell)) ?? []), res[test]]);
        console.error(`round ${round + 1}/${ROUNDS} ${cellName(cell)} ${target.name}: ${TESTS.map((t) => `${t} ${fmt(res[t])}/s`).join(', ')}`);
      }
    }
  }
} finally {
  for (const t of targets) t.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
if (ONLY) process.exit(0);

const rows: string[] = [];
const sampleRows: string[] = [];
for (const cell of CELLS) {
  for (const test of TESTS) {
    const w = median(samples.get(key('wasmcache', test, cell))!);
    const r = median(samples.get(key('redis-server', test, cell))!);
    const f = median(samples.get(key('node floor', test, cell))!);
    // The goals (issue 19): pipelined with a real keyspace >= redis, unpipelined >= 0.9x redis, >= 0.9x the floor everywhere.
    const goal = cell.pipeline === 1 ? 0.9 : cell.keyspace ? 1 : 0;
    const met = (goal === 0 || w / r >= goal) && w / f >= 0.9;
    const where = `| ${test.toUpperCase()} | ${cell.pipeline} | ${cell.keyspace ? '1e6' : '1'} | ${cell.size} |`;
    rows.push(`${where} ${fmt(w)} | ${fmt(r)} | ${fmt(f)} | ${ratio(w, r)} | ${ratio(w, f)} | ${goal ? `≥ ${goal.toFixed(1)}× redis, ` : ''}≥ 0.9× floor | ${met ? 'yes' : '**no**'} |`);
    const all = (name: string) => samples.get(key(name, test, cell))!.map(fmt).join(', ');
    sampleRows.push(`${where} ${all('wasmcache')} | ${all('redis-server')} | ${all('node floor')} |`);
  }
}
const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1];
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
const report = `# RESP server vs redis-server

${new Date().toISOString()}; Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM; redis-server ${redisVersion}; load average ${load(loadStart)} at start, ${load(loadavg())} at end.
Command: \`npm run bench:server\` (${Math.round((Date.now() - t0) / 1000)} s): \`redis-benchmark -t set,get -c ${CLIENTS} -P <1|16> [-r 1000000] -d <100|1024> -n <${CELLS[0].n} at -P 1, ${CELLS[CELLS.length - 1].n} at -P 16> --csv\`
against \`node dist/cli.js serve --maxmemory ${MAXMEMORY}\`, \`redis-server --save '' --appendonly no --maxmemory ${MAXMEMORY}\` and the Node floor, each its own process
on its own port, alternating, median of ${ROUNDS} rounds. The "Node floor" sends the replies a real server would (+OK to a SET, a bulk of the -d
size to a GET, as if every GET hit) without parsing or storing anything: what Node's sockets allow here for those bytes.
SET runs before GET in each run, so GET reads the keys SET wrote (with -r, about 63% of the 1e6 keys: the rest miss).
Goals (issue 19): with -P 16 and -r 1000000 at least redis-server's throughput; with -P 1 at least 0.9× of it; everywhere
at least 0.9× of the Node floor. Where the time goes (CPU profiles before and after the byte path, \`bench/server-profile.ts\`):
docs/server.md, Measured.

| command | -P | keys | -d | wasmcache req/s | redis-server req/s | Node floor req/s | wasmcache / redis | wasmcache / floor | goal | met |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|
${rows.join('\n')}

Every round (req/s), to show the spread on this shared machine:

| command | -P | keys | -d | wasmcache | redis-server | Node floor |
|---|---:|---:|---:|---|---|---|
${sampleRows.join('\n')}
`;
writeFileSync(join(root, 'bench', 'results-server.md'), report);
console.log(report);
