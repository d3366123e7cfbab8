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
// Giving slabs back and clearing windows of contiguous pages: compact.ts.

import { DEBUG } from './debug';
import { classTable, pageTable, pagesBase, pageShift, pageBytes, pageCount, MAX_CLASSES } from './layout';
import { FREE, getFlags, setFlags, getNext, setNext, itemBytes } from './item';
import { stateBlock, S_CLASS_COUNT, S_FREE_PAGES, S_FREE_PAGE_HINT, S_LARGEST_CHUNK, S_LAST_FREED_CLASS } from './state';

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

@inline export function classCount(): u32 { return load<u32>(stateBlock() + S_CLASS_COUNT); }
@inline export function setClassCount(v: u32): void { store<u32>(stateBlock() + S_CLASS_COUNT, v); }
@inline export function freePages(): u32 { return load<u32>(stateBlock() + S_FREE_PAGES); }
@inline export function setFreePages(v: u32): void { store<u32>(stateBlock() + S_FREE_PAGES, v); }
@inline export function largestChunk(): u32 { return load<u32>(stateBlock() + S_LARGEST_CHUNK); }
@inline export function setLargestChunk(v: u32): void { store<u32>(stateBlock() + S_LARGEST_CHUNK, v); }
/** Class of the chunk freed last, -1 after a run: the one class that may have become releasable. */
@inline export function lastFreedClass(): i32 { return load<i32>(stateBlock() + S_LAST_FREED_CLASS); }
@inline export function setLastFreedClass(v: i32): void { store<i32>(stateBlock() + S_LAST_FREED_CLASS, v); }
@inline export function freePageHint(): u32 { return load<u32>(stateBlock() + S_FREE_PAGE_HINT); }
@inline export function setFreePageHint(v: u32): void { store<u32>(stateBlock() + S_FREE_PAGE_HINT, v); }

@inline function field(f: u32, c: u32): usize { return classTable() + (((f * MAX_CLASSES) + c) << 2); }
@inline export function classSize(c: u32): u32 { return load<u32>(field(F_SIZE, c)); }
@inline export function perSlab(c: u32): u32 { return load<u32>(field(F_PER_SLAB, c)); }
@inline export function slabPages(c: u32): u32 { return load<u32>(field(F_SLAB_PAGES, c)); }
@inline export function freeHead(c: u32): usize { return <usize>load<u32>(field(F_FREE_HEAD, c)); }
@inline export function setFreeHead(c: u32, p: usize): void { store<u32>(field(F_FREE_HEAD, c), <u32>p); }
@inline export function freeCount(c: u32): u32 { return load<u32>(field(F_FREE_COUNT, c)); }
@inline export function addFreeCount(c: u32, d: i32): void { store<u32>(field(F_FREE_COUNT, c), <u32>(<i32>freeCount(c) + d)); }
@inline export function classSlabs(c: u32): u32 { return load<u32>(field(F_SLABS, c)); }
@inline export function addClassSlabs(c: u32, d: i32): void { store<u32>(field(F_SLABS, c), <u32>(<i32>classSlabs(c) + d)); }

@inline export function pageOf(p: usize): u32 { return <u32>((p - pagesBase()) >> pageShift()); }
@inline export function pageStart(i: u32): usize { return pagesBase() + (<usize>i << pageShift()); }
@inline function entry(i: u32): u32 { return load<u32>(pageTable() + (<usize>i << 2)); }
@inline export function kindOf(i: u32): u32 { return entry(i) & 0xff; }
@inline export function highOf(i: u32): u32 { return entry(i) >> 8; }
@inline function setEntry(i: u32, kind: u32, high: u32): void { store<u32>(pageTable() + (<usize>i << 2), (high << 8) | kind); }
@inline function addLive(head: u32, d: i32): void {
  let a = pageTable() + (<usize>head << 2);
  store<u32>(a, <u32>(<i32>load<u32>(a) + (d << 8)));
}
/** First page of the slab or run that page i belongs to. */
@inline export function headOf(i: u32): u32 { return kindOf(i) == CONT ? i - highOf(i) : i; }
@inline export function pagesFor(bytes: u32): u32 { return (bytes + pageBytes() - 1) >> pageShift(); }

/** Marks pages [start, start + n) as one slab of class `kind`, or one run (kind RUN_HEAD). */
export function markSpan(start: u32, n: u32, kind: u32): void {
  if (DEBUG) assert(start + n <= pageCount() && n <= freePages(), 'markSpan: the pages are not there');
  if (DEBUG) for (let d: u32 = 0; d < n; d++) assert(kindOf(start + d) == PAGE_FREE, 'markSpan: a page is not free');
  setEntry(start, kind, 0);
  for (let d: u32 = 1; d < n; d++) setEntry(start + d, CONT, d);
  setFreePages(freePages() - n);
}

export function freeSpan(start: u32, n: u32): void {
  for (let d: u32 = 0; d < n; d++) setEntry(start + d, PAGE_FREE, 0);
  setFreePages(freePages() + n);
}

