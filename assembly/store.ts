// The store: what each operation does to the index, the policy, the expiry heap and the slabs.
// Every exported operation takes its key from the scratch region (the wrapper put it there) and
// `now`, the wrapper's clock in ms, so the core never reads a clock of its own.
//
// Making room, in order of cost (allocItem):
//   1. a free chunk of the item's class;  2. free pages, carved into a slab of that class;
//   3. a slab released by a class that holds a slab's worth of free chunks (items move, none lost);
//   4. for a slab or run of several pages: a window of pages whose items can all move elsewhere;
//   5. an expired item, oldest first (expiry heap);  6. the policy's victim.
// Steps 3-6 repeat until 1 or 2 succeeds. An expired item is therefore never kept while a live one
// is evicted. Only when nothing is left to evict does a window's clearing evict (slab.ts).

import {
  SET_NX, SET_XX, SET_KEEPTTL, KIND_FRESH, KEY_MEMO, ERR_TOO_LARGE, ERR_NO_MEMORY, BATCH_HEADER_BYTES,
  STAT_HITS, STAT_MISSES, STAT_SETS, STAT_DELETES, STAT_EVICTIONS, STAT_EXPIRED, STAT_ITEMS,
  STAT_USED_BYTES, STAT_TTL_ITEMS, REMOVED_EVICT, REMOVED_EXPIRE, REMOVED_DELETE, REMOVED_SET, REMOVED_CLEAR, REG_EXPIRE_AT, REG_VLEN, REG_KIND, REG_ERROR, REG_KEY_PTR, REG_KLEN, REG_VALUE_PTR, REG_TOUCHED, REG_PAGE_COUNT, REG_FIXED_BYTES, REG_INDEX_SLOTS,
} from './abi';
import { regs, scratch, indexSlots, indexCapacity, initialCapacity, initialHeap, heapCapacity, placeTables, pageCount, pageShift, minPageCount, memEnd } from './layout';
import { growTables, growHeap, shrinkTables } from './grow';
import {
  HEADER_BYTES, EXT_BYTES, FLAG_TTL, FLAG_EXT, getFlags, setFlags, getKlen, getVlen, getKind, hasTtl,
  getExpireAt, setExpireAt, getSpace, keyPtr, valuePtr, itemBytes, itemSize, writeHeader, writeHeaderKeepLinks, isExpired, isStale,
} from './item';
import { hashBytes } from './hash';
import { touchSlot, touchItem, touchedSum, NOT_FOUND, findKey, findItem, insertSlot, removeSlot, setSlotItem, slotItem, clearIndex } from './table';
import {
  classFor, spanPages, popFree, popFreeLarger, carveSlab, takeRun, release, releasableClass, isReleasable, lastFreedClass, releaseSlab, findFreeSpan, freePages,
  bestWindow, clearWindow, windowCost, footprint, fitsInPlace, spanFirst, spanLast, initSlab, checkSlab,
} from './slab';
import { reportRemoval, removalReporting } from './removal';
import { hotRemoved, hotMoved, hotChanged, hotOnHit, hotReset, isHot, touchedAt } from './hot';
import { policyInsert, policyRemove, policyTouch, policyVictim, policyMoved, setPinned, getPinned, resetPolicy, policyLength, policyNth, policySeen } from './policy';
import { heapPush, heapRemove, heapFix, heapMin, heapMoved, heapLen, resetHeap, checkHeap } from './expiry';

let count: u32 = 0;
let ttlItems: u32 = 0;
let liveBytes: u64 = 0;
export let maxItemBytes: u32 = 0;
let lastHash: u32 = 0;
let lastSlot: u32 = NOT_FOUND;

@inline function statAddr(i: u32): usize { return regs + (<usize>i << 3); }
@inline function bump(i: u32): void { store<f64>(statAddr(i), load<f64>(statAddr(i)) + 1); }
@inline function setReg(i: u32, v: u32): void { store<u32>(regs + (<usize>i << 2), v); }

/**
 * Grows the expiry heap if it is full, before an operation that may add an item to it: growing
 * rebuilds the tables and may move items, so it never happens while an item is being worked on.
 */
@inline function heapRoom(): void {
  if (ttlItems >= heapCapacity) growHeap();
}

