// The invariant walk: every structure checked against the others (tests call it through the
// wrapper's checkInvariants() after each step of the model tests). Returns the first CHECK_* code
// of abi.ts that fails, or CHECK_OK. The debug build (asconfig.json target debug) also asserts
// the local invariants at each structural step (items.ts, slab.ts, expiry.ts, table.ts).

import {
  CHECK_OK, CHECK_INDEX_SLOT, CHECK_ITEM_COUNT, CHECK_LIVE_BYTES, CHECK_POLICY_LENGTH, CHECK_HEAP_LENGTH, CHECK_HEAP_CAPACITY,
  CHECK_HEAP_POSITION, CHECK_HEAP_ORDER, CHECK_SLAB_CONT_DISTANCE, CHECK_SLAB_CONT_HEAD, CHECK_SLAB_FREE_PAGES, CHECK_SLAB_FREE_FLAG,
  CHECK_SLAB_FREE_CLASS, CHECK_SLAB_FREE_COUNT, CHECK_SLAB_LIVE, CHECK_SLAB_COUNT, CHECK_SLAB_CHUNKS,
} from './abi';
import { indexSlots, heapCapacity, pageCount } from './layout';
import { FREE, getFlags, getNext, getKlen, getSpace, keyPtr, getExpireAt, getHeapPos } from './item';
import { hashBytes } from './hash';
import { findKey, slotItem } from './table';
import {
  CONT, PAGE_FREE, classCount, freePages, kindOf, highOf, headOf, pageOf, pageStart, freeHead, freeCount, classSize, perSlab, classSlabs, footprint,
} from './slab';
import { policyLength } from './policy';
import { heapLen, at } from './expiry';
import { itemCount, ttlItems, liveBytesNow } from './items';

/** Checks every structure against the others; 0 if consistent. For tests. */
export function check(): i32 {
  let n: u32 = 0;
  let bytes: u64 = 0;
  for (let i: u32 = 0; i < indexSlots(); i++) {
    let it = slotItem(i);
    if (it == 0) continue;
    n++;
    bytes += <u64>footprint(it);
    if (findKey(hashBytes(keyPtr(it), getKlen(it)), keyPtr(it), getKlen(it), getSpace(it)) != i) return CHECK_INDEX_SLOT;
  }
  if (n != itemCount()) return CHECK_ITEM_COUNT;
  if (bytes != liveBytesNow()) return CHECK_LIVE_BYTES;
  if (policyLength() != <i32>itemCount()) return CHECK_POLICY_LENGTH;
  if (heapLen() != ttlItems()) return CHECK_HEAP_LENGTH;
  if (heapLen() > heapCapacity()) return CHECK_HEAP_CAPACITY;
  let h = checkHeap();
  if (h != CHECK_OK) return h;
  return checkSlab();
}

/** The heap: each entry's recorded position, and the heap order. */
function checkHeap(): i32 {
  for (let i: u32 = 0; i < heapLen(); i++) {
    if (getHeapPos(at(i)) != i) return CHECK_HEAP_POSITION;
    if (i > 0 && getExpireAt(at((i - 1) >> 1)) > getExpireAt(at(i))) return CHECK_HEAP_ORDER;
  }
  return CHECK_OK;
}

/** The page table, the free lists and the live counts of each class. */
function checkSlab(): i32 {
  let free: u32 = 0;
  for (let i: u32 = 0; i < pageCount(); i++) {
    let k = kindOf(i);
    if (k == PAGE_FREE) free++;
    else if (k == CONT) {
      if (highOf(i) == 0 || highOf(i) > i) return CHECK_SLAB_CONT_DISTANCE;
      let hk = kindOf(i - highOf(i));
      if (hk == CONT || hk == PAGE_FREE) return CHECK_SLAB_CONT_HEAD;
    }
  }
  if (free != freePages()) return CHECK_SLAB_FREE_PAGES;
  for (let c: u32 = 0; c < classCount(); c++) {
    let n: u32 = 0;
    let p = freeHead(c);
    while (p != 0) {
      if (getFlags(p) != FREE) return CHECK_SLAB_FREE_FLAG;
      if (kindOf(headOf(pageOf(p))) != c) return CHECK_SLAB_FREE_CLASS;
      n++;
      p = getNext(p);
    }
    if (n != freeCount(c)) return CHECK_SLAB_FREE_COUNT;
    let slabs: u32 = 0;
    let live: u32 = 0;
    let size = classSize(c);
    for (let i: u32 = 0; i < pageCount(); i++) {
      if (kindOf(i) != c) continue;
      slabs++;
      live += highOf(i);
      let used: u32 = 0;
      for (let k: u32 = 0; k < perSlab(c); k++) if (getFlags(pageStart(i) + <usize>k * size) != FREE) used++;
      if (used != highOf(i)) return CHECK_SLAB_LIVE;
    }
    if (slabs != classSlabs(c)) return CHECK_SLAB_COUNT;
    if (live + freeCount(c) != slabs * perSlab(c)) return CHECK_SLAB_CHUNKS;
  }
  return CHECK_OK;
}
