// Shared test plumbing: a real redis-server beside wasmcache, free ports, and a raw RESP connection
// that returns each reply's exact bytes.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as netServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createServer, type CreateServerOptions, type RespServer } from '../../src/server/index.js';

/** Fails (never skips) when a system tool the tests drive is missing. */
export function requireTool(cmd: string, args: string[] = ['--version']): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} is required by this test (install redis-server, redis-tools, python3-redis; see .ci/run): ${r.error?.message ?? r.stderr}`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = netServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface RedisProcess {
  port: number;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free port with no persistence and one database (as wasmcache has). */
export async function startRedis(extra: string[] = []): Promise<RedisProcess> {
  requireTool('redis-server');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wc-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--databases', '1', '--dir', dir, ...extra],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      const c = await RespConnection.open(port);
      const r = await c.call('PING');
      c.close();
      if (r.toString() === '+PONG\r\n' || r.toString().startsWith('-NOAUTH')) break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    stop: () =>
      new Promise((ok) => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          ok();
        });
        child.kill('SIGKILL');
      }),
  };
}

const root = join(import.meta.dirname, '..', '..');

/**
 * Starts `wasmcache serve` (the CLI, from source) as a child process; resolves once it prints its
 * ready line. A server in its own process can hang without freezing the test.
 */
export function serveCli(args: string[]): Promise<{ child: ChildProcess; out: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args], { cwd: root });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  return new Promise((ok, fail) => {
    const check = () => {
      if (out.includes('wasmcache ready')) ok({ child, out: () => out, exit });
    };
    child.stdout?.on('data', check);
    exit.then((code) => fail(new Error(`exited with ${code}: ${out}`)));
  });
}

/** A wasmcache server on a free port with its snapshot in a fresh temporary folder. */
export async function startWasmcache(options: CreateServerOptions = {}): Promise<RespServer & { tmp: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'wc-server-'));
  const server = await createServer({ port: 0, dir: tmp, maxmemory: '64mb', ...options });
  const close = server.close.bind(server);
  server.close = () => close().then(() => rmSync(tmp, { recursive: true, force: true }));
  return Object.assign(server, { tmp });
}

/** Encodes a command as a RESP multibulk request. */
export function encode(args: (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : Buffer.from(a);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Length of the complete RESP2/RESP3 reply at `at`, or -1 if it is not complete yet. */
export function replyLength(buf: Buffer, at = 0): number {
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) return -1;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('latin1', at + 1, nl);
  const head = nl + 2 - at;
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return head;
    case '$': case '!': case '=': {
      const n = Number(line);
      if (n < 0) return head;
      return buf.length - at >= head + n + 2 ? head + n + 2 : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(line);
      if (n < 0) return head;
      if (type === '%' || type === '|') n *= 2;
      let len = head;
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, at + len);
        if (l < 0) return -1;
        len += l;
      }
      return len;
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(type)} in ${JSON.stringify(buf.toString('latin1', at, at + 40))}`);
  }
}

/** A raw connection: sends request bytes, returns replies as their exact bytes. */
export class RespConnection {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static open(port: number): Promise<RespConnection> {
    return new Promise((ok, fail) => {
      const s = connect(port, '127.0.0.1', () => ok(new RespConnection(s)));
      s.once('error', fail);
    });
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** The next `n` replies, each as its bytes. Rejects if the connection closes first. */
  async read(n: number): Promise<Buffer[]> {
    const out: Buffer[] = [];
    while (out.length < n) {
      const len = this.buf.length ? replyLength(this.buf) : -1;
      if (len >= 0) {
        out.push(this.buf.subarray(0, len));
        this.buf = this.buf.subarray(len);
        continue;
      }
      if (this.closed) throw new Error(`connection closed after ${out.length} of ${n} replies; pending ${JSON.stringify(this.buf.toString('latin1'))}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return out;
  }

  /** Everything until the server closes the connection. */
  async readToClose(): Promise<Buffer> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.buf;
  }

  async call(...args: (string | Uint8Array)[]): Promise<Buffer> {
    this.write(encode(args));
    return (await this.read(1))[0];
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * A redis-server and a wasmcache server for the tests of the enclosing describe block, started
 * before them and stopped after: read `servers.redis` and `servers.wc` inside the tests.
 */
export function bothServers(): { readonly redis: RedisProcess; readonly wc: RespServer } {
  let redis: RedisProcess | undefined;
  let wc: RespServer | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    wc = await startWasmcache();
  });
  afterAll(async () => {
    await wc?.close();
    await redis?.stop();
  });
  return {
    get redis() {
      return redis!;
    },
    get wc() {
      return wc!;
    },
  };
}
