// One cache for every thread: a cache created with `shared: true` lives in a shared
// WebAssembly.Memory, and `attachCache(cache.handle)` in a worker (worker_threads, Web Workers)
// instantiates the shared core over that same memory: the same items, the same API.
//
// Locking, first cut: one lock per cache (the i32 at the core's lockAddr(), in the state block),
// taken with Atomics around every public call, so each operation keeps its single-thread
// semantics and is atomic as a whole (mget and mset included), and a reader never sees a
// half-written value: the wrapper's reads of the registers, the scratch region and the value
// bytes happen before the lock is released. All threads use one context block (registers,
// scratch), which is safe for the same reason. The lock is a futex-style mutex (0 free, 1 held,
// 2 held with waiters): a free lock costs one compareExchange, a contended one waits with
// Atomics.wait where the thread may block (Node, workers), else spins (a browser's main thread).
//
// A thread terminated while it holds the lock (worker.terminate() in the middle of a call) leaves
// it held: the others then wait at most `lockTimeoutMs` and throw ERR_LOCK_TIMEOUT instead of
// hanging, and the cache should be treated as lost (the interrupted call may have left it half
// changed). A thread terminated between calls holds nothing.
import { CacheError } from './errors.js';
import { wrapMethods } from './wrap.js';
import { TAKE_LOCK, UnlockedReader } from './unlocked.js';
import { REG_MARKED, REG_TOUCHES } from '../assembly/abi.js';
import type { Key } from './codec.js';
import type { Seam } from './seam.js';
import { type CacheOptions, type Policy, type ResolvedOptions, WASM_PAGE } from './options.js';

/** What `postMessage(cache.handle)` sends to a worker: everything attachCache() needs, structured-cloneable. */
export interface CacheHandle {
  readonly kind: 'wasmcache/shared';
  /** The shared memory of each shard (src/sharded.ts), in shard order. */
  readonly memories: readonly WebAssembly.Memory[];
  /** The shared core, compiled (a WebAssembly.Module can be posted to workers). */
  readonly module: WebAssembly.Module;
  /** The options every thread must agree on. */
  readonly options: SharedOptions;
}

/** Options of a shared cache that attachCache() takes from the handle. */
export interface SharedOptions {
  /** Each shard's. */
  maxMemory: number;
  /** Each shard's; 0 = none. */
  maxEntries: number;
  maxKeySize: number;
  maxValueSize: number;
  defaultTtl: number;
  policy: Policy;
  lockTimeoutMs: number;
}

/** How a shared cache came to be: its core module, and whether this thread attached to it. */
export interface SharedInit {
  module: WebAssembly.Module;
  attached: boolean;
}

/** A shared cache as one thread holds it: its memory, its module, its lock. */
export class Sharing {
  readonly lock: SharedLock;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly module: WebAssembly.Module,
    lockAddr: number,
    timeoutMs: number,
    seqAddr: number,
    regs: Uint32Array,
  ) {
    this.lock = new SharedLock(new Int32Array(memory.buffer), lockAddr >> 2, timeoutMs, seqAddr >> 2, regs);
  }

  /** What attachCache() needs, for postMessage. */
  handle(o: ResolvedOptions, maxValueSize: number): CacheHandle {
    return {
      kind: 'wasmcache/shared',
      memories: [this.memory],
      module: this.module,
      options: {
        maxMemory: o.memoryPages * WASM_PAGE,
        maxEntries: o.maxEntries,
        maxKeySize: o.maxKeySize,
        maxValueSize,
        defaultTtl: o.defaultTtl,
        policy: o.policy,
        lockTimeoutMs: o.lockTimeoutMs,
      },
    };
  }
}

/** Options attachCache() accepts: per thread. */
export type AttachOptions = Pick<CacheOptions, 'now' | 'onRemove'>;

const SPINS = 20_000;

let canWait: boolean | undefined;

