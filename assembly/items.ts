// Items across the structures: linking one item into the index, the policy's queues, the expiry
// heap and the byte count, and taking it out of all of them at once (removed, evicted, moved).
// The store, the steps that make room (room.ts), compaction (compact.ts) and table growth call
// these; this file calls only the structures below it, never back up.
//
// One item is in:  index slot (table.ts) ─ policy queue (policy.ts) ─ heap entry if it has a TTL
// (expiry.ts) ─ a chunk or run (slab.ts) ─ the hot tier's view of it (hot.ts) ─ and the counts here.

import { DEBUG } from './debug';
import { STAT_EVICTIONS, STAT_EXPIRED, STAT_ITEMS, STAT_USED_BYTES, STAT_TTL_ITEMS, REMOVED_EVICT, REMOVED_EXPIRE } from './abi';
import { fixedBytes, regs } from './layout';
import { bump, setStat } from './regs';
import { laneAt, laneCount } from './lanes';
import { getKlen, hasTtl, keyPtr, itemBytes, isExpired, setExpireAt, setFlags, getFlags, FLAG_TTL } from './item';
import { hashBytes } from './hash';
import { findItem, insertSlot, removeSlot, setSlotItem } from './table';
import { footprint, release } from './slab';
import { policyInsert, policyRemove, policyMoved } from './policy';
import { heapPush, heapRemove, heapMoved } from './expiry';
import { hotRemoved, hotMoved } from './hot';
import { reportRemoval } from './removal';
import { stateBlock, ctx, C_CLOCK, C_REGS, S_ITEM_COUNT, S_LIVE_BYTES, S_TTL_ITEMS } from './state';

/** Items stored, items with an expiry time, and the bytes their chunks and runs take. */
@inline export function itemCount(): u32 { return load<u32>(stateBlock() + S_ITEM_COUNT); }
@inline export function setItemCount(v: u32): void { store<u32>(stateBlock() + S_ITEM_COUNT, v); }
@inline export function ttlItems(): u32 { return load<u32>(stateBlock() + S_TTL_ITEMS); }
@inline export function setTtlItems(v: u32): void { store<u32>(stateBlock() + S_TTL_ITEMS, v); }
@inline export function liveBytes(): u64 { return load<u64>(stateBlock() + S_LIVE_BYTES); }
@inline export function setLiveBytes(v: u64): void { store<u64>(stateBlock() + S_LIVE_BYTES, v); }

/**
 * The time of the operation in progress, for evictions that have none of their own (the slab
 * allocator and table growth evict while making room): an item already past its expiry time
 * counts as expired, not evicted.
 */
@inline export function clock(): f64 { return load<f64>(ctx + C_CLOCK); }
@inline export function setClock(v: f64): void { store<f64>(ctx + C_CLOCK, v); }


export function resetItems(): void {
  setItemCount(0);
  setTtlItems(0);
  setLiveBytes(0);
}

/** Publishes the item and byte gauges (registers for the wrapper). */
export function publish(): void {
  let items = <f64>itemCount();
  let used = <f64>(fixedBytes() + liveBytes());
  let ttl = <f64>ttlItems();
  // Every lane's registers (lanes.ts). A write that changed none (a value rewritten in place)
  // stores nothing: the other threads' lines stay in their caches.
  if (load<f64>(regs() + (<usize>STAT_ITEMS << 3)) == items && load<f64>(regs() + (<usize>STAT_USED_BYTES << 3)) == used && load<f64>(regs() + (<usize>STAT_TTL_ITEMS << 3)) == ttl) return;
  for (let i: u32 = 0, n = laneCount(); i < n; i++) {
    let r = laneAt(i) + C_REGS;
    store<f64>(r + (<usize>STAT_ITEMS << 3), items);
    store<f64>(r + (<usize>STAT_USED_BYTES << 3), used);
    store<f64>(r + (<usize>STAT_TTL_ITEMS << 3), ttl);
  }
}

/** Bytes the item occupies in slab memory. */
@inline function footprintOf(it: usize): u64 {
  return <u64>footprint(it);
}

/** The index slot of a stored item. */
export function slotOf(it: usize): u32 {
  return findItem(hashBytes(keyPtr(it), getKlen(it)), it);
}

/** Links a new item (header and key written, hash `h`) into the index and the policy; with `expireAt` > 0, the heap too. */
export function linkItem(it: usize, h: u32, expireAt: f64): void {
  insertSlot(h, it);
  policyInsert(it, h);
  if (expireAt > 0) {
    setExpireAt(it, expireAt);
    addTtl(it);
  }
  setItemCount(itemCount() + 1);
  setLiveBytes(liveBytes() + footprintOf(it));
}

/** The item (its expiry time set, its header with room for it) now has an expiry: it joins the heap. */
export function addTtl(it: usize): void {
  if (DEBUG) assert(!hasTtl(it), 'addTtl: the item is already on the heap');
  setFlags(it, getFlags(it) | FLAG_TTL);
  heapPush(it);
  setTtlItems(ttlItems() + 1);
}

/** The item loses its expiry time: it leaves the heap. */
export function dropTtl(it: usize): void {
  if (DEBUG) assert(hasTtl(it), 'dropTtl: the item is not on the heap');
  heapRemove(it);
  setFlags(it, getFlags(it) & ~FLAG_TTL);
  setTtlItems(ttlItems() - 1);
}

/** Removes item `it` (at index slot `slot`) from every structure and frees its chunk; `reason` is a REMOVED_*. */
export function unlinkItem(it: usize, slot: u32, reason: u32): void {
  if (DEBUG) assert(itemCount() > 0, 'unlinkItem: no item is stored');
  reportRemoval(it, reason);
  hotRemoved(it);
  removeSlot(slot);
  policyRemove(it);
  if (hasTtl(it)) {
    heapRemove(it);
    setTtlItems(ttlItems() - 1);
  }
  setLiveBytes(liveBytes() - footprintOf(it));
  setItemCount(itemCount() - 1);
  release(it);
}

export function removeItem(it: usize, reason: u32): void {
  unlinkItem(it, slotOf(it), reason);
}

/** Evicts one item chosen by the slab allocator or the policy; one already past its expiry time counts as expired. */
export function evictItem(it: usize): void {
  if (isExpired(it, clock())) {
    removeItem(it, REMOVED_EXPIRE);
    bump(STAT_EXPIRED);
  } else {
    removeItem(it, REMOVED_EVICT);
    bump(STAT_EVICTIONS);
  }
}

/** The item at src was copied to chunk dst by the slab allocator: re-point everything at it. */
export function moveItem(src: usize, dst: usize): void {
  memory.copy(dst, src, itemBytes(src));
  hotMoved(src, dst);
  setSlotItem(slotOf(src), dst);
  policyMoved(src, dst);
  if (hasTtl(dst)) heapMoved(dst);
}

/**
 * The item at `src` now lives, reshaped by the caller (a header grown in place of the expiry
 * time), at `dst`, a chunk of another size: re-point everything at it and free `src`.
 */
export function rehomeItem(src: usize, dst: usize): void {
  hotMoved(src, dst);
  setSlotItem(slotOf(src), dst);
  policyMoved(src, dst);
  if (hasTtl(dst)) heapMoved(dst);
  setLiveBytes(liveBytes() - footprintOf(src));
  release(src);
  setLiveBytes(liveBytes() + footprintOf(dst));
}

/** For check.ts: the byte count the chunks of all items should add up to. */
export function liveBytesNow(): u64 {
  return liveBytes();
}
