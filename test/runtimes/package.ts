// Shared by the runtime tests: the packed package (`npm pack`, run by `npm test`'s pretest) and
// the README's "Runtimes" examples, which the tests run as written in each runtime.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const run = promisify(execFile);

/** The tarball `npm run build:pack` wrote (build/pack.json is npm pack's --json report). */
export function tarball(): { path: string; files: { path: string; size: number }[] } {
  const report = join(root, 'build', 'pack.json');
  if (!existsSync(report)) throw new Error('build/pack.json is missing: run `npm run build && npm run build:pack` (npm test does)');
  const [pack] = JSON.parse(readFileSync(report, 'utf8')) as { filename: string; files: { path: string; size: number }[] }[];
  const path = join(root, 'build', pack.filename);
  const dist = join(root, 'dist', 'index.js');
  if (existsSync(dist) && statSync(path).mtimeMs < statSync(dist).mtimeMs) {
    throw new Error(`${pack.filename} is older than dist/: run \`npm run build:pack\` (npm test does)`);
  }
  return { path, files: pack.files };
}

/**
 * Installs the tarball as npm would (it has no dependencies: unpacking it is the whole install)
 * into build/runtimes/<name>/node_modules/wasmcache, and returns build/runtimes/<name>: an app
 * directory with a package.json that depends on it.
 */
export async function installPackage(name: string): Promise<string> {
  const app = join(root, 'build', 'runtimes', name);
  const target = join(app, 'node_modules', 'wasmcache');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  await run('tar', ['-xzf', tarball().path, '-C', target, '--strip-components=1']);
  const version = (JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `app-${name}`, private: true, dependencies: { wasmcache: version } }));
  return app;
}

export interface Example {
  lang: string;
  code: string;
}

/** The code blocks of a `### heading` of the README's "## Runtimes" section, in order. */
export function readmeExamples(heading: string): Example[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /\n## Runtimes\n([\s\S]*?)(?=\n## )/.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Runtimes" section');
  const sub = section.split(/\n### /).find((s) => s.startsWith(`${heading}\n`));
  if (!sub) throw new Error(`README.md "## Runtimes" has no "### ${heading}"`);
  return [...sub.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
}

/** What an example prints: the text after `// → ` on each of its console.log lines, in order. */
export function expectedOutput(code: string): string[] {
  return code
    .split('\n')
    .flatMap((line) => (/^\s*console\.log\(.*\)\s*\/\/ → (.*)$/.exec(line) ? [line.split('// → ')[1]] : []));
}

/** Fails loudly if a runtime the tests need is not installed (they never skip). */
export function requireFile(path: string, hint: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  return path;
}
