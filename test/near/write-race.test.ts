// A write through the near-cache raced by another client's write, made deterministic on a real
// redis-server. Redis reads a command argument of 32 KiB or more on its own (PROTO_MBULK_BIG_ARG),
// so the near-cache's SET and the PTTL sent right after it reach Redis in separate reads, and a
// command of another client may run between them. Since the SET does not make Redis track the key
// (only the PTTL does), that other write is never pushed: the near-cache would keep its own value
// while Redis holds the other one, until maxTtl or forever.
//
// The test puts a TCP proxy between the near-cache and Redis that does what Redis's read does,
// every time instead of by chance: it forwards the near-cache's bytes up to the end of the big SET,
// holds the rest, waits until Redis has read that SET (CLIENT LIST shows `cmd=set` for the proxy's
// connection), lets the other client write the key, and only then forwards the rest (the PTTL).
// A second test races the two writes without a proxy, many times: on a loopback Redis the other
// client's SET lands between the near-cache's SET and PTTL in most rounds (about 80% here).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNearCache, type NearCache } from '../../src/near/index.js';
import { type PlainClient, plainClient, SLOW_MACHINE_PING_TIMEOUT, template, useRedis } from './helpers.js';
import type { RedisServer } from './redis-server.js';

let server: RedisServer;
let plain: PlainClient;
const opened: NearCache[] = [];
useRedis((s, p) => ([server, plain] = [s, p]), opened);

/** One pause of the stream: after the bytes that end with `marker` and the CRLF that follows it. */
interface Gate {
  marker: Buffer;
  /** Runs with the stream held after the marker; the rest is forwarded once it resolves. */
  run: (upstream: Socket) => Promise<void>;
}

/** A proxy to Redis whose client-to-Redis stream pauses at each gate armed on it. */
class GateProxy {
  readonly gates: Gate[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async listen(target: number): Promise<void> {
    this.server = createServer((client) => this.pipe(client, connect(target, '127.0.0.1')));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  private pipe(client: Socket, upstream: Socket): void {
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    let tail = Buffer.alloc(0); // the last bytes forwarded, for a marker split across chunks
    let forwarded = 0; // bytes of the stream forwarded so far
    let cutAt = -1; // stream offset to pause at, once a marker was seen
    let gate: Gate | undefined;
    let held: Buffer[] | undefined;
    client.on('data', (chunk: Buffer) => {
      if (held) return void held.push(chunk);
      if (cutAt < 0 && this.gates.length > 0) {
        const hay = Buffer.concat([tail, chunk]);
        for (const g of this.gates) {
          const i = hay.indexOf(g.marker);
          if (i < 0) continue;
          cutAt = forwarded - tail.length + i + g.marker.length + 2; // + CRLF ending the bulk
          gate = g;
          this.gates.splice(this.gates.indexOf(g), 1);
          break;
        }
        tail = hay.subarray(Math.max(0, hay.length - 64));
      }
      if (cutAt < 0 || forwarded + chunk.length < cutAt) {
        upstream.write(chunk);
        forwarded += chunk.length;
        return;
      }
      const n = cutAt - forwarded;
      upstream.write(chunk.subarray(0, n));
      forwarded += n;
      held = [chunk.subarray(n)];
      cutAt = -1;
      void gate!.run(upstream).then(() => {
        const rest = held!;
        held = undefined;
        for (const b of rest) {
          upstream.write(b);
          forwarded += b.length;
        }
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r));
  }
}

let proxy: GateProxy;
beforeAll(async () => {
  proxy = new GateProxy();
  await proxy.listen(server.port);
});
afterAll(async () => {
  for (const near of opened) near.dispose();
  await proxy?.close();
});

/** Resolves once Redis has read the last command sent on the connection from `socket`: `cmd`. */
async function redisRan(socket: Socket, cmd: string): Promise<void> {
  const addr = `addr=127.0.0.1:${socket.localPort}`;
  for (let i = 0; i < 2000; i++) {
    const list = String(await plain.sendCommand(['CLIENT', 'LIST']));
    const line = list.split('\n').find((l) => l.includes(`${addr} `));
    if (line && new RegExp(`\\bcmd=${cmd}\\b`).test(line)) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`Redis did not run ${cmd} on ${addr}`);
}

describe('a large set() raced by another client', () => {
  it('never keeps a value Redis no longer holds (the other write lands between SET and PTTL)', async () => {
    const near = await createNearCache({
      redis: template(`redis://127.0.0.1:${proxy.port}`),
      local: { maxMemory: '4mb' },
      pingTimeout: SLOW_MACHINE_PING_TIMEOUT,
      values: 'string',
    });
    opened.push(near);
    for (let round = 0; round < 5; round++) {
      const key = `wrace:${round}`;
      const marker = `<<end of round ${round}>>`;
      const mine = 'm'.repeat(40 * 1024) + marker; // over 32 KiB: Redis reads it on its own
      proxy.gates.push({
        marker: Buffer.from(marker),
        run: async (upstream) => {
          await redisRan(upstream, 'set'); // Redis has read (run, or queued) the near-cache's SET
          await plain.set(key, `theirs ${round}`); // the other client's write, answered
        },
      });
      await near.set(key, mine);
      await near.delete(`wrace:sync:${round}`); // a round trip: any push for `key` has arrived
      const inRedis = await plain.get(key);
      const local = near.local.get(key);
      // Whichever write Redis ran last, a local copy (if any) must be what Redis holds.
      if (local !== undefined) expect(local === inRedis ? 'same' : `local ${String(local).slice(-24)}, Redis ${inRedis?.slice(-24)}`).toBe('same');
      expect((await near.get(key))?.slice(-24)).toBe(inRedis?.slice(-24));
      // And it stays coherent: the next write by the other client is pushed.
      await plain.set(key, 'later');
      for (let i = 0; i < 500 && near.local.get(key) !== undefined; i++) await new Promise((r) => setTimeout(r, 2));
      expect(await near.get(key)).toBe('later');
    }
    expect(proxy.gates).toHaveLength(0); // every round did pause at its SET
  });

  it('never keeps a value Redis no longer holds, with the other write sent at the same time (100 rounds)', async () => {
    const near = await createNearCache({ redis: template(server.url), local: { maxMemory: '4mb' }, pingTimeout: SLOW_MACHINE_PING_TIMEOUT });
    opened.push(near);
    const writer = await plainClient(server.url);
    try {
      const stale: number[] = [];
      for (let round = 0; round < 100; round++) {
        const key = `wrace:free:${round}`;
        await Promise.all([near.set(key, 'm'.repeat(40 * 1024)), writer.set(key, 'theirs')]);
        await near.delete('wrace:free:sync'); // a round trip: any push for `key` has arrived
        const local = near.local.get(key);
        if (local !== undefined && local !== (await plain.get(key))) stale.push(round);
      }
      expect(stale).toEqual([]);
    } finally {
      writer.destroy();
    }
  });
});
