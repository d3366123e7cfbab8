// Garbage collection: forced collections between phases (node --expose-gc) and a watch on the
// collections that happen inside a timed phase (PerformanceObserver 'gc' entries: the pauses
// V8 reports; incremental marking steps done during allocation are not among them).
import { PerformanceObserver } from 'node:perf_hooks';

const exposed = (globalThis as { gc?: () => void }).gc;

/** A full collection, twice (the second frees what the first's finalizers released). */
export function fullGc(): void {
  if (!exposed) return;
  exposed();
  exposed();
}

export function requireExposedGc(): void {
  if (!exposed) throw new Error('run with node --expose-gc (the benches force collections between phases)');
}

export interface GcTotals {
  /** Collections reported. */
  count: number;
  /** Their summed pause time, ms. */
  ms: number;
  /** The longest pause, ms. */
  maxMs: number;
}

/** Starts recording GC pauses; stop() resolves to the totals since start (after the entries land). */
export function watchGc(): { stop(): Promise<GcTotals> } {
  const totals: GcTotals = { count: 0, ms: 0, maxMs: 0 };
  const add = (list: PerformanceObserverEntryList | PerformanceEntry[]) => {
    for (const e of Array.isArray(list) ? list : list.getEntries()) {
      totals.count++;
      totals.ms += e.duration;
      if (e.duration > totals.maxMs) totals.maxMs = e.duration;
    }
  };
  const obs = new PerformanceObserver(add);
  obs.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // Node queues the entries from its GC callback; let them arrive before disconnecting.
      await new Promise((r) => setTimeout(r, 50));
      add(obs.takeRecords());
      obs.disconnect();
      return totals;
    },
  };
}

type PerformanceObserverEntryList = { getEntries(): PerformanceEntry[] };
