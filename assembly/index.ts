// wasmcache core: the exported ABI. Numbers in, numbers out; keys and values travel through the
// scratch region and the registers (see abi.ts). No managed objects, imports: the memory, and
// removal reports for onRemove (removal.ts).

import { REG_SCRATCH_PTR, REG_SCRATCH_BYTES, REG_MAX_ITEM_BYTES, REG_ITEM_OVERHEAD, REG_TTL_OVERHEAD,
  REG_INDEX_CAPACITY, REG_PAGE_BYTES, ERR_INIT, REGS_BYTES, POLICY_S3FIFO, REG_SLOT_BYTES, REG_HEAP_ENTRY_BYTES, REG_GHOST_BUCKET_BYTES, REG_TOUCHES } from './abi';
import { planLayout, publishLayout, regs, scratch, scratchBytes, maxCapacity, pageBytes, SLOT_BYTES, HEAP_ENTRY_BYTES, GHOST_BUCKET_BYTES } from './layout';
import { HEADER_BYTES, EXT_BYTES } from './item';
import { setSeed } from './hash';
import { reserveTables } from './grow';
import { publish } from './items';
import { resetStore, reportClear, setPolicy, maxItemBytes, setLastSlot } from './store';
import { setTime, setUnit, setEmpty } from './ghost';
import { setLastFreedClass } from './slab';
import { NOT_FOUND } from './table';
import { DEBUG } from './debug';
import { setReg } from './regs';
import { stateBlock, ctx, STATE_BYTES, S_END, S_LOCK, S_SEQ, S_CLAIMS, C_FIELDS_END, C_FIELDS_BYTES, C_REGS, C_SCRATCH, C_SCRATCH_BYTES, contextAfterState, setContext } from './state';
import { laneAt, laneCount } from './lanes';

export { checksum, checksumStart, checksumUpdate, checksumEnd } from './checksum';
export { liveCount, snapshotBlock, loadBlock, freeFrom, stagingCeiling } from './snapshot';
export { removalConfigure } from './removal';
export { hotConfigure, hotDrained, hotRelease, hotReleaseAll, hotThrottle } from './hot';
export { set, get, getStale, peek, has, del, ttl, expire, persist, hotTouch, expireStep } from './store';
export { mget, mset } from './batch';
export { readUnlocked, retryWord, replayTouches } from './unlocked';
export { scan, randomItem } from './listing';
export { check } from './check';

/**
 * Lays out the memory (its whole current size is the budget) and empties the cache.
 * Returns 0, or ERR_INIT if the memory is too small for maxEntries or for a minimal cache.
 */
export function init(maxEntries: u32, wantScratch: u32, seedLo: u32, seedHi: u32, policy: u32, lanes: u32, laneScratch: u32): i32 {
  let memBytes = <usize>memory.size() << 16;
  if (memBytes < contextAfterState() + C_SCRATCH) return ERR_INIT;
  setContext(contextAfterState());
  resetBlocks();
  if (!planLayout(memBytes, maxEntries, wantScratch, policy == POLICY_S3FIFO, lanes, laneScratch)) return ERR_INIT;
  setPolicy(policy);
  setSeed((<u64>seedHi << 32) | seedLo);
  memory.fill(regs(), 0, REGS_BYTES);
  resetStore();
  store<u32>(regs() + (REG_SCRATCH_PTR << 2), <u32>scratch());
  store<u32>(regs() + (REG_SCRATCH_BYTES << 2), scratchBytes());
  store<u32>(regs() + (REG_MAX_ITEM_BYTES << 2), maxItemBytes());
  store<u32>(regs() + (REG_ITEM_OVERHEAD << 2), HEADER_BYTES);
  store<u32>(regs() + (REG_TTL_OVERHEAD << 2), EXT_BYTES);
  store<u32>(regs() + (REG_INDEX_CAPACITY << 2), maxCapacity());
  store<u32>(regs() + (REG_PAGE_BYTES << 2), pageBytes());
  store<u32>(regs() + (REG_SLOT_BYTES << 2), SLOT_BYTES);
  store<u32>(regs() + (REG_HEAP_ENTRY_BYTES << 2), HEAP_ENTRY_BYTES);
  store<u32>(regs() + (REG_GHOST_BUCKET_BYTES << 2), GHOST_BUCKET_BYTES);
  publishLayout();
  // The other lanes (lanes.ts) start as copies of lane 0, with scratch regions of their own.
  for (let i: u32 = 1, n = laneCount(); i < n; i++) {
    let lane = laneAt(i);
    memory.copy(lane, ctx, C_SCRATCH);
    store<u32>(lane + C_SCRATCH_BYTES, (laneScratch + 7) & ~7);
    store<u32>(lane + C_REGS + (REG_SCRATCH_PTR << 2), <u32>(lane + C_SCRATCH));
    store<u32>(lane + C_REGS + (REG_SCRATCH_BYTES << 2), (laneScratch + 7) & ~7);
  }
  // Lane 0 is the creating thread's own; with one lane only, every thread shares it (src/lanes.ts).
  store<i32>(stateBlock() + S_CLAIMS, laneCount() > 1 ? 1 : 0);
  return 0;
}

