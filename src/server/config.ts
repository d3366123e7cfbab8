// Server settings: their defaults (Redis's where Redis has one), the command line, and the few
// that CONFIG GET / CONFIG SET expose.

import { parseArgs } from 'node:util';
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

/** The command-line flags of `wasmcache serve` and the setting each one sets. */
export const FLAGS: Readonly<Record<string, keyof ServerConfig>> = {
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

/** {@link FLAGS} as `node:util` parseArgs options: each takes a value. */
export const FLAG_OPTIONS: Record<string, { type: 'string' }> = Object.fromEntries(
  Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }]),
);

const NUMERIC = new Set<keyof ServerConfig>(['port', 'maxclients']);
const SIZES = new Set<keyof ServerConfig>(['protoMaxBulkLen', 'clientQueryBufferLimit']);

/** `--port 6380` style values, as parseArgs returns them, to settings. Throws on a bad value. */
export function flagsToConfig(values: Readonly<Record<string, unknown>>): Partial<ServerConfig> {
  const out: Partial<ServerConfig> = {};
  const rec = out as Record<string, unknown>;
  for (const [flag, value] of Object.entries(values)) {
    const key = Object.prototype.hasOwnProperty.call(FLAGS, flag) ? FLAGS[flag] : undefined;
    if (!key) throw new Error(unknownOption(`--${flag}`));
    if (typeof value !== 'string') throw new Error(`--${flag} needs a value`);
    if (NUMERIC.has(key)) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got '${value}'`);
      rec[key] = n;
    } else if (SIZES.has(key)) rec[key] = parseBytes(value, flag);
    else {
      if (key === 'maxmemory') parseBytes(value, flag); // a bad size is a bad command line
      rec[key] = value;
    }
  }
  return out;
}

/** The message for an unknown flag, listing the known ones. */
export function unknownOption(flag: string): string {
  return `unknown option ${flag} (known: ${Object.keys(FLAGS).map((f) => `--${f}`).join(' ')})`;
}

/**
 * Rewords parseArgs' errors (ERR_PARSE_ARGS_*) the way the CLI words them, naming the flag; other
 * errors are returned as they are.
 */
export function flagError(e: unknown): Error {
  const err = e as { code?: string; message?: string };
  const named = /'(-[^' ]+)/.exec(err.message ?? '')?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new Error(unknownOption(named ?? '?'));
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(--[\w-]+)/.exec(err.message ?? '')?.[1] ?? named ?? 'an option';
    const dash = /ambiguous/.test(err.message ?? '') ? ` (to give a value starting with '-', write ${flag}=<value>)` : '';
    return new Error(`${flag} needs a value${dash}`);
  }
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(err.message ?? '')?.[1];
    return new Error(`unexpected argument '${arg ?? '?'}'`);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** Parses `--port 6380 --maxmemory 1gb ...` (also `--port=6380`) with node:util's parseArgs. Throws on an unknown flag. */
export function parseFlags(argv: readonly string[]): Partial<ServerConfig> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...argv], options: FLAG_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw flagError(e);
  }
  return flagsToConfig(values);
}
