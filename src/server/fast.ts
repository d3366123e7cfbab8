// The byte path for the commands a cache serves most: GET, MGET, SET key value and SET key value
// EX s / PX ms. Their arguments stay bytes in the parser's buffer and go to the cache by position
// (Cache.setArg / getArg: one copy into the cache's memory, no view, string or option object),
// and GET's value is copied from the cache's memory straight into the reply. Every other form
// (NX, XX, GET, KEEPTTL, EXAT, PXAT, a time that is not a plain positive number, exact times past
// 2^53 ms being tracked) goes through the command table as before: same replies, same errors.

import type { Client } from './client.js';
import type { Command } from './resp.js';

const G = 0x67;
const E = 0x65;
const T = 0x74;
const S = 0x73;
const M = 0x6d;
const X = 0x78;
const P = 0x70;

/** Byte `k` of argument i, lower-cased if it is a letter (`| 0x20` maps only 'A'-'Z' onto 'a'-'z' among the bytes compared). */
function lower(cmd: Command, i: number, k: number): number {
  return cmd.buf[cmd.start[i] + k] | 0x20;
}

/**
 * Runs `c.cmd` if it is one of the forms above and the client may run commands: true if it did
 * (reply written, counted). A CacheError (a key or value too large, no memory) is thrown as from
 * a handler, for dispatch to answer.
 */
export function runFast(c: Client): boolean {
  const cmd = c.cmd;
  const argc = cmd.argc;
  const n = cmd.end[0] - cmd.start[0];
  if (n === 3 && lower(cmd, 0, 1) === E && lower(cmd, 0, 2) === T) {
    const first = lower(cmd, 0, 0);
    if (first === G && argc === 2) {
      count(c, 'get');
      c.server.cache.getArg(cmd, 1, c.out);
      return true;
    }
    if (first === S && (argc === 3 || (argc === 5 && c.server.exactExpiry.size === 0))) {
      const ttl = argc === 3 ? 0 : ttlArg(cmd);
      if (ttl < 0) return false;
      count(c, 'set');
      c.server.cache.setArg(cmd, 1, ttl);
      c.out.ok();
      return true;
    }
    return false;
  }
  if (n === 4 && argc >= 2 && lower(cmd, 0, 0) === M && lower(cmd, 0, 1) === G && lower(cmd, 0, 2) === E && lower(cmd, 0, 3) === T) {
    count(c, 'mget');
    const cache = c.server.cache;
    c.out.array(argc - 1);
    for (let i = 1; i < argc; i++) cache.getArg(cmd, i, c.out);
    return true;
  }
  return false;
}

function count(c: Client, name: string): void {
  c.server.stats.commandsProcessed++;
  c.lastCommand = name;
}

/**
 * SET's `EX s` / `PX ms` (arguments 3 and 4) as a TTL in ms, or -1 for anything else: the general
 * path parses it and gives the errors. Up to 10 digits with no leading zero, so the expiry time
 * (now + ttl) stays far below 2^53 and no exact time needs keeping (expiry.ts).
 */
function ttlArg(cmd: Command): number {
  if (cmd.end[3] - cmd.start[3] !== 2 || lower(cmd, 3, 1) !== X) return -1;
  const unit = lower(cmd, 3, 0);
  if (unit !== E && unit !== P) return -1;
  const buf = cmd.buf;
  const s = cmd.start[4];
  const e = cmd.end[4];
  if (e - s > 10 || e === s || buf[s] === 0x30) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return unit === E ? v * 1000 : v;
}
