// Runs every benchmark, each in its own Node process (the memory and latency benches start one
// more per library), then joins their sections into bench/results.md and bench/results.svg.
//
//   npm run bench                                  (builds first, then runs this)
//   node --import tsx bench/run-all.ts zipf memory (a subset; the others' last results are reused)
//   node --import tsx bench/run-all.ts --report    (only rewrite results.md / .svg from build/bench/)
//
// Sizes default to the issue's; smaller runs while developing: BENCH_N, BENCH_ZIPF_OPS, BENCH_MEM_N,
// BENCH_LAT_N, BENCH_LAT_BATCHES, BENCH_BYTES_N (see each bench's header).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { barChart } from './lib/svg.js';
import { BENCH_DIR, RESULTS_DIR, type Section, evaluate, fmtRatio, load1, machine, readSection, resultsTable } from './lib/report.js';

const BENCHES = ['get-set', 'mget', 'bytes', 'zipf', 'memory', 'latency', 'growth', 'sizes'] as const;

const args = process.argv.slice(2);
const reportOnly = args.includes('--report');
const chosen = args.filter((a) => !a.startsWith('--'));
for (const a of chosen) if (!(BENCHES as readonly string[]).includes(a)) throw new Error(`unknown bench ${a}; one of ${BENCHES.join(', ')}`);
const toRun = reportOnly ? [] : chosen.length ? chosen : [...BENCHES];

const loadAtStart = load1();
const started = performance.now();
const startedAt = new Date();
const wall: Record<string, number> = {};
const failed: string[] = [];

for (const name of toRun) {
  console.log(`\n━━ ${name} ━━`);
  const t0 = performance.now();
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], { stdio: 'inherit' });
  wall[name] = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    failed.push(name);
    console.error(`${name} failed (exit ${r.status ?? r.signal})`);
  }
}

const sections: Section[] = BENCHES.filter((n) => !failed.includes(n) && existsSync(`${RESULTS_DIR}${n}.json`)).map(readSection);
const missing = BENCHES.filter((n) => !sections.some((s) => s.name === n));
const rows = sections.flatMap((s) => s.rows);
const seconds = (performance.now() - started) / 1000;
const verdicts = rows.flatMap((r) => (r.goals ?? []).map((g) => ({ row: r, goal: g, ...evaluate(g, r, rows) })));
const met = verdicts.filter((v) => v.met).length;
const goalLine =
  `Goals met: ${met} of ${verdicts.length}` +
  (verdicts.length > met
    ? `; not met: ${verdicts
        .filter((v) => !v.met)
        .map((v) => `${v.row.label} (${v.goal.text}: ${v.achieved === undefined ? 'n/a' : fmtRatio(v.achieved)})`)
        .join('; ')}.`
    : '.');

const md = [
  '# wasmcache benchmarks',
  '',
  `${startedAt.toISOString()}. ${machine()}.`,
  `1-min load average ${loadAtStart} at start, ${load1()} at end. ` +
    (toRun.length ? `Wall time ${(seconds / 60).toFixed(1)} min (${toRun.map((n) => `${n} ${wall[n].toFixed(0)} s`).join(', ')}).` : ''),
  'Command: `npm run bench` (`npm run build`, then `node --import tsx bench/run-all.ts`, which runs each `bench/<name>.ts` in ' +
    'its own `node --expose-gc` process; memory and latency start one more process per library).' +
    (missing.length ? ` **Missing sections: ${missing.join(', ')}.**` : '') +
    (toRun.length && toRun.length < BENCHES.length ? ` This run: ${toRun.join(', ')}; the others are from their last run.` : ''),
  '',
  'Same keys, values and access order for every library, each returned value consumed. Every figure is lower-is-better; ' +
    '"vs lru-cache" is lru-cache\'s figure divided by wasmcache\'s (above 1× = wasmcache ahead). A goal is met when wasmcache is ' +
    'at least that far ahead of the named baseline; the "met" column gives how far ahead it is of that baseline. These machines are noisy (2 shared cores): read the ratios, not the nanoseconds.',
  '',
  goalLine,
  '',
  '![ratios vs lru-cache](results.svg)',
  '',
  resultsTable(rows),
  '',
  ...sections.flatMap((s) => [
    `## ${s.title}`,
    '',
    `\`${s.command}\`, ${s.seconds.toFixed(0)} s; full output in [results-${s.name}.md](results-${s.name}.md).`,
    '',
    ...s.method.flatMap((p) => [p, '']),
    ...s.details.filter((d) => !d.startsWith('(sink')).flatMap((d) => [d, '']),
  ]),
].join('\n');
writeFileSync(BENCH_DIR + 'results.md', md);

const svg = barChart(
  sections,
  'wasmcache vs lru-cache 11, lru.min and Map',
  `Each bar: lru-cache's figure ÷ the library's (ns/op, bytes/entry or µs/batch; right of 1× = ahead of lru-cache), log scale. ` +
    `Dashed ticks: goals for wasmcache. ${machine()}; ${startedAt.toISOString().slice(0, 10)}. Noisy 2-core machine.`,
);
writeFileSync(BENCH_DIR + 'results.svg', svg);

console.log('\n' + resultsTable(rows) + '\n\n' + goalLine + '\n');
console.log(`wrote bench/results.md and bench/results.svg (${(seconds / 60).toFixed(1)} min)`);
if (failed.length || missing.length) {
  console.error(`failed: ${failed.join(', ') || '-'}; missing: ${missing.join(', ') || '-'}`);
  process.exitCode = 1;
}
