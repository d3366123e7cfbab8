// The store: what each operation does to the items, by key. Every exported operation takes its key
// from the scratch region (the wrapper put it there) and `now`, the wrapper's clock in ms, so the
// core never reads a clock of its own. Making room is room.ts; the item bookkeeping across the
// index, policy, heap and slabs is items.ts; batches (mget, mset) are batch.ts; scans and random
// picks listing.ts; the invariant walk check.ts.

import {
  SET_NX, SET_XX, SET_KEEPTTL, KIND_FRESH, KEY_MEMO, ERR_TOO_LARGE, ERR_NO_MEMORY,
  STAT_HITS, STAT_MISSES, STAT_SETS, STAT_DELETES, STAT_EXPIRED,
  REMOVED_EXPIRE, REMOVED_DELETE, REMOVED_SET, REMOVED_CLEAR, REG_VLEN, REG_KIND, REG_ERROR,
} from './abi';
import { scratch, indexSlots, indexCapacity, initialCapacity, initialHeap, heapCapacity, placeTables, pageShift, minPageCount, publishLayout } from './layout';
import { bump, setReg } from './regs';
import { growTables, growHeap } from './grow';
import {
  HEADER_BYTES, EXT_BYTES, FLAG_EXT, FLAG_TTL, getFlags, setFlags, getKlen, getVlen, getKind, hasTtl,
  getExpireAt, setExpireAt, keyPtr, valuePtr, itemBytes, itemSize, writeHeader, writeHeaderKeepLinks, isExpired, isStale,
} from './item';
import { hashBytes } from './hash';
import { copyBytes } from './copy';
import { markAll, markItem } from './seqlock';
import { NOT_FOUND, findKey, slotItem, clearIndex } from './table';
import { fitsInPlace, footprint, initSlab } from './slab';
import { reportRemoval, removalReporting } from './removal';
import { hotRemoved, hotChanged, hotOnHit, hotReset, isHot, touchedAt } from './hot';
import { policyTouch, setPinned, getPinned, resetPolicy, policySeen } from './policy';
import { heapFix, heapMin, resetHeap } from './expiry';
import { itemCount, ttlItems, resetItems, publish, linkItem, unlinkItem, removeItem, rehomeItem, addTtl, dropTtl, setClock } from './items';
import { allocItem, evictOne } from './room';
import { stateBlock, ctx, C_LAST_HASH, C_LAST_SLOT, S_MAX_ITEM_BYTES, S_POLICY_ID } from './state';

@inline export function maxItemBytes(): u32 { return load<u32>(stateBlock() + S_MAX_ITEM_BYTES); }
@inline export function setMaxItemBytes(v: u32): void { store<u32>(stateBlock() + S_MAX_ITEM_BYTES, v); }
@inline export function lastHash(): u32 { return load<u32>(ctx + C_LAST_HASH); }
@inline export function setLastHash(v: u32): void { store<u32>(ctx + C_LAST_HASH, v); }
@inline export function lastSlot(): u32 { return load<u32>(ctx + C_LAST_SLOT); }
@inline export function setLastSlot(v: u32): void { store<u32>(ctx + C_LAST_SLOT, v); }

/**
 * Grows the expiry heap if it is full, before an operation that may add an item to it: growing
 * rebuilds the tables and may move items, so it never happens while an item is being worked on.
 */
@inline function heapRoom(): void {
  if (ttlItems() >= heapCapacity()) growHeap();
}

@inline export function policyId(): u32 { return load<u32>(stateBlock() + S_POLICY_ID); }
@inline export function setPolicyId(v: u32): void { store<u32>(stateBlock() + S_POLICY_ID, v); }

export function setPolicy(id: u32): void {
  setPolicyId(id);
}

/** clear(): reports every item it is about to drop, when removals are reported (removal.ts). */
export function reportClear(): void {
  if (!removalReporting()) return;
  for (let i: u32 = 0; i < indexSlots(); i++) {
    let it = slotItem(i);
    if (it != 0) reportRemoval(it, REMOVED_CLEAR);
  }
}

/** Empties everything; the policy stays the one init() chose. */
export function resetStore(): void {
  placeTables(initialCapacity(), initialHeap()); // an empty cache needs only the tables it started with
  publishLayout();
  clearIndex();
  initSlab();
  resetPolicy(policyId());
  resetHeap();
  hotReset();
  resetItems();
  // A third of the pages (as few as they may become): a window that large always fits on one
  // side of an item being resized, wherever that item lies ((P - P/3) / 2 >= P/3).
  setMaxItemBytes((minPageCount() / 3) << pageShift());
  publish();
}

