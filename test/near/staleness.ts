// Ground truth for "never returns the old value once the invalidation has been delivered", shared
// by the coherence tests and bench/near.ts. Writers store `<version>|...` values, one writer per key,
// each waiting for its write to be acknowledged before the next, so per key the version order is
// Redis's order. A read by a near-cache must not return a version older than its floor for that
// key: the last version acknowledged to a writer before that near-cache received an invalidation
// for the key (or a flush), or before its own write of it was acknowledged. Reads older than the
// last acknowledged version but not older than the floor are counted apart: they are the window
// between a write and the delivery of its invalidation, which the protocol allows.
import type { NearCache } from '../../src/near/index.js';

/** The last version acknowledged per key: a Map here, shared memory when the writer is a worker. */
export interface AckLog {
  get(key: string): number | undefined;
  entries(): Iterable<[string, number]>;
}

export class StaleChecker {
  private readonly floors = new Map<NearCache, Map<string, number>>();
  /** Reads older than the near-cache's floor: must stay 0. */
  stale = 0;
  /** Reads older than the last acknowledged write, within the floor (invalidation not yet delivered). */
  inWindow = 0;
  reads = 0;
  /** Reads that found no value. */
  missing = 0;

  constructor(private readonly acked: AckLog = new Map<string, number>()) {}

  watch(near: NearCache): void {
    const floor = new Map<string, number>();
    this.floors.set(near, floor);
    near.on('invalidate', (k) => {
      floor.set(k, this.acked.get(k) ?? 0);
    });
    near.on('flush', () => {
      for (const [k, v] of this.acked.entries()) floor.set(k, v);
    });
  }

  /** A write of `version` to `key` was acknowledged (to `by`, if it went through a near-cache). */
  written(key: string, version: number, by?: NearCache): void {
    (this.acked as Map<string, number>).set(key, version);
    by && this.floors.get(by)?.set(key, version);
  }

  /** Reads `key` through `near` (or `read`) and checks the version it returns. */
  async read(key: string, near: NearCache | undefined, read: () => Promise<unknown>): Promise<void> {
    const floor = near ? (this.floors.get(near)?.get(key) ?? 0) : (this.acked.get(key) ?? 0);
    const acked = this.acked.get(key) ?? 0;
    const value = await read();
    this.reads++;
    // Missing only after a restarted Redis lost its data: nothing old can be returned then.
    if (value === undefined || value === null) return void this.missing++;
    const text = String(value);
    const version = Number(text.slice(0, text.indexOf('|')));
    if (version < floor) this.stale++;
    else if (version < acked) this.inWindow++;
  }
}

/** The value stored for `version`: the version first, then padding up to `size` bytes. */
export function versioned(version: number, size = 0): string {
  const head = `${version}|`;
  return head.length >= size ? head : head + 'x'.repeat(size - head.length);
}
