// What a command sees: its connection (Session) and, through it, the server (ServerContext) — the
// cache, the settings, the connected clients and counters, the command table's metadata, and the
// save/resize/shutdown hooks. Interfaces only, so the commands and the connection depend on this
// file rather than on server.ts or client.ts (which implement it).

import type { Socket } from 'node:net';
import type { Cache } from '../cache.js';
import type { ServerConfig } from './config.js';
import type { ExactExpiry } from './expiry.js';
import type { ReplyWriter } from './reply.js';
import type { Command, ParserLimits } from './resp.js';

/** Counters reported by INFO stats. */
export interface ServerStats {
  connectionsReceived: number;
  commandsProcessed: number;
  rejectedConnections: number;
}

/** The time a command sees (pinned for the length of each command: see clock.ts). */
export interface Clock {
  now(): number;
}

/** A command's Redis metadata, as COMMAND, COMMAND INFO and COMMAND DOCS report it. */
export interface CommandInfo {
  /** Lower-case name as Redis prints it in errors: 'get', or 'client|setname' for a subcommand. */
  name: string;
  /** Redis's convention: n = exactly n arguments (name included), -n = at least n. */
  arity: number;
  /** Flags reported by COMMAND INFO ('readonly', 'write', 'fast'...). */
  flags: readonly string[];
  /** First key, last key (-1 = last argument), step; [0, 0, 0] without keys. */
  keys: readonly [number, number, number];
  /** Command group and the Redis version that introduced it, for COMMAND DOCS. */
  group: string;
  since: string;
  summary: string;
  /** Subcommands by upper-case name (CLIENT, CONFIG, COMMAND). */
  sub?: Map<string, CommandInfo>;
}

/** What the commands read of the command table (COMMAND COUNT, LIST, INFO, DOCS). */
export interface CommandRegistry {
  /** Number of top-level commands (COMMAND COUNT). */
  readonly size: number;
  all(): readonly CommandInfo[];
  /** A command by name, ignoring case; 'parent|sub' names a subcommand. */
  byName(name: string): CommandInfo | undefined;
}

/** The server as the commands see it. */
export interface ServerContext {
  /** The cache behind the server (CONFIG SET maxmemory replaces it: read it anew each command). */
  readonly cache: Cache;
  readonly config: ServerConfig;
  /** The parser's limits, shared by every connection (CONFIG SET changes them in place). */
  readonly limits: ParserLimits;
  readonly clients: ReadonlySet<Session>;
  readonly table: CommandRegistry;
  readonly stats: ServerStats;
  /** Start time (ms since the epoch). */
  readonly startedAt: number;
  /** Exact expiry times beyond 2^53 ms, which the cache's f64 cannot hold (see expiry.ts). */
  readonly exactExpiry: ExactExpiry;
  /** Unix time (s) of the last successful save, or of the start. */
  readonly lastSave: number;
  readonly clock: Clock;
  /** The port listened on. */
  readonly port: number;
  /** Writes the snapshot. Resolves to the number of keys saved. */
  save(): Promise<number>;
  /** Replaces the cache with one of another size, keeping every key that fits (CONFIG SET maxmemory). */
  resize(maxmemory: number | string): void;
  /** SHUTDOWN: saves (unless told not to), closes the server, then runs its shutdown hook. */
  requestShutdown(save: boolean): Promise<void>;
}

/** One connection as the commands see it: the request, the reply buffer and the session state. */
export interface Session {
  readonly server: ServerContext;
  readonly id: number;
  /** The command being run. */
  readonly cmd: Command;
  /** Where the reply goes. */
  readonly out: ReplyWriter;
  readonly socket: Socket;
  /** Bytes received and not yet parsed (CLIENT LIST's qbuf). */
  readonly parser: { readonly pending: number };
  readonly createdAt: number;
  readonly lastActive: number;
  name: string;
  libName: string;
  libVer: string;
  resp: 2 | 3;
  /** Name of the last command run (CLIENT INFO's cmd=). */
  readonly lastCommand: string;
  /** Set by QUIT: the connection closes once its replies are sent. */
  closing: boolean;
  authenticated: boolean;
}