/** Atomics.wait where this thread may block; false on a browser's main thread. */
function mayWait(i32: Int32Array, at: number): boolean {
  if (canWait === undefined) {
    try {
      Atomics.wait(i32, at, -1, 0); // never -1: returns 'not-equal' at once where waiting is allowed
      canWait = true;
    } catch {
      canWait = false;
    }
  }
  return canWait;
}

/**
 * The cache's lock, as this thread sees it. Its word (the core's lockAddr()) is even while the lock
 * is free and odd while a thread holds it; the word after it counts the threads asleep on it
 * (Atomics.wait), which the holder wakes as it lets go. Re-entrant within the thread (a call from
 * inside onRemove, a method calling another).
 *
 * The holder also keeps the write sequences (assembly/seqlock.ts) that reads without the lock
 * check (src/unlocked.ts): taking the lock for any call but set() marks the cache's sequence (odd),
 * set() lets the core mark what its write needs, and letting go ends every mark (even, one more).
 */
export class SharedLock {
  /** Calls of this thread under the lock now (0: it does not hold it). */
  depth = 0;
  /** Runs each time this thread takes the lock (the cache replays its reads' touches). */
  onAcquire: (() => void) | undefined = undefined;
  /** The word's value while this thread holds the lock. */
  private held = 0;

  /**
   * `seqAt`: the cache's write sequence (an index into `i32`); `regs`: this thread's registers,
   * where the core notes the stripe it marked (REG_MARKED).
   */
  constructor(
    private readonly i32: Int32Array,
    private readonly at: number,
    private readonly timeoutMs: number,
    private readonly seqAt = -1,
    private readonly regs?: Uint32Array,
  ) {}

  /** Takes the lock; `markAll`: the call may change anything (all but set()). */
  enter(markAll = true): void {
    if (this.depth++ > 0) {
      if (markAll) this.markAll();
      return;
    }
    const s = Atomics.load(this.i32, this.at);
    if ((s & 1) === 0 && Atomics.compareExchange(this.i32, this.at, s, s + 1) === s) this.held = s + 1;
    else {
      try {
        this.contend();
      } catch (e) {
        this.depth--;
        throw e;
      }
    }
    if (markAll) this.markAll();
    this.onAcquire?.();
  }

  exit(): void {
    if (--this.depth > 0) return;
    const { i32, seqAt, regs } = this;
    if (regs !== undefined) {
      const stripe = regs[REG_MARKED];
      if (stripe !== 0) {
        regs[REG_MARKED] = 0;
        Atomics.add(i32, stripe >>> 2, 1);
      }
    }
    if (seqAt >= 0 && (Atomics.load(i32, seqAt) & 1) !== 0) Atomics.add(i32, seqAt, 1);
    Atomics.store(i32, this.at, this.held + 1); // even: free
    if (Atomics.load(i32, this.at + 1) !== 0) Atomics.notify(i32, this.at);
  }

  private markAll(): void {
    if (this.seqAt >= 0 && (Atomics.load(this.i32, this.seqAt) & 1) === 0) Atomics.add(this.i32, this.seqAt, 1);
  }

  run<T>(fn: () => T): T {
    this.enter();
    try {
      return fn();
    } finally {
      this.exit();
    }
  }

  /** Takes the lock if it is free now. */
  private tryTake(): boolean {
    const s = Atomics.load(this.i32, this.at);
    if ((s & 1) !== 0 || Atomics.compareExchange(this.i32, this.at, s, s + 1) !== s) return false;
    this.held = s + 1;
    return true;
  }

