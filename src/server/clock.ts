// The clock a command sees: the cache and the commands read the same time, pinned for the length
// of each command.

import type { Clock } from './context.js';

/**
 * The time a command sees, like Redis's commandTimeSnapshot(): read once, at the command's first
 * look at the clock, and returned by every read until it ends, so the command's arithmetic
 * (EXPIRE's `now + ttl`) and the cache's (which reads the same clock) agree to the millisecond.
 */
export class CommandClock implements Clock {
  private pinning = false;
  private read = false; // the pinned time was read
  private pinned = 0;

  constructor(private readonly source: () => number) {}

  /** The command's time while one runs (read at the first call, not before: most commands never ask), else the source clock. */
  readonly now = (): number => {
    if (!this.pinning) return this.source();
    if (!this.read) {
      this.pinned = this.source();
      this.read = true;
    }
    return this.pinned;
  };

  /** @internal */
  pin(): void {
    this.pinning = true;
    this.read = false;
  }

  /** @internal */
  unpin(): void {
    this.pinning = false;
  }
}
