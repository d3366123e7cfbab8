// Malformed and hostile input. Deterministic bad frames go to redis-server and to wasmcache and
// must get the same bytes back before the same close; random bytes, huge declared lengths, half
// frames and slow senders must never disturb another client.

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespServer } from '../../src/server/index.js';
import { prng } from '../helpers/prng.js';
import { RespConnection, bothServers, encode, startRedis, startWasmcache, type RedisProcess } from './helpers.js';

/** Sends `bytes` and returns everything received until the server closes, or until a PING sent after them is answered. */
async function exchange(port: number, bytes: Buffer | string, marker = true): Promise<string> {
  const c = await RespConnection.open(port);
  c.write(bytes);
  // A marker command after the frame: answered only if the connection survived the frame. Frames
  // that must hit a length limit go alone (the marker's CRLF would end them).
  if (marker) c.write(encode(['ECHO', 'marker']));
  let text = '';
  while (!c.closed) {
    await new Promise((r) => setTimeout(r, 5));
    text = (c as unknown as { buf: Buffer }).buf.toString('latin1');
    if (text.endsWith('$6\r\nmarker\r\n')) break;
  }
  c.close();
  return (c as unknown as { buf: Buffer }).buf.toString('latin1') + (c.closed && !text.endsWith('marker\r\n') ? '<closed>' : '');
}

const BAD_FRAMES: [string, string | Buffer, boolean?][] = [
  ['bad multibulk count', '*abc\r\n'],
  ['negative multibulk count is skipped', '*-5\r\nPING\r\n'],
  ['zero multibulk count is skipped', '*0\r\n*1\r\n$4\r\nPING\r\n'],
  ['multibulk count over INT_MAX', '*3000000000\r\n'],
  ['multibulk count with leading zero', '*01\r\n$4\r\nPING\r\n'],
  ['missing $', '*1\r\nx\r\n'],
  ['bad bulk length', '*1\r\n$abc\r\n'],
  ['negative bulk length', '*1\r\n$-1\r\n'],
  ['bulk length over proto-max-bulk-len', '*1\r\n$600000000\r\n'],
  ['bulk count string too long', `*1\r\n$${'1'.repeat(70000)}`, false],
  ['mbulk count string too long', `*${'1'.repeat(70000)}`, false],
  ['inline too long', 'A'.repeat(70000), false],
  ['unbalanced quotes', 'PING\r\nset a "b\r\n'],
  ['closing quote not followed by space', 'set a "b"c\r\n'],
  ['inline with quotes and escapes', 'set "a b" "x\\x41\\n" \r\nget "a b"\r\nset q \'it\\\'s\'\r\nget q\r\n'],
  ['inline with bare LF and empty lines', 'PING\n\n\r\nECHO  hi  \n'],
  ['bulk data without CRLF after it is accepted', '*2\r\n$4\r\nECHO\r\n$2\r\nhiXX'],
  ['pipeline then error: earlier replies come first', '*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*x\r\n'],
  ['unknown command with binary args', encode(['nope', Buffer.from([0x41, 0, 0x42]), 'a\r\nb'])],
  ['arity error then success', '*1\r\n$3\r\nGET\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'],
];

describe('malformed input: same replies and closes as redis-server', () => {
  const servers = bothServers();

  for (const [name, frame, marker] of BAD_FRAMES) {
    it(name, async () => {
      const want = await exchange(servers.redis.port, frame, marker);
      const got = await exchange(servers.wc.port, frame, marker);
      expect(got).toBe(want);
    });
  }
});

/**
 * Sends `frame` on a connection that stays open for writing after the server's FIN, reads the
 * reply up to that FIN, then keeps sending: a server that closed the socket in both directions
 * makes those writes fail (reset), one that only ended its side keeps taking them.
 */