  private contend(): void {
    const { i32, at } = this;
    // Spin first, reading (a compareExchange only once it looks free, so the holder keeps its line):
    // a call holds the lock for about a microsecond, and a thread put to sleep takes far longer to wake.
    for (let i = 0; i < SPINS; i++) if (this.tryTake()) return;
    const deadline = Date.now() + this.timeoutMs;
    const wait = mayWait(i32, at);
    Atomics.add(i32, at + 1, 1); // asleep: the holder's exit wakes this thread
    try {
      while (!this.tryTake()) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new CacheError(
            'ERR_LOCK_TIMEOUT',
            `the shared cache stayed locked for ${this.timeoutMs} ms (lockTimeoutMs): a thread may have been terminated in the middle of a call`,
          );
        }
        const s = Atomics.load(i32, at);
        if (wait && (s & 1) !== 0) Atomics.wait(i32, at, s, Math.min(left, 50));
      }
    } finally {
      Atomics.sub(i32, at + 1, 1);
    }
  }
}

/** The public methods of Cache that reach the core: each runs under the lock. */
const LOCKED_METHODS = [
  'set', 'get', 'getView', 'getInto', 'setArgs', 'getArgs', 'peek', 'has', 'delete', 'clear', 'ttl', 'expire', 'persist', 'incr',
  'mget', 'mset', 'fetch', 'memo', 'scan', 'randomKey', 'toBytes', 'exportSnapshot', 'loadBytes', 'save', 'load',
  'stats', 'layout', 'checkInvariants',
] as const;

/**
 * Wraps the cache's methods that reach the core (and its size getter) on the instance, each under
 * the lock. Iterators and fetch()'s work after an await take the lock themselves (lock.run).
 */
export function lockMethods(cache: object, lock: SharedLock, unlockedGet?: (key: unknown) => unknown): void {
  // Four parameters, not a rest array: no allocation per call (no method takes more: setArgs, getArgs).
  wrapMethods(cache, LOCKED_METHODS, (method, name) =>
    name === 'get' && unlockedGet !== undefined
      ? function (this: unknown, key: unknown): unknown {
          // A thread with a lane of its own reads without the lock where it can (src/unlocked.ts).
          if (lock.depth === 0) {
            const v = unlockedGet(key);
            if (v !== TAKE_LOCK) return v;
          }
          lock.enter();
          try {
            return method.call(this, key);
          } finally {
            lock.exit();
          }
        }
      : function (this: unknown, a: unknown, b: unknown, c: unknown, d: unknown): unknown {
          lock.enter(name !== 'set'); // set() lets the core mark what it changes (assembly/seqlock.ts)
          try {
            return method.call(this, a, b, c, d);
          } finally {
            lock.exit();
          }
        },
  );
}

/**
 * Makes `cache` one thread's view of a shared cache: the lock around its methods that reach the
 * core, the replay of its reads' touches when it takes the lock, and gets without the lock where
 * its thread has a lane of its own. `now`: the clock for a read, or undefined once disposed.
 */
export function shareCache(cache: object, seam: Seam, memory: WebAssembly.Memory, module: WebAssembly.Module, timeoutMs: number, now: () => number | undefined): Sharing {
  const { core, regs32 } = seam;
  const sharing = new Sharing(memory, module, core.lockAddr() >>> 0, timeoutMs, core.seqAddr() >>> 0, regs32);
  sharing.lock.onAcquire = () => regs32[REG_TOUCHES] !== 0 && core.replayTouches();
  const reader = new UnlockedReader(seam);
  const unlocked = (key: unknown) => {
    const t = now();
    return t === undefined ? TAKE_LOCK : reader.get(key as Key, t); // disposed: the locked get throws ERR_DISPOSED
  };
  lockMethods(cache, sharing.lock, seam.ownLane >= 0 ? unlocked : undefined);
  return sharing;
}

/** Refuses `shared: true` where threads cannot share memory, saying why. */
export function checkSharedSupport(workers: boolean): void {
  const why = workers
    ? 'Cloudflare Workers run one thread per isolate and cannot share memory between requests'
    : (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false
      ? 'this page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
      : typeof SharedArrayBuffer === 'undefined'
        ? 'this runtime has no SharedArrayBuffer'
        : undefined;
  if (why) throw new CacheError('ERR_OPTIONS', `shared: true needs memory that threads can share, and ${why}`);
}
