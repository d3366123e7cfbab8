// Making room for an item, in order of cost (allocItem):
//   1. a free chunk of the item's class;  2. free pages, carved into a slab of that class;
//   3. a slab released by a class that holds a slab's worth of free chunks (items move, none lost);
//   4. for a slab or run of several pages: a window of pages whose items can all move elsewhere;
//   5. an expired item, oldest first (expiry heap);  6. the policy's victim.
// Steps 3-6 repeat until 1 or 2 succeeds. An expired item is therefore never kept while a live one
// is evicted. Only when nothing is left to evict does a window's clearing evict (compact.ts).

import { STAT_EXPIRED, REMOVED_EXPIRE } from './abi';
import { bump } from './regs';
import { getExpireAt } from './item';
import {
  classFor, spanPages, popFree, popFreeLarger, carveSlab, takeRun, releasableClass, isReleasable, lastFreedClass, findFreeSpan,
  freePages, spanFirst, spanLast,
} from './slab';
import { releaseSlab, bestWindow, clearWindow, windowCost } from './compact';
import { policyVictim, getPinned } from './policy';
import { heapMin } from './expiry';
import { itemCount, removeItem, evictItem, setClock } from './items';
import { shrinkTables } from './grow';

/** Removes one expired item if there is one, else the policy's victim. False if nothing is left. */
export function evictOne(now: f64): bool {
  let m = heapMin();
  if (m != 0 && getExpireAt(m) < now) {
    removeItem(m, REMOVED_EXPIRE);
    bump(STAT_EXPIRED);
    return true;
  }
  let v = policyVictim();
  if (v == 0) return false;
  evictItem(v);
  return true;
}

/** A chunk (or run) for an item of `size` bytes, making room as above; 0 if none can be made. */
export function allocItem(size: u32, now: f64): usize {
  let c = classFor(size);
  if (c >= 0) {
    let p = popFree(<u32>c);
    if (p != 0) return p; // the common case, kept free of the scans below
  }
  return allocSlow(size, c, now);
}

function allocSlow(size: u32, c: i32, now: f64): usize {
  setClock(now);
  let n = spanPages(size);
  // Rescans are skipped when nothing they look at has changed: a free span needs a change in the
  // free pages; a newly releasable class can only be the class that last got a chunk back.
  let spanScannedAt: u32 = 0xffffffff;
  let windowScannedAt: u32 = 0xffffffff;
  let candidate = releasableClass(c);
  while (true) {
    if (c >= 0) {
      let p = popFree(<u32>c);
      if (p != 0) return p;
    }
    let s: i32 = -1;
    if (freePages() != spanScannedAt) {
      spanScannedAt = freePages();
      s = findFreeSpan(n);
    }
    if (s < 0) {
      if (candidate != c && isReleasable(candidate)) {
        releaseSlab(<u32>candidate);
        continue;
      }
      // Pages are free but scattered: clear a window if that evicts nothing, else let the policy
      // evict and look again; if the policy has nothing left, clear the cheapest window anyway.
      if (freePages() >= n && freePages() != windowScannedAt) {
        windowScannedAt = freePages();
        s = pickWindow(n);
        if (windowCost() != 0) s = -1;
      }
      if (s < 0) {
        if (c >= 0) {
          let p = popFreeLarger(<u32>c);
          if (p != 0) return p;
        }
        if (shrinkTables(itemCount())) continue;
        if (evictOne(now)) {
          candidate = lastFreedClass();
          continue;
        }
        s = pickWindow(n);
        if (s < 0) return 0;
      }
      clearWindow(<u32>s, n);
    }
    if (c < 0) return takeRun(<u32>s, n);
    carveSlab(<u32>c, <u32>s);
  }
  return 0;
}

/** The cheapest window of n pages that keeps clear of the item being resized, if any. */
function pickWindow(n: u32): i32 {
  let pin = getPinned();
  return pin != 0 ? bestWindow(n, spanFirst(pin), spanLast(pin)) : bestWindow(n, 1, 0);
}
