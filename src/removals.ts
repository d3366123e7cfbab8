// onRemove (options.ts): the wrapper's side of the core's removal reports (assembly/removal.ts).
// The core calls `report` while a removed item's bytes are still intact; the key and the value
// are decoded then and queued. The callbacks run once the core has returned: at the end of the
// public call that caused the removals (its methods are wrapped, on this instance only, so a
// cache without onRemove pays nothing), or, for removals no call is waiting on (the active
// expiry sweep, a fetch() storing its result after an await), in a microtask.

import { KEY_BYTES, REMOVED_CLEAR, REMOVED_DELETE, REMOVED_EVICT, REMOVED_EXPIRE, REMOVED_SET } from '../assembly/abi.js';
import { type Key, Views, decodeValue } from './codec.js';
import type { RemoveReason } from './options.js';
import { wrapMethods } from './wrap.js';

const REASONS: RemoveReason[] = [];
REASONS[REMOVED_EVICT] = 'evict';
REASONS[REMOVED_EXPIRE] = 'expire';
REASONS[REMOVED_DELETE] = 'delete';
REASONS[REMOVED_SET] = 'set';
REASONS[REMOVED_CLEAR] = 'clear';

/** The public methods of Cache that call into the core and may remove items. */
const REMOVING_METHODS = [
  'set', 'get', 'getView', 'getInto', 'setArgs', 'getArgs', 'peek', 'has', 'delete', 'clear', 'ttl', 'expire', 'persist', 'incr',
  'mget', 'mset', 'fetch', 'memo', 'loadBytes', 'importSnapshot', 'load',
] as const;

type Removed = [key: Key, value: unknown, reason: RemoveReason];

/** The core's import for a cache without onRemove: the core never calls it (removalConfigure(0)). */
export function noRemovals(): void {
  throw new Error('wasmcache: removal reported with onRemove unset');
}

/** The same for a thread of a shared cache without onRemove: another thread's onRemove turned the reports on. */
export function ignoreRemovals(): void {}

export class Removals {
  private readonly views: Views;
  private queue: Removed[] = [];
  /** Wrapped calls in progress on this cache (a callback may call the cache). */
  private depth = 0;
  private delivering = false;
  private scheduled = false;

  constructor(
    memory: WebAssembly.Memory,
    private readonly onRemove: (key: Key, value: unknown, reason: RemoveReason) => void,
  ) {
    this.views = new Views(memory.buffer);
  }

  /** The core's `env.removed` import: item bytes at the given addresses, about to be dropped. */
  readonly report = (reason: number, kind: number, keyPtr: number, klen: number, valuePtr: number, vlen: number): void => {
    const v = this.views;
    const key = kind & KEY_BYTES ? v.readBytes(keyPtr >>> 0, klen) : v.readText(keyPtr >>> 0, klen);
    this.queue.push([key, decodeValue(v, valuePtr >>> 0, vlen, kind), REASONS[reason]]);
    if (this.depth === 0 && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.later);
    }
  };

  private readonly later = (): void => {
    this.scheduled = false;
    const failed = this.settle();
    if (failed) throw failed.error; // no caller to give it to: an uncaught error, as from a timer
  };

  /** Delivers what is queued, unless a call or a delivery is in progress. Returns the first callback error. */
  private settle(): { error: unknown } | undefined {
    if (this.depth !== 0 || this.delivering || this.queue.length === 0) return undefined;
    this.delivering = true;
    let failed: { error: unknown } | undefined;
    try {
      // Callbacks that remove more (a set from inside onRemove) append to the queue: delivered in order here.
      for (let i = 0; i < this.queue.length; i++) {
        const [key, value, reason] = this.queue[i];
        try {
          this.onRemove(key, value, reason);
        } catch (e) {
          failed ??= { error: e };
        }
      }
    } finally {
      this.queue = [];
      this.delivering = false;
    }
    return failed;
  }

  /** Wraps the cache's removing methods (and its size getter) on the instance, so each delivers when it ends. */
  attach(cache: object): void {
    // Over the instance's own methods if it has them (a shared cache's, under its lock: src/shared.ts),
    // so that the callbacks run after the lock is released.
    wrapMethods(cache, REMOVING_METHODS, (method) => this.around(method));
  }

  private around(method: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
    const self = this;
    return function (this: unknown, ...args: unknown[]): unknown {
      self.depth++;
      let result: unknown;
      try {
        result = method.apply(this, args);
      } catch (e) {
        self.depth--;
        const failed = self.settle();
        // The call's own error wins; a callback's error has no one else to go to.
        if (failed) queueMicrotask(() => { throw failed.error; });
        throw e;
      }
      self.depth--;
      const failed = self.settle();
      if (failed) throw failed.error;
      return result;
    };
  }
}
