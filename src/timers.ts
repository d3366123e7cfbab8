// The cache's two timers: the active expiry sweep (started by the first item with a TTL) and the
// background saves of options.snapshot. Neither keeps Node alive (unref); where setInterval does
// not exist (or in Workers, where activeExpiry defaults to false) there is no sweep, and reads
// still never return an expired item.
import type { CoreExports } from './core.js';

const SWEEP_BATCH = 256;
const SWEEP_BUDGET_MS = 2;

type Timer = ReturnType<typeof setInterval>;

/** One bounded pass of active expiry: removes expired items, oldest first, for about 2 ms. */
export function sweepExpired(core: CoreExports, now: number): void {
  const start = Date.now();
  while (core.expireStep(now, SWEEP_BATCH) === SWEEP_BATCH) {
    if (Date.now() - start >= SWEEP_BUDGET_MS) break;
  }
}

function unrefed(timer: Timer): Timer {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

export class Timers {
  private sweep: Timer | undefined;
  private saves: Timer | undefined;

  constructor(
    private readonly activeExpiry: number | false,
    private readonly onSweep: () => void,
  ) {}

  /** Starts the sweep unless it runs already (or is off). */
  startExpiry(): void {
    if (this.sweep !== undefined || this.activeExpiry === false || typeof setInterval !== 'function') return;
    this.sweep = unrefed(setInterval(this.onSweep, this.activeExpiry));
  }

  stopExpiry(): void {
    if (this.sweep !== undefined) clearInterval(this.sweep);
    this.sweep = undefined;
  }

  startSaves(intervalMs: number, save: () => void): void {
    this.saves = unrefed(setInterval(save, intervalMs));
  }

  stopSaves(): void {
    if (this.saves !== undefined) clearInterval(this.saves);
    this.saves = undefined;
  }
}
