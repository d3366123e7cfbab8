// `wasmcache serve` as a process: flags, snapshot load on start, SIGTERM saves and exits,
// SHUTDOWN NOSAVE exits without saving, bad flags print the usage.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RespConnection, freePort, serveCli as serve } from './helpers.js';

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
