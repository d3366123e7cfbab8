// Server commands whose answers describe the server, so they are checked for format, not against
// redis-server byte for byte: INFO, CONFIG, COMMAND, CLIENT, snapshots, and the other data types.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RespServer } from '../../src/server/index.js';
import { RespConnection, startWasmcache } from './helpers.js';

const text = (b: Buffer) => b.toString('latin1');

describe('server commands', () => {
  let wc: RespServer & { tmp: string };
  let c: RespConnection;
  beforeAll(async () => {
    wc = await startWasmcache();
    c = await RespConnection.open(wc.port);
  });
  afterAll(async () => {
    c?.close();
    await wc?.close();
  });

  it('INFO: Redis format, sections on request, keyspace line', async () => {
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2', 'EX', '100');
    const info = text(await c.call('INFO'));
    const body = info.slice(info.indexOf('\r\n') + 2, -2);
    expect(body).toMatch(/^# Server\r\nredis_version:7\.0\.15\r\n/);
    expect(body).toContain('\r\n\r\n# Clients\r\nconnected_clients:1\r\n');
    expect(body).toContain('loading:0\r\n'); // ioredis's ready check reads this
    expect(body).toContain('# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n');
    for (const line of body.split('\r\n')) expect(line).toMatch(/^(# \w+|[a-z0-9_]+:.*|)$/);
    const mem = text(await c.call('INFO', 'memory'));
    expect(mem).toContain('# Memory\r\nused_memory:');
    expect(mem).not.toContain('# Server');
    expect(text(await c.call('INFO', 'nosuchsection'))).toBe('$0\r\n\r\n');
  });

  it('RESP3: INFO is a verbatim string, CONFIG GET a map', async () => {
    const r3 = await RespConnection.open(wc.port);
    await r3.call('HELLO', '3');
    expect(text(await r3.call('INFO', 'clients'))).toMatch(/^=\d+\r\ntxt:# Clients\r\n/);
    expect(text(await r3.call('CONFIG', 'GET', 'save'))).toBe('%1\r\n$4\r\nsave\r\n$0\r\n\r\n');
    r3.close();
  });

  it('CONFIG GET patterns, CONFIG SET maxmemory rebuilds the cache and keeps the keys', async () => {
    expect(text(await c.call('CONFIG', 'GET', 'appendonly'))).toBe('*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n');
    expect(text(await c.call('CONFIG', 'GET', 'maxmemory'))).toBe(`*2\r\n$9\r\nmaxmemory\r\n$8\r\n${64 * 1024 * 1024}\r\n`);
    expect(text(await c.call('CONFIG', 'GET', '*MAX-BULK*'))).toContain('proto-max-bulk-len');
    expect(text(await c.call('CONFIG', 'SET', 'maxmemory', '32mb'))).toBe('+OK\r\n');
    expect(text(await c.call('CONFIG', 'GET', 'maxmemory'))).toContain(String(32 * 1024 * 1024));
    expect(text(await c.call('GET', 'a'))).toBe('$1\r\n1\r\n');
    expect(Number(text(await c.call('TTL', 'b')).slice(1))).toBeGreaterThan(90);
    expect(text(await c.call('CONFIG', 'SET', 'maxmemory', 'lots'))).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n",
    );
    expect(text(await c.call('CONFIG', 'SET', 'nosuch', '1'))).toBe("-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
    expect(text(await c.call('CONFIG', 'SET', 'appendonly', 'yes'))).toContain('wasmcache has no append-only file');
    expect(text(await c.call('CONFIG', 'NOPE'))).toBe("-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n");
  });

  it('COMMAND COUNT / INFO / DOCS', async () => {
    const count = Number(text(await c.call('COMMAND', 'COUNT')).slice(1));
    expect(count).toBeGreaterThan(60);
    expect(text(await c.call('COMMAND', 'INFO', 'get', 'nosuch'))).toBe(
      '*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*0\r\n*0\r\n*0\r\n*0\r\n*-1\r\n',
    );
    const docs = text(await c.call('COMMAND', 'DOCS', 'set'));
    expect(docs).toMatch(/^\*2\r\n\$3\r\nset\r\n\*8\r\n\$7\r\nsummary\r\n/);
    expect(docs).toContain('$9\r\narguments\r\n*5\r\n');
    expect(text(await c.call('COMMAND', 'DOCS', 'client'))).toContain('client|setname');
  });

  it('CLIENT ID / SETNAME / GETNAME / INFO / LIST / SETINFO', async () => {
    const id = Number(text(await c.call('CLIENT', 'ID')).slice(1));
    expect(id).toBeGreaterThan(0);
    expect(text(await c.call('CLIENT', 'GETNAME'))).toBe('$-1\r\n');
    expect(text(await c.call('CLIENT', 'SETNAME', 'worker-1'))).toBe('+OK\r\n');
    expect(text(await c.call('CLIENT', 'SETNAME', 'bad name'))).toBe('-ERR Client names cannot contain spaces, newlines or special characters.\r\n');
    expect(text(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'))).toBe('+OK\r\n');
    const info = text(await c.call('CLIENT', 'INFO'));
    expect(info).toContain(`id=${id} `);
    expect(info).toContain(' name=worker-1 ');
    expect(info).toContain(' lib-name=mylib ');
    expect(text(await c.call('CLIENT', 'LIST'))).toContain('name=worker-1');
    expect(text(await c.call('CLIENT'))).toBe("-ERR wrong number of arguments for 'client' command\r\n");
    expect(text(await c.call('CLIENT', 'SETNAME'))).toBe("-ERR wrong number of arguments for 'client|setname' command\r\n");
  });

  it('other data types: WRONGTYPE on a string key, a clear error otherwise', async () => {
    await c.call('SET', 's', 'x');
    expect(text(await c.call('LPUSH', 's', 'a'))).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    expect(text(await c.call('HSET', 'h', 'f', 'v'))).toBe("-ERR 'hset' needs a hash: wasmcache stores strings only\r\n");
    expect(text(await c.call('TYPE', 's'))).toBe('+string\r\n');
    expect(text(await c.call('TYPE', 'h'))).toBe('+none\r\n');
  });

  it('SAVE, BGSAVE, LASTSAVE write the snapshot; a new server loads it with TTLs', async () => {
    await c.call('SET', 'persisted', 'yes', 'EX', '1000');
    expect(text(await c.call('SAVE'))).toBe('+OK\r\n');
    expect(text(await c.call('BGSAVE'))).toBe('+Background saving started\r\n');
    expect(Number(text(await c.call('LASTSAVE')).slice(1))).toBeGreaterThan(1.7e9);
    expect(existsSync(join(wc.tmp, 'dump.wcs'))).toBe(true);
    const second = await createServer({ port: 0, dir: wc.tmp, maxmemory: '64mb' });
    const d = await RespConnection.open(second.port);
    expect(text(await d.call('GET', 'persisted'))).toBe('$3\r\nyes\r\n');
    expect(Number(text(await d.call('TTL', 'persisted')).slice(1))).toBeGreaterThan(990);
    d.close();
    await second.close();
  });

  it('SCAN walks every key exactly once with small COUNTs; KEYS sees them all', async () => {
    await c.call('FLUSHALL');
    const n = 5000;
    const keys = Array.from({ length: n }, (_, i) => `walk:${i}`);
    wc.cache.mset(keys.map((k) => [k, 'v'] as const));
    const seen: string[] = [];
    let cursor = '0';
    do {
      const reply = text(await c.call('SCAN', cursor, 'COUNT', '97', 'MATCH', 'walk:*'));
      const lines = reply.split('\r\n');
      cursor = lines[2];
      for (let i = 4; i < lines.length - 1; i += 2) seen.push(lines[i + 1]);
    } while (cursor !== '0');
    expect(seen.length).toBe(n);
    expect(new Set(seen).size).toBe(n);
    expect(text(await c.call('KEYS', 'walk:*')).startsWith(`*${n}\r\n`)).toBe(true);
    expect(text(await c.call('DBSIZE'))).toBe(`:${n}\r\n`);
  });

  it('a client that does not read its replies is paused, then gets every reply in order', async () => {
    await c.call('SET', 'mb', Buffer.alloc(1 << 20, 0x78));
    const slow = await RespConnection.open(wc.port);
    slow.socket.pause(); // stop reading: the server's writes back up
    const count = 64;
    for (let i = 0; i < count; i++) slow.write(`*2\r\n$3\r\nGET\r\n$2\r\nmb\r\n*2\r\n$4\r\nECHO\r\n$${String(i).length}\r\n${i}\r\n`);
    expect(text(await c.call('PING'))).toBe('+PONG\r\n'); // others are served meanwhile
    slow.socket.resume();
    const replies = await slow.read(count * 2);
    for (let i = 0; i < count; i++) {
      expect(replies[2 * i].length).toBe((1 << 20) + 12); // "$1048576\r\n" + data + "\r\n"
      expect(text(replies[2 * i + 1])).toBe(`$${String(i).length}\r\n${i}\r\n`);
    }
    slow.close();
  });

  it('keys set through the JavaScript API are served too', async () => {
    wc.cache.set('from-js', 'héllo');
    wc.cache.set(new Uint8Array([1, 2]), new Uint8Array([3, 4]));
    expect((await c.call('GET', 'from-js')).toString('utf8')).toBe('$6\r\nhéllo\r\n');
    expect(text(await c.call('GET', Buffer.from([1, 2])))).toBe('$2\r\n\u0003\u0004\r\n');
    expect(text(await c.call('KEYS', 'from-*'))).toBe('*1\r\n$7\r\nfrom-js\r\n');
  });
});
