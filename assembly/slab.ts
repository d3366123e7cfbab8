// Slab memory: size classes carved from slabs of contiguous pages, and runs of whole pages for
// the largest items.
//
// Size classes (chunk bytes), for a page of P bytes:
//   24, 32, 40, ... 256            every 8 bytes: a small item wastes at most 7 bytes
//   288, 328, 376, 424, ...        x1.125 rounded up to 8, up to 4P: at most 12.5% waste
// A slab of class c is a whole number of pages holding at least 8 chunks (1 page up to P/8, up
// to 32 pages for the biggest classes): of the sizes from the least such up to twice that, the
// one whose unusable tail is the smallest fraction (always under 1/8).
// Items above the largest class take a run of ceil(size / P) contiguous pages.
//
// Page table, one u32 per page:
//   ┌─────────────────────────────┬──────────┐
//   │ live chunks / distance (24) │ kind u8  │   kind: class id 0..127 (the first page of a slab;
//   └─────────────────────────────┴──────────┘   high bits: its live chunks), PAGE_FREE, RUN_HEAD,
//                                                 or CONT (a later page of a slab or run; high
//                                                 bits: distance back to its first page)
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

import { classTable, pageTable, pagesBase, pageShift, pageBytes, pageCount, MAX_CLASSES } from './layout';
import { FREE, getFlags, setFlags, getNext, setNext, itemBytes } from './item';
import { moveItem, evictItem } from './store';

export const PAGE_FREE: u32 = 0xff;
export const RUN_HEAD: u32 = 0xfe;
export const CONT: u32 = 0xfd;
const MIN_CHUNKS_PER_SLAB: u32 = 8;
const MAX_SLAB_PAGES: u32 = 32;

// Class table: one array of MAX_CLASSES u32 per field.
const F_SIZE: u32 = 0;
const F_PER_SLAB: u32 = 1;
const F_SLAB_PAGES: u32 = 2;
const F_FREE_HEAD: u32 = 3;
const F_FREE_COUNT: u32 = 4;
const F_SLABS: u32 = 5;

export let classCount: u32 = 0;
export let freePages: u32 = 0;
export let largestChunk: u32 = 0;
/** Class of the chunk freed last, -1 after a run: the one class that may have become releasable. */
export let lastFreedClass: i32 = -1;
let freePageHint: u32 = 0;

@inline function field(f: u32, c: u32): usize { return classTable + (((f * MAX_CLASSES) + c) << 2); }
@inline export function classSize(c: u32): u32 { return load<u32>(field(F_SIZE, c)); }
@inline function perSlab(c: u32): u32 { return load<u32>(field(F_PER_SLAB, c)); }
@inline function slabPages(c: u32): u32 { return load<u32>(field(F_SLAB_PAGES, c)); }
@inline function freeHead(c: u32): usize { return <usize>load<u32>(field(F_FREE_HEAD, c)); }
@inline function setFreeHead(c: u32, p: usize): void { store<u32>(field(F_FREE_HEAD, c), <u32>p); }
@inline function freeCount(c: u32): u32 { return load<u32>(field(F_FREE_COUNT, c)); }
@inline function addFreeCount(c: u32, d: i32): void { store<u32>(field(F_FREE_COUNT, c), <u32>(<i32>freeCount(c) + d)); }
@inline function classSlabs(c: u32): u32 { return load<u32>(field(F_SLABS, c)); }
@inline function addClassSlabs(c: u32, d: i32): void { store<u32>(field(F_SLABS, c), <u32>(<i32>classSlabs(c) + d)); }

@inline function pageOf(p: usize): u32 { return <u32>((p - pagesBase) >> pageShift); }
@inline function pageStart(i: u32): usize { return pagesBase + (<usize>i << pageShift); }
@inline function entry(i: u32): u32 { return load<u32>(pageTable + (<usize>i << 2)); }
@inline function kindOf(i: u32): u32 { return entry(i) & 0xff; }
@inline function highOf(i: u32): u32 { return entry(i) >> 8; }
@inline function setEntry(i: u32, kind: u32, high: u32): void { store<u32>(pageTable + (<usize>i << 2), (high << 8) | kind); }
@inline function addLive(head: u32, d: i32): void {
  let a = pageTable + (<usize>head << 2);
  store<u32>(a, <u32>(<i32>load<u32>(a) + (d << 8)));
}
/** First page of the slab or run that page i belongs to. */
@inline function headOf(i: u32): u32 { return kindOf(i) == CONT ? i - highOf(i) : i; }
@inline export function pagesFor(bytes: u32): u32 { return (bytes + pageBytes - 1) >> pageShift; }

