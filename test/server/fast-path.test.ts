// The byte path (src/server/fast.ts): pipelined GETs and SETs queued and run together, MGET and
// SET EX/PX by their bytes. The same bytes go to redis-server and to wasmcache, and the replies
// must be equal byte for byte: mixed with commands of the general path, binary keys and values
// with CRLF inside, values cut across TCP reads, 1 KiB and large values, a malformed frame after
// queued commands. Then what only wasmcache has: errors of one queued command, onRemove, fetch().

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../helpers/prng.js';
import { RespConnection, bothServers, encode, startWasmcache } from './helpers.js';
import type { RespServer } from '../../src/server/index.js';

type Args = (string | Uint8Array)[];

/** Sends `frames` (cut into the given pieces, each written on its own) and returns every reply byte up to an ECHO marker, or to the close. */
async function exchange(port: number, frames: Buffer, cuts: number[] = [], resp3 = false): Promise<string> {
  const c = await RespConnection.open(port);
  if (resp3) await c.call('HELLO', '3'); // its reply names the server: not compared
  const bytes = Buffer.concat([frames, encode(['ECHO', 'end-marker'])]);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    c.write(bytes.subarray(at, Math.min(cut, bytes.length)));
    at = Math.min(cut, bytes.length);
    await new Promise((r) => setTimeout(r, 2)); // its own TCP segment
  }
  const all = await readUntil(c, '$10\r\nend-marker\r\n');
  c.close();
  return all;
}

async function readUntil(c: RespConnection, end: string): Promise<string> {
  const buf = () => (c as unknown as { buf: Buffer }).buf.toString('latin1');
  while (!c.closed && !buf().endsWith(end)) await new Promise((r) => setTimeout(r, 2));
  return buf() + (c.closed && !buf().endsWith(end) ? '<closed>' : '');
}

const frames = (cmds: Args[]) => Buffer.concat(cmds.map(encode));
const binKey = Buffer.from([0x6b, 0x0d, 0x0a, 0x00, 0xff, 0x24, 0x2a]); // k CR LF NUL 0xff $ *
const binValue = Buffer.from('\r\n$3\r\nabc\r\n*1\r\n\0\xff', 'latin1');

/** A pipeline of byte-path and general-path commands, in an order where each depends on the last. */
const MIXED: Args[] = [
  ['SET', 'a', '1'],
  ['GET', 'a'],
  ['set', 'b', '2'],
  ['SET', 'a', 'x', 'NX'], // general path: nil
  ['gEt', 'a'],
  ['GET', 'missing'],
  ['INCR', 'a'], // ERR not an integer: the batch before it ran first
  ['SET', 'n', '10'],
  ['INCR', 'n'],
  ['GET', 'n'],
  ['MGET', 'a', 'missing', 'n', 'b'],
  ['SET', 'e', 'v', 'EX', '100'],
  ['SET', 'f', 'v', 'px', '100000'],
  ['TTL', 'e'],
  ['TTL', 'f'],
  ['SET', 'g', 'v', 'EX', '0'], // general path: invalid expire time
  ['SET', 'g', 'v', 'EX', '012'], // leading zero: general path, not an integer
  ['SET', 'g', 'v', 'PX', 'abc'],
  ['SET', 'g', 'v', 'EX', '-5'],
  ['SET', 'g', 'v', 'EX', '99999999999999999999'],
  ['SET', 'g', 'v', 'EX'], // syntax error
  ['SET', 'g', 'v', 'XX', 'EX', '5'],
  ['GET', 'g'],
  ['SET', 'e', 'w'], // drops the TTL
  ['TTL', 'e'],
  ['GET'], // arity error
  ['GET', 'a', 'b'],
  ['SET', 'a'],
  ['DEL', 'a', 'b'],
  ['GET', 'a'],
  ['MGET', 'a', 'b', 'n'],
  ['SET', binKey, binValue],
  ['GET', binKey],
  ['SET', '', ''],
  ['GET', ''],
  ['MGET', binKey, '', 'n'],
  ['SET', 'k1', 'a'],
  ['SET', 'k1', 'b'],
  ['SET', 'k1', 'c', 'GET'],
  ['GET', 'k1'],
  ['APPEND', 'k1', 'd'],
  ['GET', 'k1'],
  ['SETEX', 'k2', '100', 'v'],
  ['SET', 'k2', 'w', 'EX', '200'],
  ['TTL', 'k2'],
  ['PING'],
  ['GET', 'missing'],
];

