// `wasmcache serve` as a process: flags, snapshot load on start, SIGTERM saves and exits (or, when
// the save fails, keeps serving), SHUTDOWN NOSAVE exits without saving, bad flags print the usage.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
