// Real clients against wasmcache and, beside it, a real redis-server: ioredis 6 and node-redis 6 in
// RESP2 and RESP3 run the same mixed workload (single commands and pipelines) on both, and must get
// the same answers. redis-py (Debian's python3-redis) runs the snippet from the issue.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { prng } from '../helpers/prng.js';
import { bothServers, requireTool } from './helpers.js';

// The server runs in this process: child processes must be awaited, never run synchronously.
const run = promisify(execFile);

/** The subset of commands both client libraries call, as one interface. */
interface Ops {
  set(k: string, v: string, opts?: { ex?: number; nx?: boolean }): Promise<unknown>;
  get(k: string): Promise<unknown>;
  del(...k: string[]): Promise<unknown>;
  incrby(k: string, n: number): Promise<unknown>;
  incrbyfloat(k: string, n: number): Promise<unknown>;
  append(k: string, v: string): Promise<unknown>;
  mget(...k: string[]): Promise<unknown>;
  mset(kv: Record<string, string>): Promise<unknown>;
  exists(...k: string[]): Promise<unknown>;
  getrange(k: string, s: number, e: number): Promise<unknown>;
  expire(k: string, s: number): Promise<unknown>;
  ttl(k: string): Promise<unknown>;
  strlen(k: string): Promise<unknown>;
  getdel(k: string): Promise<unknown>;
  dbsize(): Promise<unknown>;
  pipeline(ops: [string, ...(string | number)[]][]): Promise<unknown[]>;
  quit(): Promise<unknown>;
}

function ioredisOps(port: number, protocol: 2 | 3): Ops {
  const r = new IORedis({ port, host: '127.0.0.1', protocol, lazyConnect: false, maxRetriesPerRequest: 0 } as never);
  return {
    set: (k, v, o) => (o?.ex ? (o.nx ? r.set(k, v, 'EX', o.ex, 'NX') : r.set(k, v, 'EX', o.ex)) : o?.nx ? r.set(k, v, 'NX') : r.set(k, v)),
    get: (k) => r.get(k),
    del: (...k) => r.del(...k),
    incrby: (k, n) => r.incrby(k, n),
    incrbyfloat: (k, n) => r.incrbyfloat(k, n),
    append: (k, v) => r.append(k, v),
    mget: (...k) => r.mget(...k),
    mset: (kv) => r.mset(kv),
    exists: (...k) => r.exists(...k),
    getrange: (k, s, e) => r.getrange(k, s, e),
    expire: (k, s) => r.expire(k, s),
    ttl: (k) => r.ttl(k),
    strlen: (k) => r.strlen(k),
    getdel: (k) => r.getdel(k),
    dbsize: () => r.dbsize(),
    pipeline: async (ops) => {
      const res = await r.pipeline(ops.map(([c, ...a]) => [c, ...a.map(String)])).exec();
      return (res ?? []).map(([err, v]) => (err ? `error: ${(err as Error).message}` : v));
    },
    quit: () => r.quit(),
  };
}

async function nodeRedisOps(port: number, RESP: 2 | 3): Promise<Ops> {
  const r = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, RESP });
  r.on('error', () => undefined);
  await r.connect();
  return {
    set: (k, v, o) => r.set(k, v, { ...(o?.ex ? { expiration: { type: 'EX', value: o.ex } } : {}), ...(o?.nx ? { condition: 'NX' } : {}) }),
    get: (k) => r.get(k),
    del: (...k) => r.del(k),
    incrby: (k, n) => r.incrBy(k, n),
    incrbyfloat: (k, n) => r.incrByFloat(k, n),
    append: (k, v) => r.append(k, v),
    mget: (...k) => r.mGet(k),
    mset: (kv) => r.mSet(kv),
    exists: (...k) => r.exists(k),
    getrange: (k, s, e) => r.getRange(k, s, e),
    expire: (k, s) => r.expire(k, s),
    ttl: (k) => r.ttl(k),
    strlen: (k) => r.strLen(k),
    getdel: (k) => r.getDel(k),
    dbsize: () => r.dbSize(),
    pipeline: async (ops) => {
      const multi = r.multi();
      for (const [c, ...a] of ops) multi.addCommand([c, ...a.map(String)]);
      const res = await multi.execAsPipeline();
      return res.map((v) => (v instanceof Error ? `error: ${v.message}` : v));
    },
    quit: () => r.close(),
  };
}