function addClass(size: u32, maxSlabPages: u32): bool {
  let least = (size * MIN_CHUNKS_PER_SLAB + pageBytes() - 1) >> pageShift();
  if (least > maxSlabPages || classCount() == MAX_CLASSES) return false;
  // Of the slab sizes from the least up to twice that, take the one with the smallest unusable tail.
  let pages = least;
  let bestTail: u64 = 0xffffffffffffffff;
  for (let k = least; k <= min<u32>(2 * least, maxSlabPages); k++) {
    let bytes = <u64>k << pageShift();
    let tail = ((bytes % size) << 16) / bytes; // tail as a fraction of the slab, in 1/65536
    if (tail < bestTail) {
      bestTail = tail;
      pages = k;
    }
  }
  store<u32>(field(F_SIZE, classCount()), size);
  store<u32>(field(F_SLAB_PAGES, classCount()), pages);
  store<u32>(field(F_PER_SLAB, classCount()), (pages << pageShift()) / size);
  setClassCount(classCount() + 1);
  setLargestChunk(size);
  return true;
}

export function initSlab(): void {
  memory.fill(classTable(), 0, 6 * MAX_CLASSES * 4);
  setClassCount(0);
  // Multi-page slabs stay small beside the whole cache (at most 1/64 of the pages): a class may
  // hold up to one slab of spare chunks, and contiguous pages must be easy to find.
  let maxSlabPages = min(MAX_SLAB_PAGES, max<u32>(1, pageCount() / 64));
  let s: u32 = 24;
  for (; s <= 256; s += 8) addClass(s, maxSlabPages);
  s = 256;
  while (true) {
    s = ((s * 9) / 8 + 7) & ~7;
    if (!addClass(s, maxSlabPages)) break;
  }
  setFreePages(0);
  freeSpan(0, pageCount());
  setFreePageHint(0);
}

/** The smallest class whose chunks hold `size` bytes, or -1 if the item needs a run of pages. */
export function classFor(size: u32): i32 {
  if (size > largestChunk()) return -1;
  let lo: u32 = 0;
  let hi: u32 = classCount() - 1;
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
  return k == RUN_HEAD ? pagesFor(itemBytes(it)) << pageShift() : classSize(k);
}

/** Last page of the slab or run that page i belongs to (i itself if it is free). */
export function spanEnd(i: u32): u32 {
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
  let limit = pageStart(pageCount());
  if (p < pagesBase()) p = pagesBase();
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
  setFreePages(freePages() - n);
  setFreePageHint(0);
}

/** Takes a free chunk of class c, or returns 0. */
export function popFree(c: u32): usize {
  let p = freeHead(c);
  if (p == 0) return 0;
  if (DEBUG) assert(getFlags(p) == FREE && kindOf(headOf(pageOf(p))) == c, 'popFree: the chunk on the free list is not a free chunk of its class');
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
  for (let k = c + 1; k < classCount() && classSize(k) <= limit; k++) {
    let p = popFree(k);
    if (p != 0) return p;
  }
  return 0;
}

/** Takes chunk p of class c, just released, back off the free list (compact.ts: it lies in a slab being emptied). */
export function unfree(c: u32, p: usize): void {
  if (DEBUG) assert(freeHead(c) == p, 'unfree: the chunk released last is not at the head of its free list');
  setFreeHead(c, getNext(p));
  addFreeCount(c, -1);
}

/** Returns the chunk of a slab item to its class, or the pages of a run to the pool. */
export function release(it: usize): void {
  if (DEBUG) assert(getFlags(it) != FREE, 'release: the chunk is already free');
  let i = pageOf(it);
  if (kindOf(i) == RUN_HEAD) {
    freeSpan(i, pagesFor(itemBytes(it)));
    setLastFreedClass(-1);
    return;
  }
  let head = headOf(i);
  let c = kindOf(head);
  setLastFreedClass(<i32>c);
  setFlags(it, FREE);
  setNext(it, freeHead(c));
  setFreeHead(c, it);
  addFreeCount(c, 1);
  addLive(head, -1);
}

/** Start of n contiguous free pages, or -1. */
export function findFreeSpan(n: u32): i32 {
  if (freePages() < n) return -1;
  let pages = pageCount(); // read once: a state-block load is not hoisted out of the loop
  let hint = freePageHint();
  if (n == 1) {
    for (let k: u32 = 0; k < pages; k++) {
      let i = hint + k;
      if (i >= pages) i -= pages;
      if (kindOf(i) == PAGE_FREE) {
        setFreePageHint(i);
        return <i32>i;
      }
    }
    return -1;
  }
  let len: u32 = 0;
  for (let i: u32 = 0; i < pages; i++) {
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
  for (let k: u32 = 0; k < classCount(); k++) {
    if (<i32>k != except && isReleasable(<i32>k)) return <i32>k;
  }
  return -1;
}

/** Unlinks from class k's free list the chunks inside [start, end) (compact.ts: a slab being emptied). */
export function unlinkFreeIn(k: u32, start: usize, end: usize): void {
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
