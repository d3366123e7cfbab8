// package.json's claims hold: package-lock.json is what `npm install` would write (CI installs with
// `npm ci`, which refuses a lock that does not match; this also catches the fields `npm ci` ignores,
// such as the root package's bin and peerDependencies), and engines.node is the real minimum.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };

describe('package.json and package-lock.json', () => {
  it('npm install leaves package-lock.json unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wc-lock-'));
    try {
      copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
      copyFileSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
      await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env });
      const before = readFileSync(join(root, 'package-lock.json'), 'utf8');
      const after = readFileSync(join(dir, 'package-lock.json'), 'utf8');
      expect(after, 'package-lock.json is stale: run `npm install` and commit package-lock.json').toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('engines.node is >=20.16.0, the first Node with process.getBuiltinModule (save() and load() use it)', () => {
    expect(pkg.engines.node).toBe('>=20.16.0');
    const src = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(root, 'src', f), 'utf8'));
    expect(src.some((s) => s.includes("getBuiltinModule?.('node:fs')"))).toBe(true);
    // This Node satisfies it (the tests run on a supported Node).
    expect(typeof process.getBuiltinModule).toBe('function');
    const [major, minor] = process.versions.node.split('.').map(Number);
    expect(major > 20 || (major === 20 && minor >= 16)).toBe(true);
  });
});