/** A seeded mixed workload; returns every answer in order. */
async function workload(ops: Ops, seed: number): Promise<unknown[]> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const keys = ['a', 'b', 'c', 'n', 'f', 'héllo'];
  const vals = ['1', '42', 'text', '', 'ünïcødé', '3.5', 'x'.repeat(300)];
  const out: unknown[] = [];
  const safe = async (p: () => Promise<unknown>) => {
    try {
      out.push(await p());
    } catch (e) {
      out.push(`error: ${(e as Error).message}`);
    }
  };
  await safe(() => ops.del(...keys));
  for (let i = 0; i < 400; i++) {
    const k = pick(keys);
    switch (Math.floor(rnd() * 15)) {
      case 0: await safe(() => ops.set(k, pick(vals))); break;
      case 1: await safe(() => ops.set(k, pick(vals), { ex: 100, nx: rnd() < 0.5 })); break;
      case 2: await safe(() => ops.get(k)); break;
      case 3: await safe(() => ops.incrby(k, pick([1, -7, 1000]))); break;
      case 4: await safe(() => ops.incrbyfloat(k, pick([0.5, 1.25, -2]))); break;
      case 5: await safe(() => ops.append(k, pick(vals))); break;
      case 6: await safe(() => ops.mget(...keys)); break;
      case 7: await safe(() => ops.mset({ [k]: pick(vals), [pick(keys)]: pick(vals) })); break;
      case 8: await safe(() => ops.exists(k, pick(keys))); break;
      case 9: await safe(() => ops.getrange(k, pick([0, 1, -2]), pick([-1, 2, 100]))); break;
      case 10: await safe(() => ops.expire(k, 1000)); break;
      case 11: await safe(() => ops.ttl(k)); break;
      case 12: await safe(() => ops.strlen(k)); break;
      case 13: await safe(() => ops.getdel(k)); break;
      default: {
        const batch: [string, ...(string | number)[]][] = [];
        for (let j = 0; j < 20; j++) {
          const kk = pick(keys);
          batch.push(pick([['SET', kk, pick(vals)], ['GET', kk], ['INCR', kk], ['STRLEN', kk], ['DEL', kk], ['APPEND', kk, 'z'], ['TTL', kk]] as [string, ...string[]][]));
        }
        await safe(() => ops.pipeline(batch));
      }
    }
  }
  await safe(() => ops.dbsize());
  return out;
}

describe('Redis clients get the same answers from wasmcache as from redis-server', () => {
  const servers = bothServers();

  for (const protocol of [2, 3] as const) {
    it(`ioredis 6, RESP${protocol}: mixed workload and pipelines`, async () => {
      const [a, b] = [ioredisOps(servers.redis.port, protocol), ioredisOps(servers.wc.port, protocol)];
      const want = await workload(a, 10 + protocol);
      const got = await workload(b, 10 + protocol);
      expect(got).toEqual(want);
      expect(got.length).toBeGreaterThan(400);
      await a.quit();
      await b.quit();
    }, 60_000);

    it(`node-redis 6, RESP${protocol}: mixed workload and pipelines`, async () => {
      const [a, b] = [await nodeRedisOps(servers.redis.port, protocol), await nodeRedisOps(servers.wc.port, protocol)];
      const want = await workload(a, 20 + protocol);
      const got = await workload(b, 20 + protocol);
      expect(got).toEqual(want);
      await a.quit();
      await b.quit();
    }, 60_000);
  }

  it('redis-py (Debian python3-redis) runs the snippet from the issue', async () => {
    requireTool('/usr/bin/python3', ['-c', 'import redis']);
    const script = `import redis
r = redis.Redis(host='localhost', port=${servers.wc.port}, db=0)
r.set('name', 'John Doe')
print(r.get('name'))
`;
    const res = await run('/usr/bin/python3', ['-c', script]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe("b'John Doe'\n");
  });

  it('redis-py: pipelines, expiry, client name and INFO', async () => {
    const script = `import redis
r = redis.Redis(host='127.0.0.1', port=${servers.wc.port}, client_name='py')
p = r.pipeline(transaction=False)
p.set('a', 1).incr('a').get('a').setex('t', 100, 'v').ttl('t').mget('a', 'nope')
print(p.execute())
print(r.client_getname(), r.info()['redis_version'], r.dbsize() >= 2)
`;
    const res = await run('/usr/bin/python3', ['-c', script]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe("[True, 2, b'2', True, 100, [b'2', None]]\npy 7.0.15 True\n");
  });
});