describe('the byte path: same bytes as redis-server', () => {
  const servers = bothServers();
  const both = async (bytes: Buffer, cuts: number[] = [], resp3 = false) => {
    const want = await exchange(servers.redis.port, bytes, cuts, resp3);
    const got = await exchange(servers.wc.port, bytes, cuts, resp3);
    return { want, got };
  };
  beforeAll(async () => {
    for (const port of [servers.redis.port, servers.wc.port]) await exchange(port, encode(['FLUSHALL']));
  });

  it('pipelined GET, SET, SET EX/PX and MGET mixed with general-path commands keep their order and replies', async () => {
    const { want, got } = await both(frames(MIXED));
    expect(got).toBe(want);
  });

  it('the same pipeline under RESP3 (nulls are `_`)', async () => {
    const { want, got } = await both(frames(MIXED), [], true);
    expect(want).toContain('_\r\n');
    expect(got).toBe(want);
  });

  it('the same pipeline one command at a time', async () => {
    for (const cmd of MIXED) {
      const { want, got } = await both(encode(cmd));
      expect(got, JSON.stringify(cmd.map(String))).toBe(want);
    }
  });

  it('the same pipeline cut across TCP reads at random places, inside headers and values', async () => {
    const bytes = frames(MIXED);
    const rnd = prng(19);
    for (let round = 0; round < 5; round++) {
      const cuts = Array.from({ length: 12 }, () => Math.floor(rnd() * bytes.length)).sort((a, b) => a - b);
      const { want, got } = await both(bytes, cuts);
      expect(got).toBe(want);
    }
  });

  it('1 KiB, 64 KiB + 1 and 300 KiB values (beyond the scratch region) with CRLF inside, pipelined and cut', async () => {
    const sizes = [1024, 64 * 1024 + 1, 300 * 1024];
    const value = (n: number, seed: number) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) % 256; // every byte, CR and LF and '$' included
      return b;
    };
    const cmds: Args[] = [];
    sizes.forEach((n, i) => cmds.push(['SET', `big${i}`, value(n, i)], ['GET', `big${i}`]));
    cmds.push(['MGET', 'big0', 'big1', 'big2', 'nothing']);
    sizes.forEach((n, i) => cmds.push(['SET', `big${i}`, value(n - 1, i + 1)]));
    cmds.push(['GET', 'big2'], ['GET', 'big1'], ['GET', 'big0']);
    const bytes = frames(cmds);
    const { want, got } = await both(bytes, [100, 1030, 5000, 70_000, 200_000, 400_000]);
    expect(want.length).toBeGreaterThan(2 * (1024 + 65537 + 300 * 1024));
    expect(got).toBe(want);
  });

  it('many pipelined SETs and GETs over many keys (several calls into the core per batch)', async () => {
    const rnd = prng(7);
    const cmds: Args[] = [];
    for (let i = 0; i < 2000; i++) {
      const k = `key:${Math.floor(rnd() * 300)}`;
      if (rnd() < 0.5) cmds.push(['SET', k, 'v'.repeat(Math.floor(rnd() * 2000))]);
      else cmds.push(['GET', k]);
    }
    const { want, got } = await both(frames(cmds));
    expect(got).toBe(want);
  });

  it('a malformed frame after queued GETs and SETs: their replies, then the protocol error, then the close', async () => {
    const bytes = Buffer.concat([frames([['SET', 'm', 'v'], ['GET', 'm'], ['SET', 'm', 'w', 'EX', '10'], ['GET', 'm'], ['MGET', 'm', 'q']]), Buffer.from('*1\r\nx\r\n')]);
    const { want, got } = await both(bytes);
    expect(want).toMatch(/-ERR Protocol error: expected '\$', got 'x'\r\n<closed>$/);
    expect(got).toBe(want);
    const cut = await both(Buffer.concat([frames([['GET', 'm'], ['SET', 'm', 'z']]), Buffer.from('*abc\r\n')]), [20, 40]);
    expect(cut.got).toBe(cut.want);
  });
});

