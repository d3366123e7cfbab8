// Slab memory: size classes carved from pages, and runs of whole pages for items above a page.
//
// Size classes (chunk bytes), for a page of P bytes:
//   24, 32, 40, ... 128                 every 8 bytes: small items waste at most 7 bytes
//   144, 168, 192, 216, 248, ...         x1.125, rounded up to 8, up to P/8
//   P/7, P/6, P/5, P/4, P/3, P/2, P      whole fractions of a page, so no page ends in a useless tail
// Items larger than a page take a run of contiguous pages (rounded up to whole pages).
//
// Page table, one u32 per page:  ┌─────────────────────────┬──────────┐
//                                │ live chunks (24 bits)   │ class u8 │   class: 0..127, or PAGE_FREE,
//                                └─────────────────────────┴──────────┘   RUN_HEAD, RUN_CONT
//
// No calcification: a class that holds a page's worth of free chunks can give a page back. Its
// least-used page is evacuated (its live items move into the class's other free chunks, which
// must exist: free >= chunks per page) and the page returns to the free pool for any class or run.
// The store calls this before it evicts anything, so memory follows the workload's sizes.

import { classTable, pageTable, pagesBase, pageShift, pageBytes, pageCount, MAX_CLASSES } from './layout';
import { FREE, getFlags, setFlags, getNext, setNext } from './item';
import { moveItem, evictItem } from './store';

export const PAGE_FREE: u32 = 0xff;
export const RUN_HEAD: u32 = 0xfe;
export const RUN_CONT: u32 = 0xfd;

// Class table: one array of MAX_CLASSES u32 per field.
const F_SIZE: u32 = 0;
const F_PER_PAGE: u32 = 1;
const F_FREE_HEAD: u32 = 2;
const F_FREE_COUNT: u32 = 3;
const F_PAGES: u32 = 4;

export let classCount: u32 = 0;
export let freePages: u32 = 0;
export let largestChunk: u32 = 0;
let freePageHint: u32 = 0;

@inline function field(f: u32, c: u32): usize { return classTable + (((f * MAX_CLASSES) + c) << 2); }
@inline export function classSize(c: u32): u32 { return load<u32>(field(F_SIZE, c)); }
@inline function perPage(c: u32): u32 { return load<u32>(field(F_PER_PAGE, c)); }
@inline function freeHead(c: u32): usize { return <usize>load<u32>(field(F_FREE_HEAD, c)); }
@inline function setFreeHead(c: u32, p: usize): void { store<u32>(field(F_FREE_HEAD, c), <u32>p); }
@inline export function freeCount(c: u32): u32 { return load<u32>(field(F_FREE_COUNT, c)); }
@inline function addFreeCount(c: u32, d: i32): void { store<u32>(field(F_FREE_COUNT, c), <u32>(<i32>freeCount(c) + d)); }
@inline export function classPages(c: u32): u32 { return load<u32>(field(F_PAGES, c)); }
@inline function addClassPages(c: u32, d: i32): void { store<u32>(field(F_PAGES, c), <u32>(<i32>classPages(c) + d)); }

@inline export function pageOf(p: usize): u32 { return <u32>((p - pagesBase) >> pageShift); }
@inline export function pageStart(i: u32): usize { return pagesBase + (<usize>i << pageShift); }
@inline export function pageClass(i: u32): u32 { return load<u32>(pageTable + (<usize>i << 2)) & 0xff; }
@inline export function pageLive(i: u32): u32 { return load<u32>(pageTable + (<usize>i << 2)) >> 8; }
@inline function setPage(i: u32, cls: u32, live: u32): void { store<u32>(pageTable + (<usize>i << 2), (live << 8) | cls); }
@inline function addPageLive(i: u32, d: i32): void {
  let a = pageTable + (<usize>i << 2);
  store<u32>(a, <u32>(<i32>load<u32>(a) + (d << 8)));
}
@inline export function pagesFor(bytes: u32): u32 { return (bytes + pageBytes - 1) >> pageShift; }

function addClass(size: u32): void {
  store<u32>(field(F_SIZE, classCount), size);
  store<u32>(field(F_PER_PAGE, classCount), pageBytes / size);
  classCount++;
  largestChunk = size;
}

