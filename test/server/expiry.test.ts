// Far expiry times (past 2^53 ms) are kept exactly beside the cache: they follow the key while its
// expiry stands, give way when it changes by any route, and do not pile up for keys that are gone.
// (Their answers are compared with redis-server in differential.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespServer } from '../../src/server/index.js';
import { RespConnection, encode, startWasmcache } from './helpers.js';

describe('exact far expiry times', () => {
  let wc: RespServer;
  let c: RespConnection;
  beforeAll(async () => {
    wc = await startWasmcache();
    c = await RespConnection.open(wc.port);
  });
  afterAll(async () => {
    c?.close();
    await wc?.close();
  });
  const call = async (...args: string[]) => (await c.call(...args)).toString();

  it('a far time follows the key, and gives way to any other expiry set on it', async () => {
    expect(await call('SET', 'k', 'v', 'PXAT', '9223372036854775807')).toBe('+OK\r\n');
    expect(await call('PEXPIRETIME', 'k')).toBe(':9223372036854775807\r\n');
    // Set through the Cache API (no exact time known): the core's own time is answered.
    wc.cache.set('k', 'v', { ttl: 60_000 });
    const at = Number((await call('PEXPIRETIME', 'k')).slice(1));
    expect(Math.abs(at - (Date.now() + 60_000))).toBeLessThan(1000);
    expect(await call('PEXPIREAT', 'k', '9223372036854770000')).toBe(':1\r\n');
    expect(await call('PEXPIRETIME', 'k')).toBe(':9223372036854770000\r\n');
    expect(await call('DEL', 'k')).toBe(':1\r\n');
    expect(await call('PEXPIRETIME', 'k')).toBe(':-2\r\n');
    expect(await call('SET', 'k', 'v')).toBe('+OK\r\n');
    expect(await call('PEXPIRETIME', 'k')).toBe(':-1\r\n');
    expect(await call('FLUSHALL')).toBe('+OK\r\n');
    expect(wc.exactExpiry.size).toBe(0);
  });

  it('entries for keys that lost their far time are swept as new ones come', async () => {
    const far = (i: number) => encode(['SET', `f${i}`, 'v', 'PXAT', String(9223372036854775807n - BigInt(i))]);
    c.write(Buffer.concat(Array.from({ length: 1500 }, (_, i) => far(i))));
    await c.read(1500);
    expect(wc.exactExpiry.size).toBe(1500);
    c.write(Buffer.concat(Array.from({ length: 1500 }, (_, i) => encode(['SET', `f${i}`, 'plain']))));
    await c.read(1500);
    c.write(Buffer.concat(Array.from({ length: 1500 }, (_, i) => encode(['SET', `g${i}`, 'v', 'PXAT', String(9223372036854775807n - BigInt(i))]))));
    await c.read(1500);
    expect(wc.exactExpiry.size).toBeLessThanOrEqual(1500 + 1024);
    expect(await call('PEXPIRETIME', 'g7')).toBe(':9223372036854775800\r\n');
    expect(await call('PEXPIRETIME', 'f7')).toBe(':-1\r\n');
  });
});