/** Marks pages [start, start + n) as one slab of class `kind`, or one run (kind RUN_HEAD). */
function markSpan(start: u32, n: u32, kind: u32): void {
  setEntry(start, kind, 0);
  for (let d: u32 = 1; d < n; d++) setEntry(start + d, CONT, d);
  freePages -= n;
}

function freeSpan(start: u32, n: u32): void {
  for (let d: u32 = 0; d < n; d++) setEntry(start + d, PAGE_FREE, 0);
  freePages += n;
}

function addClass(size: u32, maxSlabPages: u32): bool {
  let least = (size * MIN_CHUNKS_PER_SLAB + pageBytes - 1) >> pageShift;
  if (least > maxSlabPages || classCount == MAX_CLASSES) return false;
  // Of the slab sizes from the least up to twice that, take the one with the smallest unusable tail.
  let pages = least;
  let bestTail: u64 = 0xffffffffffffffff;
  for (let k = least; k <= min<u32>(2 * least, maxSlabPages); k++) {
    let bytes = <u64>k << pageShift;
    let tail = ((bytes % size) << 16) / bytes; // tail as a fraction of the slab, in 1/65536
    if (tail < bestTail) {
      bestTail = tail;
      pages = k;
    }
  }
  store<u32>(field(F_SIZE, classCount), size);
  store<u32>(field(F_SLAB_PAGES, classCount), pages);
  store<u32>(field(F_PER_SLAB, classCount), (pages << pageShift) / size);
  classCount++;
  largestChunk = size;
  return true;
}

export function initSlab(): void {
  memory.fill(classTable, 0, 6 * MAX_CLASSES * 4);
  classCount = 0;
  // Multi-page slabs stay small beside the whole cache (at most 1/64 of the pages): a class may
  // hold up to one slab of spare chunks, and contiguous pages must be easy to find.
  let maxSlabPages = min(MAX_SLAB_PAGES, max<u32>(1, pageCount / 64));
  let s: u32 = 24;
  for (; s <= 256; s += 8) addClass(s, maxSlabPages);
  s = 256;
  while (true) {
    s = ((s * 9) / 8 + 7) & ~7;
    if (!addClass(s, maxSlabPages)) break;
  }
  freePages = 0;
  freeSpan(0, pageCount);
  freePageHint = 0;
}

/** The smallest class whose chunks hold `size` bytes, or -1 if the item needs a run of pages. */
export function classFor(size: u32): i32 {
  if (size > largestChunk) return -1;
  let lo: u32 = 0;
  let hi: u32 = classCount - 1;
  while (lo < hi) {
    let mid = (lo + hi) >> 1;
    if (classSize(mid) >= size) hi = mid;
    else lo = mid + 1;
  }
  return <i32>lo;
}

/** Pages that one unit of allocation for this size takes: a slab of its class, or its run. */
export function spanPages(size: u32): u32 {
  let c = classFor(size);
  return c >= 0 ? slabPages(<u32>c) : pagesFor(size);
}

@inline export function isRun(p: usize): bool {
  return kindOf(pageOf(p)) == RUN_HEAD;
}

/** True if an item of `size` bytes would take the same chunk class (or run length) as `it`. */
export function fitsInPlace(it: usize, size: u32): bool {
  let k = kindOf(headOf(pageOf(it)));
  if (k == RUN_HEAD) return classFor(size) < 0 && pagesFor(size) == pagesFor(itemBytes(it));
  return classFor(size) == <i32>k;
}

/** Bytes the item at `it` really occupies: its chunk, or its whole run of pages. */
export function footprint(it: usize): u32 {
  let head = headOf(pageOf(it));
  let k = kindOf(head);
  return k == RUN_HEAD ? pagesFor(itemBytes(it)) << pageShift : classSize(k);
}

/** Last page of the slab or run that page i belongs to (i itself if it is free). */
function spanEnd(i: u32): u32 {
  let k = kindOf(i);
  if (k == PAGE_FREE) return i;
  let head = headOf(i);
  k = kindOf(head);
  let n = k == RUN_HEAD ? pagesFor(itemBytes(pageStart(head))) : slabPages(k);
  return head + n - 1;
}

/** First page of the slab or run holding `it`. */
export function spanFirst(it: usize): u32 {
  return headOf(pageOf(it));
}

/** Last page of the slab or run holding `it`. */
export function spanLast(it: usize): u32 {
  return spanEnd(pageOf(it));
}

/**
 * The first item (a chunk that is not free, or a run) at or after address `p`, in memory order, or
 * 0 past the last page. Snapshots walk items this way: memory is read front to back, which the
 * CPU prefetches, where the index order would jump between random addresses.
 */
