// Expiry times as Redis keeps them: exact 64-bit integers of ms. The cache's core keeps an item's
// expiry as an f64 of ms, which is exact up to 2^53 ms (the year 287396) and past that is only
// within 1024-2048 ms of the time asked for (f64 spacing below 2^63). Redis answers TTL, PTTL,
// EXPIRETIME and PEXPIRETIME to the ms for any time up to 2^63 - 1, so the server keeps the exact
// value of those far times beside the cache (the core's f64 still decides when the item expires,
// which for such times is never in practice).
//
// An exact value is used only while the core's expiry is still within a few seconds of it, so a
// key that was since deleted, evicted, rewritten without TTL or given a near time falls back to
// the core's value; entries for keys that are gone are swept each time the entries double. Exact
// values are not in snapshots: after a restart such far times are the core's approximation.


/** Beyond this, an f64 of ms is no longer exact. */
const EXACT_LIMIT = Number.MAX_SAFE_INTEGER;

/** How far the core's f64 expiry may be from an exact one and still stand for it (spacing 2048 near 2^63, two roundings). */
const SLACK_MS = 16 * 1024;

/** Exact expiry times beyond 2^53 ms, by key (latin1). One per server. */
export class ExactExpiry {
  private readonly far = new Map<string, bigint>();

  /** Records that `key` now expires at `at` (ms); forgets any far time it had when `at` is exact as an f64. */
  note(key: Uint8Array, at: bigint): void {
    if (at > BigInt(EXACT_LIMIT)) this.far.set(name(key), at);
    else if (this.far.size !== 0) this.far.delete(name(key));
  }

  /** The exact time for `key` whose core expiry is `approx`, or undefined if none stands for it. */
  lookup(key: Uint8Array, approx: number): bigint | undefined {
    if (this.far.size === 0) return undefined;
    const k = name(key);
    const at = this.far.get(k);
    if (at === undefined) return undefined;
    if (Math.abs(Number(at) - approx) <= SLACK_MS) return at;
    this.far.delete(k); // the key got another expiry since
    return undefined;
  }

  /** Forgets every exact time (FLUSHALL). */
  clear(): void {
    this.far.clear();
    this.sweepAt = 1024;
  }

  /**
   * Drops the entries whose key has no matching expiry any more, once there are more than twice
   * as many as there were after the last sweep (so the walks cost O(1) per entry added).
   */
  sweep(check: (key: Uint8Array, at: bigint) => boolean): void {
    if (this.far.size < this.sweepAt) return;
    for (const [k, at] of this.far) if (!check(Buffer.from(k, 'latin1'), at)) this.far.delete(k);
    this.sweepAt = Math.max(1024, 2 * this.far.size);
  }

  private sweepAt = 1024;

  get size(): number {
    return this.far.size;
  }
}

function name(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
}

/**
 * What these helpers read of a command's connection (a Session fits): its server's clock, cache and table
 * of exact times. Structural, so this file depends on nothing of the server.
 */
interface Client {
  readonly server: {
    readonly clock: { now(): number };
    readonly cache: { ttl(key: Uint8Array): number; expire(key: Uint8Array, ms: number): boolean };
    readonly exactExpiry: ExactExpiry;
  };
}

/** The command's time as a bigint. */
export function nowMs(c: Client): bigint {
  return BigInt(c.server.clock.now());
}

/** The key's absolute expiry time in ms (exact, as Redis's getExpire), -1n without one, -2n if the key does not exist. */
export function expireAtOf(c: Client, key: Uint8Array): bigint {
  const t = c.server.cache.ttl(key);
  if (t < 0) return BigInt(t);
  const approx = Math.round(c.server.clock.now() + t);
  if (approx <= EXACT_LIMIT) return BigInt(approx);
  return c.server.exactExpiry.lookup(key, approx) ?? BigInt(approx);
}

/** Milliseconds from now until `at` as the cache takes them (at > now). */
export function ttlUntil(c: Client, at: bigint): number {
  return Number(at - nowMs(c));
}

/** Sets an existing key's expiry to `at` (ms, later than now). False if the key does not exist. */
export function expireAt(c: Client, key: Uint8Array, at: bigint): boolean {
  if (!c.server.cache.expire(key, ttlUntil(c, at))) return false;
  remember(c, key, at);
  return true;
}

/** Records the exact expiry `at` of a key just stored with it. */
export function remember(c: Client, key: Uint8Array, at: bigint): void {
  const exact = c.server.exactExpiry;
  exact.note(key, at);
  exact.sweep((k, t) => expireAtOf(c, k) === t);
}
