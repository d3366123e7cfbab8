// The clock a command sees: the cache and the commands read the same time, pinned for the length
// of each command.

import type { Clock } from './context.js';

/**
 * The time a command sees, like Redis's commandTimeSnapshot(): read once when the command starts
 * and returned by every read until it ends, so the command's arithmetic (EXPIRE's `now + ttl`) and
 * the cache's (which reads the same clock) agree to the millisecond.
 */
export class CommandClock implements Clock {
  private pinned: number | undefined;

  constructor(private readonly source: () => number) {}

  /** The command's time while one runs, else the source clock. */
  readonly now = (): number => this.pinned ?? this.source();

  /** @internal */
  pin(): void {
    this.pinned = this.source();
  }

  /** @internal */
  unpin(): void {
    this.pinned = undefined;
  }
}
