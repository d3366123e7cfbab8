// Snapshot blocks in the core (format: docs/snapshot-format.md). Writing: whole blocks of records
// built in the scratch region, checksum included, one call per block. Reading: the wrapper puts a
// block in the scratch region and one call checks it (checksum, every length) or checks and stores
// its items. The wrapper writes and reads the header and trailer itself.

import {
  SNAPSHOT_BLOCK_MAGIC, SNAPSHOT_BLOCK_HEADER_BYTES, SNAPSHOT_RECORD_HEADER_BYTES, REG_BLOCK_ITEMS,
  REG_BLOCK_BYTES, BLOCK_ONE_LARGE_ITEM, REG_LOAD_EXPIRED, REG_LOAD_DROPPED, KIND_FRESH, FRESH_BYTES,
  LOAD_BAD_MAGIC, LOAD_BAD_CHECKSUM, LOAD_BAD_LENGTHS, REG_TOUCHED, LOAD_BAD_RECORD, LOAD_DUPLICATE_KEY,
  REG_LOAD_BAD_AT, REG_LOAD_JSON, REG_LOAD_KEYS, RECORD_FLAGS, KIND_MASK, KIND_JSON,
  RECORD_AT_VLEN, RECORD_AT_FLAGS, RECORD_AT_RESERVED, RECORD_AT_EXPIRE, LOAD_FENCED,
} from './abi';
import { regs, scratch, scratchBytes, indexSlots, pagesBase, pageShift, minPageCount, pageCount, rebuildBuffer } from './layout';
import { getKlen, getVlen, getKind, getSpace, hasTtl, getExpireAt, keyPtr, valuePtr, isExpired, isStale, itemSize } from './item';
import { slotItem, touchSlot, touchItem, touchedSum, findKey, NOT_FOUND } from './table';
import { hashBytes } from './hash';
import { nextItemAt, classFor, classCount, slabPages, perSlab, freeCount, pagesFor, pageStart, kindOf, PAGE_FREE } from './slab';
import { checksum } from './checksum';
import { storeAbsent } from './store';
import { publish } from './items';
import { describe } from './listing';
import { checkJson, JSON_BAD, JSON_DEEP } from './json';

const BLOCK_HEAD: u32 = SNAPSHOT_BLOCK_HEADER_BYTES;
const RECORD_HEAD: u32 = SNAPSHOT_RECORD_HEADER_BYTES;

@inline function setReg(i: u32, v: u32): void { store<u32>(regs() + (<usize>i << 2), v); }
@inline function getReg(i: u32): u32 { return load<u32>(regs() + (<usize>i << 2)); }

/**
 * An item a snapshot holds: live, and not memo()'s (a memo is known by its creation order in one
 * process, so its results would be answered to another function after a load elsewhere).
 */
@inline function isLive(it: usize, now: f64): bool {
  return it != 0 && getSpace(it) == 0 && !isExpired(it, now) && !isStale(it, now);
}

/** Items that a snapshot taken now would hold. */
export function liveCount(now: f64): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < indexSlots(); i++) if (isLive(slotItem(i), now)) n++;
  return n;
}

/**
 * Builds the next block, from the item at address `cursor` on (0 to start), in the scratch region,
 * and returns the cursor to pass next (0 when every item is written). Items are visited in memory
 * order (slab by slab). REG_BLOCK_ITEMS says how many items the block holds; if the first item does
 * not fit the scratch region, it is BLOCK_ONE_LARGE_ITEM instead and the item is described in
 * scan()'s registers, for the wrapper to write from its place.
 */