// ── lookup and removal ──────────────────────────────────────────────────────────────────────

/** The item of the key in key space `space` (0: the caller's keys; KEY_MEMO: memo()'s), or 0. */
function lookup(key: usize, klen: u32, space: u32): usize {
  setLastHash(hashBytes(key, klen));
  setLastSlot(findKey(lastHash(), key, klen, space));
  return lastSlot() == NOT_FOUND ? 0 : slotItem(lastSlot());
}

/** The live item for the key, or 0. An expired item found on the way is removed. */
function lookupLive(key: usize, klen: u32, now: f64, space: u32 = 0): usize {
  let it = lookup(key, klen, space);
  if (it != 0 && isExpired(it, now)) {
    markAll();
    unlinkItem(it, lastSlot(), REMOVED_EXPIRE);
    bump(STAT_EXPIRED);
    publish();
    return 0;
  }
  return it;
}

// ── operations ──────────────────────────────────────────────────────────────────────────────

/**
 * Stores an item for the key at `key`. Returns the address where the caller writes the value
 * bytes, or 0 if NX/XX said no (REG_ERROR 0, nothing changed) or the item cannot be stored
 * (REG_ERROR set; the key keeps its old value, but making room may have evicted other items).
 */
export function setKey(key: usize, klen: u32, vlen: u32, kind: u32, expireAt: f64, mode: u32, now: f64): usize {
  setReg(REG_ERROR, 0);
  setClock(now);
  let old = lookupLive(key, klen, now, kind & KEY_MEMO);
  let h = lastHash();
  let present = old != 0 && !isStale(old, now); // a stale value is replaced, but counts as absent
  if ((mode & SET_NX) != 0 && present) return 0;
  if ((mode & SET_XX) != 0 && !present) return 0;
  if ((mode & SET_KEEPTTL) != 0) expireAt = present ? userExpireAt(old) : 0;
  let ext = expireAt > 0;
  let size = itemSize(klen, vlen, ext);
  if (size > <u64>maxItemBytes()) {
    setReg(REG_ERROR, ERR_TOO_LARGE);
    return 0;
  }
  // Nothing has changed so far: a call refused above leaves the cache as it was. Growing the
  // tables may move or evict items, the old one too, so it is looked up again after.
  // A shared cache's readers learn of the change (seqlock.ts): a rewrite in place marks the key's
  // stripe only, anything else the whole cache.
  if (old != 0) {
    if (ext && !hasTtl(old) && ttlItems() >= heapCapacity()) {
      markAll();
      heapRoom();
      old = lookupLive(key, klen, now, kind & KEY_MEMO);
    }
  } else {
    markAll();
    while (itemCount() >= indexCapacity()) if (!growTables() && !evictOne(now)) break;
    // After the index grew: the heap refuses to grow past the index (growHeap).
    if (ext) heapRoom();
  }
  if (old != 0) {
    // Same chunk class: overwrite in place (no allocation, no index or slab work).
    let keepExt = (getFlags(old) & FLAG_EXT) != 0;
    let size2 = itemSize(klen, vlen, ext || keepExt);
    if (fitsInPlace(old, <u32>size2)) {
      markItem(h);
      return overwrite(old, key, klen, vlen, kind, expireAt, ext || keepExt);
    }
  }
  markAll();
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
  copyBytes(keyPtr(it), key, klen);
  linkItem(it, h, expireAt);
  bump(STAT_SETS);
  publish();
  return valuePtr(it);
}

/**
 * setKey() for a key that is not stored, whose hash `h` the caller has (a snapshot loaded into an
 * emptied cache: loadBlock looked the key up already): the same steps without the lookup. Returns
 * the value's address, or 0 (REG_ERROR says why).
 */
export function storeAbsent(key: usize, klen: u32, vlen: u32, kind: u32, expireAt: f64, h: u32, now: f64): usize {
  setReg(REG_ERROR, 0);
  setClock(now);
  let ext = expireAt > 0;
  let size = itemSize(klen, vlen, ext);
  if (size > <u64>maxItemBytes()) {
    setReg(REG_ERROR, ERR_TOO_LARGE);
    return 0;
  }
  while (itemCount() >= indexCapacity()) if (!growTables() && !evictOne(now)) break;
  if (ext) heapRoom();
  let it = allocItem(<u32>size, now);
  if (it == 0) {
    setReg(REG_ERROR, ERR_NO_MEMORY);
    return 0;
  }
  writeHeader(it, klen, vlen, kind, ext);
  copyBytes(keyPtr(it), key, klen);
  linkItem(it, h, expireAt);
  bump(STAT_SETS);
  return valuePtr(it);
}

