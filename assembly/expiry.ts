// Expiry: a binary min-heap of the items that have an expiry time, ordered by expireAt. Each such
// item keeps its heap position in its expiry extension, so a changed or deleted TTL is fixed in
// O(log n). Reads check expiry lazily; the heap lets the store drop exactly the expired items,
// oldest first, in bounded steps (the wrapper's timer) and before it evicts any live item.

import { DEBUG } from './debug';
import { heapBase, heapCapacity } from './layout';
import { getExpireAt, getHeapPos, setHeapPos } from './item';
import { stateBlock, S_HEAP_LEN } from './state';

@inline export function heapLen(): u32 { return load<u32>(stateBlock() + S_HEAP_LEN); }
@inline export function setHeapLen(v: u32): void { store<u32>(stateBlock() + S_HEAP_LEN, v); }

/** The item at heap position i (check.ts reads it too). */
@inline export function at(i: u32): usize { return <usize>load<u32>(heapBase() + (<usize>i << 2)); }
@inline function put(i: u32, it: usize): void {
  store<u32>(heapBase() + (<usize>i << 2), <u32>it);
  setHeapPos(it, i);
}

export function resetHeap(): void {
  setHeapLen(0);
}

function siftUp(i: u32): void {
  let it = at(i);
  let t = getExpireAt(it);
  while (i > 0) {
    let parent = (i - 1) >> 1;
    let p = at(parent);
    if (getExpireAt(p) <= t) break;
    put(i, p);
    i = parent;
  }
  put(i, it);
}

function siftDown(i: u32): void {
  let it = at(i);
  let t = getExpireAt(it);
  while (true) {
    let l: u32 = 2 * i + 1;
    if (l >= heapLen()) break;
    let r = l + 1;
    let c = r < heapLen() && getExpireAt(at(r)) < getExpireAt(at(l)) ? r : l;
    let child = at(c);
    if (getExpireAt(child) >= t) break;
    put(i, child);
    i = c;
  }
  put(i, it);
}

export function heapPush(it: usize): void {
  if (DEBUG) assert(heapLen() < heapCapacity(), 'heapPush: the heap is full (the store grows it first)');
  put(heapLen(), it);
  setHeapLen(heapLen() + 1);
  siftUp(heapLen() - 1);
}

export function heapRemove(it: usize): void {
  let i = getHeapPos(it);
  if (DEBUG) assert(i < heapLen() && at(i) == it, 'heapRemove: the item is not where its heap position says');
  setHeapLen(heapLen() - 1);
  if (i == heapLen()) return;
  let moved = at(heapLen());
  put(i, moved);
  siftUp(i);
  siftDown(getHeapPos(moved));
}

/** After an item's expireAt changed. */
export function heapFix(it: usize): void {
  let i = getHeapPos(it);
  siftUp(i);
  siftDown(getHeapPos(it));
}

/** The item that expires first, or 0. */
export function heapMin(): usize {
  return heapLen() > 0 ? at(0) : 0;
}

/** The item was copied from elsewhere to `to`; its heap entry follows it. */
export function heapMoved(to: usize): void {
  put(getHeapPos(to), to);
}