/** Bytes that are not slab pages: everything before the pages, and the tables after them. */
@inline function fixedNow(): u64 {
  return <u64>(memEnd - (<usize>pageCount << pageShift));
}

/** Publishes the sizes that change when the tables grow. */
export function publishLayout(): void {
  setReg(REG_PAGE_COUNT, pageCount);
  setReg(REG_FIXED_BYTES, <u32>fixedNow());
  setReg(REG_INDEX_SLOTS, indexSlots);
}

function publish(): void {
  store<f64>(statAddr(STAT_ITEMS), <f64>count);
  store<f64>(statAddr(STAT_USED_BYTES), <f64>(fixedNow() + liveBytes));
  store<f64>(statAddr(STAT_TTL_ITEMS), <f64>ttlItems);
}

let policyId: u32 = 0;

export function setPolicy(id: u32): void {
  policyId = id;
}

/** clear(): reports every item it is about to drop, when removals are reported (removal.ts). */
export function reportClear(): void {
  if (!removalReporting()) return;
  for (let i: u32 = 0; i < indexSlots; i++) {
    let it = slotItem(i);
    if (it != 0) reportRemoval(it, REMOVED_CLEAR);
  }
}

/** Empties everything; the policy stays the one init() chose. */
export function resetStore(): void {
  placeTables(initialCapacity, initialHeap); // an empty cache needs only the tables it started with
  publishLayout();
  clearIndex();
  initSlab();
  resetPolicy(policyId);
  resetHeap();
  hotReset();
  count = 0;
  ttlItems = 0;
  liveBytes = 0;
  // A third of the pages (as few as they may become): a window that large always fits on one
  // side of an item being resized, wherever that item lies ((P - P/3) / 2 >= P/3).
  maxItemBytes = (minPageCount / 3) << pageShift;
  publish();
}

// ── lookup and removal ──────────────────────────────────────────────────────────────────────

/** The item of the key in key space `space` (0: the caller's keys; KEY_MEMO: memo()'s), or 0. */
function lookup(key: usize, klen: u32, space: u32): usize {
  lastHash = hashBytes(key, klen);
  lastSlot = findKey(lastHash, key, klen, space);
  return lastSlot == NOT_FOUND ? 0 : slotItem(lastSlot);
}

/** The live item for the key, or 0. An expired item found on the way is removed. */
function lookupLive(key: usize, klen: u32, now: f64, space: u32 = 0): usize {
  let it = lookup(key, klen, space);
  if (it != 0 && isExpired(it, now)) {
    unlinkItem(it, lastSlot, REMOVED_EXPIRE);
    bump(STAT_EXPIRED);
    publish();
    return 0;
  }
  return it;
}

/** Bytes the item occupies in slab memory. */
@inline function footprintOf(it: usize): u64 {
  return <u64>footprint(it);
}

/** Removes item `it` (at index slot `slot`) from every structure and frees its chunk; `reason` is a REMOVED_*. */
function unlinkItem(it: usize, slot: u32, reason: u32): void {
  reportRemoval(it, reason);
  hotRemoved(it);
  removeSlot(slot);
  policyRemove(it);
  if (hasTtl(it)) {
    heapRemove(it);
    ttlItems--;
  }
  liveBytes -= footprintOf(it);
  count--;
  release(it);
}

function slotOf(it: usize): u32 {
  return findItem(hashBytes(keyPtr(it), getKlen(it)), it);
}

function removeItem(it: usize, reason: u32): void {
  unlinkItem(it, slotOf(it), reason);
}

/** The time of the operation that is making room (the slab allocator and growth evict without one). */
let clock: f64 = 0;

