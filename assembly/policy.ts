// Eviction policies. The store tells the policy about every item that is linked, read, unlinked or
// moved, and asks it for a victim when memory or the count limit runs out. The policy is chosen
// at init (POLICY_* in abi.ts). All three keep their queues as doubly linked lists through the
// items' next/prev fields (head = newest), and their per-item state in the header's pbits byte:
//
//   'lru'    one list in recency order; a hit moves the item to the head (two neighbours' links
//            change, which costs cache misses at scale) and sets pbits bit 0 (read once: policySeen).
//   'sieve'  (NSDI'24) one FIFO list and a hand that walks from the tail towards the head; a hit
//            sets the item's visited bit (pbits bit 0) and moves nothing. The hand clears visited
//            bits as it passes and evicts the first unvisited item.
//   's3fifo' (SOSP'23) a small FIFO queue (queue 0, about 10% of the capacity), a main FIFO queue
//            (queue 1) and a ghost queue of recently evicted keys (ghost.ts). A hit raises a 2-bit
//            frequency (pbits bits 0-1) and moves nothing. New keys enter the small queue, or the
//            main queue if the ghost remembers them. The small queue's tail goes to the main queue
//            if it was read since it came in (its frequency is cleared), else it is evicted and
//            remembered by the ghost. The main queue's tail is reinserted at the head with its
//            frequency lowered by one while that is above 0, else it is evicted.
//
// Capacity for S3-FIFO counts both ways: the small queue is full at 10% of the items the index
// holds (maxEntries) or at 10% of the slab memory in bytes, whichever comes first; the ghost
// remembers as many keys as 90% of the items stored.

import { POLICY_LRU, POLICY_SIEVE, POLICY_S3FIFO } from './abi';
import { getNext, setNext, getPrev, setPrev, getPbits, setPbits, getKlen, keyPtr } from './item';
import { footprint } from './slab';
import { hashBytes } from './hash';
import { ghostAdd, ghostTake, resetGhost } from './ghost';
import { maxCapacity, pageCount, pageShift } from './layout';
import { stateBlock, S_BYTES0, S_HAND, S_HEAD0, S_HEAD1, S_ITEMS0, S_ITEMS1, S_PINNED, S_POLICY, S_SMALL_BYTES, S_SMALL_ITEMS, S_TAIL0, S_TAIL1 } from './state';

const FREQ: u8 = 3; // S3-FIFO frequency bits (SIEVE uses bit 0 as its visited bit)
const MAIN: u8 = 4; // the item is on queue 1 (S3-FIFO's main queue)

@inline export function policy(): u32 { return load<u32>(stateBlock() + S_POLICY); }
@inline export function setPolicy(v: u32): void { store<u32>(stateBlock() + S_POLICY, v); }
@inline export function head0(): usize { return load<usize>(stateBlock() + S_HEAD0); }
@inline export function setHead0(v: usize): void { store<usize>(stateBlock() + S_HEAD0, v); }
@inline export function tail0(): usize { return load<usize>(stateBlock() + S_TAIL0); }
@inline export function setTail0(v: usize): void { store<usize>(stateBlock() + S_TAIL0, v); }
@inline export function head1(): usize { return load<usize>(stateBlock() + S_HEAD1); }
@inline export function setHead1(v: usize): void { store<usize>(stateBlock() + S_HEAD1, v); }
@inline export function tail1(): usize { return load<usize>(stateBlock() + S_TAIL1); }
@inline export function setTail1(v: usize): void { store<usize>(stateBlock() + S_TAIL1, v); }
@inline export function items0(): u32 { return load<u32>(stateBlock() + S_ITEMS0); }
@inline export function setItems0(v: u32): void { store<u32>(stateBlock() + S_ITEMS0, v); }
@inline export function items1(): u32 { return load<u32>(stateBlock() + S_ITEMS1); }
@inline export function setItems1(v: u32): void { store<u32>(stateBlock() + S_ITEMS1, v); }
// S3-FIFO only: bytes on the small queue
@inline export function bytes0(): u64 { return load<u64>(stateBlock() + S_BYTES0); }
@inline export function setBytes0(v: u64): void { store<u64>(stateBlock() + S_BYTES0, v); }
@inline export function smallItems(): u32 { return load<u32>(stateBlock() + S_SMALL_ITEMS); }
@inline export function setSmallItems(v: u32): void { store<u32>(stateBlock() + S_SMALL_ITEMS, v); }
@inline export function smallBytes(): u64 { return load<u64>(stateBlock() + S_SMALL_BYTES); }
@inline export function setSmallBytes(v: u64): void { store<u64>(stateBlock() + S_SMALL_BYTES, v); }
// SIEVE only
@inline export function hand(): usize { return load<usize>(stateBlock() + S_HAND); }
@inline export function setHand(v: usize): void { store<usize>(stateBlock() + S_HAND, v); }
/** While set, the policy never picks this item as a victim (it is being resized in place). */
@inline export function pinned(): usize { return load<usize>(stateBlock() + S_PINNED); }
@inline export function setPinned(v: usize): void { store<usize>(stateBlock() + S_PINNED, v); }

