// The server: a `net` server and its connected clients, the cache it serves, snapshots and
// shutdown. It implements what the connections and the commands see of it (ClientHost, and
// context.ts's ServerContext) and owns the command table; dispatch.ts runs each command.

import { createServer as netServer, type Server, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Cache } from '../cache.js';
import { createCacheSync, loadCache } from '../index.js';
import type { CacheOptions } from '../options.js';
import { Client, type ClientHost } from './client.js';
import { CommandClock } from './clock.js';
import type { LateReply } from './command.js';
import { CommandTable } from './commands/index.js';
import { resolveConfig, type ServerConfig } from './config.js';
import type { ServerStats } from './context.js';
import { dispatch } from './dispatch.js';
import { ExactExpiry } from './expiry.js';
import { Pipeline } from './fast.js';
import { ReplyWriter } from './reply.js';
import type { ParserLimits } from './resp.js';

/** A RESP2/RESP3 server over one wasmcache {@link Cache}. Create it with {@link createServer}. */
export class RespServer implements ClientHost {
  readonly config: ServerConfig;
  readonly limits: ParserLimits;
  /** Shared by all clients: commands run one batch at a time, and each batch empties it. */
  readonly out = new ReplyWriter();
  /** Pipelined GETs and SETs waiting to run together (fast.ts); each batch runs it empty. */
  readonly pipeline = new Pipeline();
  readonly clients = new Set<Client>();
  readonly table = new CommandTable();
  readonly stats: ServerStats = { connectionsReceived: 0, commandsProcessed: 0, rejectedConnections: 0 };
  readonly startedAt = Date.now();
  /** Exact expiry times beyond 2^53 ms, which the cache's f64 cannot hold (see expiry.ts). */
  readonly exactExpiry = new ExactExpiry();
  /** Unix time (s) of the last successful save, or of the start. */
  lastSave = Math.floor(Date.now() / 1000);
  cache: Cache;
  private net: Server | undefined;
  private readonly sockets = new Set<Socket>(); // every open connection, refused ones included
  private nextId = 1;
  private closed: Promise<void> | undefined;
  private onExit: ((signal: NodeJS.Signals) => void) | undefined;

  /** @internal Use createServer(). */
  constructor(
    cache: Cache,
    config: ServerConfig,
    private readonly cacheOptions: CacheOptions,
    /** The clock the cache reads, pinned for the length of each command (see {@link CommandClock}). */
    readonly clock: CommandClock = new CommandClock(cacheOptions.now ?? Date.now),
  ) {
    this.cache = cache;
    this.config = config;
    this.limits = {
      maxBulk: config.protoMaxBulkLen,
      maxArgs: config.maxArgs,
      maxQueryBuffer: config.clientQueryBufferLimit,
    };
  }

  /** The port listened on (useful with port 0). */
  get port(): number {
    const a = this.net?.address();
    return a && typeof a === 'object' ? a.port : this.config.port;
  }

  /** The snapshot file: dir/dbfilename. */
  get snapshotPath(): string {
    return resolve(join(this.config.dir, this.config.dbfilename));
  }

  /** Starts listening. Resolves once the port is bound. */
  listen(): Promise<this> {
    const net = netServer((socket) => this.accept(socket));
    this.net = net;
    return new Promise((ok, fail) => {
      net.once('error', fail);
      net.listen(this.config.port, this.config.bind, () => {
        net.off('error', fail);
        ok(this);
      });
    });
  }

