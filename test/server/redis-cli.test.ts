// redis-cli against wasmcache: interactive mode through a pseudo-terminal (it fetches COMMAND DOCS
// for its hints and `help`), RESP3 with -3, and --pipe mass insertion.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespServer } from '../../src/server/index.js';
import { requireTool, startWasmcache } from './helpers.js';

const run = promisify(execFile);

/** Drives interactive redis-cli in a pty (Python's pty module) and prints the whole session. */
const PTY_DRIVER = `
import os, pty, sys, time, select
port, lines = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.environ['TERM'] = 'dumb'
    os.execvp('redis-cli', ['redis-cli', '-p', port])
out = b''
def pump(until, timeout=10):
    global out
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            if not data:
                return
            out += data
            if until and out.count(until.encode()) >= count[0]:
                return
count = [1]
prompt = '127.0.0.1:' + port + '>'
pump(prompt)
for line in lines:
    count[0] += 1
    os.write(fd, (line + '\\r').encode())
    pump(prompt)
os.write(fd, b'quit\\r')
pump(None, 3)
sys.stdout.write(out.decode('utf8', 'replace'))
`;

describe('redis-cli', () => {
  let wc: RespServer;
  beforeAll(async () => {
    requireTool('redis-cli');
    requireTool('/usr/bin/python3', ['-c', 'import pty']);
    wc = await startWasmcache();
  });
  afterAll(() => wc?.close());

  it('interactive mode: commands, quoting, errors, nil, help and hints from COMMAND DOCS', async () => {
    const { stdout } = await run('/usr/bin/python3', [
      '-c', PTY_DRIVER, String(wc.port),
      'set greeting "hello world"', 'get greeting', 'incr counter', 'incrbyfloat counter 0.5', 'get missing',
      'mget greeting missing', 'nosuchcommand arg', 'get', 'help get', 'help set', 'ttl greeting', 'dbsize',
    ]);
    // eslint-disable-next-line no-control-regex
    const text = stdout.replace(/\r/g, '').replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toContain('OK');
    expect(text).toContain('"hello world"');
    expect(text).toContain('(integer) 1');
    expect(text).toContain('"1.5"');
    expect(text).toContain('(nil)');
    expect(text).toContain('1) "hello world"\n2) (nil)');
    expect(text).toContain("(error) ERR unknown command 'nosuchcommand', with args beginning with: 'arg'");
    expect(text).toContain("(error) ERR wrong number of arguments for 'get' command");
    expect(text).toContain('GET key\n  summary: Returns the string value of a key.');
    expect(text).toContain('SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]');
    expect(text).toContain('(integer) -1');
    expect(text).toContain('(integer) 2');
  }, 30_000);

  it('-3 speaks RESP3: maps, nulls, HELLO', async () => {
    const cli = (...args: string[]) => run('redis-cli', ['-3', '--no-raw', '-p', String(wc.port), ...args]).then((r) => r.stdout);
    expect(await cli('set', 'k', 'v')).toBe('OK\n');
    expect(await cli('get', 'nope')).toBe('(nil)\n');
    expect(await cli('config', 'get', 'appendonly')).toBe('1# "appendonly" => "no"\n');
    expect(await cli('hello', '3')).toContain('3# "proto" => (integer) 3');
    expect(await cli('incrbyfloat', 'f', '1.5')).toBe('"1.5"\n');
  });

  it('--pipe mass insertion', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `SET pipe:${i} ${i}\r\n`).join('');
    const child = execFile('redis-cli', ['-p', String(wc.port), '--pipe']);
    const out = new Promise<string>((ok) => {
      let s = '';
      child.stdout?.on('data', (d) => (s += d));
      child.on('close', () => ok(s));
    });
    child.stdin?.end(lines);
    expect(await out).toContain('errors: 0, replies: 1000');
    expect((await run('redis-cli', ['-p', String(wc.port), 'get', 'pipe:999'])).stdout).toBe('999\n');
  });
});
