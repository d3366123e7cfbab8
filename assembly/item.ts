// Item layout. Every stored entry is one item, in one slab chunk (or one run of pages when it is
// larger than a page). The key and value are contiguous, so a hit reads the header and the first
// bytes of the key in one cache line, and a value can be handed out as a view without copying.
//
//   0        4        8        12     14    15    16 (+12 when EXT)
//   ┌────────┬────────┬────────┬──────┬─────┬─────┬───────────────────────────┬──────────┬────────────┐
//   │ next   │ prev   │ vlen   │ klen │flags│pbits│ [expireAt f64 │ heapPos] │ key      │ value      │
//   │ u32    │ u32    │ u32    │ u16  │ u8  │ u8  │ [optional expiry ext]     │ klen B   │ vlen B     │
//   └────────┴────────┴────────┴──────┴─────┴─────┴───────────────────────────┴──────────┴────────────┘
//   next/prev: links of the eviction policy's queue (0 = none). pbits: policy bits (unused by LRU).
//   flags: bits 0-1 value kind, bit 2 KIND_FRESH (the value starts with a fresh-until time), bit 5
//   KEY_BYTES (the key was given as bytes), bit 6 KEY_MEMO (the key is in memo()'s key space: part of
//   its identity), bit 3 TTL (the item expires at expireAt), bit 4 EXT (the 12-byte
//   expiry extension is present; it stays after PERSIST so a later EXPIRE needs no move), bit 7
//   HOT (the wrapper keeps the value in its hot tier: hot.ts; never saved in snapshots).
//   A free chunk has flags == FREE and the next free chunk's address in `next`.
//
// Per-item overhead: 16 B header + one 8 B index slot at a load factor of at most 7/8: 16 + 9.1 =
// 25.1 B. Items with an expiry time carry 12 B more, and a 4 B expiry-heap entry (layout.ts).

import { KIND_MASK, KIND_FRESH, KEY_BYTES, KEY_MEMO } from './abi';

export const HEADER_BYTES: u32 = 16;
export const EXT_BYTES: u32 = 12;
export const FLAG_TTL: u8 = 8;
export const FLAG_EXT: u8 = 16;
export const FREE: u8 = 0xff;

@inline export function getNext(it: usize): usize { return <usize>load<u32>(it, 0); }
@inline export function setNext(it: usize, v: usize): void { store<u32>(it, <u32>v, 0); }
@inline export function getPrev(it: usize): usize { return <usize>load<u32>(it, 4); }
@inline export function setPrev(it: usize, v: usize): void { store<u32>(it, <u32>v, 4); }
@inline export function getVlen(it: usize): u32 { return load<u32>(it, 8); }
@inline export function getKlen(it: usize): u32 { return <u32>load<u16>(it, 12); }
@inline export function getFlags(it: usize): u8 { return load<u8>(it, 14); }
@inline export function setFlags(it: usize, f: u8): void { store<u8>(it, f, 14); }
@inline export function getPbits(it: usize): u8 { return load<u8>(it, 15); }
@inline export function setPbits(it: usize, v: u8): void { store<u8>(it, v, 15); }
const KIND_BITS: u32 = KIND_MASK | KIND_FRESH | KEY_BYTES | KEY_MEMO;
/** Value kind and the KIND_FRESH, KEY_BYTES and KEY_MEMO flags, as the wrapper reads them from REG_KIND. */
@inline export function getKind(it: usize): u32 { return <u32>getFlags(it) & KIND_BITS; }
/** The item's key space: 0 (the caller's keys) or KEY_MEMO. */
@inline export function getSpace(it: usize): u32 { return <u32>getFlags(it) & KEY_MEMO; }
@inline export function hasTtl(it: usize): bool { return (getFlags(it) & FLAG_TTL) != 0; }
@inline export function getExpireAt(it: usize): f64 { return load<f64>(it, 16); }
@inline export function setExpireAt(it: usize, t: f64): void { store<f64>(it, t, 16); }
@inline export function getHeapPos(it: usize): u32 { return load<u32>(it, 24); }
@inline export function setHeapPos(it: usize, p: u32): void { store<u32>(it, p, 24); }

@inline export function keyOffset(it: usize): u32 {
  return (getFlags(it) & FLAG_EXT) != 0 ? HEADER_BYTES + EXT_BYTES : HEADER_BYTES;
}
@inline export function keyPtr(it: usize): usize { return it + keyOffset(it); }
@inline export function valuePtr(it: usize): usize { return it + keyOffset(it) + getKlen(it); }
@inline export function itemBytes(it: usize): u32 { return keyOffset(it) + getKlen(it) + getVlen(it); }

/** Size of an item with these lengths. */
@inline export function itemSize(klen: u32, vlen: u32, ext: bool): u64 {
  return <u64>HEADER_BYTES + (ext ? EXT_BYTES : 0) + klen + vlen;
}

/** Writes a fresh header (no policy links yet). */
export function writeHeader(it: usize, klen: u32, vlen: u32, kind: u32, ext: bool): void {
  store<u64>(it, 0, 0);
  store<u32>(it, vlen, 8);
  store<u16>(it, <u16>klen, 12);
  setFlags(it, <u8>(kind & KIND_BITS) | (ext ? FLAG_EXT : 0));
  setPbits(it, 0);
}

/** Rewrites the header of a live item in place; its policy links and bits stay. */
export function writeHeaderKeepLinks(it: usize, klen: u32, vlen: u32, kind: u32, ext: bool): void {
  store<u32>(it, vlen, 8);
  store<u16>(it, <u16>klen, 12);
  setFlags(it, <u8>(kind & KIND_BITS) | (ext ? FLAG_EXT : 0));
}

/** A value stored with a fresh-until time that has passed: kept for fetch(), missing to plain reads. */
@inline export function isStale(it: usize, now: f64): bool {
  return (getFlags(it) & <u8>KIND_FRESH) != 0 && load<f64>(valuePtr(it)) < now;
}

/** An item expires once the clock has passed its expiry time (Redis: alive while now <= when). */
@inline export function isExpired(it: usize, now: f64): bool {
  return hasTtl(it) && getExpireAt(it) < now;
}