async function afterError(port: number, frame: Buffer | string): Promise<{ reply: string; writesFail: boolean }> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail));
  let reply = '';
  let failed = false;
  socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
  socket.on('error', () => (failed = true));
  const ended = new Promise<void>((ok) => socket.once('end', ok).once('close', ok));
  socket.write(frame);
  await ended;
  for (let i = 0; i < 100 && !failed && !socket.destroyed; i++) {
    socket.write(Buffer.alloc(1024, 0x61));
    await new Promise((r) => setTimeout(r, 10));
  }
  const writesFail = failed || socket.destroyed;
  socket.destroy();
  return { reply, writesFail };
}

describe('after a protocol error the connection is closed both ways, as redis-server closes it', () => {
  const servers = bothServers();
  const frames: [string, Buffer | string][] = [
    ['NUL then bytes without a newline (too big inline request)', Buffer.concat([Buffer.from([0]), Buffer.alloc(70_000, 0x61)])],
    ['*NUL then bytes without a newline (too big mbulk count string)', Buffer.concat([Buffer.from('*\0'), Buffer.alloc(70_000, 0x61)])],
    ['$NUL then bytes without a newline', Buffer.concat([Buffer.from('$\0'), Buffer.alloc(70_000, 0x61)])],
    ['bad multibulk count', '*abc\r\n'],
    ['missing $', '*1\r\nx\r\n'],
    ['unbalanced quotes', 'set a "b\r\n'],
    ['QUIT', '*1\r\n$4\r\nQUIT\r\n'],
  ];
  for (const [name, frame] of frames) {
    it(name, async () => {
      const want = await afterError(servers.redis.port, frame);
      expect(want.writesFail).toBe(true);
      expect(await afterError(servers.wc.port, frame)).toEqual(want);
    });
  }
});

