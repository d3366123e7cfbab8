// The byte path for the commands a cache serves most: GET, MGET, SET key value and SET key value
// EX s / PX ms. Their arguments stay bytes in the parser's buffer and go to the cache by position
// (Cache.setArgs / getArgs: one copy into the cache's memory, no view, string or option object);
// GET's value is copied from the cache's memory straight into the reply. A run of pipelined GETs
// (or of SETs with the same TTL) is queued and then read (or stored) in one call into the core
// per scratch-full, which overlaps the cache misses of their lookups. Every other form (NX, XX, GET,
// KEEPTTL, EXAT, PXAT, a time that is not a plain positive number, exact times past 2^53 ms being
// tracked, a client not yet authenticated) goes through the command table as before.

import type { ByteArgs } from '../cache-types.js';
import { cacheErrorReply } from './command.js';
import type { ServerContext } from './context.js';
import type { ReplyWriter } from './reply.js';
import type { Command } from './resp.js';

/** What the byte path needs of a connection (Client has it). */
export interface FastClient {
  readonly server: ServerContext;
  readonly cmd: Command;
  readonly out: ReplyWriter;
  readonly authenticated: boolean;
  lastCommand: string;
}

const G = 0x67;
const E = 0x65;
const T = 0x74;
const S = 0x73;
const M = 0x6d;
const X = 0x78;
const P = 0x70;

const NONE = 0;
const GET = 1;
const SET = 2;

/** Most commands queued at once. */
const CAPACITY = 256;

/** Byte `k` of argument i, with `| 0x20`: among the bytes compared, that maps only 'A'-'Z' onto 'a'-'z'. */
function lower(cmd: Command, i: number, k: number): number {
  return cmd.buf[cmd.start[i] + k] | 0x20;
}

/**
 * Pipelined GETs and SETs, queued while they follow each other and run together (one per server:
 * a connection runs its commands without yielding, and runs the queue before anything else).
 * It is the ByteArgs the cache reads: GET i's key is argument i; SET i's key and value are 2i, 2i + 1.
 */
export class Pipeline implements ByteArgs {
  data: Uint8Array = new Uint8Array(0);
  readonly start = new Int32Array(2 * CAPACITY);
  readonly end = new Int32Array(2 * CAPACITY);
  private n = 0;
  private kind = NONE;
  private ttl = 0;

  /**
   * Queues `c.cmd` if it is a GET or a plain SET (or SET EX/PX) of an authenticated client, after
   * running what is queued if it cannot join it. False: run it the usual way (after run()).
   */
  add(c: FastClient): boolean {
    const cmd = c.cmd;
    if (!c.authenticated || cmd.end[0] - cmd.start[0] !== 3 || lower(cmd, 0, 1) !== E || lower(cmd, 0, 2) !== T) return false;
    const first = lower(cmd, 0, 0);
    let kind = NONE;
    let ttl = 0;
    if (first === G && cmd.argc === 2) kind = GET;
    else if (first === S && cmd.argc === 3) kind = SET;
    else if (first === S && cmd.argc === 5 && c.server.exactExpiry.size === 0) {
      ttl = ttlArg(cmd);
      if (ttl > 0) kind = SET;
    }
    if (kind === NONE) return false;
    const data = cmd.data;
    if (this.n !== 0 && (kind !== this.kind || ttl !== this.ttl || data !== this.data || this.n === CAPACITY)) this.run(c);
    this.kind = kind;
    this.ttl = ttl;
    this.data = data;
    if (kind === GET) {
      this.start[this.n] = cmd.start[1];
      this.end[this.n] = cmd.end[1];
    } else {
      this.start[2 * this.n] = cmd.start[1];
      this.end[2 * this.n] = cmd.end[1];
      this.start[2 * this.n + 1] = cmd.start[2];
      this.end[2 * this.n + 1] = cmd.end[2];
    }
    this.n++;
    c.server.stats.commandsProcessed++;
    c.lastCommand = kind === GET ? 'get' : 'set';
    return true;
  }

  /** Runs the queued commands, in order, their replies into `c.out`; an error (a key too long, no memory) answers only its command. */
  run(c: FastClient): void {
    const n = this.n;
    if (n === 0) return;
    this.n = 0;
    const cache = c.server.cache;
    const out = c.out;
    for (let i = 0; i < n; ) {
      try {
        if (this.kind === GET) i += cache.getArgs(this, i, n, out);
        else {
          const done = cache.setArgs(this, 2 * i, n - i, this.ttl);
          for (let k = 0; k < done; k++) out.ok();
          i += done;
        }
      } catch (e) {
        out.error(cacheErrorReply(e));
        i++;
      }
    }
  }
}

/** Runs `c.cmd` if it is an MGET (of an authenticated client): true if it did. A CacheError is thrown as from a handler. */
export function runMget(c: FastClient): boolean {
  const cmd = c.cmd;
  const argc = cmd.argc;
  if (argc < 2 || cmd.end[0] - cmd.start[0] !== 4 || lower(cmd, 0, 0) !== M || lower(cmd, 0, 1) !== G || lower(cmd, 0, 2) !== E || lower(cmd, 0, 3) !== T) {
    return false;
  }
  c.server.stats.commandsProcessed++;
  c.lastCommand = 'mget';
  const cache = c.server.cache;
  c.out.array(argc - 1);
  for (let i = 1; i < argc; ) i += cache.getArgs(cmd, i, argc, c.out);
  return true;
}

/**
 * SET's `EX s` / `PX ms` (arguments 3 and 4) as a TTL in ms, or -1 for anything else (the general
 * path parses it and gives the errors). Up to 10 digits and no leading zero, so that the expiry
 * time (now + ttl) stays far below 2^53 and no exact time needs keeping (expiry.ts).
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
