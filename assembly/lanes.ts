// Lanes: context blocks (state.ts) for the threads of a shared cache. Every call runs under the
// cache's lock, so threads could all use one context block safely; but then every call writes
// the registers and scratch lines another core wrote last, and two threads spend their time
// moving those cache lines between cores (bench/results-threads.md). So a shared cache has a
// lane per thread where the memory allows: lane 0 is the creating thread's (its scratch region
// sized for snapshots), the others follow it with a smaller scratch region each. Threads beyond
// the lanes share them, which stays correct under the lock.
//
//   ┌ lane 0: context block + scratch ┐┌ lane 1 ┐┌ lane 2 ┐ ... ┌ class table (layout.ts) ...
//   contextAfterState()                lanesBase()  + laneBytes()
//
// The gauges (items, bytes, TTL items) and the layout registers are written into every lane's
// registers (items.ts publish, layout.ts publishLayout), so a thread reads them current from its
// own; the counters (hits, sets, ...) count in the lane of the call, and the wrapper adds the
// lanes up (src/seam.ts counters).
import { stateBlock, contextAfterState, S_LANES, S_LANES_BASE, S_LANE_BYTES } from './state';

@inline export function laneCount(): u32 { return load<u32>(stateBlock() + S_LANES); }
@inline export function lanesBase(): usize { return load<usize>(stateBlock() + S_LANES_BASE); }
@inline export function laneBytes(): u32 { return load<u32>(stateBlock() + S_LANE_BYTES); }

/** Records the lanes: `count` in all, lanes 1.. from `base`, `bytes` apart. */
export function setLanes(count: u32, base: usize, bytes: u32): void {
  store<u32>(stateBlock() + S_LANES, count);
  store<usize>(stateBlock() + S_LANES_BASE, base);
  store<u32>(stateBlock() + S_LANE_BYTES, bytes);
}

/** The context block of lane `i` (< laneCount()). */
@inline export function laneAt(i: u32): usize {
  return i == 0 ? contextAfterState() : lanesBase() + <usize>(i - 1) * laneBytes();
}
