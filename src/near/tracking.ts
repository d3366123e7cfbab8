// The tracking connection: one RESP3 connection on which the near-cache reads, writes and
// receives invalidation pushes. Using one connection for all three is what makes the in-flight
// race tractable: Redis writes a push to this connection before any later reply on it.
//
// Lifecycle, with the state the near-cache sees:
//
//   connect ──> 'enabling' ── CLIENT TRACKING ON ... answered ──> 'on'
//                  ^                                              |
//                  |     socket error / end / reconnecting        |
//                  +── 'ready' or PING answered <── 'off' <───────+  PING unanswered in time
//
// Leaving 'on' calls `lost()` (the near-cache flushes: invalidations may have been missed).
// Nothing is cached unless the state is 'on', so a connection that comes back is trusted again
// only after tracking has been re-enabled on it.

import { CacheError } from '../errors.js';
import type { RedisClientLike, RedisConnection } from './connection.js';
import type { ResolvedNearOptions } from './options.js';

export type TrackingState = 'enabling' | 'on' | 'off' | 'closed';

/** What the tracking connection reports to its owner. */
export interface TrackingHandlers {
  /** A key was invalidated (its bytes), or everything was (null: FLUSHALL, FLUSHDB). */
  invalidate(key: Uint8Array | null): void;
  /** Tracking was on and may have missed invalidations: drop everything. */
  lost(reason: string): void;
  /** Tracking is on again. */
  enabled(): void;
  /** An error from the connection, for the owner to report. */
  error(error: unknown): void;
}

export class TrackingConnection {
  readonly connection: RedisConnection;
  private stateNow: TrackingState = 'enabling';
  /** Bumped on every state change, so that a late answer to an old request is ignored. */
  private generation = 0;
  private started = false;
  private pinging = false;
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    client: RedisClientLike,
    private readonly opts: ResolvedNearOptions,
    private readonly handlers: TrackingHandlers,
  ) {
    if (typeof client?.duplicate !== 'function') {
      throw new CacheError('ERR_OPTIONS', 'createNearCache() needs options.redis: a node-redis v5+ client (createClient() from "redis")');
    }
    // RESP3 is needed for pushes on the connection that reads; emitInvalidate makes node-redis
    // enable default tracking in its handshake and emit the pushes as 'invalidate' events. A
    // near-cache with Redis down must fail fast rather than queue reads until it comes back.
    this.connection = client.duplicate({
      RESP: 3,
      emitInvalidate: true,
      clientSideCache: undefined,
      disableOfflineQueue: true,
    }) as RedisConnection;
    const c = this.connection;
    c.on('invalidate', (key: Uint8Array | null) => this.handlers.invalidate(key));
    c.on('error', (error: unknown) => {
      this.lose(`connection error: ${(error as Error)?.message ?? error}`);
      this.handlers.error(error);
    });
    c.on('end', () => this.lose('connection closed'));
    c.on('reconnecting', () => this.lose('reconnecting'));
    c.on('ready', () => {
      if (this.started) void this.enable();
    });
    if (opts.pingInterval > 0) {
      this.timer = setInterval(() => void this.ping(), opts.pingInterval);
      this.timer.unref?.();
    }
  }

  get state(): TrackingState {
    return this.stateNow;
  }

  /**
   * Connects and enables tracking; rejects with ERR_REDIS if either fails or if both have not
   * succeeded within connectTimeout (node-redis may retry a refused connection forever): the
   * connection is then closed, its retries and timers with it.
   */
  async start(): Promise<void> {
    const limit = this.opts.connectTimeout;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CacheError('ERR_REDIS', `createNearCache(): Redis was not reached (connected, tracking enabled) within ${limit} ms (connectTimeout)`)),
        limit,
      );
    });
    const started = this.connectAndEnable();
    started.catch(() => {}); // after a timeout, its rejection (the connection closed) is not news
    try {
      await Promise.race([started, timedOut]);
    } catch (error) {
      this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async connectAndEnable(): Promise<void> {
    try {
      await this.connection.connect();
    } catch (error) {
      const failure = new CacheError('ERR_REDIS', `createNearCache(): could not connect to Redis: ${(error as Error)?.message ?? String(error)}`);
      (failure as { cause?: unknown }).cause = error;
      throw failure;
    }
    this.started = true;
    const failure = await this.enable();
    if (this.stateNow !== 'on') {
      const why = failure instanceof Error ? failure.message : `the connection is ${this.stateNow}`;
      throw new CacheError('ERR_REDIS', `createNearCache(): could not enable CLIENT TRACKING on the Redis connection: ${why}`);
    }
  }

  /** Closes the connection at once; commands in flight are rejected. */
  close(): void {
    if (this.stateNow === 'closed') return;
    this.stateNow = 'closed';
    this.generation++;
    if (this.timer !== undefined) clearInterval(this.timer);
    try {
      this.connection.destroy();
    } catch {
      // already closed
    }
  }

  /**
   * Sends CLIENT TRACKING for the mode (NOLOOP: this connection's own writes update the local
   * copy directly, so their pushes would only drop it). Resolves with Redis's error if it refused.
   */
  private async enable(): Promise<unknown> {
    if (this.stateNow === 'closed') return;
    const generation = ++this.generation;
    this.stateNow = 'enabling';
    const commands: string[][] =
      this.opts.mode === 'bcast'
        ? [
            // Redis refuses to switch an enabled connection to BCAST: turn off the default
            // tracking that node-redis's handshake turned on, then on again in BCAST mode.
            ['CLIENT', 'TRACKING', 'OFF'],
            ['CLIENT', 'TRACKING', 'ON', 'BCAST', ...this.opts.prefixes.flatMap((p) => ['PREFIX', p]), 'NOLOOP'],
          ]
        : [['CLIENT', 'TRACKING', 'ON', 'NOLOOP']];
    try {
      await Promise.all(commands.map((args) => this.connection.sendCommand(args)));
    } catch (error) {
      if (generation === this.generation) {
        this.stateNow = 'off';
        this.handlers.error(error);
      }
      return error;
    }
    if (generation !== this.generation) return;
    this.stateNow = 'on';
    this.handlers.enabled();
  }

  /** Leaves 'on' (or 'enabling'): whatever was cached may have missed an invalidation. */
  private lose(reason: string): void {
    if (this.stateNow === 'off' || this.stateNow === 'closed') return;
    const wasOn = this.stateNow === 'on';
    this.stateNow = 'off';
    this.generation++;
    if (wasOn) this.handlers.lost(reason);
  }

  /**
   * The health check: a PING that is not answered within pingTimeout means pushes may be stuck
   * or lost, so the near-cache stops trusting its copy. When a PING is answered again on a
   * connection that never dropped (a paused or overloaded server), every push sent before it
   * has arrived too, and tracking is re-enabled.
   */
  private async ping(): Promise<void> {
    if (this.pinging || this.stateNow === 'closed' || !this.started) return;
    if (!this.connection.isReady) return this.lose('not connected');
    this.pinging = true;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const answered = await Promise.race([
      this.connection.sendCommand(['PING']).then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => {
        timeout = setTimeout(() => resolve(false), this.opts.pingTimeout);
      }),
    ]);
    clearTimeout(timeout);
    this.pinging = false;
    if (!answered) return this.lose(`PING not answered within ${this.opts.pingTimeout} ms`);
    if (this.stateNow === 'off' && this.connection.isReady) await this.enable();
  }
}
