// Where the server spends its time under redis-benchmark: `node --cpu-prof dist/cli.js serve`,
// one redis-benchmark run against it, then SIGTERM (the profile is written on exit). Prints each
// function's share of the samples (self time, "flat"; a function V8 inlined counts in its caller).
//
//   npm run build && node --import tsx bench/server-profile.ts set 16 1000000 100   (test, -P, -r (0: one key), -d)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [test = 'set', pipeline = '16', keyspace = '1000000', size = '100'] = process.argv.slice(2);
const N = Number(process.env.BENCH_N ?? 2_000_000);
const TOP = Number(process.env.BENCH_TOP ?? 25);
const port = 20000 + Math.floor(Math.random() * 20000);
const dir = mkdtempSync(join(tmpdir(), 'wc-prof-'));

const dist = process.env.BENCH_DIST ?? join(root, 'dist'); // another build's dist/, for a before/after
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, join(dist, 'cli.js'), 'serve', '--port', String(port), '--dir', dir, '--maxmemory', '2gb'], {
  stdio: 'inherit',
});
for (let up = false; !up; ) {
  await new Promise((r) => setTimeout(r, 100));
  up = await new Promise<boolean>((ok) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), ok(true)));
    s.on('error', () => ok(false));
  });
}
const args = ['-p', String(port), '-t', test, '-n', String(N), '-c', '50', '-P', pipeline, '-d', size, '-q'];
if (Number(keyspace) > 0) args.push('-r', keyspace);
// GET reads what a SET run wrote first (a quarter as many requests: its samples are in the profile too).
if (test === 'get') {
  const fill = [...args];
  fill[3] = 'set';
  fill[5] = String(N / 4);
  spawnSync('redis-benchmark', fill, { stdio: 'ignore' });
}
const r = spawnSync('redis-benchmark', args, { encoding: 'utf8' });
console.log(r.stdout.trim().split('\r').pop());
child.kill('SIGTERM');
await new Promise((ok) => child.once('exit', ok));

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; }
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[] };
rmSync(dir, { recursive: true, force: true });
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
for (const id of prof.samples) {
  const f = byId.get(id)!.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + 1);
}
const total = prof.samples.length;
// The steps of a request, by function (the bundle keeps the names): the closing note's table.
const STEPS: [string, RegExp][] = [
  ['idle', /^\(idle\) /],
  ['socket write', /^(writeBuffer|writev|writeGeneric|createWriteWrap|handleWriteReq|writeOrBuffer|_write|Socket\._writeGeneric|afterWriteDispatched|onWriteComplete) /],
  ['socket read', /^(onStreamRead|readableAddChunk|addChunk|push|emit|onData) /],
  ['garbage collector', /^\(garbage collector\) /],
  ['V8 (program)', /^\(program\) /],
  ['core (Wasm)', /^wasm-function/],
  ['parser', /^(next|header|feed|release|waitMore|inline|push \S*chunk) /],
  ['argument views', /^(view|subarray|bytes|FastBuffer|get data|data) /],
  ['reply', /^(bulk|value|raw|ok|head|reserve|take|flush|missing|nil|array|error|crlf|_copyActual|copy|createUnsafeBuffer|allocUnsafe|latin1Write) /],
  ['cache API (JS)', /^(set|get|getView|storedBytes|store|putKey|keyOf|encodeValue|setArgs|getArgs|readArgs|writeArgs|storeArg|argKey|copyBytes|notKept|bytesAt|nowIfTtl|alive|superseded|beforeWrite|beforeRead|writeText|keyKind) /],
  ['dispatch, commands', /^(dispatch|lookup|hashLower|run|runFast|runMget|add|pin|unpin|now|is|arityOk|count|ttlArg|lower|execute) /],
];
const steps = new Map<string, number>();
for (const [name, n] of self) {
  const step = STEPS.find(([, re]) => re.test(name))?.[0] ?? 'other';
  steps.set(step, (steps.get(step) ?? 0) + n);
}
console.log('steps: ' + [...steps].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${((100 * n) / total).toFixed(1)}%`).join(', '));
console.log(`${total} samples; flat share of each function:`);
for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
