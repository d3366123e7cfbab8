// Compaction: giving a slab back, and clearing a window of contiguous pages.
//
// No calcification: a class that holds a slab's worth of free chunks gives a slab back. Its
// least-used slab is evacuated (live items move into the class's other free chunks, which exist
// because free >= chunks per slab) and its pages return to the pool for any class or run. The
// store does this before it evicts anything, so memory follows the workload's sizes.
// Contiguous pages (multi-page slabs, runs) come from a free run if there is one, else from the
// window of pages that is cheapest to clear (bestWindow, clearWindow). Clearing moves what is in
// the window aside: slab items into free chunks of their class, whole runs and slabs into free
// gaps outside the window (best fit), so scattered free pages are joined instead of the policy
// evicting more. The store clears a window when all of it looks movable (the cost estimate takes
// the second-longest gap as the room available), or when the policy has nothing left to evict.
// What cannot be placed after all is evicted: the cases where the cache evicts items that the
// policy did not choose (about 4% of evictions on adaptsize-request at 1% of its bytes).

import { pagesBase, pageCount } from './layout';
import { FREE, getFlags, itemBytes } from './item';
import {
  PAGE_FREE, RUN_HEAD, CONT, freePages, classSize, perSlab, slabPages, freeCount, addClassSlabs, pageOf, pageStart,
  kindOf, highOf, headOf, pagesFor, markSpan, freeSpan, spanEnd, popFree, carveSlab, unlinkFreeIn, unfree,
} from './slab';
import { moveItem, evictItem } from './items';
import { ctx, C_MOVABLE_SPAN, C_WINDOW_COST } from './state';

/**
 * Empties the slab that starts at page `head` and returns its pages to the pool. Its live items
 * move to free chunks of the class outside [avoidStart, avoidEnd) (which covers the slab); an
 * item with nowhere to go is evicted.
 */
function evacuateSlab(head: u32, avoidStart: usize, avoidEnd: usize): void {
  let c = kindOf(head);
  let size = classSize(c);
  let start = pageStart(head);
  let end = start + <usize>perSlab(c) * size;
  unlinkFreeIn(c, min(start, avoidStart), max(end, avoidEnd));
  for (let p = start; p < end; p += size) {
    if (getFlags(p) == FREE) continue;
    let dst = popFree(c);
    if (dst == 0) {
      // Free pages elsewhere make a new slab of the class rather than evict (the tables growing
      // into the top pages of a cache that is not full must not cost items).
      let s = bestFitOutside(slabPages(c), pageOf(min(start, avoidStart)), pagesFor(<u32>(max(end, avoidEnd) - pagesBase())));
      if (s >= 0) {
        carveSlab(c, <u32>s);
        dst = popFree(c);
      }
    }
    if (dst != 0) {
      moveItem(p, dst);
    } else {
      evictItem(p);
      unfree(c, p); // released onto the free list; it lies in this slab, so it must not be handed out
    }
  }
  addClassSlabs(c, -1);
  freeSpan(head, slabPages(c));
}

/**
 * Gives the least-used slab of class k back to the pool. Requires freeCount(k) >= perSlab(k),
 * which leaves room for every live chunk of any one slab, so nothing is evicted.
 */
export function releaseSlab(k: u32): void {
  let best: u32 = 0;
  let bestLive: u32 = 0xffffffff;
  let pages = pageCount();
  for (let i: u32 = 0; i < pages; i++) {
    if (kindOf(i) == k && highOf(i) < bestLive) {
      best = i;
      bestLive = highOf(i);
      if (bestLive == 0) break;
    }
  }
  evacuateSlab(best, pageStart(best), pageStart(best));
}

/**
 * Set by bestWindow: the length of the second-longest free span. A slab or run no longer than
 * this can move whole to free pages outside any window that overlaps at most one of the two
 * longest spans; clearWindow evicts what it cannot place after all.
 */
@inline export function movableSpan(): u32 { return load<u32>(ctx + C_MOVABLE_SPAN); }
@inline export function setMovableSpan(v: u32): void { store<u32>(ctx + C_MOVABLE_SPAN, v); }

/** Items that emptying the span starting at `head` would evict (the rest can move). */
function evictionCost(head: u32): u32 {
  let k = kindOf(head);
  if (k == PAGE_FREE) return 0;
  if (k == RUN_HEAD) return pagesFor(itemBytes(pageStart(head))) <= movableSpan() ? 0 : 1;
  let live = highOf(head);
  let freeElsewhere = freeCount(k) - (perSlab(k) - live);
  if (live <= freeElsewhere || slabPages(k) <= movableSpan()) return 0;
  return live - freeElsewhere;
}

