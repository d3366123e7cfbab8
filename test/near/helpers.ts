// Shared by the near-cache tests: clients for a test server and waiting for near-cache events.
import type { EventEmitter } from 'node:events';
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import type { NearCache } from '../../src/near/index.js';
import { startRedis, type RedisServer } from './redis-server.js';

/**
 * The health-PING timeout for tests that count flushes or check what is kept: a PING stuck behind a
 * loaded CI machine's event loop would (rightly) flush the cache and break their counts. The PING
 * test itself sets its own.
 */
export const SLOW_MACHINE_PING_TIMEOUT = 10_000;

/** A connected plain client (RESP2, like most application code) that ignores connection errors. */
export async function plainClient(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export type PlainClient = Awaited<ReturnType<typeof plainClient>>;

/**
 * A redis-server and a plain client for this test file, handed to `use` before the tests; after
 * them, the near-caches pushed on `opened` are disposed and the server stopped.
 */
export function useRedis(use: (server: RedisServer, plain: PlainClient) => void, opened: NearCache[]): void {
  let server: RedisServer | undefined;
  let plain: PlainClient | undefined;
  beforeAll(async () => {
    server = await startRedis();
    plain = await plainClient(server.url);
    use(server, plain);
  });
  afterAll(async () => {
    for (const near of opened) near.dispose();
    plain?.destroy();
    await server?.stop();
  });
}

/** A client template for createNearCache: never connected itself; quick reconnects for the tests. */
export function template(url: string) {
  return createClient({ url, socket: { reconnectStrategy: () => 50 } });
}

/**
 * Resolves with the arguments of the next `event` whose arguments pass `match`; rejects after
 * `timeoutMs` (a generous bound, so only a missing event fails, never a slow one).
 */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  match: (...args: A) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: A) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    emitter.on(event, listener as (...args: unknown[]) => void);
  });
}

/** Matches an 'invalidate' event for the key named `key`. */
export const forKey = (key: string) => (text: string, bytes: Uint8Array) => text === key && Buffer.from(bytes).toString() === key;
