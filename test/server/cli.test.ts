// `wasmcache serve` as a process: flags, snapshot load on start, SIGTERM saves and exits (or, when
// the save fails, keeps serving), SHUTDOWN NOSAVE exits without saving, bad flags print the usage.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RespConnection, freePort, requireTool, serveCli as serve } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'wc-cli-'));

describe('wasmcache serve', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM saves the snapshot and exits 0; the next start loads it', async () => {
    const port = await freePort();
    const flags = ['serve', '--port', String(port), '--dir', dir, '--dbfilename', 'cli.wcs', '--maxmemory', '16mb'];
    const first = await serve(flags);
    expect(first.out()).toContain(`redis://127.0.0.1:${port}`);
    const c = await RespConnection.open(port);
    expect((await c.call('SET', 'kept', 'across restarts', 'EX', '1000')).toString()).toBe('+OK\r\n');
    expect((await c.call('CONFIG', 'GET', 'maxmemory')).toString()).toContain(String(16 * 1024 * 1024));
    c.close();
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(statSync(join(dir, 'cli.wcs')).size).toBeGreaterThan(0);

    const second = await serve(flags);
    expect(second.out()).toContain('1 keys loaded');
    const d = await RespConnection.open(port);
    expect((await d.call('GET', 'kept')).toString()).toBe('$15\r\nacross restarts\r\n');
    expect(Number((await d.call('TTL', 'kept')).toString().slice(1))).toBeGreaterThan(900);
    // SHUTDOWN NOSAVE: the connection closes without a reply and the process exits 0.
    d.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    expect((await d.readToClose()).toString()).toBe('');
    expect(await second.exit).toBe(0);
  }, 60_000);

  it('SIGINT (Ctrl-C) saves and exits 0 too', async () => {
    const port = await freePort();
    const s = await serve(['serve', '--port', String(port), '--dir', dir, '--dbfilename', 'int.wcs']);
    const c = await RespConnection.open(port);
    await c.call('SET', 'k', 'v');
    c.close();
    s.child.kill('SIGINT');
    expect(await s.exit).toBe(0);
    expect(existsSync(join(dir, 'int.wcs'))).toBe(true);
  }, 60_000);

  it('redis-server too: a SIGTERM whose save fails leaves it running with its keys', async () => {
    requireTool('redis-server');
    const port = await freePort();
    const data = join(dir, 'redis-full');
    mkdirSync(data);
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '900 1', '--appendonly', 'no', '--dir', data], { stdio: 'ignore' });
    const exit = new Promise((ok) => child.on('exit', ok));
    let c: RespConnection | undefined;
    for (let i = 0; i < 100 && !c; i++) c = await RespConnection.open(port).catch(() => new Promise<undefined>((r) => setTimeout(r, 50)));
    await c!.call('SET', 'k', 'v');
    rmSync(data, { recursive: true }); // its working folder is gone: the save fails
    child.kill('SIGTERM');
    expect(await Promise.race([exit, new Promise((r) => setTimeout(() => r('running'), 1500))])).toBe('running');
    expect((await c!.call('GET', 'k')).toString()).toBe('$1\r\nv\r\n');
    c!.close();
    child.kill('SIGKILL');
    await exit;
  }, 30_000);

  it('SIGTERM whose save fails keeps serving with every key, and the next SIGTERM saves and exits', async () => {
    const port = await freePort();
    const data = join(dir, 'full');
    mkdirSync(data);
    const s = await serve(['serve', '--port', String(port), '--dir', data, '--dbfilename', 'keep.wcs']);
    const c = await RespConnection.open(port);
    for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, `v${i}`);
    // The snapshot folder becomes a regular file: every write under it fails (even for root).
    rmSync(data, { recursive: true });
    writeFileSync(data, 'not a folder');
    s.child.kill('SIGTERM');
    const early = await Promise.race([s.exit, new Promise((r) => setTimeout(() => r('running'), 1500))]);
    expect(early).toBe('running');
    expect(s.out()).toMatch(/SIGTERM received but the snapshot could not be saved .*ENOTDIR.*not exiting, every key is kept/);
    expect((await c.call('DBSIZE')).toString()).toBe(':100\r\n');
    expect((await c.call('GET', 'k42')).toString()).toBe('$3\r\nv42\r\n');
    // SHUTDOWN answers the same failure and keeps serving too.
    expect((await c.call('SHUTDOWN')).toString()).toBe('-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    // A second failing SIGTERM tries again (the handler stayed installed) and still keeps everything.
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(s.out().match(/SIGTERM received but the snapshot could not be saved/g)?.length).toBe(2);
    expect((await c.call('DBSIZE')).toString()).toBe(':100\r\n');
    // Once the folder is back, SIGTERM saves every key and exits 0.
    rmSync(data);
    mkdirSync(data);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    c.close();
    const again = await serve(['serve', '--port', String(port), '--dir', data, '--dbfilename', 'keep.wcs']);
    expect(again.out()).toContain('100 keys loaded');
    again.child.kill('SIGTERM');
    expect(await again.exit).toBe(0);
  }, 60_000);

  it('--requirepass is enforced', async () => {
    const port = await freePort();
    const s = await serve(['serve', '--port', String(port), '--dir', dir, '--requirepass', 'pw']);
    const c = await RespConnection.open(port);
    expect((await c.call('GET', 'x')).toString()).toBe('-NOAUTH Authentication required.\r\n');
    expect((await c.call('AUTH', 'pw')).toString()).toBe('+OK\r\n');
    c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    expect((await c.readToClose()).toString()).toBe(''); // saves, then closes without a reply
    expect(await s.exit).toBe(0);
    expect(existsSync(join(dir, 'dump.wcs'))).toBe(true);
  }, 60_000);

  it('an unknown flag prints the usage and exits 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'serve', '--nope', '1'], { cwd: root });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((ok) => child.on('exit', ok));
    expect(code).toBe(2);
    expect(err).toContain('unknown option --nope');
    expect(err).toContain('usage: wasmcache serve');
  });
});

