// Server settings: their defaults (Redis's where Redis has one), the command line, and the few
// that CONFIG GET / CONFIG SET expose.

import { parseBytes } from '../options.js';

/** Options of {@link createServer}; every one has a default. */
export interface ServerConfig {
  /** TCP port. 0 picks a free one (read it back from `server.port`). Default 6379. */
  port: number;
  /** Address to listen on. Default '127.0.0.1': reachable from this machine only. */
  bind: string;
  /** The cache's whole footprint (wasmcache `maxMemory`): bytes or '256mb'. Default '256mb'. */
  maxmemory: number | string;
  /** Password every client must give (AUTH or HELLO ... AUTH) before other commands. Default none. */
  requirepass: string;
  /** Folder of the snapshot file. Default '.'. */
  dir: string;
  /** Snapshot file name, loaded on start if present, written by SAVE, BGSAVE, SHUTDOWN and SIGTERM. Default 'dump.wcs'. */
  dbfilename: string;
  /** Longest bulk string a client may send (proto-max-bulk-len). Default 512 MB. */
  protoMaxBulkLen: number;
  /** Most bytes buffered for one unfinished command (client-query-buffer-limit). Default 1 GB. */
  clientQueryBufferLimit: number;
  /** Most arguments in one command. Default 1,048,576. */
  maxArgs: number;
  /** Most connected clients (maxclients). Default 10000. */
  maxclients: number;
  /** Longest key in bytes (wasmcache stores keys of at most 65535 bytes). Default 65535. */
  maxKeySize: number;
  /** Load `dir/dbfilename` on start if it exists. Default true. */
  loadOnStart: boolean;
}

export const DEFAULTS: ServerConfig = {
  port: 6379,
  bind: '127.0.0.1',
  maxmemory: '256mb',
  requirepass: '',
  dir: '.',
  dbfilename: 'dump.wcs',
  protoMaxBulkLen: 512 * 1024 * 1024,
  clientQueryBufferLimit: 1024 * 1024 * 1024,
  maxArgs: 1024 * 1024,
  maxclients: 10000,
  maxKeySize: 65535,
  loadOnStart: true,
};

/** Fills in defaults. */
export function resolveConfig(partial: Partial<ServerConfig> = {}): ServerConfig {
  const c: ServerConfig = { ...DEFAULTS };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  parseBytes(c.maxmemory, 'maxmemory'); // fail early on a bad size
  return c;
}

const FLAGS: Record<string, keyof ServerConfig> = {
  port: 'port',
  bind: 'bind',
  maxmemory: 'maxmemory',
  requirepass: 'requirepass',
  dir: 'dir',
  dbfilename: 'dbfilename',
  'proto-max-bulk-len': 'protoMaxBulkLen',
  'client-query-buffer-limit': 'clientQueryBufferLimit',
  maxclients: 'maxclients',
};

const NUMERIC = new Set<keyof ServerConfig>(['port', 'maxclients']);
const SIZES = new Set<keyof ServerConfig>(['protoMaxBulkLen', 'clientQueryBufferLimit']);

/** Parses `--port 6380 --maxmemory 1gb ...` (also `--port=6380`). Throws on an unknown flag. */
export function parseFlags(argv: readonly string[]): Partial<ServerConfig> {
  const out: Partial<ServerConfig> = {};
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    if (!flag.startsWith('--')) throw new Error(`unexpected argument '${flag}'`);
    flag = flag.slice(2);
    const eq = flag.indexOf('=');
    if (eq >= 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    } else value = argv[++i];
    const key = FLAGS[flag];
    if (!key) throw new Error(`unknown option --${flag} (known: ${Object.keys(FLAGS).map((f) => `--${f}`).join(' ')})`);
    if (value === undefined) throw new Error(`--${flag} needs a value`);
    const rec = out as Record<string, unknown>;
    if (NUMERIC.has(key)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got '${value}'`);
      rec[key] = n;
    } else if (SIZES.has(key)) rec[key] = parseBytes(value, flag);
    else rec[key] = value;
  }
  return out;
}
