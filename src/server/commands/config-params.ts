// The parameters CONFIG GET and CONFIG SET know: the server's settings plus the few that clients
// ask for on connect (redis-benchmark reads `save` and `appendonly`).

import { parseBytes } from '../../options.js';
import type { ServerContext } from '../context.js';

/** One CONFIG parameter: its current value, and for settable ones a check and a setter. */
export interface ConfigParam {
  get(): string;
  /** A reason the value is refused, or undefined. */
  check?(value: string): string | undefined;
  set?(value: string): void;
}

const MIN_MEMORY = 256 * 1024;
const MAX_MEMORY = 4 * 1024 ** 3 - 65536;

/** Redis memory values: plain bytes or k/kb/m/mb/g/gb (case-insensitive). */
function memory(value: string): number | undefined {
  try {
    return /^\d+([kmg]b?|b)?$/i.test(value) ? parseBytes(value.toLowerCase(), 'value') : undefined;
  } catch {
    return undefined;
  }
}

function integer(value: string): number | undefined {
  return /^(0|[1-9]\d{0,15})$/.test(value) ? Number(value) : undefined;
}

/** The parameters of `server`, by lower-case name. */
export function configParams(server: ServerContext): Record<string, ConfigParam> {
  const cfg = server.config;
  const fixed = (v: string): ConfigParam => ({ get: () => v });
  const limit = (read: () => number, write: (n: number) => void, min = 1): ConfigParam => ({
    get: () => String(read()),
    check: (v) => {
      const n = memory(v);
      return n === undefined || n < min ? 'argument must be a memory value' : undefined;
    },
    set: (v) => write(memory(v) as number),
  });
  return {
    maxmemory: {
      get: () => String(server.cache.stats().maxBytes),
      check: (v) => {
        const n = memory(v);
        if (n === undefined) return 'argument must be a memory value';
        if (n < MIN_MEMORY || n > MAX_MEMORY) return 'wasmcache needs a maxmemory from 256kb to 4gb - 64kb';
        return undefined;
      },
      set: (v) => server.resize(memory(v) as number),
    },
    'maxmemory-policy': { get: () => server.cache.stats().policy },
    save: { get: () => '', check: (v) => (v === '' ? undefined : 'wasmcache saves on SAVE, BGSAVE, SHUTDOWN and SIGTERM only'), set: () => undefined },
    appendonly: { get: () => 'no', check: (v) => (v.toLowerCase() === 'no' ? undefined : 'wasmcache has no append-only file'), set: () => undefined },
    requirepass: { get: () => cfg.requirepass, check: () => undefined, set: (v) => (cfg.requirepass = v) },
    port: fixed(String(server.port)),
    bind: fixed(cfg.bind),
    dir: { get: () => cfg.dir, check: () => undefined, set: (v) => (cfg.dir = v) },
    dbfilename: {
      get: () => cfg.dbfilename,
      check: (v) => (v.includes('/') ? 'dbfilename can\'t be a path, just a filename' : undefined),
      set: (v) => (cfg.dbfilename = v),
    },
    databases: fixed('1'),
    timeout: fixed('0'),
    'proto-max-bulk-len': limit(() => server.limits.maxBulk, (n) => (server.limits.maxBulk = cfg.protoMaxBulkLen = n), 1024 * 1024),
    'client-query-buffer-limit': limit(() => server.limits.maxQueryBuffer, (n) => (server.limits.maxQueryBuffer = cfg.clientQueryBufferLimit = n), 1024 * 1024),
    maxclients: {
      get: () => String(cfg.maxclients),
      check: (v) => (integer(v) === undefined || integer(v)! < 1 ? 'argument couldn\'t be parsed into an integer' : undefined),
      set: (v) => (cfg.maxclients = integer(v) as number),
    },
  };
}
