// S3-FIFO's ghost queue: the fingerprints of keys recently evicted from the small queue, without
// their data. As the S3-FIFO paper suggests, it is not a real queue but a table of
// (fingerprint, insertion time) entries, time counted in ghost insertions: an entry is still "in
// the queue" while fewer than `window` insertions have happened since it went in, which is FIFO
// order without moving anything.
//
//   bucket (16 B, 4 entries of u32):  ┌─────────────────┬─────────────────┐
//                                     │ time (16 bits)  │ tag (16 bits)   │   entry 0 = empty
//                                     └─────────────────┴─────────────────┘
// tag: the low 16 bits of the key's index hash (the bucket comes from its high bits), so a lookup
// mistakes another key for a ghost about once in 16,000 (a false ghost goes straight to the main
// queue). time: insertions / unit, modulo 2^16, with the unit chosen so that the largest window
// spans at most 2^14 time steps; an entry older than 4 windows could look young again, but its
// bucket has almost surely replaced it by then (each new key takes its bucket's oldest entry).
// The table has 1.25 entries per ghost entry it must remember: 5 bytes per ghost entry.

import { ghostBase, ghostBuckets, ghostCapacity, GHOST_BUCKET_BYTES } from './layout';
import { stateBlock, S_EMPTY, S_SINCE_TICK, S_TIME, S_UNIT } from './state';

const ENTRIES_PER_BUCKET: u32 = 4;
const TAG_BITS: u32 = 16;
const TAG_MASK: u32 = (1 << TAG_BITS) - 1;
const TIME_MASK: u32 = (1 << (32 - TAG_BITS)) - 1;

// 1..TIME_MASK: 0 is never used, so that an empty entry never looks valid
@inline export function time(): u32 { return load<u32>(stateBlock() + S_TIME); }
@inline export function setTime(v: u32): void { store<u32>(stateBlock() + S_TIME, v); }
@inline export function sinceTick(): u32 { return load<u32>(stateBlock() + S_SINCE_TICK); }
@inline export function setSinceTick(v: u32): void { store<u32>(stateBlock() + S_SINCE_TICK, v); }
@inline export function unit(): u32 { return load<u32>(stateBlock() + S_UNIT); }
@inline export function setUnit(v: u32): void { store<u32>(stateBlock() + S_UNIT, v); }
// nothing added since the reset: lookups need not touch the table (a load after clear())
@inline export function empty(): bool { return load<u32>(stateBlock() + S_EMPTY) != 0; }
@inline export function setEmpty(v: bool): void { store<u32>(stateBlock() + S_EMPTY, v ? 1 : 0); }

@inline function bucketOf(fp: u32): usize {
  return ghostBase() + <usize>(<u32>((<u64>fp * <u64>ghostBuckets()) >> 32)) * GHOST_BUCKET_BYTES;
}
@inline function age(entry: u32): u32 {
  return (time() - (entry >> TAG_BITS)) & TIME_MASK;
}

export function resetGhost(): void {
  setTime(1);
  setSinceTick(0);
  setUnit(max<u32>(1, (ghostCapacity() + (1 << 14) - 1) >> 14));
  setEmpty(true);
  memory.fill(ghostBase(), 0, <usize>ghostBuckets() * GHOST_BUCKET_BYTES);
}

/** Remembers that the key with fingerprint fp was just evicted. */
export function ghostAdd(fp: u32): void {
  setEmpty(false);
  setSinceTick(sinceTick() + 1);
  if (sinceTick() >= unit()) {
    setSinceTick(0);
    setTime((time() + 1) & TIME_MASK);
    if (time() == 0) setTime(1);
  }
  let b = bucketOf(fp);
  let victim = b;
  let oldest: u32 = 0;
  for (let i: u32 = 0; i < ENTRIES_PER_BUCKET; i++) {
    let e = b + (<usize>i << 2);
    let v = load<u32>(e);
    let a = v == 0 ? 0xffffffff : age(v);
    if (a >= oldest) {
      victim = e;
      oldest = a;
    }
  }
  store<u32>(victim, (time() << TAG_BITS) | (fp & TAG_MASK));
}

/**
 * True if fp was added during the last `window` insertions; the entry is then dropped (the key
 * comes back from the ghost queue into the cache).
 */
export function ghostTake(fp: u32, window: u32): bool {
  if (empty()) return false;
  let steps = (window + unit() - 1) / unit();
  let b = bucketOf(fp);
  for (let i: u32 = 0; i < ENTRIES_PER_BUCKET; i++) {
    let e = b + (<usize>i << 2);
    let v = load<u32>(e);
    if (v != 0 && (v & TAG_MASK) == (fp & TAG_MASK) && age(v) < steps) {
      store<u32>(e, 0);
      return true;
    }
  }
  return false;
}