/**
 * Another thread's instance over a shared memory that init() laid out: it uses the cache as it is
 * (nothing is cleared), in lane `i` (lanes.ts). src/lanes.ts gives a thread a lane of its own
 * where one is free (`own`: its touch buffer starts empty), else the last lane, which such threads
 * share: that is safe because their every call, and the wrapper's reads of registers and scratch
 * around it, happen under the cache's lock (src/shared.ts). Returns the registers' address.
 */
export function attach(i: u32, own: bool): usize {
  if (DEBUG) assert(i < laneCount(), 'attach: no such lane');
  setContext(laneAt(i));
  if (own) setReg(REG_TOUCHES, 0);
  return regs();
}

/** The lanes there are (lanes.ts). */
export function lanes(): u32 {
  return laneCount();
}

/** The i32 whose bits say which lanes are taken (src/lanes.ts claims them with Atomics). */
export function claimsAddr(): usize {
  return stateBlock() + S_CLAIMS;
}

/** The registers of lane `i`, or 0 past the last lane (src/seam.ts adds up the lanes' counters). */
export function laneRegs(i: u32): usize {
  return i < laneCount() ? laneAt(i) + C_REGS : 0;
}

/** Sizes the tables for `items` items at once (before a snapshot is loaded into an emptied cache). */
export function reserve(items: u32): void {
  reserveTables(items);
  publish();
}

/** The address of the lock word of a shared cache (an i32 in the state block; the waiters' count after it). */
export function lockAddr(): usize {
  return stateBlock() + S_LOCK;
}

/** The address of the write sequence of a shared cache (seqlock.ts). */
export function seqAddr(): usize {
  return stateBlock() + S_SEQ;
}

/**
 * Zeroes the state block and the context's fields, then sets the fields that do not start at 0
 * (the values their module globals were initialized with before they moved into memory).
 */
function resetBlocks(): void {
  if (DEBUG) assert(S_END <= S_LOCK && C_FIELDS_END <= C_FIELDS_BYTES, 'resetBlocks: the fields outgrew their block (state.ts)');
  memory.fill(stateBlock(), 0, STATE_BYTES);
  memory.fill(contextAfterState(), 0, C_FIELDS_BYTES);
  setTime(1); // ghost.ts: 0 is never a ghost time
  setUnit(1);
  setEmpty(true);
  setLastFreedClass(-1);
  setLastSlot(NOT_FOUND);
}

/** The registers' address: the wrapper's typed views start here. */
export function regsPtr(): usize {
  return regs();
}

/** Empties the cache; counters other than items and bytes keep counting. */
export function clear(): void {
  reportClear();
  resetStore();
}
