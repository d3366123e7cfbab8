// `npm run build`, unless dist/ was already built from exactly these sources.
//
// Run by `prepare` (npm runs it on `npm install` in a clone, when it installs the package from a git
// URL, and before `npm pack`/`npm publish`) and by `pretest`. A fresh clone builds once; the next
// `npm test` (and the `npm pack` inside it) finds dist/ up to date and skips the build.
//
// "Up to date": build/dist-stamp.json, written by `npm run build` (its last step, `--stamp`), records
// a SHA-256 of every build input (assembly/, src/ but src/generated/, scripts/, the configs,
// package.json and package-lock.json) and the size of every file in dist/; the build is skipped only
// if both still match. `npm run build` always builds. `--check` only tells (exit 1 if not up to date).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampPath = join(root, 'build', 'dist-stamp.json');
const INPUTS = ['assembly', 'src', 'scripts', 'asconfig.json', 'tsconfig.json', 'package.json', 'package-lock.json'];
const SKIP = new Set([join(root, 'src', 'generated')]);
// The entries package.json's exports and bin point to: a dist/ without one of them is never up to date.
const REQUIRED = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'index.workerd.js', 'core.wasm', 'cli.js', 'server.js', 'server.cjs', 'near.js', 'near.cjs'];

function files(path) {
  if (SKIP.has(path) || !existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => files(join(path, name)));
}

function inputsHash() {
  const h = createHash('sha256');
  for (const f of INPUTS.flatMap((p) => files(join(root, p)))) {
    h.update(relative(root, f).split('\\').join('/')).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

function outputs() {
  const dist = join(root, 'dist');
  return Object.fromEntries(files(dist).map((f) => [relative(dist, f).split('\\').join('/'), statSync(f).size]));
}

function upToDate(inputs) {
  if (!existsSync(stampPath)) return 'no build stamp';
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    return 'unreadable build stamp';
  }
  if (stamp.inputs !== inputs) return 'sources changed';
  const now = outputs();
  const missing = REQUIRED.find((f) => !(f in now));
  if (missing) return `dist/${missing} is missing`;
  if (JSON.stringify(now) !== JSON.stringify(stamp.outputs)) return 'dist/ changed';
  return true;
}

function stamp(inputs) {
  const missing = REQUIRED.filter((f) => !existsSync(join(root, 'dist', f)));
  if (missing.length) {
    console.error(`wasmcache: the build did not write ${missing.map((f) => `dist/${f}`).join(', ')}`);
    process.exit(1);
  }
  mkdirSync(dirname(stampPath), { recursive: true });
  writeFileSync(stampPath, JSON.stringify({ inputs, outputs: outputs() }, null, 2) + '\n');
}

const mode = process.argv[2];
const inputs = inputsHash();
if (mode === '--stamp') {
  // The last step of `npm run build`: records what dist/ was just built from.
  stamp(inputs);
  process.exit(0);
}
const state = upToDate(inputs);
if (mode === '--check') {
  // For tests: exit 1 when dist/ is not the build of the sources as they are.
  if (state !== true) console.error(`wasmcache: dist/ is not up to date (${state}): run \`npm run build\` (npm test does)`);
  process.exit(state === true ? 0 : 1);
}
// Everything goes to stderr: `npm pack --json` (build:pack) runs prepare and its stdout is the JSON report.
if (state === true) {
  console.error('wasmcache: dist/ is up to date with the sources, not rebuilding (`npm run build` forces a build)');
} else {
  console.error(`wasmcache: building dist/ (${state})`);
  const npm = process.env.npm_execpath;
  // Inside an npm script npm_execpath is npm's own CLI: run it with this Node, as npm would.
  const [cmd, args] = npm ? [process.execPath, [npm, 'run', 'build']] : ['npm', ['run', 'build']];
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['inherit', 2, 'inherit'], shell: !npm && process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  if (upToDate(inputsHash()) !== true) stamp(inputs); // `npm run build` stamps; an older checkout's build may not
}
