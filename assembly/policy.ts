// Eviction policy. The store tells the policy about every item that is linked, read, unlinked or
// moved, and asks it for a victim when memory or the count limit runs out. Exact LRU keeps one
// doubly linked list through the items' next/prev fields: head = most recently used.
// The policy is chosen at init (POLICY_* in abi.ts); other policies reuse the same hooks.

import { getNext, setNext, getPrev, setPrev } from './item';

let head: usize = 0;
let tail: usize = 0;
let pinned: usize = 0;

export function resetPolicy(): void {
  head = 0;
  tail = 0;
  pinned = 0;
}

/** While set, victim() never returns this item (it is being resized in place). */
export function setPinned(it: usize): void {
  pinned = it;
}
export function getPinned(): usize {
  return pinned;
}

export function policyInsert(it: usize): void {
  setPrev(it, 0);
  setNext(it, head);
  if (head != 0) setPrev(head, it);
  else tail = it;
  head = it;
}

export function policyRemove(it: usize): void {
  let p = getPrev(it);
  let n = getNext(it);
  if (p != 0) setNext(p, n);
  else head = n;
  if (n != 0) setPrev(n, p);
  else tail = p;
}

/** A hit: the item becomes the most recently used. */
export function policyTouch(it: usize): void {
  if (it == head) return;
  policyRemove(it);
  policyInsert(it);
}

/** The item to evict next, or 0 if there is none. */
export function policyVictim(): usize {
  let v = tail;
  if (v != 0 && v == pinned) v = getPrev(v);
  return v;
}

/** The item at `from` was copied to `to`: point its neighbours (and the ends) at the new place. */
export function policyMoved(from: usize, to: usize): void {
  let p = getPrev(to);
  let n = getNext(to);
  if (p != 0) setNext(p, to);
  else head = to;
  if (n != 0) setPrev(n, to);
  else tail = to;
  if (pinned == from) pinned = to;
}

/** Number of items on the policy's queues, for invariant checks (-1 if the links are broken). */
export function policyLength(): i32 {
  let n: i32 = 0;
  let prev: usize = 0;
  let it = head;
  while (it != 0) {
    if (getPrev(it) != prev) return -1;
    prev = it;
    it = getNext(it);
    n++;
  }
  return prev == tail ? n : -1;
}
