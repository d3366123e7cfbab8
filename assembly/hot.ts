// The core's side of the hot tier (src/hot.ts). The wrapper keeps decoded copies of the most-read
// values in front of the core and must drop a copy before it could be read stale. Every change to
// a kept item is reported here, whoever caused it (a write or delete through the API, an expiry
// time set or removed, an eviction, an expiry, the slab allocator moving an item):
//
//   item flags bit 7, FLAG_HOT   the wrapper holds this item in its tier, by address
//   ring (hotRing(), layout.ts)  addresses of hot items removed or moved since the wrapper last
//                                drained it; more than HOT_RING_ENTRIES and the wrapper drops all
//
// The ring, its length and the admission throttle belong to the caller's tier: they are in its
// context block (state.ts); whether promotion is on, and up to what size, is the cache's (state block).
//
// Admission is by frequency, so a scan never fills the tier: a get of an item the policy has seen
// read before (S3-FIFO's frequency bits, SIEVE's visited bit, LRU's read bit) asks the wrapper to
// keep it. Hits served by the tier come back in batches (hotTouch), so the policy still sees them.

import { REG_HOT_ITEM, REG_HOT_RING_LEN, REG_HOT_RING_PTR, REG_EXPIRE_AT, HOT_RING_ENTRIES, KIND_FRESH, KIND_MASK, KIND_BYTES, KEY_BYTES, KEY_MEMO } from './abi';
import { regs, hotRing, indexSlots } from './layout';
import { slotItem } from './table';
import { getFlags, setFlags, getVlen, hasTtl, getExpireAt, FREE } from './item';
import { stateBlock, ctx, C_ADMIT_MASK, C_ADMIT_TICK, C_RING_LEN, S_ENABLED, S_MAX_VALUE_BYTES } from './state';

export const FLAG_HOT: u8 = 0x80;
/**
 * Items that are never promoted: fetch()'s values with a fresh-until time, byte keys, memo keys; and
 * byte values (checked apart): a get must copy them anyway, which costs what the core's read does.
 * Measured 2026-12-04 with 1 KiB values kept as private copies (Zipf 0.99, keys built per op):
 * getInto 267 ns with the tier vs 251 without at 1e4 entries, 567 vs 377 at 1e5; get 1.39 vs 1.25 us.
 */
const NOT_PROMOTED: u8 = <u8>(KIND_FRESH | KEY_BYTES | KEY_MEMO) | FLAG_HOT;

@inline export function enabled(): bool { return load<u32>(stateBlock() + S_ENABLED) != 0; }
@inline export function setEnabled(v: bool): void { store<u32>(stateBlock() + S_ENABLED, v ? 1 : 0); }
@inline export function maxValueBytes(): u32 { return load<u32>(stateBlock() + S_MAX_VALUE_BYTES); }
@inline export function setMaxValueBytes(v: u32): void { store<u32>(stateBlock() + S_MAX_VALUE_BYTES, v); }
@inline export function ringLen(): u32 { return load<u32>(ctx + C_RING_LEN); }
@inline export function setRingLen(v: u32): void { store<u32>(ctx + C_RING_LEN, v); }
/** While the tier is full, only one candidate in 2^admitShift is offered (each costs an eviction there). */
@inline export function admitMask(): u32 { return load<u32>(ctx + C_ADMIT_MASK); }
@inline export function setAdmitMask(v: u32): void { store<u32>(ctx + C_ADMIT_MASK, v); }
@inline export function admitTick(): u32 { return load<u32>(ctx + C_ADMIT_TICK); }
@inline export function setAdmitTick(v: u32): void { store<u32>(ctx + C_ADMIT_TICK, v); }

/** The throttle's counter, one step on. */
@inline function nextAdmitTick(): u32 {
  setAdmitTick(admitTick() + 1);
  return admitTick();
}

@inline function setReg(i: u32, v: u32): void { store<u32>(regs() + (<usize>i << 2), v); }

