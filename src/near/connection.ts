// The structural types of the node-redis client the near-cache drives. Declared here instead of
// importing node-redis's own types so that `wasmcache/near` needs nothing from `redis` at runtime
// and accepts any client with this shape (node-redis v5 and v6 both have it).

/** Bytes or text, as node-redis sends command arguments. */
export type RedisArg = string | Uint8Array;

/** Options node-redis takes per command; only `typeMapping` is used (36 is RESP's blob string). */
export interface SendOptions {
  typeMapping?: Record<number, unknown>;
}

/** The connection the near-cache owns: a duplicate of the caller's client. */
export interface RedisConnection {
  connect(): Promise<unknown>;
  destroy(): void;
  sendCommand<T = unknown>(args: ReadonlyArray<RedisArg>, options?: SendOptions): Promise<T>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  readonly isReady: boolean;
}

/**
 * A node-redis v5+ client (`createClient(...)` from 'redis' or '@redis/client'), connected or not.
 * The near-cache never sends commands on it: it opens its own connection with `duplicate()`, so
 * the client's address, credentials, TLS, database and reconnect strategy are kept.
 */
export interface RedisClientLike {
  duplicate(overrides?: Record<string, unknown>): unknown;
}
