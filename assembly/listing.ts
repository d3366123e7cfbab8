// Listing: SCAN's cursor walk over the index slots, RANDOMKEY's uniform pick, and describe(),
// which puts one item in the registers for the wrapper (key, value, kind, expiry time).

import { REG_EXPIRE_AT, REG_KEY_PTR, REG_KLEN, REG_VALUE_PTR } from './abi';
import { indexSlots } from './layout';
import { setReg, setStat } from './regs';
import { getKlen, hasTtl, getExpireAt, getSpace, keyPtr, valuePtr, isExpired, isStale } from './item';
import { slotItem } from './table';
import { policyNth } from './policy';
import { itemCount } from './items';
import { answer } from './store';

/** True for an item that SCAN and RANDOMKEY see: a caller's key, neither expired nor stale. */
@inline function listed(it: usize, now: f64): bool {
  return it != 0 && getSpace(it) == 0 && !isExpired(it, now) && !isStale(it, now);
}

@inline function liveAt(slot: u32, now: f64): usize {
  let it = slotItem(slot);
  return listed(it, now) ? it : 0;
}

@inline function xorshift(x: u32): u32 {
  x ^= x << 13;
  x ^= x >> 17;
  return x ^ (x << 5);
}

/**
 * Puts a listed item (a caller's live key) chosen uniformly at random in the registers (RANDOMKEY).
 * Returns 1, or 0 if there is none. Each item has one slot, so a random slot that holds a live item is a uniform
 * pick, if the index is dense enough for a few probes to hit one; else the k-th item on the
 * policy's queues for a random k is (at most count/2 steps). An expired or stale pick is drawn
 * again; if all draws miss, one pass of reservoir sampling over the slots decides.
 */
export function randomItem(seed: u32, now: f64): u32 {
  if (itemCount() == 0) return 0;
  let x = seed | 1;
  let dense = <u64>itemCount() * 32 >= <u64>indexSlots();
  for (let p = 0; p < 64; p++) {
    x = xorshift(x);
    let it = dense ? liveAt(<u32>((<u64>x * indexSlots()) >> 32), now) : policyNth(<u32>((<u64>x * itemCount()) >> 32));
    if (dense ? it != 0 : listed(it, now)) {
      describe(it);
      return 1;
    }
  }
  let chosen: usize = 0;
  let seen: u64 = 0;
  for (let i: u32 = 0; i < indexSlots(); i++) {
    let it = liveAt(i, now);
    if (it == 0) continue;
    seen++;
    x = xorshift(x);
    if (((<u64>x * seen) >> 32) == 0) chosen = it;
  }
  if (chosen == 0) return 0;
  describe(chosen);
  return 1;
}

/** Puts item `it` in the registers: key, value, kind and expiry time. */
export function describe(it: usize): void {
  setReg(REG_KEY_PTR, <u32>keyPtr(it));
  setReg(REG_KLEN, getKlen(it));
  setReg(REG_VALUE_PTR, <u32>valuePtr(it));
  setStat(REG_EXPIRE_AT, hasTtl(it) ? getExpireAt(it) : 0);
  answer(it);
}

/**
 * Iterates over live items by index slot, memo()'s left out (their keys are no caller's). Returns
 * the cursor to pass next (0 when done) and puts the item in the registers. Items set or deleted
 * between calls may be missed or seen twice.
 */
export function scan(cursor: u32, now: f64): u32 {
  for (let i = cursor; i < indexSlots(); i++) {
    let it = slotItem(i);
    if (listed(it, now)) {
      describe(it);
      return i + 1;
    }
  }
  return 0;
}