export function snapshotBlock(cursor: u32, now: f64): u32 {
  let out = scratch() + BLOCK_HEAD;
  let end = scratch() + scratchBytes() - 4; // room for the checksum
  let n: u32 = 0;
  let it = nextItemAt(<usize>cursor);
  for (; it != 0; it = nextItemAt(it + 1)) {
    if (!isLive(it, now)) continue;
    let klen = getKlen(it);
    let vlen = getVlen(it);
    let bytes = <usize>RECORD_HEAD + klen + vlen;
    if (out + bytes > end) {
      if (n != 0) break; // the block is full: this item starts the next one
      setReg(REG_BLOCK_ITEMS, BLOCK_ONE_LARGE_ITEM);
      describe(it);
      let next = nextItemAt(it + 1);
      return <u32>next;
    }
    store<u32>(out, klen);
    store<u32>(out, vlen, RECORD_AT_VLEN);
    store<u32>(out, getKind(it), RECORD_AT_FLAGS);
    store<u32>(out, 0, RECORD_AT_RESERVED);
    store<f64>(out, hasTtl(it) ? getExpireAt(it) : 0, RECORD_AT_EXPIRE);
    memory.copy(out + RECORD_HEAD, keyPtr(it), klen);
    memory.copy(out + RECORD_HEAD + klen, valuePtr(it), vlen);
    out += bytes;
    n++;
  }
  let payload = <u32>(out - scratch()) - BLOCK_HEAD;
  store<u32>(scratch(), SNAPSHOT_BLOCK_MAGIC);
  store<u32>(scratch(), n, 4);
  store<u32>(scratch(), payload, 8);
  store<u32>(out, checksum(scratch(), <u32>(out - scratch())));
  setReg(REG_BLOCK_ITEMS, n);
  setReg(REG_BLOCK_BYTES, <u32>(out - scratch()) + 4);
  return <u32>it;
}

/** loadBlock() modes: check only; check and store; store a block a check pass saw (its JSON values are not parsed again). */
const LOAD_CHECK: u32 = 0;
const LOAD_CHECKED: u32 = 2;

/**
 * Checks the block of `len` bytes at `at` (the scratch region, or pages the wrapper read it into
 * ahead of the items: loadBlock's fence) (magic, checksum, that its items fill its payload exactly,
 * and each record as docs/snapshot-format.md allows: known flag bits and value kind, reserved word
 * 0, expiry time 0 or a finite time, a fresh-until prefix that is there and finite, a JSON value
 * that parses: assembly/json.ts) and, unless `mode` is LOAD_CHECK, stores its items: those expired
 * at `now` are skipped (REG_LOAD_EXPIRED counts them) and so are those over maxKlen / maxVlen or
 * that cannot be stored (REG_LOAD_DROPPED); a key stored twice is refused (LOAD_DUPLICATE_KEY,
 * after the items before it were stored). With LOAD_CHECK, the checksums of its keys are left for
 * the wrapper to find keys stored twice (keyChecksums). With a `fence` (an address, 0 for none),
 * nothing is stored if the items could take a page that reaches past it (LOAD_FENCED): the wrapper
 * may be reading the next block into the pages there. Returns the block's item count, or LOAD_BAD_*
 * (negative); a bad block is found before any of its items is stored. REG_LOAD_JSON counts the
 * block's JSON values nested too deep for checkJson, which the wrapper parses. REG_LOAD_BAD_AT is
 * an offset from `at`.
 */
export function loadBlock(at: u32, len: u32, now: f64, maxKlen: u32, maxVlen: u32, mode: u32, fence: u32): i32 {
  let apply = mode != LOAD_CHECK;
  let base = <usize>at;
  if (len < BLOCK_HEAD + 4) return LOAD_BAD_LENGTHS;
  if (base == scratch()) {
    if (len > scratchBytes()) return LOAD_BAD_LENGTHS;
  } else if (base < pagesBase() || <u64>base + len > <u64>pageStart(minPageCount())) {
    return LOAD_BAD_LENGTHS; // a block is read into the scratch region or into pages the tables never take
  }
  if (load<u32>(base) != SNAPSHOT_BLOCK_MAGIC) return LOAD_BAD_MAGIC;
  let n = load<u32>(base, 4);
  let end = base + len - 4;
  if (load<u32>(base, 8) != len - 4 - BLOCK_HEAD) return LOAD_BAD_LENGTHS;
  if (checksum(base, len - 4) != load<u32>(end)) return LOAD_BAD_CHECKSUM;
  let p = base + BLOCK_HEAD;
  let json: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (p + RECORD_HEAD > end) return LOAD_BAD_LENGTHS;
    let klen = load<u32>(p);
    let size = <u64>RECORD_HEAD + klen + load<u32>(p, RECORD_AT_VLEN);
    if (<u64>p + size > <u64>end) return LOAD_BAD_LENGTHS;
    let flags = load<u32>(p, RECORD_AT_FLAGS);
    let bad = !recordAllowed(p);
    if (!bad && (flags & KIND_MASK) == <u32>KIND_JSON && mode != LOAD_CHECKED) {
      let skip: u32 = (flags & KIND_FRESH) != 0 ? <u32>FRESH_BYTES : 0;
      let r = checkJson(p + RECORD_HEAD + klen + skip, load<u32>(p, RECORD_AT_VLEN) - skip);
      bad = r == JSON_BAD;
      if (r == JSON_DEEP) json++;
    }
    if (bad) {
      setReg(REG_LOAD_BAD_AT, <u32>(p - base));
      return LOAD_BAD_RECORD;
    }
    p += <usize>size;
  }
  if (p != end) return LOAD_BAD_LENGTHS;
  setReg(REG_LOAD_JSON, json);
  if (!apply) setReg(REG_LOAD_KEYS, keyChecksums(base, n, now, maxKlen, maxVlen, json == 0));
  else if (fence != 0 && <u64>freeFrom() + (<u64>pagesNeeded(base, n) << pageShift()) > <u64>fence) return LOAD_FENCED;
  else if (!applyBlock(base, n, now, maxKlen, maxVlen)) return LOAD_DUPLICATE_KEY;
  return <i32>n;
}