/** Runs `wasmcache <args>` (src/cli.ts, or another script) to its end. */
async function runCli(args: string[], script = join(root, 'src', 'cli.ts')): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, script.endsWith('.ts') ? ['--import', 'tsx', script, ...args] : [script, ...args], { cwd: root });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((ok) => child.on('exit', ok));
  return { code, out, err };
}

const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

describe('wasmcache --help and --version', () => {
  it('--help, -h and help print the same usage on stdout and exit 0, at the top level and for serve', async () => {
    const texts = new Set<string>();
    for (const args of [['--help'], ['-h'], ['help'], ['help', 'serve'], ['serve', '--help'], ['serve', '-h'], ['serve', '--port', '7000', '-h']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.err, args.join(' ')).toBe('');
      texts.add(r.out);
    }
    expect(texts.size).toBe(1);
    const [usage] = texts;
    expect(usage).toContain('usage: wasmcache serve [--port 6379]');
    for (const flag of ['--bind', '--maxmemory', '--requirepass', '--dir', '--dbfilename', '--maxclients', '--proto-max-bulk-len', '--client-query-buffer-limit', '--help | -h', '--version | -v']) {
      expect(usage).toContain(flag);
    }
  }, 60_000);

  it('--help wins over a bad flag on the same line', async () => {
    const r = await runCli(['serve', '--nope', '1', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: wasmcache serve');
  });

  it("--version and -v print package.json's version and exit 0, at the top level and for serve", async () => {
    for (const args of [['--version'], ['-v'], ['serve', '--version'], ['serve', '-v']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.out, args.join(' ')).toBe(`${version}\n`);
    }
  }, 60_000);

  it('the built bin (dist/cli.js) answers --version and --help too', async () => {
    const bin = join(root, 'dist', 'cli.js');
    expect(existsSync(bin), 'dist/cli.js is built (npm test builds it)').toBe(true);
    expect((await runCli(['--version'], bin)).out).toBe(`${version}\n`);
    const help = await runCli(['serve', '-h'], bin);
    expect(help.code).toBe(0);
    expect(help.out).toBe((await runCli(['--help'])).out);
  }, 60_000);

  it('bad command lines print what was wrong, then the usage, on stderr and exit 2', async () => {
    const cases: [string[], string][] = [
      [[], 'usage: wasmcache serve'],
      [['bogus'], "unknown command 'bogus'"],
      [['serve', 'extra'], "unexpected argument 'extra'"],
      [['serve', '--port'], '--port needs a value'],
      [['serve', '--port', '--bind', 'x'], "--port needs a value (to give a value starting with '-', write --port=<value>)"],
      [['serve', '--port', 'abc'], "--port must be a non-negative integer, got 'abc'"],
      [['serve', '-x'], 'unknown option -x (known: --port --bind'],
      [['--port', '7000'], "flags need a command: 'serve'"],
      [['serve', '--maxmemory', 'lots'], 'maxmemory must be a byte count'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain(message);
      expect(r.err, args.join(' ')).toContain('usage: wasmcache serve');
      expect(r.out, args.join(' ')).toBe('');
    }
  }, 120_000);

  it('parseFlags (wasmcache/server) takes --flag value and --flag=value', async () => {
    const { parseFlags } = await import('../../src/server/index.js');
    expect(parseFlags(['--port', '6380', '--maxmemory=1gb', '--proto-max-bulk-len', '1mb', '--dir', '/tmp/x'])).toEqual({
      port: 6380,
      maxmemory: '1gb',
      protoMaxBulkLen: 1024 * 1024,
      dir: '/tmp/x',
    });
    expect(() => parseFlags(['--nope', '1'])).toThrow(/^unknown option --nope \(known: /);
    expect(() => parseFlags(['stray'])).toThrow("unexpected argument 'stray'");
  });
});

describe('shutdown logs where it saved', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wc-cli-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM logs the keys saved and the snapshot path; SHUTDOWN NOSAVE logs that it did not save', async () => {
    const port = await freePort();
    const s = await serve(['serve', '--port', String(port), '--dir', dir, '--dbfilename', 'logged.wcs']);
    const c = await RespConnection.open(port);
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
    c.close();
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.out()).toContain(`wasmcache: saved 2 keys to ${join(dir, 'logged.wcs')}, exiting`);

    const t = await serve(['serve', '--port', String(port), '--dir', dir, '--dbfilename', 'logged.wcs']);
    const d = await RespConnection.open(port);
    d.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    await d.readToClose();
    expect(await t.exit).toBe(0);
    expect(t.out()).toContain(`wasmcache: saved 2 keys to ${join(dir, 'logged.wcs')}, exiting`);

    const u = await serve(['serve', '--port', String(port), '--dir', dir, '--dbfilename', 'logged.wcs']);
    const e = await RespConnection.open(port);
    e.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    await e.readToClose();
    expect(await u.exit).toBe(0);
    expect(u.out()).toContain('wasmcache: exiting without saving a snapshot');
  }, 60_000);
});