/** The two longest free spans' lengths, longest first, into movableSpan (the second). */
function measureFreeSpans(): void {
  let first: u32 = 0;
  let second: u32 = 0;
  let len: u32 = 0;
  let pages = pageCount();
  for (let i: u32 = 0; i <= pages; i++) {
    if (i < pages && kindOf(i) == PAGE_FREE) {
      len++;
      continue;
    }
    if (len > first) {
      second = first;
      first = len;
    } else if (len > second) {
      second = len;
    }
    len = 0;
  }
  setMovableSpan(second);
}

/** Start of the shortest run of at least n free pages that lies outside pages [lo, hi), or -1. */
function bestFitOutside(n: u32, lo: u32, hi: u32): i32 {
  if (freePages() < n) return -1;
  let best: i32 = -1;
  let bestLen: u32 = 0xffffffff;
  let len: u32 = 0;
  let pages = pageCount();
  for (let i: u32 = 0; i <= pages; i++) {
    if (i < pages && kindOf(i) == PAGE_FREE && (i < lo || i >= hi)) {
      len++;
      continue;
    }
    if (len >= n && len < bestLen) {
      best = <i32>(i - len);
      bestLen = len;
    }
    len = 0;
  }
  return best;
}

/** Moves the run at page `head` to free pages outside [lo, hi). False if none are long enough. */
function relocateRun(head: u32, lo: u32, hi: u32): bool {
  let it = pageStart(head);
  let n = pagesFor(itemBytes(it));
  let d = bestFitOutside(n, lo, hi);
  if (d < 0) return false;
  markSpan(<u32>d, n, RUN_HEAD);
  moveItem(it, pageStart(<u32>d));
  freeSpan(head, n);
  return true;
}

/** Set by bestWindow: items that clearing the chosen window would evict. */
@inline export function windowCost(): u32 { return load<u32>(ctx + C_WINDOW_COST); }
@inline export function setWindowCost(v: u32): void { store<u32>(ctx + C_WINDOW_COST, v); }

/**
 * The window of n contiguous pages that is cheapest to clear: fewest evictions, then most pages
 * already free. It must not touch pages [keepFirst, keepLast]. Returns its first page, or -1.
 * One pass: as the window slides right, the span that leaves it and the span that enters it
 * change the running cost.
 */
export function bestWindow(n: u32, keepFirst: u32, keepLast: u32): i32 {
  let best: i32 = -1;
  let bestCost: u32 = 0xffffffff;
  let bestFree: u32 = 0;
  if (n > pageCount()) return -1;
  measureFreeSpans();
  let cost: u32 = 0;
  let free: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (kindOf(i) == PAGE_FREE) free++;
    else if (i == 0 || kindOf(i) != CONT) cost += evictionCost(headOf(i));
  }
  for (let s: u32 = 0; ; s++) {
    let last = s + n - 1;
    // Everything emptied, [first page of the span at s, last page of the span at last], must
    // miss the kept span.
    let touchesKeep = keepFirst <= keepLast && headOf(s) <= keepLast && spanEnd(last) >= keepFirst;
    if (!touchesKeep && (cost < bestCost || (cost == bestCost && free > bestFree))) {
      best = <i32>s;
      bestCost = cost;
      bestFree = free;
    }
    if (last + 1 >= pageCount()) break;
    // Page s leaves: its span leaves too unless it goes on into page s + 1.
    let out = kindOf(s);
    if (out == PAGE_FREE) free--;
    else if (kindOf(s + 1) != CONT) cost -= evictionCost(headOf(s));
    // Page last + 1 enters: a new span unless it continues one already in the window.
    let inn = kindOf(last + 1);
    if (inn == PAGE_FREE) free++;
    else if (inn != CONT) cost += evictionCost(headOf(last + 1)); // a CONT page continues a span already counted
  }
  setWindowCost(bestCost);
  return best;
}

/** Empties every slab and run that overlaps pages [s, s + n): items move where they can, else are evicted. */
export function clearWindow(s: u32, n: u32): void {
  let winStart = pageStart(s);
  let winEnd = pageStart(s + n);
  for (let i = s; i < s + n; i++) {
    if (kindOf(i) == PAGE_FREE) continue;
    let head = headOf(i);
    if (kindOf(head) == RUN_HEAD) {
      if (!relocateRun(head, s, s + n)) evictItem(pageStart(head)); // frees the whole run
    } else {
      evacuateSlab(head, winStart, winEnd);
    }
  }
}