export function nextItemAt(p: usize): usize {
  let limit = pageStart(pageCount);
  if (p < pagesBase) p = pagesBase;
  while (p < limit) {
    let i = pageOf(p);
    let head = headOf(i);
    let k = kindOf(head);
    if (k == PAGE_FREE) {
      p = pageStart(i + 1);
      continue;
    }
    let base = pageStart(head);
    if (k == RUN_HEAD) {
      if (p == base) return p;
    } else {
      let size = <usize>classSize(k);
      let j = (p - base + size - 1) / size; // first chunk starting at or after p
      if (j < <usize>perSlab(k)) {
        let q = base + j * size;
        if (getFlags(q) != FREE) return q;
        p = q + size;
        continue;
      }
    }
    p = pageStart(spanEnd(i) + 1);
  }
  return 0;
}

/** Pages [first, first + n), given up by the tables (grow.ts), join the pool. */
export function addTopPages(first: u32, n: u32): void {
  freeSpan(first, n);
}

/** The top `n` pages, free, leave the pool: the tables grow into them (grow.ts). */
export function dropTopPages(n: u32): void {
  freePages -= n;
  freePageHint = 0;
}

/** Takes a free chunk of class c, or returns 0. */
export function popFree(c: u32): usize {
  let p = freeHead(c);
  if (p == 0) return 0;
  setFreeHead(c, getNext(p));
  addFreeCount(c, -1);
  addLive(headOf(pageOf(p)), 1);
  return p;
}

/**
 * Takes a free chunk of a larger class than c, up to twice c's chunk size, or returns 0. Better
 * than evicting: the spare chunks that wait in other classes are the slab allocator's main cost.
 */
export function popFreeLarger(c: u32): usize {
  let limit = classSize(c) << 1;
  for (let k = c + 1; k < classCount && classSize(k) <= limit; k++) {
    let p = popFree(k);
    if (p != 0) return p;
  }
  return 0;
}

/** Returns the chunk of a slab item to its class, or the pages of a run to the pool. */
export function release(it: usize): void {
  let i = pageOf(it);
  if (kindOf(i) == RUN_HEAD) {
    freeSpan(i, pagesFor(itemBytes(it)));
    lastFreedClass = -1;
    return;
  }
  let head = headOf(i);
  let c = kindOf(head);
  lastFreedClass = <i32>c;
  setFlags(it, FREE);
  setNext(it, freeHead(c));
  setFreeHead(c, it);
  addFreeCount(c, 1);
  addLive(head, -1);
}

/** Start of n contiguous free pages, or -1. */
export function findFreeSpan(n: u32): i32 {
  if (freePages < n) return -1;
  if (n == 1) {
    for (let k: u32 = 0; k < pageCount; k++) {
      let i = freePageHint + k;
      if (i >= pageCount) i -= pageCount;
      if (kindOf(i) == PAGE_FREE) {
        freePageHint = i;
        return <i32>i;
      }
    }
    return -1;
  }
  let len: u32 = 0;
  for (let i: u32 = 0; i < pageCount; i++) {
    len = kindOf(i) == PAGE_FREE ? len + 1 : 0;
    if (len == n) return <i32>(i + 1 - n);
  }
  return -1;
}

/** Makes pages [start, start + slabPages(c)) a new slab of class c, all chunks free. */
export function carveSlab(c: u32, start: u32): void {
  markSpan(start, slabPages(c), c);
  addClassSlabs(c, 1);
  let size = classSize(c);
  let n = perSlab(c);
  let base = pageStart(start);
  let head = freeHead(c);
  // Push in reverse so that the slab is handed out from its low addresses up.
  for (let k = n; k > 0; k--) {
    let p = base + <usize>(k - 1) * size;
    setFlags(p, FREE);
    setNext(p, head);
    head = p;
  }
  setFreeHead(c, head);
  addFreeCount(c, <i32>n);
}

/** Marks pages [start, start + n) as the run of one item and returns its address. */
export function takeRun(start: u32, n: u32): usize {
  markSpan(start, n, RUN_HEAD);
  return pageStart(start);
}

/** True if class k holds a whole slab's worth of free chunks. */
export function isReleasable(k: i32): bool {
  return k >= 0 && freeCount(<u32>k) >= perSlab(<u32>k) && classSlabs(<u32>k) > 0;
}

/** A class other than `except` holding a whole slab's worth of free chunks, or -1. */
export function releasableClass(except: i32): i32 {
  for (let k: u32 = 0; k < classCount; k++) {
    if (<i32>k != except && isReleasable(<i32>k)) return <i32>k;
  }
  return -1;
}