/**
 * The address from which every page up is free: one past the highest page that holds a slab or a
 * run. Storing items takes the lowest free pages first (findFreeSpan), so a block whose items need
 * k new pages writes nothing at or past freeFrom() + k pages (while no item is evicted or moved,
 * which needs a full cache).
 */
export function freeFrom(): u32 {
  let i = pageCount();
  while (i > 0 && kindOf(i - 1) == PAGE_FREE) i--;
  return <u32>pageStart(i);
}

/** The address of the first page the tables may ever take (grow.ts): a block read ahead stays below it. */
export function stagingCeiling(): u32 {
  return <u32>pageStart(minPageCount());
}

/**
 * At most how many pages storing the block's n records takes: per size class, the slabs its
 * records need beyond the class's free chunks; a run of pages for each item above the largest
 * class. Counts per class go in the rebuild buffer (only a table rebuild uses it, and none runs here).
 */
function pagesNeeded(base: usize, n: u32): u32 {
  let counts = rebuildBuffer();
  memory.fill(counts, 0, <usize>classCount() << 2);
  let pages: u64 = 0;
  let p = base + BLOCK_HEAD;
  let lastSize: u32 = 0;
  let lastClass: i32 = -1;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(p);
    let vlen = load<u32>(p, RECORD_AT_VLEN);
    let size = <u32>min<u64>(itemSize(klen, vlen, load<f64>(p, RECORD_AT_EXPIRE) > 0), 0xffffffff);
    if (size != lastSize) {
      lastSize = size;
      lastClass = classFor(size);
    }
    if (lastClass < 0) pages += pagesFor(size);
    else {
      let a = counts + (<usize>lastClass << 2);
      store<u32>(a, load<u32>(a) + 1);
    }
    p += <usize>RECORD_HEAD + klen + vlen;
  }
  for (let c: u32 = 0; c < classCount(); c++) {
    let m = load<u32>(counts + (<usize>c << 2));
    if (m <= freeCount(c)) continue;
    pages += <u64>((m - freeCount(c) + perSlab(c) - 1) / perSlab(c)) * slabPages(c);
  }
  return <u32>min<u64>(pages, 0xffffffff);
}

/**
 * Check pass: the checksums of the keys of the block's items that a load would store (not expired,
 * within maxKlen / maxVlen), for the wrapper to find keys stored twice. With `pack`, they overwrite
 * the block from its first record on as [checksum, offset of the record in the block] pairs (8
 * bytes for a record of 24 or more: never past the record being read), and the count is returned;
 * else (the wrapper still reads the records) each record's reserved word gets its key's checksum.
 */