/** Evicts one item chosen by the slab allocator or the policy; one already past its expiry time counts as expired. */
export function evictItem(it: usize): void {
  if (isExpired(it, clock)) {
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

// ── making room ─────────────────────────────────────────────────────────────────────────────

/** Removes one expired item if there is one, else the policy's victim. False if nothing is left. */
function evictOne(now: f64): bool {
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

function allocItem(size: u32, now: f64): usize {
  let c = classFor(size);
  if (c >= 0) {
    let p = popFree(<u32>c);
    if (p != 0) return p; // the common case, kept free of the scans below
  }
  return allocSlow(size, c, now);
}

function allocSlow(size: u32, c: i32, now: f64): usize {
  clock = now;
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
    if (freePages != spanScannedAt) {
      spanScannedAt = freePages;
      s = findFreeSpan(n);
    }
    if (s < 0) {
      if (candidate != c && isReleasable(candidate)) {
        releaseSlab(<u32>candidate);
        continue;
      }
      // Pages are free but scattered: clear a window if that evicts nothing, else let the policy
      // evict and look again; if the policy has nothing left, clear the cheapest window anyway.
      if (freePages >= n && freePages != windowScannedAt) {
        windowScannedAt = freePages;
        s = pickWindow(n);
        if (windowCost != 0) s = -1;
      }
      if (s < 0) {
        if (c >= 0) {
          let p = popFreeLarger(<u32>c);
          if (p != 0) return p;
        }
        if (shrinkTables(count)) continue;
        if (evictOne(now)) {
          candidate = lastFreedClass;
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

// ── operations ──────────────────────────────────────────────────────────────────────────────

/**
 * Stores an item for the key at `key`. Returns the address where the caller writes the value
 * bytes, or 0 if NX/XX said no (REG_ERROR 0) or the item cannot be stored (REG_ERROR set; the
 * cache is then unchanged).
 */
export function setKey(key: usize, klen: u32, vlen: u32, kind: u32, expireAt: f64, mode: u32, now: f64): usize {
  setReg(REG_ERROR, 0);
  clock = now;
  let old = lookupLive(key, klen, now, kind & KEY_MEMO);
  let h = lastHash;
  let present = old != 0 && !isStale(old, now); // a stale value is replaced, but counts as absent
  if ((mode & SET_NX) != 0 && present) return 0;
  if ((mode & SET_XX) != 0 && !present) return 0;
  if ((mode & SET_KEEPTTL) != 0) expireAt = present ? userExpireAt(old) : 0;
  let ext = expireAt > 0;
  let size = itemSize(klen, vlen, ext);
  if (size > <u64>maxItemBytes) {
    setReg(REG_ERROR, ERR_TOO_LARGE);
    return 0;
  }
  // Nothing has changed so far: a call refused above leaves the cache as it was. Growing the
  // tables may move or evict items, the old one too, so it is looked up again after.
  if (old != 0) {
    if (ext && !hasTtl(old) && ttlItems >= heapCapacity) {
      heapRoom();
      old = lookupLive(key, klen, now, kind & KEY_MEMO);
    }
  } else {
    while (count >= indexCapacity) if (!growTables() && !evictOne(now)) break;
    // After the index grew: the heap refuses to grow past the index (growHeap).
    if (ext) heapRoom();
  }
  if (old != 0) {
    // Same chunk class: overwrite in place (no allocation, no index or slab work).
    let keepExt = (getFlags(old) & FLAG_EXT) != 0;
    let size2 = itemSize(klen, vlen, ext || keepExt);
    if (fitsInPlace(old, <u32>size2)) return overwrite(old, key, klen, vlen, kind, expireAt, ext || keepExt);
  }
  // The old item stays stored (pinned: making room neither evicts it nor clears its pages, but
  // may move it) until the new one has its chunk, so a failed replace leaves the old value.
  if (old != 0) setPinned(old);
  let it = allocItem(<u32>size, now);
  if (old != 0) {
    old = getPinned();
    setPinned(0);
  }
  if (it == 0) {
    setReg(REG_ERROR, ERR_NO_MEMORY);
    publish();
    return 0;
  }
  if (old != 0) removeItem(old, REMOVED_SET); // its slot may have moved while room was made (tables rebuilt)
  writeHeader(it, klen, vlen, kind, ext);
  memory.copy(keyPtr(it), key, klen);
  insertSlot(h, it);
  policyInsert(it, h);
  if (ext) {
    setExpireAt(it, expireAt);
    setFlags(it, getFlags(it) | FLAG_TTL);
    heapPush(it);
    ttlItems++;
  }
  count++;
  liveBytes += footprintOf(it);
  bump(STAT_SETS);
  publish();
  return valuePtr(it);
}

/** Rewrites item `it` (same key) with a new value size, kind and expiry; it becomes the most recent. */
function overwrite(it: usize, key: usize, klen: u32, vlen: u32, kind: u32, expireAt: f64, ext: bool): usize {
  reportRemoval(it, REMOVED_SET); // the old value, before it is overwritten
  hotRemoved(it); // the tier drops its copy (the flag goes with the rewritten header)
  let hadTtl = hasTtl(it);
  writeHeaderKeepLinks(it, klen, vlen, kind, ext);
  memory.copy(keyPtr(it), key, klen);
  if (expireAt > 0) {
    setExpireAt(it, expireAt);
    setFlags(it, getFlags(it) | FLAG_TTL);
    if (hadTtl) heapFix(it);
    else {
      heapPush(it);
      ttlItems++;
    }
  } else if (hadTtl) {
    heapRemove(it);
    ttlItems--;
  }
  policyTouch(it);
  bump(STAT_SETS);
  publish();
  return valuePtr(it);
}

export function set(klen: u32, vlen: u32, kind: u32, expireAt: f64, mode: u32, now: f64): usize {
  return setKey(scratch, klen, vlen, kind, expireAt, mode, now);
}

/** Publishes the item's value in the registers and returns its address. */
function answer(it: usize): usize {
  setReg(REG_VLEN, getVlen(it));
  setReg(REG_KIND, getKind(it));
  return valuePtr(it);
}

/** The fresh item for the key (neither expired nor stale), or 0. */
@inline function lookupFresh(key: usize, klen: u32, now: f64, space: u32 = 0): usize {
  let it = lookupLive(key, klen, now, space);
  return it != 0 && isStale(it, now) ? 0 : it;
}

/**
 * A read that counts: a hit for a fresh item (the policy sees the access), a miss otherwise. With
 * `stale`, a stale item is returned too (it still counts as a miss, but the policy sees it).
 */
function readKey(key: usize, klen: u32, now: f64, stale: bool, space: u32 = 0, promote: bool = false): usize {
  let it = lookupLive(key, klen, now, space);
  let fresh = it != 0 && !isStale(it, now);
  if (fresh) bump(STAT_HITS);
  else bump(STAT_MISSES);
  if (!fresh && !stale) return 0;
  if (it != 0) {
    if (promote) hotOnHit(it, policySeen(it)); // before the touch: was it read before this hit?
    policyTouch(it);
  }
  return it;
}

/**
 * Hits the hot tier served, replayed to the policy: `n` item addresses in the hot ring, each a
 * hot item (the wrapper drained the ring first, so none was removed or moved since it was kept).
 */
export function hotTouch(n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    let it = touchedAt(i);
    if (isHot(it)) policyTouch(it);
  }
}

/** A read that counts; a hit may ask the wrapper to keep the value in its hot tier (hot.ts). */
export function get(klen: u32, now: f64): usize {
  let it = readKey(scratch, klen, now, false, 0, true);
  return it == 0 ? 0 : answer(it);
}

/**
 * Like get, but a stale item is returned too (for fetch, which decides whether to serve it), from
 * key space `space` (0, or KEY_MEMO for memo(); a JS call without it passes 0).
 */
export function getStale(klen: u32, now: f64, space: u32): usize {
  let it = readKey(scratch, klen, now, true, space & KEY_MEMO);
  return it == 0 ? 0 : answer(it);
}

/** Like get, with no effect on the policy or the hit counters; `space` as for getStale. */
export function peek(klen: u32, now: f64, space: u32): usize {
  let it = lookupFresh(scratch, klen, now, space & KEY_MEMO);
  return it == 0 ? 0 : answer(it);
}

export function has(klen: u32, now: f64): bool {
  return lookupFresh(scratch, klen, now) != 0;
}

/** Removes the key. True if it was there (a stale value is removed too, but reported as absent). */
export function del(klen: u32, now: f64): bool {
  let it = lookupLive(scratch, klen, now);
  let fresh = it != 0 && !isStale(it, now);
  if (it != 0) {
    unlinkItem(it, lastSlot, REMOVED_DELETE);
    if (fresh) bump(STAT_DELETES);
  }
  publish();
  return fresh;
}

/**
 * Remaining ms before the key expires (or, for a value with a fresh-until time, goes stale), -1 if
 * it has no expiry, -2 if it does not exist (or is stale).
 */
/**
 * The expiry time users see (TTL, KEEPTTL): an item stored by fetch() with a stale window expires
 * at the window's end, but to everyone else at its fresh-until time. 0 if it has none.
 */
function userExpireAt(it: usize): f64 {
  if (!hasTtl(it)) return 0;
  let end = getExpireAt(it);
  return (getFlags(it) & <u8>KIND_FRESH) != 0 ? min(end, load<f64>(valuePtr(it))) : end;
}

/**
 * A user's EXPIRE or PERSIST replaces fetch()'s stale window too: the value is fresh until it
 * expires (`until`: its new expiry time, or the largest finite time for no expiry; snapshots
 * allow only finite fresh-until times).
 */
@inline function endStaleWindow(it: usize, until: f64): void {
  if ((getFlags(it) & <u8>KIND_FRESH) != 0) store<f64>(valuePtr(it), until);
}

export function ttl(klen: u32, now: f64): f64 {
  let it = lookupFresh(scratch, klen, now);
  if (it == 0) return -2;
  if (!hasTtl(it)) return -1;
  return userExpireAt(it) - now;
}

/**
 * Sets the key's absolute expiry time. An item without the expiry extension gains it in place when
 * its chunk has 12 spare bytes, else it moves to a larger chunk (pinned, so that making room for
 * the move never evicts it). Returns 1, 0 if the key does not exist, or 0 with REG_ERROR set.
 */
export function expire(klen: u32, expireAt: f64, now: f64): i32 {
  setReg(REG_ERROR, 0);
  clock = now;
  let it = lookupFresh(scratch, klen, now);
  if (it == 0) {
    publish();
    return 0;
  }
  if (!hasTtl(it) && ttlItems >= heapCapacity) {
    heapRoom(); // may move or evict the item: look it up again
    it = lookupFresh(scratch, klen, now);
    if (it == 0) {
      publish();
      return 0;
    }
  }
  if ((getFlags(it) & FLAG_EXT) == 0) {
    let payload = getKlen(it) + getVlen(it);
    let bigger = itemBytes(it) + EXT_BYTES;
    let room = footprintOf(it);
    if (<u64>bigger <= room) {
      memory.copy(it + HEADER_BYTES + EXT_BYTES, it + HEADER_BYTES, payload);
      setFlags(it, getFlags(it) | FLAG_EXT);
    } else {
      if (bigger > maxItemBytes) {
        setReg(REG_ERROR, ERR_TOO_LARGE);
        return 0;
      }
      setPinned(it);
      let dst = allocItem(bigger, now);
      it = getPinned();
      setPinned(0);
      if (dst == 0) {
        setReg(REG_ERROR, ERR_NO_MEMORY);
        publish();
        return 0;
      }
      memory.copy(dst, it, HEADER_BYTES);
      memory.copy(dst + HEADER_BYTES + EXT_BYTES, it + HEADER_BYTES, payload);
      setFlags(dst, getFlags(it) | FLAG_EXT);
      hotMoved(it, dst);
      setSlotItem(slotOf(it), dst);
      policyMoved(it, dst);
      liveBytes -= footprintOf(it);
      release(it);
      liveBytes += footprintOf(dst);
      it = dst;
    }
  }
  setExpireAt(it, expireAt);
  hotChanged(it);
  endStaleWindow(it, expireAt);
  if (hasTtl(it)) {
    heapFix(it);
  } else {
    setFlags(it, getFlags(it) | FLAG_TTL);
    heapPush(it);
    ttlItems++;
  }
  publish();
  return 1;
}

/** Removes the key's expiry time. True if it had one. */
export function persist(klen: u32, now: f64): bool {
  let it = lookupFresh(scratch, klen, now);
  let had = it != 0 && hasTtl(it);
  if (had) {
    heapRemove(it);
    setFlags(it, getFlags(it) & ~FLAG_TTL);
    ttlItems--;
    hotChanged(it);
    endStaleWindow(it, f64.MAX_VALUE);
  }
  publish();
  return had;
}

@inline function recordBytes(klen: u32, vlen: u32): usize {
  return (<usize>BATCH_HEADER_BYTES + klen + vlen + 7) & ~7;
}

/**
 * Touches the index slots, then the items, of the `n` batch records in the scratch region (see
 * table.ts), and leaves each key's hash in its record's last header word (an output of mget, unused
 * by mset). `withValues`: mset records (value bytes after the key) rather than mget records.
 */
function prefetchBatch(n: u32, withValues: bool): void {
  let rec = scratch;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(rec);
    let h = hashBytes(rec + BATCH_HEADER_BYTES, klen);
    store<u32>(rec, h, 12);
    touchSlot(h);
    rec += recordBytes(klen, withValues ? load<u32>(rec, 4) : 0);
  }
  rec = scratch;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(rec);
    touchItem(load<u32>(rec, 12));
    rec += recordBytes(klen, withValues ? load<u32>(rec, 4) : 0);
  }
  setReg(REG_TOUCHED, touchedSum());
}

/** Reads `n` keys laid out as mget records in the scratch region; answers go into the records. */
export function mget(n: u32, now: f64): void {
  prefetchBatch(n, false);
  let rec = scratch;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(rec);
    let it = readKey(rec + BATCH_HEADER_BYTES, klen, now, false);
    store<u32>(rec, it == 0 ? 0 : <u32>valuePtr(it), 4);
    store<u32>(rec, it == 0 ? 0 : getVlen(it), 8);
    store<u32>(rec, it == 0 ? 0 : getKind(it), 12);
    rec += recordBytes(klen, 0);
  }
  publish();
}

/** Stores `n` mset records from the scratch region, up to the first that fails. Returns how many were stored. */
export function mset(n: u32, expireAt: f64, now: f64): u32 {
  prefetchBatch(n, true);
  let rec = scratch;
  let stored: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(rec);
    let vlen = load<u32>(rec, 4);
    let key = rec + BATCH_HEADER_BYTES;
    let v = setKey(key, klen, vlen, load<u32>(rec, 8), expireAt, 0, now);
    if (v == 0) break; // REG_ERROR says why; the caller reports how many were stored
    memory.copy(v, key + klen, vlen);
    stored++;
    rec += recordBytes(klen, vlen);
  }
  return stored;
}

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
  if (count == 0) return 0;
  let x = seed | 1;
  let dense = <u64>count * 32 >= <u64>indexSlots;
  for (let p = 0; p < 64; p++) {
    x = xorshift(x);
    let it = dense ? liveAt(<u32>((<u64>x * indexSlots) >> 32), now) : policyNth(<u32>((<u64>x * count) >> 32));
    if (dense ? it != 0 : listed(it, now)) {
      describe(it);
      return 1;
    }
  }
  let chosen: usize = 0;
  let seen: u64 = 0;
  for (let i: u32 = 0; i < indexSlots; i++) {
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
  store<f64>(statAddr(REG_EXPIRE_AT), hasTtl(it) ? getExpireAt(it) : 0);
  answer(it);
}

/**
 * Iterates over live items by index slot, memo()'s left out (their keys are no caller's). Returns
 * the cursor to pass next (0 when done) and puts the item in the registers. Items set or deleted
 * between calls may be missed or seen twice.
 */
export function scan(cursor: u32, now: f64): u32 {
  for (let i = cursor; i < indexSlots; i++) {
    let it = slotItem(i);
    if (listed(it, now)) {
      describe(it);
      return i + 1;
    }
  }
  return 0;
}

/** Removes up to `max` expired items, oldest first. Returns how many. */
export function expireStep(now: f64, max: u32): u32 {
  let n: u32 = 0;
  while (n < max) {
    let m = heapMin();
    if (m == 0 || getExpireAt(m) >= now) break;
    removeItem(m, REMOVED_EXPIRE);
    bump(STAT_EXPIRED);
    n++;
  }
  if (n != 0) publish();
  return n;
}

/** Checks every structure against the others; 0 if consistent. For tests. */
export function check(): i32 {
  let n: u32 = 0;
  let bytes: u64 = 0;
  for (let i: u32 = 0; i < indexSlots; i++) {
    let it = slotItem(i);
    if (it == 0) continue;
    n++;
    bytes += footprintOf(it);
    if (findKey(hashBytes(keyPtr(it), getKlen(it)), keyPtr(it), getKlen(it), getSpace(it)) != i) return 10;
  }
  if (n != count) return 11;
  if (bytes != liveBytes) return 12;
  if (policyLength() != <i32>count) return 13;
  if (heapLen != ttlItems) return 14;
  if (heapLen > heapCapacity) return 15;
  let h = checkHeap();
  if (h != 0) return 20 + h;
  let s = checkSlab();
  if (s != 0) return 30 + s;
  return 0;
}