/** Unlinks from class k's free list the chunks inside [start, end). */
function unlinkFreeIn(k: u32, start: usize, end: usize): void {
  let prev: usize = 0;
  let p = freeHead(k);
  while (p != 0) {
    let n = getNext(p);
    if (p >= start && p < end) {
      if (prev != 0) setNext(prev, n);
      else setFreeHead(k, n);
      addFreeCount(k, -1);
    } else {
      prev = p;
    }
    p = n;
  }
}

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
      let s = bestFitOutside(slabPages(c), pageOf(min(start, avoidStart)), pagesFor(<u32>(max(end, avoidEnd) - pagesBase)));
      if (s >= 0) {
        carveSlab(c, <u32>s);
        dst = popFree(c);
      }
    }
    if (dst != 0) {
      moveItem(p, dst);
    } else {
      evictItem(p);
      // evictItem pushed p onto the free list; it lies in the slab, so take it back off.
      setFreeHead(c, getNext(p));
      addFreeCount(c, -1);
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
  for (let i: u32 = 0; i < pageCount; i++) {
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
let movableSpan: u32 = 0;

/** Items that emptying the span starting at `head` would evict (the rest can move). */
function evictionCost(head: u32): u32 {
  let k = kindOf(head);
  if (k == PAGE_FREE) return 0;
  if (k == RUN_HEAD) return pagesFor(itemBytes(pageStart(head))) <= movableSpan ? 0 : 1;
  let live = highOf(head);
  let freeElsewhere = freeCount(k) - (perSlab(k) - live);
  if (live <= freeElsewhere || slabPages(k) <= movableSpan) return 0;
  return live - freeElsewhere;
}

/** The two longest free spans' lengths, longest first, into movableSpan (the second). */
function measureFreeSpans(): void {
  let first: u32 = 0;
  let second: u32 = 0;
  let len: u32 = 0;
  for (let i: u32 = 0; i <= pageCount; i++) {
    if (i < pageCount && kindOf(i) == PAGE_FREE) {
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
  movableSpan = second;
}

/** Start of the shortest run of at least n free pages that lies outside pages [lo, hi), or -1. */
function bestFitOutside(n: u32, lo: u32, hi: u32): i32 {
  if (freePages < n) return -1;
  let best: i32 = -1;
  let bestLen: u32 = 0xffffffff;
  let len: u32 = 0;
  for (let i: u32 = 0; i <= pageCount; i++) {
    if (i < pageCount && kindOf(i) == PAGE_FREE && (i < lo || i >= hi)) {
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
export let windowCost: u32 = 0;

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
  if (n > pageCount) return -1;
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
    if (last + 1 >= pageCount) break;
    // Page s leaves: its span leaves too unless it goes on into page s + 1.
    let out = kindOf(s);
    if (out == PAGE_FREE) free--;
    else if (kindOf(s + 1) != CONT) cost -= evictionCost(headOf(s));
    // Page last + 1 enters: a new span unless it continues one already in the window.
    let inn = kindOf(last + 1);
    if (inn == PAGE_FREE) free++;
    else if (inn != CONT) cost += evictionCost(headOf(last + 1)); // a CONT page continues a span already counted
  }
  windowCost = bestCost;
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

/** Checks the page table, free lists and live counts against each other; 0 if consistent. */
export function checkSlab(): i32 {
  let free: u32 = 0;
  for (let i: u32 = 0; i < pageCount; i++) {
    let k = kindOf(i);
    if (k == PAGE_FREE) free++;
    else if (k == CONT) {
      if (highOf(i) == 0 || highOf(i) > i) return 1;
      let hk = kindOf(i - highOf(i));
      if (hk == CONT || hk == PAGE_FREE) return 2;
    }
  }
  if (free != freePages) return 3;
  for (let c: u32 = 0; c < classCount; c++) {
    let n: u32 = 0;
    let p = freeHead(c);
    while (p != 0) {
      if (getFlags(p) != FREE) return 4;
      if (kindOf(headOf(pageOf(p))) != c) return 5;
      n++;
      p = getNext(p);
    }
    if (n != freeCount(c)) return 6;
    let slabs: u32 = 0;
    let live: u32 = 0;
    let size = classSize(c);
    for (let i: u32 = 0; i < pageCount; i++) {
      if (kindOf(i) != c) continue;
      slabs++;
      live += highOf(i);
      let used: u32 = 0;
      for (let k: u32 = 0; k < perSlab(c); k++) if (getFlags(pageStart(i) + <usize>k * size) != FREE) used++;
      if (used != highOf(i)) return 7;
    }
    if (slabs != classSlabs(c)) return 8;
    if (live + freeCount(c) != slabs * perSlab(c)) return 9;
  }
  return 0;
}
