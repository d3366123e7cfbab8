// The in-flight read race, made deterministic on a real redis-server: the near-cache's connection
// is wrapped so that a BLPOP on a gate key is sent between a read's GET and its PTTL. Redis runs the
// GET (the old value), then blocks the connection; the test writes the key meanwhile (Redis pushes
// the invalidation to the blocked connection at once), waits for that push to be delivered, and
// only then opens the gate. The read must answer the old value (it was read before the write) and
// must not keep it.
import { describe, expect, it } from 'vitest';
import { createNearCache, type NearCache } from '../../src/near/index.js';
import type { RedisArg, SendOptions } from '../../src/near/connection.js';
import { forKey, nextEvent, type PlainClient, template, useRedis } from './helpers.js';
import type { RedisServer } from './redis-server.js';

let server: RedisServer;
let plain: PlainClient;
const opened: NearCache[] = [];
useRedis((s, p) => ([server, plain] = [s, p]), opened);

type Send = (args: ReadonlyArray<RedisArg>, options?: SendOptions) => Promise<unknown>;

/** A near-cache whose next PTTL, once armed, is preceded by `BLPOP gate 0` on its connection. */
async function gatedNear(gate: string) {
  const armed = { on: false };
  const redis = template(server.url);
  const near = await createNearCache({
    redis: {
      duplicate(overrides) {
        const conn = redis.duplicate(overrides) as unknown as { sendCommand: Send };
        const send = conn.sendCommand.bind(conn);
        conn.sendCommand = (args, options) => {
          if (armed.on && args[0] === 'PTTL') {
            armed.on = false;
            void send(['BLPOP', gate, '0']);
          }
          return send(args, options);
        };
        return conn;
      },
    },
    local: { maxMemory: '1mb' },
    pingInterval: 0, // a blocked connection cannot answer PINGs; not what this test is about
    values: 'string',
  });
  opened.push(near);
  return { near, arm: () => (armed.on = true) };
}

/** Resolves once Redis reports a client blocked (the gated connection's BLPOP). */
async function blocked(): Promise<void> {
  for (;;) {
    const info = String(await plain.sendCommand(['INFO', 'clients']));
    if (/blocked_clients:1\b/.test(info)) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('a read in flight when its key is invalidated', () => {
  it('is answered but not kept: the next read goes to Redis', async () => {
    const { near, arm } = await gatedNear('gate:1');
    await plain.set('race:1', 'old');
    arm();
    const read = near.get('race:1');
    await blocked(); // GET has run (old value, key now tracked); PTTL waits behind the gate
    const invalidated = nextEvent(near, 'invalidate', forKey('race:1'));
    await plain.set('race:1', 'new');
    await invalidated; // delivered while the read is still in flight
    await plain.lPush('gate:1', 'open');
    expect(await read).toBe('old');
    expect(near.local.has('race:1')).toBe(false);
    expect(near.stats()).toMatchObject({ discarded: 1, invalidations: 1 });
    expect(await near.get('race:1')).toBe('new');
    expect(near.local.get('race:1')).toBe('new');
  });

  it('without a write during the gate, the same read is kept (control)', async () => {
    const { near, arm } = await gatedNear('gate:2');
    await plain.set('race:2', 'same');
    arm();
    const read = near.get('race:2');
    await blocked();
    await plain.lPush('gate:2', 'open');
    expect(await read).toBe('same');
    expect(near.local.get('race:2')).toBe('same');
    expect(near.stats().discarded).toBe(0);
  });

  it("is not kept when this near-cache's own write of the key is sent meanwhile", async () => {
    const { near, arm } = await gatedNear('gate:3');
    await plain.set('race:3', 'old');
    arm();
    const read = near.get('race:3');
    await blocked();
    const write = near.set('race:3', 'mine'); // queued behind the gate on the same connection
    await plain.lPush('gate:3', 'open');
    expect(await read).toBe('old');
    await write;
    expect(near.local.get('race:3')).toBe('mine');
    expect(await near.get('race:3')).toBe('mine');
    expect(near.stats().discarded).toBe(1);
  });

  it('is not kept when a FLUSHALL is delivered meanwhile', async () => {
    const { near, arm } = await gatedNear('gate:4');
    await plain.set('race:4', 'old');
    arm();
    const read = near.get('race:4');
    await blocked();
    const flushed = nextEvent(near, 'flush');
    await plain.flushAll();
    await flushed;
    await plain.set('race:4', 'after'); // so that the gated PTTL finds the key (-1, not -2)
    await plain.lPush('gate:4', 'open');
    expect(await read).toBe('old');
    expect(near.local.has('race:4')).toBe(false);
    expect(await near.get('race:4')).toBe('after');
  });

  it('a get() called after the invalidation does not join the overtaken read', async () => {
    const { near, arm } = await gatedNear('gate:5');
    await plain.set('race:5', 'old');
    arm();
    const first = near.get('race:5');
    await blocked();
    const invalidated = nextEvent(near, 'invalidate', forKey('race:5'));
    await plain.set('race:5', 'new');
    await invalidated;
    const second = near.get('race:5'); // sent after the gated read, on the same connection
    await plain.lPush('gate:5', 'open');
    expect(await first).toBe('old');
    expect(await second).toBe('new');
    expect(near.stats().coalesced).toBe(0);
    expect(near.local.get('race:5')).toBe('new');
  });
});
