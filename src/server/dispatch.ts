// Command dispatch: finds the command a request names and runs it after Redis 7.0's checks, in its
// order (unknown command or subcommand, arity, authentication), turning a cache exception into an
// error reply.

import type { Client } from './client.js';
import type { CommandClock } from './clock.js';
import { arityError, cacheErrorReply, type CommandSpec, type LateReply } from './command.js';
import type { CommandTable } from './commands/index.js';
import type { ServerStats } from './context.js';
import { runMget } from './fast.js';

/**
 * Runs the command in `c.cmd` from `table`, counting it in `stats` and pinning `clock` while it
 * runs. Returns a promise only for commands that wait.
 */
export function dispatch(table: CommandTable, stats: ServerStats, clock: CommandClock, c: Client): Promise<LateReply> | undefined {
  if (c.authenticated) {
    // MGET by its bytes (fast.ts). Plain GETs and SETs do not get here: Client batches them (fast.ts).
    const mark = c.out.n;
    clock.pin();
    try {
      if (runMget(c)) return undefined;
    } catch (e) {
      c.out.n = mark;
      c.out.error(cacheErrorReply(e));
      return undefined;
    } finally {
      clock.unpin();
    }
  }
  const cmd = c.cmd;
  let spec = table.lookup(cmd, 0);
  if (spec === undefined) {
    c.out.error(unknownCommand(c));
    return undefined;
  }
  if (spec.sub !== undefined && cmd.argc >= 2) {
    const sub = spec.sub.get(cmd.upper(1));
    if (sub === undefined) {
      c.out.error(`ERR unknown subcommand '${cmd.cstr(1).slice(0, 128)}'. Try ${cmd.upper(0)} HELP.`);
      return undefined;
    }
    spec = sub;
  }
  if (!arityOk(spec, cmd.argc)) {
    c.out.error(arityError(spec.name));
    return undefined;
  }
  if (!c.authenticated && !spec.noAuth) {
    c.out.error('NOAUTH Authentication required.');
    return undefined;
  }
  stats.commandsProcessed++;
  c.lastCommand = spec.name;
  const mark = c.out.n;
  clock.pin();
  try {
    const late = spec.run(c);
    return late === undefined ? undefined : late;
  } catch (e) {
    c.out.n = mark; // drop a half-written reply
    c.out.error(cacheErrorReply(e));
    return undefined;
  } finally {
    clock.unpin();
  }
}

function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity > 0 ? argc === spec.arity : argc >= -spec.arity;
}

/** `ERR unknown command 'FOO', with args beginning with: 'a' 'b' ` (Redis 7.0's format, trailing space included). */
function unknownCommand(c: Client): string {
  // Redis formats with %s: an argument ends at its first NUL byte.
  const arg = (i: number) => c.cmd.cstr(i);
  let args = '';
  for (let i = 1; i < c.cmd.argc && args.length < 128; i++) args += `'${arg(i).slice(0, 128 - args.length)}' `;
  return `ERR unknown command '${arg(0).slice(0, 128)}', with args beginning with: ${args}`;
}