describe('requirepass: same answers as redis-server --requirepass', () => {
  let redis: RedisProcess;
  let wc: RespServer;
  beforeAll(async () => {
    redis = await startRedis(['--requirepass', 's3cret']);
    wc = await startWasmcache({ requirepass: 's3cret' });
  });
  afterAll(async () => {
    await wc?.close();
    await redis?.stop();
  });

  const script: string[][] = [
    ['GET', 'k'], ['PING'], ['nosuch'], ['GET'], ['AUTH', 'wrong'], ['AUTH', 'nobody', 's3cret'], ['HELLO', '3'],
    ['HELLO', '2', 'AUTH', 'default', 'bad'], ['AUTH', 'a', 'b', 'c'], ['AUTH', 's3cret'], ['SET', 'k', 'v'], ['GET', 'k'],
    ['AUTH', 'default', 's3cret'], ['HELLO', '4'], ['HELLO', 'x'], ['HELLO', '2', 'SETNAME', 'bad name'], ['HELLO', '2', 'FOO'],
  ];
  it('NOAUTH before AUTH, WRONGPASS, then commands work', async () => {
    const a = await RespConnection.open(redis.port);
    const b = await RespConnection.open(wc.port);
    for (const args of script) {
      const want = (await a.call(...args)).toString('latin1');
      const got = (await b.call(...args)).toString('latin1');
      expect(`${args.join(' ')} -> ${got}`).toBe(`${args.join(' ')} -> ${want}`);
    }
    a.close();
    b.close();
  });

  it('HELLO 3 AUTH authenticates and switches protocol in one step', async () => {
    const b = await RespConnection.open(wc.port);
    const hello = (await b.call('HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'me')).toString('latin1');
    expect(hello.startsWith('%7\r\n')).toBe(true);
    expect((await b.call('CLIENT', 'GETNAME')).toString()).toBe('$2\r\nme\r\n');
    expect((await b.call('GET', 'nothing')).toString()).toBe('_\r\n');
    b.close();
  });

  it('unauthenticated clients get Redis\'s tighter limits', async () => {
    const frame = '*1\r\n$20000\r\n';
    expect(await exchange(wc.port, frame)).toBe(await exchange(redis.port, frame));
    const many = '*2000000\r\n';
    expect(await exchange(wc.port, many)).toBe(await exchange(redis.port, many));
  });
});

describe('hostile clients never disturb the others', () => {
  let wc: RespServer;
  beforeAll(async () => {
    wc = await startWasmcache({ clientQueryBufferLimit: 1024 * 1024, maxclients: 20 });
  });
  afterAll(() => wc?.close());

  /** A well-behaved client that checks its answers while the hostile ones run. */
  async function bystander(rounds: number): Promise<void> {
    const c = await RespConnection.open(wc.port);
    for (let i = 0; i < rounds; i++) {
      expect((await c.call('SET', `by:${i}`, `v${i}`)).toString()).toBe('+OK\r\n');
      expect((await c.call('GET', `by:${i}`)).toString()).toBe(`$${String(`v${i}`).length}\r\nv${i}\r\n`);
      await new Promise((r) => setImmediate(r));
    }
    c.close();
  }

  it('random bytes: each connection gets errors or closes; a bystander is unaffected', async () => {
    const rnd = prng(7);
    const attackers = Array.from({ length: 12 }, async (_, n) => {
      const c = await RespConnection.open(wc.port);
      for (let i = 0; i < 20 && !c.closed; i++) {
        const len = 1 + Math.floor(rnd() * 400);
        const bytes = Buffer.from(Array.from({ length: len }, () => (rnd() < 0.1 ? [13, 10, 42, 36][n % 4] : Math.floor(rnd() * 256))));
        c.write(bytes);
        await new Promise((r) => setImmediate(r));
      }
      c.close();
    });
    await Promise.all([...attackers, bystander(200)]);
    const check = await RespConnection.open(wc.port);
    expect((await check.call('PING')).toString()).toBe('+PONG\r\n');
    check.close();
  });

  it('half frames and a slow sender: replies are whole and in order', async () => {
    const c = await RespConnection.open(wc.port);
    const cmds = Array.from({ length: 30 }, (_, i) => (i % 2 ? ['GET', `slow:${i - 1}`] : ['SET', `slow:${i}`, `value ${i}`]));
    const bytes = Buffer.concat(cmds.map(encode));
    const sending = (async () => {
      for (let i = 0; i < bytes.length; i++) {
        c.write(bytes.subarray(i, i + 1)); // one byte at a time
        if (i % 16 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    const [replies] = await Promise.all([c.read(cmds.length), sending, bystander(50)]);
    replies.forEach((r, i) => expect(r.toString()).toBe(i % 2 ? `$${`value ${i - 1}`.length}\r\nvalue ${i - 1}\r\n` : '+OK\r\n'));
    c.close();
  });

  it('a huge declared bulk length waits for data without allocating it; past the query buffer limit the client is closed', async () => {
    const c = await RespConnection.open(wc.port);
    c.write('*2\r\n$4\r\nECHO\r\n$536870912\r\n'); // 512 MB declared: allowed, nothing arrives yet
    await bystander(20);
    c.write(Buffer.alloc(2 * 1024 * 1024, 0x61)); // past client-query-buffer-limit (1 MB here)
    expect((await c.readToClose()).toString()).toBe(''); // closed without a reply, as Redis does
    await bystander(20);
  });

  it('maxclients: connections past the limit get an error and are closed', async () => {
    const open: RespConnection[] = [];
    const answers: string[] = [];
    for (let i = 0; i < 21; i++) {
      const c = await RespConnection.open(wc.port);
      open.push(c);
      c.write(encode(['PING']));
      answers.push((await c.read(1))[0].toString());
    }
    expect(answers.filter((a) => a === '+PONG\r\n').length).toBeLessThanOrEqual(20);
    expect(answers[20]).toBe('-ERR max number of clients reached\r\n');
    for (const c of open) c.close();
  });
});

describe('argument count limit', () => {
  it('a multibulk longer than maxArgs is a protocol error; the connection closes', async () => {
    const wc = await startWasmcache({ maxArgs: 8 });
    expect(await exchange(wc.port, '*9\r\n', false)).toBe('-ERR Protocol error: invalid multibulk length\r\n<closed>');
    expect(await exchange(wc.port, encode(['MGET', 'a', 'b', 'c', 'd', 'e', 'f', 'g']))).toBe('*7\r\n' + '$-1\r\n'.repeat(7) + '$6\r\nmarker\r\n');
    await wc.close();
  });
});