export function resetPolicy(id: u32): void {
  setPolicy(id);
  setHead0(0);
  setTail0(0);
  setHead1(0);
  setTail1(0);
  setItems0(0);
  setItems1(0);
  setBytes0(0);
  setHand(0);
  setPinned(0);
  if (policy() == POLICY_S3FIFO) resetGhost();
  sizeSmallQueue();
}

/** S3-FIFO's small queue: 10% of the items the cache may hold, or of its page bytes. */
function sizeSmallQueue(): void {
  setSmallItems(max<u32>(1, maxCapacity() / 10));
  setSmallBytes(max<u64>(1, (<u64>pageCount() << pageShift()) / 10));
}

/** The tables grew (grow.ts): the ghost table moved and starts empty; the pages shrank. */
export function policyTablesMoved(): void {
  if (policy() == POLICY_S3FIFO) resetGhost();
  sizeSmallQueue();
}

export function getPinned(): usize {
  return pinned();
}

// ── the two queues ──────────────────────────────────────────────────────────────────────────

@inline function queueOf(it: usize): u32 {
  return (getPbits(it) & MAIN) != 0 ? 1 : 0;
}

function pushHead(q: u32, it: usize): void {
  let h = q == 0 ? head0() : head1();
  setPrev(it, 0);
  setNext(it, h);
  if (h != 0) setPrev(h, it);
  else if (q == 0) setTail0(it);
  else setTail1(it);
  if (q == 0) {
    setHead0(it);
    setItems0(items0() + 1);
    if (policy() == POLICY_S3FIFO) setBytes0(bytes0() + footprint(it));
  } else {
    setHead1(it);
    setItems1(items1() + 1);
  }
}

function unlink(q: u32, it: usize): void {
  let p = getPrev(it);
  let n = getNext(it);
  if (p != 0) setNext(p, n);
  else if (q == 0) setHead0(n);
  else setHead1(n);
  if (n != 0) setPrev(n, p);
  else if (q == 0) setTail0(p);
  else setTail1(p);
  if (q == 0) {
    setItems0(items0() - 1);
    if (policy() == POLICY_S3FIFO) setBytes0(bytes0() - footprint(it));
  } else {
    setItems1(items1() - 1);
  }
}

// ── hooks called by the store ───────────────────────────────────────────────────────────────

/** A new item, whose key hashes to h. */
export function policyInsert(it: usize, h: u32): void {
  if (policy() == POLICY_S3FIFO && ghostTake(h, ((items0() + items1()) * 9) / 10)) {
    setPbits(it, MAIN);
    pushHead(1, it);
    return;
  }
  setPbits(it, 0);
  pushHead(0, it);
}

export function policyRemove(it: usize): void {
  if (it == hand()) setHand(getPrev(it));
  unlink(queueOf(it), it);
}

/** True if the item was hit before (S3-FIFO: its frequency; SIEVE: visited since the hand passed; LRU: ever). */
@inline export function policySeen(it: usize): bool {
  return policy() == POLICY_S3FIFO ? (getPbits(it) & FREQ) != 0 : (getPbits(it) & 1) != 0;
}

/** A hit (a read, or an overwrite in place). */
export function policyTouch(it: usize): void {
  if (policy() == POLICY_LRU) {
    setPbits(it, 1); // LRU keeps no state of its own in pbits: bit 0 says "read" (policySeen)
    if (it == head0()) return;
    unlink(0, it);
    pushHead(0, it);
  } else if (policy() == POLICY_SIEVE) {
    setPbits(it, 1);
  } else {
    let b = getPbits(it);
    if ((b & FREQ) != FREQ) setPbits(it, b + 1);
  }
}

