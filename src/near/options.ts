import { CacheError } from '../errors.js';
import type { CacheOptions } from '../options.js';
import type { RedisClientLike } from './connection.js';

/**
 * How Redis tells the near-cache what to drop (`CLIENT TRACKING`):
 * - 'default': Redis remembers the keys this near-cache read and pushes an invalidation once one of
 *   them is written or expires. Costs memory in Redis per key read; only keys read are pushed.
 * - 'bcast': Redis pushes every write to a key under one of `prefixes`, read or not. No memory in
 *   Redis; suits a small, hot, prefixed key space.
 */
export type NearMode = 'default' | 'bcast';

/** Options of {@link createNearCache}. */
export interface NearCacheOptions {
  /**
   * A node-redis v5+ client, connected or not (RESP2 or RESP3). The near-cache opens its own RESP3
   * connection from it with `duplicate()` and closes that connection on dispose(); your client is
   * left as it is.
   */
  redis: RedisClientLike;
  /** Options of the local Wasm cache (maxMemory, maxEntries, policy...). Default `{ maxMemory: '64mb' }`. */
  local?: CacheOptions;
  /** Invalidation mode. Default 'default'. See {@link NearMode}. */
  mode?: NearMode;
  /**
   * Key prefixes to keep locally; other keys are read from Redis every time. In 'bcast' mode they
   * are also the prefixes Redis broadcasts (none: every key, which Redis pushes on every write).
   */
  prefixes?: string[];
  /** Longest time in ms a value is kept locally, whatever its TTL in Redis. 0 (default): no bound but Redis's TTL. */
  maxTtl?: number;
  /** What get() returns: 'string' (default, UTF-8 text) or 'bytes' (a Uint8Array). */
  values?: 'string' | 'bytes';
  /** Interval in ms of the health PING on the tracking connection; 0 turns it off. Default 1000. */
  pingInterval?: number;
  /** A PING unanswered after this many ms flushes the local cache until one is answered. Default 1000. */
  pingTimeout?: number;
  /**
   * Longest time in ms createNearCache() waits to connect and enable tracking, however the client
   * retries (its reconnectStrategy); past it, it disconnects and rejects with ERR_REDIS. Default 5000.
   */
  connectTimeout?: number;
}

export interface ResolvedNearOptions {
  mode: NearMode;
  prefixes: string[];
  maxTtl: number;
  bytes: boolean;
  pingInterval: number;
  pingTimeout: number;
  connectTimeout: number;
}

function ms(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CacheError('ERR_OPTIONS', `createNearCache() option ${name} must be a finite number of ms >= 0, got ${String(value)}`);
  }
  return value;
}

export function resolveNearOptions(options: NearCacheOptions): ResolvedNearOptions {
  if (options === null || typeof options !== 'object') {
    throw new CacheError('ERR_OPTIONS', 'createNearCache() needs an options object with a redis client');
  }
  const mode = options.mode ?? 'default';
  if (mode !== 'default' && mode !== 'bcast') {
    throw new CacheError('ERR_OPTIONS', `createNearCache() option mode must be 'default' or 'bcast', got ${String(mode)}`);
  }
  const prefixes = options.prefixes ?? [];
  if (!Array.isArray(prefixes) || prefixes.some((p) => typeof p !== 'string' || p === '')) {
    throw new CacheError('ERR_OPTIONS', 'createNearCache() option prefixes must be an array of non-empty strings');
  }
  const values = options.values ?? 'string';
  if (values !== 'string' && values !== 'bytes') {
    throw new CacheError('ERR_OPTIONS', `createNearCache() option values must be 'string' or 'bytes', got ${String(values)}`);
  }
  const pingInterval = ms(options.pingInterval, 'pingInterval', 1000);
  const pingTimeout = ms(options.pingTimeout, 'pingTimeout', 1000);
  if (pingInterval > 0 && pingTimeout === 0) {
    throw new CacheError('ERR_OPTIONS', 'createNearCache() option pingTimeout must be > 0 when pingInterval is');
  }
  const connectTimeout = ms(options.connectTimeout, 'connectTimeout', 5000);
  if (connectTimeout === 0) {
    throw new CacheError('ERR_OPTIONS', 'createNearCache() option connectTimeout must be > 0 ms');
  }
  return {
    mode,
    prefixes: [...prefixes],
    maxTtl: ms(options.maxTtl, 'maxTtl', 0),
    bytes: values === 'bytes',
    pingInterval,
    pingTimeout,
    connectTimeout,
  };
}