export function initSlab(): void {
  memory.fill(classTable, 0, 6 * MAX_CLASSES * 4);
  classCount = 0;
  let s: u32 = 24;
  for (; s <= 128; s += 8) addClass(s);
  s = 128;
  while (true) {
    s = ((s * 9) / 8 + 7) & ~7;
    if (s > pageBytes / 8) break;
    addClass(s);
  }
  for (let n: u32 = 8; n >= 1; n--) {
    let size = (pageBytes / n) & ~7;
    if (size > largestChunk) addClass(size);
  }
  for (let i: u32 = 0; i < pageCount; i++) setPage(i, PAGE_FREE, 0);
  freePages = pageCount;
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

/** Bytes an item of `size` really occupies: its chunk, or its whole run of pages. */
export function footprint(size: u32): u32 {
  let c = classFor(size);
  return c >= 0 ? classSize(<u32>c) : pagesFor(size) << pageShift;
}

/** Takes a free chunk of class c, or returns 0. */
export function popFree(c: u32): usize {
  let p = freeHead(c);
  if (p == 0) return 0;
  setFreeHead(c, getNext(p));
  addFreeCount(c, -1);
  addPageLive(pageOf(p), 1);
  return p;
}

function takeFreePage(): i32 {
  if (freePages == 0) return -1;
  for (let n: u32 = 0; n < pageCount; n++) {
    let i = freePageHint + n;
    if (i >= pageCount) i -= pageCount;
    if (pageClass(i) == PAGE_FREE) {
      freePageHint = i;
      freePages--;
      return <i32>i;
    }
  }
  return -1;
}

/** Gives a free page to class c. False if no page is free. */
export function carvePage(c: u32): bool {
  let i = takeFreePage();
  if (i < 0) return false;
  setPage(<u32>i, c, 0);
  addClassPages(c, 1);
  let size = classSize(c);
  let n = perPage(c);
  let start = pageStart(<u32>i);
  let head = freeHead(c);
  // Push in reverse so that the page is handed out from its low addresses up.
  for (let k = n; k > 0; k--) {
    let p = start + <usize>(k - 1) * size;
    setFlags(p, FREE);
    setNext(p, head);
    head = p;
  }
  setFreeHead(c, head);
  addFreeCount(c, <i32>n);
  return true;
}

/** Returns the chunk of a slab item to its class. */
export function freeChunk(p: usize): void {
  let i = pageOf(p);
  let c = pageClass(i);
  setFlags(p, FREE);
  setNext(p, freeHead(c));
  setFreeHead(c, p);
  addFreeCount(c, 1);
  addPageLive(i, -1);
}

/** A class other than `except` holding a whole page's worth of free chunks, or -1. */
export function releasableClass(except: i32): i32 {
  for (let k: u32 = 0; k < classCount; k++) {
    if (<i32>k != except && freeCount(k) >= perPage(k) && classPages(k) > 0) return <i32>k;
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
 * Empties the least-used page of class k into the class's other free chunks and returns the page
 * to the pool. Requires freeCount(k) >= perPage(k), which guarantees room for every live chunk.
 */
export function releasePage(k: u32): void {
  let best: i32 = -1;
  let bestLive: u32 = 0xffffffff;
  for (let i: u32 = 0; i < pageCount; i++) {
    if (pageClass(i) == k && pageLive(i) < bestLive) {
      best = <i32>i;
      bestLive = pageLive(i);
      if (bestLive == 0) break;
    }
  }
  let page = <u32>best;
  let size = classSize(k);
  let start = pageStart(page);
  let end = start + <usize>perPage(k) * size;
  unlinkFreeIn(k, start, end);
  for (let p = start; p < end; p += size) {
    if (getFlags(p) != FREE) moveItem(p, popFree(k));
  }
  setPage(page, PAGE_FREE, 0);
  addClassPages(k, -1);
  freePages++;
}

/** Start of a free run of n pages, or -1. */
export function findFreeRun(n: u32): i32 {
  let len: u32 = 0;
  for (let i: u32 = 0; i < pageCount; i++) {
    len = pageClass(i) == PAGE_FREE ? len + 1 : 0;
    if (len == n) return <i32>(i + 1 - n);
  }
  return -1;
}

/** Marks pages [start, start + n) as one run and returns its address. */
export function takeRun(start: u32, n: u32): usize {
  setPage(start, RUN_HEAD, 0);
  for (let i: u32 = 1; i < n; i++) setPage(start + i, RUN_CONT, 0);
  freePages -= n;
  return pageStart(start);
}

export function freeRun(p: usize, bytes: u32): void {
  let start = pageOf(p);
  let n = pagesFor(bytes);
  for (let i: u32 = 0; i < n; i++) setPage(start + i, PAGE_FREE, 0);
  freePages += n;
}

@inline export function isRun(p: usize): bool {
  return pageClass(pageOf(p)) == RUN_HEAD;
}

/**
 * Frees n contiguous pages when the free pages are scattered: picks the window of n pages that
 * has the most free pages already (and does not hold `keep`, pages [keepFirst, keepLast]), moves
 * the window's slab items into free chunks outside it where their class has some, and evicts the
 * rest, whatever the policy would have chosen. Only items larger than a page ever need this.
 */
export function evacuateWindow(n: u32, keepFirst: u32, keepLast: u32): usize {
  if (n > pageCount) return 0;
  let best: i32 = -1;
  let bestFree: i32 = -1;
  let free: i32 = 0;
  for (let i: u32 = 0; i < pageCount; i++) {
    if (pageClass(i) == PAGE_FREE) free++;
    if (i >= n && pageClass(i - n) == PAGE_FREE) free--;
    if (i + 1 >= n) {
      let s = i + 1 - n;
      let overlapsKeep = keepFirst <= keepLast && s <= keepLast && i >= keepFirst;
      if (!overlapsKeep && free > bestFree) {
        best = <i32>s;
        bestFree = free;
      }
    }
  }
  if (best < 0) return 0;
  let s = <u32>best;
  let winStart = pageStart(s);
  let winEnd = pageStart(s + n);
  for (let i = s; i < s + n; i++) {
    let c = pageClass(i);
    if (c == PAGE_FREE) continue;
    if (c == RUN_HEAD || c == RUN_CONT) {
      let h = i;
      while (pageClass(h) != RUN_HEAD) h--;
      evictItem(pageStart(h)); // frees the whole run, which may reach past the window
      continue;
    }
    unlinkFreeIn(c, winStart, winEnd);
    let size = classSize(c);
    let start = pageStart(i);
    let end = start + <usize>perPage(c) * size;
    for (let p = start; p < end; p += size) {
      if (getFlags(p) == FREE) continue;
      let dst = popFree(c);
      if (dst != 0) {
        moveItem(p, dst);
      } else {
        evictItem(p);
        // evictItem pushed p onto the free list; it lies in the window, so take it back off.
        setFreeHead(c, getNext(p));
        addFreeCount(c, -1);
      }
    }
    setPage(i, PAGE_FREE, 0);
    addClassPages(c, -1);
    freePages++;
  }
  return takeRun(s, n);
}

/** Bytes of the slab class table and page table state, for invariant checks. */
export function checkSlab(): i32 {
  let free: u32 = 0;
  for (let i: u32 = 0; i < pageCount; i++) if (pageClass(i) == PAGE_FREE) free++;
  if (free != freePages) return 1;
  for (let c: u32 = 0; c < classCount; c++) {
    let n: u32 = 0;
    let p = freeHead(c);
    while (p != 0) {
      if (getFlags(p) != FREE) return 2;
      let pc = pageClass(pageOf(p));
      if (pc != c) return 3;
      n++;
      p = getNext(p);
    }
    if (n != freeCount(c)) return 4;
    let pages: u32 = 0;
    let live: u32 = 0;
    for (let i: u32 = 0; i < pageCount; i++) {
      if (pageClass(i) == c) {
        pages++;
        live += pageLive(i);
        let size = classSize(c);
        let start = pageStart(i);
        let used: u32 = 0;
        for (let k: u32 = 0; k < perPage(c); k++) if (getFlags(start + <usize>k * size) != FREE) used++;
        if (used != pageLive(i)) return 5;
      }
    }
    if (pages != classPages(c)) return 6;
    if (live + freeCount(c) != pages * perPage(c)) return 7;
  }
  return 0;
}
