/**
 * wasmcache/near: a local Wasm cache in front of Redis, kept coherent by Redis's server-assisted
 * client-side caching (CLIENT TRACKING over RESP3). Needs a node-redis v5+ client.
 *
 * ```ts
 * import { createClient } from 'redis'
 * import { createNearCache } from 'wasmcache/near'
 * const near = await createNearCache({ redis: createClient({ url }), local: { maxMemory: '64mb' } })
 * await near.set('user:1', 'Ada')
 * await near.get('user:1') // 'Ada', from local memory until someone changes it in Redis
 * ```
 * @packageDocumentation
 */
import { createCache } from '../index.js';
import { NearCache } from './near-cache.js';
import { resolveNearOptions, type NearCacheOptions } from './options.js';

export { NearCache };
export type { NearCacheEvents, NearSetOptions } from './near-cache.js';
export type { NearCacheOptions, NearMode } from './options.js';
export type { NearCacheStats } from './stats.js';
export type { TrackingState } from './tracking.js';
export type { RedisClientLike } from './connection.js';

/**
 * Creates a near-cache: a local Wasm cache (options.local) in front of the Redis that
 * `options.redis` points at, on a connection of its own. Resolves once tracking is on; rejects
 * with a CacheError ERR_REDIS if Redis cannot be reached within `connectTimeout` (default 5 s,
 * whatever the client's reconnect strategy; the connection is closed then) or refuses CLIENT
 * TRACKING (Redis 6+ is needed).
 */
export async function createNearCache(options: NearCacheOptions & { values: 'bytes' }): Promise<NearCache<Uint8Array>>;
export async function createNearCache(options: NearCacheOptions & { values?: 'string' }): Promise<NearCache<string>>;
export async function createNearCache(options: NearCacheOptions): Promise<NearCache>;
export async function createNearCache(options: NearCacheOptions): Promise<NearCache> {
  const opts = resolveNearOptions(options);
  const local = await createCache(options.local ?? { maxMemory: '64mb' });
  let near: NearCache;
  try {
    near = new NearCache(local, options.redis, opts);
  } catch (error) {
    local.dispose();
    throw error;
  }
  try {
    await near.start();
  } catch (error) {
    near.dispose();
    throw error;
  }
  return near;
}