/** The item at `from` was copied to `to`: point its neighbours (and the ends) at the new place. */
export function policyMoved(from: usize, to: usize): void {
  let q = queueOf(to);
  let p = getPrev(to);
  let n = getNext(to);
  if (p != 0) setNext(p, to);
  else if (q == 0) setHead0(to);
  else setHead1(to);
  if (n != 0) setPrev(n, to);
  else if (q == 0) setTail0(to);
  else setTail1(to);
  if (hand() == from) setHand(to);
  if (pinned() == from) setPinned(to);
  if (policy() == POLICY_S3FIFO && q == 0) setBytes0(bytes0() + (<u64>footprint(to) - <u64>footprint(from)));
}

/** The item to evict next, or 0 if there is none. S3-FIFO and SIEVE update their queues on the way. */
export function policyVictim(): usize {
  if (policy() == POLICY_S3FIFO) return s3fifoVictim();
  if (policy() == POLICY_SIEVE) return sieveVictim();
  let v = tail0();
  if (v != 0 && v == pinned()) v = getPrev(v);
  return v;
}

function sieveVictim(): usize {
  let p = hand() != 0 ? hand() : tail0();
  for (let guard = (items0() << 1) + 2; guard > 0 && p != 0; guard--) {
    if ((getPbits(p) & 1) != 0 || p == pinned()) {
      setPbits(p, 0);
      p = getPrev(p);
      if (p == 0) p = tail0(); // the hand wraps from the head back to the tail
      continue;
    }
    setHand(getPrev(p));
    return p;
  }
  return 0;
}

function s3fifoVictim(): usize {
  // Each item moves at most 4 times (one promotion, then 3 frequency steps) before it can go.
  for (let guard = ((items0() + items1()) << 2) + 4; guard > 0; guard--) {
    let small = tail0() != 0 && (tail1() == 0 || items0() >= smallItems() || bytes0() >= smallBytes());
    if (small) {
      let t = tail0();
      if ((getPbits(t) & FREQ) != 0 || t == pinned()) {
        unlink(0, t);
        setPbits(t, MAIN); // read while on the small queue: promoted, frequency cleared
        pushHead(1, t);
        continue;
      }
      ghostAdd(hashBytes(keyPtr(t), getKlen(t)));
      return t;
    }
    let t = tail1();
    if (t == 0) return 0;
    let f = getPbits(t) & FREQ;
    if (f == 0 && t != pinned()) return t;
    unlink(1, t);
    setPbits(t, MAIN | (f > 0 ? f - 1 : 0));
    pushHead(1, t);
  }
  return 0;
}

/**
 * The k-th item on the queues (queue 0 then queue 1, each from its head), k < the items stored;
 * walked from the nearer end, so at most half the items are visited (a uniform pick for
 * RANDOMKEY in a sparse index).
 */
export function policyNth(k: u32): usize {
  let q: u32 = 0;
  if (k >= items0()) {
    k -= items0();
    q = 1;
  }
  let n = q == 0 ? items0() : items1();
  if (k >= n) return 0;
  let it: usize;
  if (k < n - k) {
    it = q == 0 ? head0() : head1();
    for (; k > 0; k--) it = getNext(it);
  } else {
    it = q == 0 ? tail0() : tail1();
    for (k = n - 1 - k; k > 0; k--) it = getPrev(it);
  }
  return it;
}

/** Number of items on the policy's queues, for invariant checks (-1 if the links are broken). */
export function policyLength(): i32 {
  let a = queueLength(head0(), tail0(), 0);
  let b = queueLength(head1(), tail1(), MAIN);
  if (a < 0 || b < 0 || <u32>a != items0() || <u32>b != items1()) return -1;
  return a + b;
}

function queueLength(head: usize, tail: usize, main: u8): i32 {
  let n: i32 = 0;
  let prev: usize = 0;
  let it = head;
  while (it != 0) {
    if (getPrev(it) != prev || (getPbits(it) & MAIN) != main) return -1;
    prev = it;
    it = getNext(it);
    n++;
  }
  return prev == tail ? n : -1;
}