/** Turns promotion on (values up to `maxValue` bytes) or off. Called once, after init. */
export function hotConfigure(on: u32, maxValue: u32): void {
  setEnabled(on != 0);
  setMaxValueBytes(maxValue);
  hotReset();
}

/** The wrapper's tier filled up (shift > 0: offer one candidate in 2^shift) or has room again (0). */
export function hotThrottle(shift: u32): void {
  setAdmitMask((<u32>1 << shift) - 1);
}

/** The cache was emptied: the wrapper drops its whole tier. */
export function hotReset(): void {
  setRingLen(0);
  setAdmitMask(0);
  setReg(REG_HOT_RING_LEN, 0);
  setReg(REG_HOT_RING_PTR, <u32>hotRing());
  setReg(REG_HOT_ITEM, 0);
}

/** The wrapper has read the ring. */
export function hotDrained(): void {
  setRingLen(0);
  setReg(REG_HOT_RING_LEN, 0);
}

function report(it: usize): void {
  if (ringLen() < <u32>HOT_RING_ENTRIES) store<u32>(hotRing() + (<usize>ringLen() << 2), <u32>it);
  setRingLen(ringLen() + 1);
  setReg(REG_HOT_RING_LEN, ringLen());
}

/** Item `it` is being removed (deleted, replaced, expired or evicted). */
@inline export function hotRemoved(it: usize): void {
  if ((getFlags(it) & FLAG_HOT) != 0) report(it);
}

/** Item `src` was copied to `dst`: the tier drops its copy (found by the old address), the item can be promoted again. */
@inline export function hotMoved(src: usize, dst: usize): void {
  let f = getFlags(dst);
  if ((f & FLAG_HOT) == 0) return;
  setFlags(dst, f & ~FLAG_HOT);
  report(src);
}

/**
 * A get hit on `it`, before the policy sees it: asks the wrapper to keep the value if the item was
 * read before (`seen`: the policy's word; REG_HOT_ITEM, with its expiry time in REG_EXPIRE_AT), else
 * clears the request.
 */
@inline export function hotOnHit(it: usize, seen: bool): void {
  let f = getFlags(it);
  if (!enabled() || (f & NOT_PROMOTED) != 0 || (f & <u8>KIND_MASK) == <u8>KIND_BYTES || getVlen(it) > maxValueBytes() || !seen || (nextAdmitTick() & admitMask()) != 0) {
    setReg(REG_HOT_ITEM, 0);
    return;
  }
  setFlags(it, getFlags(it) | FLAG_HOT);
  setReg(REG_HOT_ITEM, <u32>it);
  store<f64>(regs() + (<usize>REG_EXPIRE_AT << 3), hasTtl(it) ? getExpireAt(it) : 0);
}

/** The wrapper dropped item `it` from its tier for its own reasons (its budget): it may be promoted again. */
export function hotRelease(it: usize): void {
  setFlags(it, getFlags(it) & ~FLAG_HOT);
}

/** The ring overflowed and the wrapper dropped its whole tier: every item may be promoted again. */
export function hotReleaseAll(): void {
  for (let i: u32 = 0; i < indexSlots(); i++) {
    let it = slotItem(i);
    if (it != 0) setFlags(it, getFlags(it) & ~FLAG_HOT);
  }
  hotDrained();
}

/** Hits the tier served come back for the policy (store.ts hotTouch) only for items still kept. */
@inline export function isHot(it: usize): bool {
  let f = getFlags(it);
  return f != FREE && (f & FLAG_HOT) != 0;
}

/**
 * The i-th address of the hits the wrapper served: it writes them into the ring, which it has just
 * drained (replaying touches reports nothing, so the two uses never overlap).
 */
@inline export function touchedAt(i: u32): usize {
  return <usize>load<u32>(hotRing() + (<usize>i << 2));
}

/** Item `it` keeps its place but changes what the tier holds of it (its expiry time): the tier drops it. */
@inline export function hotChanged(it: usize): void {
  let f = getFlags(it);
  if ((f & FLAG_HOT) == 0) return;
  setFlags(it, f & ~FLAG_HOT);
  report(it);
}
