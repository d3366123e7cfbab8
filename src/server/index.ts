/**
 * wasmcache/server: a RESP2/RESP3 server, so any Redis client can use a wasmcache.
 *
 * ```ts
 * import { createServer } from 'wasmcache/server'
 * const server = await createServer({ port: 6379, maxmemory: '256mb' })
 * // redis-cli -p 6379 set name 'John Doe'
 * await server.close()
 * ```
 * @packageDocumentation
 */
export { createServer, RespServer, type CreateServerOptions } from './server.js';
export type { ServerStats } from './context.js';
export { DEFAULTS, parseFlags, resolveConfig, type ServerConfig } from './config.js';