/** Rewrites item `it` (same key) with a new value size, kind and expiry; it becomes the most recent. */
function overwrite(it: usize, key: usize, klen: u32, vlen: u32, kind: u32, expireAt: f64, ext: bool): usize {
  reportRemoval(it, REMOVED_SET); // the old value, before it is overwritten
  hotRemoved(it); // the tier drops its copy (the flag goes with the rewritten header)
  let hadTtl = hasTtl(it);
  if (hadTtl && expireAt <= 0) dropTtl(it); // before the header is rewritten: that clears FLAG_TTL
  writeHeaderKeepLinks(it, klen, vlen, kind, ext); // keeps the policy links and the heap position
  copyBytes(keyPtr(it), key, klen);
  if (expireAt > 0) {
    setExpireAt(it, expireAt);
    if (hadTtl) {
      setFlags(it, getFlags(it) | FLAG_TTL);
      heapFix(it);
    } else addTtl(it);
  }
  policyTouch(it);
  bump(STAT_SETS);
  publish();
  return valuePtr(it);
}

export function set(klen: u32, vlen: u32, kind: u32, expireAt: f64, mode: u32, now: f64): usize {
  return setKey(scratch(), klen, vlen, kind, expireAt, mode, now);
}

/** Publishes the item's value in the registers and returns its address. */
export function answer(it: usize): usize {
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
export function readKey(key: usize, klen: u32, now: f64, stale: bool, space: u32 = 0, promote: bool = false): usize {
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
  let it = readKey(scratch(), klen, now, false, 0, true);
  return it == 0 ? 0 : answer(it);
}

/**
 * Like get, but a stale item is returned too (for fetch, which decides whether to serve it), from
 * key space `space` (0, or KEY_MEMO for memo(); a JS call without it passes 0).
 */
export function getStale(klen: u32, now: f64, space: u32): usize {
  let it = readKey(scratch(), klen, now, true, space & KEY_MEMO);
  return it == 0 ? 0 : answer(it);
}

/** Like get, with no effect on the policy or the hit counters; `space` as for getStale. */
export function peek(klen: u32, now: f64, space: u32): usize {
  let it = lookupFresh(scratch(), klen, now, space & KEY_MEMO);
  return it == 0 ? 0 : answer(it);
}

export function has(klen: u32, now: f64): bool {
  return lookupFresh(scratch(), klen, now) != 0;
}

/** Removes the key. True if it was there (a stale value is removed too, but reported as absent). */
export function del(klen: u32, now: f64): bool {
  let it = lookupLive(scratch(), klen, now);
  let fresh = it != 0 && !isStale(it, now);
  if (it != 0) {
    unlinkItem(it, lastSlot(), REMOVED_DELETE);
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
  let it = lookupFresh(scratch(), klen, now);
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
  setClock(now);
  let it = lookupFresh(scratch(), klen, now);
  if (it == 0) {
    publish();
    return 0;
  }
  if (!hasTtl(it) && ttlItems() >= heapCapacity()) {
    heapRoom(); // may move or evict the item: look it up again
    it = lookupFresh(scratch(), klen, now);
    if (it == 0) {
      publish();
      return 0;
    }
  }
  if ((getFlags(it) & FLAG_EXT) == 0) {
    let payload = getKlen(it) + getVlen(it);
    let bigger = itemBytes(it) + EXT_BYTES;
    let room = <u64>footprint(it);
    if (<u64>bigger <= room) {
      memory.copy(it + HEADER_BYTES + EXT_BYTES, it + HEADER_BYTES, payload);
      setFlags(it, getFlags(it) | FLAG_EXT);
    } else {
      if (bigger > maxItemBytes()) {
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
      rehomeItem(it, dst);
      it = dst;
    }
  }
  setExpireAt(it, expireAt);
  hotChanged(it);
  endStaleWindow(it, expireAt);
  if (hasTtl(it)) heapFix(it);
  else addTtl(it);
  publish();
  return 1;
}

/** Removes the key's expiry time. True if it had one. */
export function persist(klen: u32, now: f64): bool {
  let it = lookupFresh(scratch(), klen, now);
  let had = it != 0 && hasTtl(it);
  if (had) {
    dropTtl(it);
    hotChanged(it);
    endStaleWindow(it, f64.MAX_VALUE);
  }
  publish();
  return had;
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

