// Results: every bench writes a Section (JSON, for the orchestrator, in build/bench/) and its own
// markdown file (bench/results-<name>.md); run-all.ts joins the sections into bench/results.md and
// bench/results.svg. Every unit is lower-is-better (ns, bytes, us), so "x vs lru-cache" is
// lru-cache's figure divided by x: above 1 means x is ahead.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export const LIBS = ['wasmcache', 'lru-cache', 'lru.min', 'Map'] as const;
export type Lib = (typeof LIBS)[number];
export const BASELINE: Lib = 'lru-cache';

/**
 * A goal for this row's wasmcache figure: at least `factor` times better than `baseline`'s figure
 * (in row `row`, default this row). E.g. memory "at most 0.75x lru-cache" is factor 1/0.75.
 */
export interface Goal {
  text: string;
  factor: number;
  baseline: Lib;
  row?: string;
}

export interface Row {
  /** Stable id, for goals that refer to another row. */
  id: string;
  label: string;
  unit: string;
  values: Partial<Record<Lib, number>>;
  goals?: Goal[];
  /** Left out of the bar chart (still in the table). */
  noChart?: boolean;
}

export interface Section {
  name: string;
  title: string;
  command: string;
  /** What was measured and how: markdown paragraphs. */
  method: string[];
  rows: Row[];
  /** Extra markdown (detail tables), printed after the main table. */
  details: string[];
  seconds: number;
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
export const RESULTS_DIR = here('../../build/bench/');
export const BENCH_DIR = here('../');

// ── numbers ─────────────────────────────────────────────────────────────────────────────────────

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return Math.round(n);
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return '∞';
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function fmtRatio(r: number | undefined): string {
  if (r === undefined || Number.isNaN(r)) return 'n/a';
  if (!Number.isFinite(r)) return '∞×';
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

/** How far ahead `lib` is of lru-cache in this row (lru-cache / lib; above 1: ahead). */
export function ratioVsBaseline(row: Row, lib: Lib): number | undefined {
  const a = row.values[lib];
  const b = row.values[BASELINE];
  return a === undefined || b === undefined ? undefined : b / a;
}

/** A goal's verdict: the achieved factor, whether met, and where the goal sits on the vs-lru-cache scale. */
export function evaluate(goal: Goal, row: Row, rows: readonly Row[]): { achieved?: number; met?: boolean; mark?: number } {
  const ref = goal.row ? rows.find((r) => r.id === goal.row) : row;
  const base = ref?.values[goal.baseline];
  const mine = row.values.wasmcache;
  const lru = row.values[BASELINE];
  if (base === undefined || mine === undefined) return {};
  const achieved = base / mine;
  return { achieved, met: achieved >= goal.factor, mark: lru === undefined ? undefined : (goal.factor * lru) / base };
}

// ── markdown ────────────────────────────────────────────────────────────────────────────────────

export function mdTable(head: string[], rows: string[][], align?: string[]): string {
  const al = align ?? head.map((_, i) => (i === 0 ? '---' : '---:'));
  return [`| ${head.join(' | ')} |`, `|${al.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The main table: one line per row, each library's figure, ratio vs lru-cache, goals. */
export function resultsTable(rows: readonly Row[], all: readonly Row[] = rows): string {
  const body = rows.map((row) => {
    const goals = row.goals ?? [];
    const verdicts = goals.map((g) => {
      const v = evaluate(g, row, all);
      return v.achieved === undefined ? 'n/a' : `${v.met ? 'yes' : '**no**'} (${fmtRatio(v.achieved)})`;
    });
    return [
      row.label,
      row.unit,
      ...LIBS.map((l) => fmt(row.values[l])),
      fmtRatio(ratioVsBaseline(row, 'wasmcache')),
      goals.map((g) => g.text).join('; ') || '-',
      verdicts.join('; ') || '-',
    ];
  });
  return mdTable(['workload', 'unit', ...LIBS, 'wasmcache vs lru-cache', 'goal', 'met'], body, [
    '---',
    '---',
    ...LIBS.map(() => '---:'),
    '---:',
    '---',
    '---',
  ]);
}

// ── machine and files ───────────────────────────────────────────────────────────────────────────

export function machine(): string {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`;
}

export const load1 = (): string => loadavg()[0].toFixed(2);

/** Writes the section's JSON (for run-all.ts) and its markdown file; prints the table. */
export function writeSection(section: Section, loadAtStart: string): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(RESULTS_DIR + section.name + '.json', JSON.stringify(section, null, 2));
  const md = [
    `# ${section.title}`,
    '',
    `${new Date().toISOString()}; ${machine()}; 1-min load average ${loadAtStart} at start, ${load1()} at end.`,
    `Command: \`${section.command}\` (${section.seconds.toFixed(0)} s). Part of \`npm run bench\`, which joins every section into results.md.`,
    '',
    ...section.method.flatMap((p) => [p, '']),
    resultsTable(section.rows),
    '',
    ...section.details.flatMap((d) => [d, '']),
  ].join('\n');
  writeFileSync(`${BENCH_DIR}results-${section.name}.md`, md);
  console.log('\n' + resultsTable(section.rows) + '\n');
  for (const d of section.details) console.log(d + '\n');
  console.log(`wrote bench/results-${section.name}.md`);
}

export function readSection(name: string): Section {
  return JSON.parse(readFileSync(RESULTS_DIR + name + '.json', 'utf8')) as Section;
}

// ── mitata ──────────────────────────────────────────────────────────────────────────────────────

interface MitataTrial {
  alias: string;
  runs: { stats?: { avg: number; p50: number; p99: number; min: number; samples: unknown[] } }[];
}

/**
 * Per mitata benchmark: the average (what the tables use: it includes GC and stalls, which are part
 * of the cost) beside the median and p99 of its samples, so that a noisy run shows as a gap.
 */
export function mitataDetails(trials: readonly MitataTrial[], per = 1, unit = 'ns/op'): string {
  return mdTable(
    ['mitata benchmark', `avg (${unit})`, `p50 (${unit})`, `p99 (${unit})`, `min (${unit})`, 'samples'],
    trials.flatMap((t) => {
      const s = t.runs[0]?.stats;
      return s ? [[t.alias, fmt(s.avg / per), fmt(s.p50 / per), fmt(s.p99 / per), fmt(s.min / per), String(s.samples.length)]] : [];
    }),
  );
}