describe('the byte path: what only wasmcache has', () => {
  let wc: RespServer;
  const removed: [string, string, string][] = [];
  beforeAll(async () => {
    wc = await startWasmcache({
      maxKeySize: 1000,
      cache: {
        onRemove: (key, value, reason) =>
          removed.push([Buffer.from(key as Uint8Array).toString(), Buffer.from(value as Uint8Array).toString(), reason]),
      },
    });
  });
  afterAll(() => wc.close());

  it('a queued command the cache refuses answers its own error; the commands around it are answered', async () => {
    const long = 'k'.repeat(1001);
    const c = await RespConnection.open(wc.port);
    c.write(frames([['SET', 'p', '1'], ['SET', long, 'v'], ['SET', 'q', '2'], ['GET', 'p'], ['GET', long], ['GET', 'q'], ['MGET', 'p', long, 'q'], ['MGET', 'q']]));
    const replies = (await c.read(8)).map((b) => b.toString());
    const tooLong = '-ERR key must be at most 1000 bytes (maxKeySize), got 1001\r\n';
    expect(replies).toEqual(['+OK\r\n', tooLong, '+OK\r\n', '$1\r\n1\r\n', tooLong, '$1\r\n2\r\n', tooLong, '*1\r\n$1\r\n2\r\n']);
    // The general path gives the same error for the same key.
    expect((await c.call('SET', long, 'v', 'NX')).toString()).toBe(tooLong);
    c.close();
  });

  it('onRemove hears of every value a pipelined SET replaced, in order', async () => {
    removed.length = 0;
    const c = await RespConnection.open(wc.port);
    c.write(frames([['SET', 'r', 'one'], ['SET', 'r', 'two'], ['SET', 'r', 'three', 'EX', '50'], ['GET', 'r']]));
    expect((await c.read(4)).map(String)).toEqual(['+OK\r\n', '+OK\r\n', '+OK\r\n', '$5\r\nthree\r\n']);
    expect(removed).toEqual([['r', 'one', 'set'], ['r', 'two', 'set']]);
    c.close();
  });

  it('a fetch() in flight for a key a pipelined SET wrote does not cache its result over it', async () => {
    let release!: (v: Uint8Array) => void;
    const key = Buffer.from('loaded');
    const loading = wc.cache.fetch(key, () => new Promise<Uint8Array>((ok) => (release = ok)));
    const c = await RespConnection.open(wc.port);
    expect((await c.call('SET', 'loaded', 'from-client')).toString()).toBe('+OK\r\n');
    release(Buffer.from('from-loader'));
    await loading;
    expect((await c.call('GET', 'loaded')).toString()).toBe('$11\r\nfrom-client\r\n');
    c.close();
  });

  it('counts queued commands as processed', async () => {
    const c = await RespConnection.open(wc.port);
    const before = Number(/total_commands_processed:(\d+)/.exec((await c.call('INFO', 'stats')).toString())![1]);
    c.write(frames([['SET', 's', '1'], ['GET', 's'], ['GET', 's'], ['MGET', 's']]));
    await c.read(4);
    const after = Number(/total_commands_processed:(\d+)/.exec((await c.call('INFO', 'stats')).toString())![1]);
    expect(after - before).toBe(5); // the four, and this INFO (each INFO counts itself)
    c.close();
  });
});