  private accept(socket: Socket): void {
    this.stats.connectionsReceived++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.clients.size >= this.config.maxclients) {
      this.stats.rejectedConnections++;
      socket.on('error', () => socket.destroy());
      socket.end('-ERR max number of clients reached\r\n', () => socket.destroy()); // closed both ways, as Redis does
      return;
    }
    this.clients.add(new Client(this, socket, this.nextId++));
  }

  /** @internal */
  forget(client: Client): void {
    this.clients.delete(client);
  }

  /** Runs the command in `c.cmd` (see dispatch.ts). Returns a promise only for commands that wait. */
  execute(c: Client): Promise<LateReply> | undefined {
    return dispatch(this.table, this.stats, this.clock, c);
  }

  /** Writes the snapshot (temporary file, fsync, rename). Resolves to the number of keys saved. */
  async save(): Promise<number> {
    const n = await this.cache.save(this.snapshotPath);
    this.lastSave = Math.floor(Date.now() / 1000);
    return n;
  }

  /**
   * Replaces the cache with one of another size, keeping every key that fits (CONFIG SET
   * maxmemory: a wasmcache's memory is sized once, so a new size means a new cache).
   */
  resize(maxmemory: number | string): void {
    const next = createCacheSync({ ...this.cacheOptions, maxMemory: maxmemory });
    try {
      next.loadBytes(this.cache.toBytes());
    } catch (e) {
      next.dispose();
      throw e;
    }
    this.cache.dispose();
    this.cache = next;
    this.config.maxmemory = maxmemory;
  }

  /** Called after SHUTDOWN closed the server (the CLI exits the process there). */
  onShutdown: (() => void) | undefined;

  /** SHUTDOWN: saves (unless told not to), closes, then calls onShutdown. */
  async requestShutdown(save: boolean): Promise<void> {
    await this.shutdown(save);
    this.onShutdown?.();
  }

  /** The number of keys the last shutdown() saved to {@link snapshotPath}; undefined: it did not save. */
  shutdownSaved: number | undefined;

  /** Saves (unless `save` is false), closes every connection and stops listening. */
  async shutdown(save = true): Promise<void> {
    this.shutdownSaved = save ? await this.save() : undefined;
    await this.close();
  }

  /** Stops listening and closes every connection, without saving. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    if (this.onExit) {
      process.off('SIGTERM', this.onExit);
      process.off('SIGINT', this.onExit);
    }
    for (const s of this.sockets) s.destroy();
    this.clients.clear();
    const net = this.net;
    this.closed = new Promise<void>((ok) => (net ? net.close(() => ok()) : ok())).then(() => this.cache.dispose());
    return this.closed;
  }

  /**
   * SIGTERM and SIGINT save the snapshot, close and exit (as redis-server does when it has save
   * points). If the save fails, the server logs it and keeps serving with every key, as Redis does
   * ("errors trying to shut down the server"): the handlers stay installed, so the next signal tries
   * again. A SIGINT that arrives while a save for a signal is still running exits at once, without
   * saving (Redis's "You insist... exiting now").
   */
  handleSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    let saving = false;
    this.onExit = (signal: NodeJS.Signals) => {
      if (saving) {
        if (signal !== 'SIGINT') return;
        console.error('wasmcache: SIGINT while saving for shutdown: exiting now, without saving');
        return exit(1);
      }
      saving = true;
      this.shutdown(true).then(
        () => exit(0),
        (e: unknown) => {
          saving = false;
          console.error(
            `wasmcache: ${signal} received but the snapshot could not be saved to ${this.snapshotPath} ` +
              `(${e instanceof Error ? e.message : String(e)}): not exiting, every key is kept. ` +
              `Fix the problem and send ${signal} again, or use SHUTDOWN NOSAVE to exit without saving.`,
          );
        },
      );
    };
    process.on('SIGTERM', this.onExit);
    process.on('SIGINT', this.onExit);
  }
}

/** Options of {@link createServer}: the server's settings plus options for the cache it creates. */
export interface CreateServerOptions extends Partial<ServerConfig> {
  /** Options for the wasmcache behind the server (maxMemory comes from `maxmemory`). */
  cache?: Omit<CacheOptions, 'maxMemory' | 'snapshot'>;
}

/**
 * Creates a server, loads `dir/dbfilename` if it exists, and starts listening.
 *
 * ```ts
 * const server = await createServer({ port: 6379 })
 * // ... redis-cli -p 6379 ping
 * await server.close()
 * ```
 */
export async function createServer(options: CreateServerOptions = {}): Promise<RespServer> {
  const { cache: cacheOpts, ...rest } = options;
  const config = resolveConfig(rest);
  const clock = new CommandClock(cacheOpts?.now ?? Date.now);
  const cacheOptions: CacheOptions = { maxKeySize: config.maxKeySize, ...cacheOpts, maxMemory: config.maxmemory, now: clock.now };
  const path = resolve(join(config.dir, config.dbfilename));
  const cache = config.loadOnStart && existsSync(path) ? await loadCache(path, cacheOptions) : createCacheSync(cacheOptions);
  const server = new RespServer(cache, config, cacheOptions, clock);
  try {
    return await server.listen();
  } catch (e) {
    cache.dispose();
    throw e;
  }
}
