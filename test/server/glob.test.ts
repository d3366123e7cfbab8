// Glob patterns that would make a backtracking matcher run for ages: the server must answer them
// at once (and keep answering other clients), with redis-server's results. The server runs in its
// own process, so a matcher that hangs fails this test by its timeout instead of freezing it.

import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/server/glob.js';
import { RespConnection, encode, freePort, serveCli, startRedis, type RedisProcess } from './helpers.js';

/** KEYS <pattern> on one connection and PING on another, both answered within `ms`. */
async function hostile(port: number, pattern: string, ms: number): Promise<string> {
  const a = await RespConnection.open(port);
  const b = await RespConnection.open(port);
  try {
    await a.call('SET', 'a'.repeat(40), 'v');
    const started = Date.now();
    a.write(encode(['KEYS', pattern]));
    b.write(encode(['PING']));
    const deadline = new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`no reply within ${ms} ms`)), ms));
    const [keys, pong] = await Promise.race([Promise.all([a.read(1), b.read(1)]), deadline]);
    expect(pong[0].toString()).toBe('+PONG\r\n');
    expect(Date.now() - started).toBeLessThan(ms);
    return keys[0].toString();
  } finally {
    a.close();
    b.close();
  }
}

describe('KEYS / SCAN MATCH with nested stars', () => {
  let redis: RedisProcess;
  let wc: Awaited<ReturnType<typeof serveCli>>;
  let port: number;
  beforeAll(async () => {
    redis = await startRedis();
    port = await freePort();
    wc = await serveCli(['serve', '--port', String(port), '--dbfilename', `glob-${port}.wcs`, '--dir', tmpdir()]);
  }, 30_000);
  afterAll(async () => {
    wc?.child.kill('SIGKILL');
    await redis?.stop();
  });

  const patterns = [`${'a*'.repeat(20)}b`, `${'*a'.repeat(20)}*b`, `${'a*'.repeat(40)}`, `*${'?*'.repeat(30)}b`];
  for (const p of patterns) {
    it(`KEYS ${p} answers at once, as redis-server does, and PING from another client is answered`, async () => {
      const want = await hostile(redis.port, p, 2000);
      expect(await hostile(port, p, 2000)).toBe(want);
    }, 10_000);
  }

  it('SCAN MATCH with the same pattern answers at once', async () => {
    const c = await RespConnection.open(port);
    const started = Date.now();
    const reply = await c.call('SCAN', '0', 'MATCH', `${'a*'.repeat(20)}b`, 'COUNT', '100');
    expect(reply.toString()).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
    expect(Date.now() - started).toBeLessThan(1000);
    c.close();
  });
});

describe('compileGlob', () => {
  const m = (p: string, s: string, nocase = false) => compileGlob(Buffer.from(p, 'latin1'), nocase).test(Buffer.from(s, 'latin1'));

  it('is linear: a hostile pattern over a long string is quick', () => {
    const started = Date.now();
    expect(m(`${'*a'.repeat(200)}*b`, 'a'.repeat(5000))).toBe(false);
    expect(m(`${'*a'.repeat(200)}*`, 'a'.repeat(5000))).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('nocase (CONFIG GET) folds ASCII letters, in ranges after ordering their ends as Redis does', () => {
    expect(m('MAXMEM*', 'maxmemory', true)).toBe(true);
    expect(m('maxmem*', 'MAXMEMORY', true)).toBe(true);
    expect(m('MAXMEM*', 'maxmemory')).toBe(false);
    expect(m('[A-C]x', 'bX', true)).toBe(true);
    // 'Z'..'a' folds to 'z'..'a', an empty range (Redis orders the ends before folding them).
    expect(m('[Z-a]', '_', true)).toBe(false);
    expect(m('[Z-a]', '_')).toBe(true);
    // An escaped byte in a class compares exactly, even with nocase.
    expect(m('[\\A]', 'a', true)).toBe(false);
    expect(m('\\A', 'a', true)).toBe(true);
  });
});
