// What a command is to the server: its Redis metadata (name, arity, flags, key positions; see
// CommandInfo in context.ts) and the function that runs it on a Session, plus helpers the command
// files share for arguments and error strings.

import { CacheError } from '../errors.js';
import type { CommandInfo, Session } from './context.js';
import type { ReplyWriter } from './reply.js';
import { parseInt64 } from './numbers.js';

/** A reply produced later, by a command that had to wait (SAVE, SHUTDOWN...). */
export type LateReply = (out: ReplyWriter) => void;

/** Runs a command: writes its reply to `c.out`, or returns a promise of a reply written later. */
export type Handler = (c: Session) => void | Promise<LateReply>;

/** One command (or subcommand) of the table: its metadata and the function that runs it. */
export interface CommandSpec extends CommandInfo {
  /** Allowed before AUTH when requirepass is set. */
  noAuth?: boolean;
  run: Handler;
  /** Subcommands by upper-case name (CLIENT, CONFIG, COMMAND). */
  sub?: Map<string, CommandSpec>;
}

/** Shorthand for table entries: `cmd('get', 2, 'string', '1.0.0', 'readonly fast', [1, 1, 1], 'Returns ...', run)`. */
export function cmd(
  name: string,
  arity: number,
  group: string,
  since: string,
  flags: string,
  keys: readonly [number, number, number],
  summary: string,
  run: Handler,
  extra: Partial<CommandSpec> = {},
): CommandSpec {
  return { name, arity, group, since, flags: flags ? flags.split(' ') : [], keys, summary, run, ...extra };
}

export const NO_KEYS = [0, 0, 0] as const;

// Redis's shared error replies, exactly (server.c createSharedObjects).
export const E_SYNTAX = 'ERR syntax error';
export const E_NOT_INT = 'ERR value is not an integer or out of range';
export const E_NOT_FLOAT = 'ERR value is not a valid float';
export const E_NO_KEY = 'ERR no such key';
export const E_OVERFLOW = 'ERR increment or decrement would overflow';
export const E_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export function arityError(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

export function expireTimeError(name: string): string {
  return `ERR invalid expire time in '${name}' command`;
}

/** Argument i as a 64-bit integer (Redis's string2ll rules), or undefined after answering E_NOT_INT. */
export function int64Arg(c: Session, i: number, error = E_NOT_INT): bigint | undefined {
  const v = parseInt64(c.cmd.buf, c.cmd.start[i], c.cmd.end[i]);
  if (v === undefined) c.out.error(error);
  return v;
}

/**
 * An absolute expiry time in ms from argument i, checked as Redis 7.0 does: `unitMs` 1000 for
 * seconds, `base` the current time for relative forms (EX, EXPIRE) or 0 for absolute ones (EXAT,
 * EXPIREAT). `positive` refuses values <= 0 (SET EX 0 is an error; EXPIRE 0 deletes). Undefined
 * after answering an error.
 */
export function expiryArg(c: Session, i: number, unitMs: number, base: number, name: string, positive: boolean): bigint | undefined {
  const v = int64Arg(c, i);
  if (v === undefined) return undefined;
  const LIMIT = (1n << 63n) - 1n;
  if (positive && v <= 0n) return void c.out.error(expireTimeError(name));
  if (unitMs === 1000 && (v > LIMIT / 1000n || v < -(LIMIT / 1000n))) return void c.out.error(expireTimeError(name));
  const ms = v * BigInt(unitMs);
  const b = BigInt(base);
  if (ms > LIMIT - b) return void c.out.error(expireTimeError(name));
  const at = ms + b;
  if (positive && at <= 0n) return void c.out.error(expireTimeError(name));
  return at; // exact: times beyond 2^53 ms do not fit a number
}

/** The error reply for an exception from the cache (or, for a bug in a command, from anything). */
export function cacheErrorReply(e: unknown): string {
  // Anything else is a bug in a command: answer it on that connection rather than stop the server.
  if (!(e instanceof CacheError)) return `ERR internal error: ${e instanceof Error ? e.message : String(e)}`;
  if (e.code === 'ERR_NO_MEMORY') return "OOM command not allowed when used memory > 'maxmemory'.";
  return `ERR ${e.message}`; // e.g. a key or value beyond the cache's limits (documented differences)
}
