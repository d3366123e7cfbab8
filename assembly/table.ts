// Hash index: open addressing with linear probing over a flat array of 8-byte slots.
//
//   slot i:  ┌──────────────┬──────────────┐
//            │ item ptr u32 │ hash u32     │    ptr 0 = empty
//            └──────────────┴──────────────┘
//
// A probe compares the stored 32-bit hash before touching the item, so a miss or a collision
// rarely costs more than the one cache line of slots. The home slot is (hash * slots) >> 32, which
// maps the hash onto any slot count (no power-of-two rounding, so the index is sized exactly from
// the budget). Deletion shifts later entries back (no tombstones), so probe chains never rot.

import { DEBUG } from './debug';
import { indexBase, indexSlots } from './layout';
import { bytesEqual } from './hash';
import { getKlen, getSpace, keyPtr } from './item';
import { ctx, C_TOUCHED } from './state';

export const NOT_FOUND: u32 = 0xffffffff;

@inline function slotAddr(i: u32): usize { return indexBase() + (<usize>i << 3); }
@inline export function slotItem(i: u32): usize { return <usize>load<u32>(slotAddr(i)); }
@inline function slotHash(i: u32): u32 { return load<u32>(slotAddr(i), 4); }
@inline function home(h: u32): u32 { return homeIn(h, indexSlots()); }
@inline function nextSlot(i: u32): u32 { return nextIn(i, indexSlots()); }

// The probe loops read the index's base and size once, into locals (`base`, `slots`): they live in
// the state block, and a load from memory is not hoisted out of a loop the way a global was.
@inline function homeIn(h: u32, slots: u32): u32 { return <u32>((<u64>h * <u64>slots) >> 32); }
@inline function nextIn(i: u32, slots: u32): u32 { return i + 1 == slots ? 0 : i + 1; }
@inline function slotAt(base: usize, i: u32): usize { return base + (<usize>i << 3); }

// ── batch prefetch ──────────────────────────────────────────────────────────────────────────
// At millions of keys every slot and item read misses the CPU caches (~100-400 ns each). A batch
// operation (mget, mset, snapshot load) first touches the home slot of every key, then the item
// each points at, and only then does its real work: the loads of one phase do not depend on each
// other, so the CPU overlaps their misses instead of waiting for them one at a time. The loaded
// values are folded into `touched`, which is published, so that no optimizer drops the loads.

@inline export function touched(): u32 { return load<u32>(ctx + C_TOUCHED); }
@inline export function setTouched(v: u32): void { store<u32>(ctx + C_TOUCHED, v); }

/** Phase 1: touches the home slot of hash h. */
@inline export function touchSlot(h: u32): void {
  setTouched(touched() ^ (load<u32>(slotAddr(home(h)), 4)));
}

/** Phase 2: touches the header of the first item whose slot holds hash h (a few probes at most). */
export function touchItem(h: u32): void {
  let i = home(h);
  for (let n = 0; n < 4; n++) {
    let it = slotItem(i);
    if (it == 0) return;
    if (slotHash(i) == h) {
      setTouched(touched() ^ (load<u32>(it, 8)));
      return;
    }
    i = nextSlot(i);
  }
}

/** The folded loads (never used, only kept). */
export function touchedSum(): u32 {
  return touched();
}

export function clearIndex(): void {
  memory.fill(indexBase(), 0, <usize>indexSlots() << 3);
}

/**
 * Slot of the item whose key is the `klen` bytes at `key` in key space `space` (0 or KEY_MEMO: the
 * hash is the bytes' alone, the space is compared with the length, from the same header word).
 */
export function findKey(h: u32, key: usize, klen: u32, space: u32): u32 {
  let base = indexBase();
  let slots = indexSlots();
  let i = homeIn(h, slots);
  while (true) {
    let s = slotAt(base, i);
    let it = <usize>load<u32>(s);
    if (it == 0) return NOT_FOUND;
    if (load<u32>(s, 4) == h && getKlen(it) == klen && getSpace(it) == space && bytesEqual(keyPtr(it), key, klen)) return i;
    i = nextIn(i, slots);
  }
}

/**
 * findKey (key space 0) for a read without the lock (unlocked.ts), which may see the index half
 * changed: at most `slots` probes, where a consistent index always reaches an empty slot sooner.
 */
export function findKeyUnlocked(h: u32, key: usize, klen: u32): u32 {
  let base = indexBase();
  let slots = indexSlots();
  let i = homeIn(h, slots);
  for (let n: u32 = 0; n < slots; n++) {
    let s = slotAt(base, i);
    let it = <usize>load<u32>(s);
    if (it == 0) return NOT_FOUND;
    if (load<u32>(s, 4) == h && getKlen(it) == klen && getSpace(it) == 0 && bytesEqual(keyPtr(it), key, klen)) return i;
    i = nextIn(i, slots);
  }
  return NOT_FOUND;
}

/** Slot that points at item `it` (whose key hashes to `h`), or NOT_FOUND. */
export function findItem(h: u32, it: usize): u32 {
  let base = indexBase();
  let slots = indexSlots();
  let i = homeIn(h, slots);
  while (true) {
    let p = <usize>load<u32>(slotAt(base, i));
    if (p == 0) return NOT_FOUND;
    if (p == it) return i;
    i = nextIn(i, slots);
  }
}

/** Adds an entry for a key known to be absent. The caller keeps the load under 7/8. */
export function insertSlot(h: u32, it: usize): void {
  if (DEBUG) assert(it != 0, 'insertSlot: no item');
  let base = indexBase();
  let slots = indexSlots();
  let i = homeIn(h, slots);
  while (load<u32>(slotAt(base, i)) != 0) i = nextIn(i, slots);
  store<u32>(slotAt(base, i), <u32>it);
  store<u32>(slotAt(base, i), h, 4);
}

export function setSlotItem(i: u32, it: usize): void {
  store<u32>(slotAddr(i), <u32>it);
}

/** Empties slot `hole`, then moves back each later entry of the run that may fill it. */
export function removeSlot(hole: u32): void {
  if (DEBUG) assert(hole < indexSlots() && slotItem(hole) != 0, 'removeSlot: the slot is empty');
  let base = indexBase();
  let slots = indexSlots();
  let j = hole;
  let k = nextIn(j, slots);
  while (true) {
    let it = <usize>load<u32>(slotAt(base, k));
    if (it == 0) break;
    let h = homeIn(load<u32>(slotAt(base, k), 4), slots);
    // The entry at k may move to j unless its home lies cyclically in (j, k].
    let stays = j <= k ? (h > j && h <= k) : (h > j || h <= k);
    if (!stays) {
      store<u64>(slotAt(base, j), load<u64>(slotAt(base, k)));
      j = k;
    }
    k = nextIn(k, slots);
  }
  store<u64>(slotAt(base, j), 0);
}
