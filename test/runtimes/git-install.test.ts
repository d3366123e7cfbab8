// Installing the package as a user does before it is published: `npm install git+file://...` of a
// clone (npm clones it, installs its devDependencies, runs `prepare`, which builds dist/, and packs
// it), and `npm install <tarball>` of what `npm pack` wrote. Each scratch app then loads the package
// with require() and with import, and a set/get must round-trip.
//
// The clone is of the working tree's tracked files as they are now (`git stash create`: HEAD plus
// uncommitted changes, without touching the checkout or the stash list), committed into a fresh
// repository in a temporary folder. It needs a git checkout and the npm registry (or npm's cache):
// without either the test fails, it never skips.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, run, tarball } from './package.js';

const tmp = mkdtempSync(join(tmpdir(), 'wc-git-install-'));

/** The environment without the npm_* variables `npm test` sets (they would steer the inner npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });

/** A scratch app in `tmp/<name>` with an empty package.json. */
function scratchApp(name: string): string {
  const app = join(tmp, name);
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `scratch-${name}`, private: true }));
  return app;
}

const CJS = `
const { createCacheSync } = require('wasmcache');
const { createServer } = require('wasmcache/server');
const cache = createCacheSync({ maxMemory: '1mb' });
cache.set('user:1', { name: 'Ada' });
console.log(JSON.stringify([cache.get('user:1'), typeof createServer]));
`;
const ESM = `
import { createCache } from 'wasmcache';
import { createServer } from 'wasmcache/server';
const cache = await createCache({ maxMemory: '1mb' });
cache.set('k', 'v', { ttl: 60_000 });
console.log(JSON.stringify([cache.get('k'), typeof createServer]));
`;

/** Runs the CJS and the ESM program in `app` and checks what they print. */
async function expectLoads(app: string): Promise<void> {
  writeFileSync(join(app, 'use.cjs'), CJS);
  writeFileSync(join(app, 'use.mjs'), ESM);
  const cjs = await run(process.execPath, ['use.cjs'], { cwd: app });
  expect(JSON.parse(cjs.stdout)).toEqual([{ name: 'Ada' }, 'function']);
  const esm = await run(process.execPath, ['use.mjs'], { cwd: app });
  expect(JSON.parse(esm.stdout)).toEqual(['v', 'function']);
  // The one-liners a user would try first.
  const oneLine = await run(process.execPath, ['-e', "const c = require('wasmcache').createCacheSync(); c.set('a', 1); console.log(c.get('a'))"], { cwd: app });
  expect(oneLine.stdout.trim()).toBe('1');
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('installing from git', () => {
  let app: string;
  let installed: string;

  beforeAll(async () => {
    const inside = await run('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root }).catch((e: Error) => {
      throw new Error(`the git-install test needs a git checkout of wasmcache at ${root}: ${e.message}`);
    });
    expect(inside.stdout.trim()).toBe('true');
    const commit = (await run('git', ['stash', 'create'], { cwd: root })).stdout.trim() || 'HEAD';
    const src = join(tmp, 'wasmcache.git');
    mkdirSync(src);
    await run('git', ['archive', '--format=tar', '-o', join(tmp, 'src.tar'), commit], { cwd: root });
    await run('tar', ['-xf', join(tmp, 'src.tar'), '-C', src]);
    const git = (args: string[]) => run('git', ['-c', 'user.name=wasmcache test', '-c', 'user.email=test@wasmcache.invalid', ...args], { cwd: src });
    await git(['init', '-q']);
    await git(['add', '-A']);
    await git(['commit', '-q', '--no-gpg-sign', '-m', 'the working tree under test']);
    expect(readdirSync(src)).not.toContain('dist'); // a clone has no build: prepare must make it

    app = scratchApp('from-git');
    await npm(['install', `git+file://${src}`], app);
    installed = join(app, 'node_modules', 'wasmcache');
  }, 600_000);

  it('npm builds dist/ on install (prepare) and installs only what npm pack publishes', () => {
    const files = readdirSync(installed).sort();
    expect(files).toEqual(['README.md', 'dist', 'package.json']);
    const dist = readdirSync(join(installed, 'dist'));
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.workerd.js', 'core.wasm', 'server.js', 'server.cjs', 'near.js', 'cli.js']) {
      expect(dist).toContain(f);
    }
    const deps = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(deps.dependencies.wasmcache).toMatch(/^git\+file:\/\//);
  });

  it('loads with require() and with import, and a set/get round-trips', async () => {
    await expectLoads(app);
  }, 60_000);

  it('links the wasmcache command (npx wasmcache)', async () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await run(join(app, 'node_modules', '.bin', 'wasmcache'), ['--version'], { cwd: app });
    expect(r.stdout).toBe(`${version}\n`);
  }, 60_000);
});

describe('installing the npm pack tarball with npm', () => {
  it('npm install <tarball> gives a package that loads with require() and with import', async () => {
    const app = scratchApp('from-tarball');
    await npm(['install', '--offline', tarball().path], app);
    await expectLoads(app);
  }, 120_000);
});

describe('the README', () => {
  it('says how to install from git until the package is published', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const install = /\n## Install\n([\s\S]*?)(?=\n## )/.exec(readme)?.[1];
    expect(install, 'README has an "## Install" section').toBeDefined();
    expect(install).toMatch(/npm install git\+https:\/\//);
    expect(install).toMatch(/not (yet )?published/i);
  });
});