describe('npm start', () => {
  it('keeps its snapshot in the git-ignored .wasmcache/ and logs where it saved on shutdown', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node dist/cli.js serve --dir .wasmcache');
    const ignored = await new Promise<number | null>((ok) =>
      spawn('git', ['check-ignore', '-q', '.wasmcache/dump.wcs'], { cwd: root }).on('exit', ok),
    );
    expect(ignored, '.wasmcache/ is in .gitignore').toBe(0);

    // npm start's prestart builds when dist/ is stale, which would pull dist/ from under the tests
    // running beside this one: npm test builds first, so here it must be up to date already.
    const check = await runCli(['--check'], join(root, 'scripts', 'build-if-stale.mjs'));
    expect(check.code, check.err).toBe(0);
    // A file name of its own, so a developer's .wasmcache/dump.wcs is left alone.
    const file = `test-npm-start-${process.pid}.wcs`;
    const saved = join(root, '.wasmcache', file);
    const port = await freePort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const child = spawn('npm', ['start', '--silent', '--', '--port', String(port), '--dbfilename', file], { cwd: root, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exit = new Promise<number | null>((ok) => child.on('exit', ok));
    try {
      for (let i = 0; i < 600 && !out.includes('wasmcache ready'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`wasmcache ready: redis://127.0.0.1:${port}`);
      const c = await RespConnection.open(port);
      await c.call('SET', 'k', 'v');
      c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
      await c.readToClose();
      expect(await exit).toBe(0);
      expect(out).toContain(`wasmcache: saved 1 keys to ${saved}, exiting`);
      expect(statSync(saved).size).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(saved, { force: true });
    }
  }, 180_000);
});