function keyChecksums(base: usize, n: u32, now: f64, maxKlen: u32, maxVlen: u32, pack: bool): u32 {
  let p = base + BLOCK_HEAD;
  let out = p;
  let m: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(p);
    let vlen = load<u32>(p, RECORD_AT_VLEN);
    let next = p + RECORD_HEAD + klen + vlen;
    let h = checksum(p + RECORD_HEAD, klen);
    if (!pack) store<u32>(p, h, RECORD_AT_RESERVED);
    else {
      let expireAt = load<f64>(p, RECORD_AT_EXPIRE);
      let payload = (load<u32>(p, RECORD_AT_FLAGS) & KIND_FRESH) != 0 ? vlen - <u32>FRESH_BYTES : vlen;
      if (!(expireAt > 0 && expireAt < now) && klen <= maxKlen && payload <= maxVlen) {
        store<u32>(out, h);
        store<u32>(out, <u32>(p - base), 4);
        out += 8;
        m++;
      }
    }
    p = next;
  }
  return m;
}

/** The record at `p` (its lengths already checked against its block) holds only what the format allows. */
function recordAllowed(p: usize): bool {
  let flags = load<u32>(p, RECORD_AT_FLAGS);
  if ((flags & ~<u32>RECORD_FLAGS) != 0 || (flags & KIND_MASK) > <u32>KIND_JSON) return false;
  if (load<u32>(p, RECORD_AT_RESERVED) != 0) return false;
  let expireAt = load<f64>(p, RECORD_AT_EXPIRE);
  if (expireAt != 0 && !(expireAt > 0 && isFinite(expireAt))) return false;
  if ((flags & KIND_FRESH) != 0) {
    if (load<u32>(p, RECORD_AT_VLEN) < <u32>FRESH_BYTES) return false;
    let freshUntil = load<f64>(p + RECORD_HEAD + load<u32>(p));
    if (!(freshUntil > 0 && isFinite(freshUntil))) return false;
  }
  return true;
}

/** Batch prefetch (table.ts) for the block's records; each key's hash goes in its reserved word. */
function prefetchRecords(base: usize, n: u32): void {
  let p = base + BLOCK_HEAD;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(p);
    let h = hashBytes(p + RECORD_HEAD, klen);
    store<u32>(p, h, RECORD_AT_RESERVED);
    touchSlot(h);
    p += <usize>RECORD_HEAD + klen + load<u32>(p, RECORD_AT_VLEN);
  }
  p = base + BLOCK_HEAD;
  for (let i: u32 = 0; i < n; i++) {
    touchItem(load<u32>(p, RECORD_AT_RESERVED));
    p += <usize>RECORD_HEAD + load<u32>(p) + load<u32>(p, RECORD_AT_VLEN);
  }
  setReg(REG_TOUCHED, touchedSum());
}

/** Stores the block's items; false (REG_LOAD_BAD_AT set) at a key that is already there: stored twice. */
function applyBlock(base: usize, n: u32, now: f64, maxKlen: u32, maxVlen: u32): bool {
  prefetchRecords(base, n);
  let expired: u32 = 0;
  let dropped: u32 = 0;
  let p = base + BLOCK_HEAD;
  let ok = true;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(p);
    let vlen = load<u32>(p, RECORD_AT_VLEN);
    let kind = load<u32>(p, RECORD_AT_FLAGS);
    let expireAt = load<f64>(p, RECORD_AT_EXPIRE);
    let key = p + RECORD_HEAD;
    let payload = (kind & KIND_FRESH) != 0 ? vlen - <u32>FRESH_BYTES : vlen;
    if (expireAt > 0 && expireAt < now) expired++;
    else if (klen > maxKlen || payload > maxVlen) dropped++;
    else if (findKey(load<u32>(p, RECORD_AT_RESERVED), key, klen, 0) != NOT_FOUND) {
      // The cache was emptied for the load: the key came earlier in this snapshot.
      setReg(REG_LOAD_BAD_AT, <u32>(p - base));
      ok = false;
      break;
    } else {
      let v = storeAbsent(key, klen, vlen, kind, expireAt, load<u32>(p, RECORD_AT_RESERVED), now);
      if (v == 0) dropped++;
      else memory.copy(v, key + klen, vlen);
    }
    p = key + klen + vlen;
  }
  setReg(REG_LOAD_EXPIRED, getReg(REG_LOAD_EXPIRED) + expired);
  setReg(REG_LOAD_DROPPED, getReg(REG_LOAD_DROPPED) + dropped);
  publish(); // the gauges, once for the block (storeAbsent leaves them)
  return ok;
}
