// Snapshot checksums: XXH64 (xxHash, 64-bit, seed 0), of which a block keeps the low 32 bits.
// Four independent lanes of multiply-rotate over 32-byte stripes keep the CPU's multipliers busy,
// so the checksum runs at several GB/s in Wasm where a table-driven CRC32C managed ~1.3 GB/s here,
// and checksumming stops being the cost of a snapshot.
//
// One-shot: checksum(p, len). Streaming, for data that is not contiguous (a large item's header,
// key and value): checksumStart(), checksumUpdate(p, len)..., checksumEnd(). The stream keeps its
// state (lanes, length, a 32-byte stripe buffer) in the caller's context block (state.ts).

import { digestBuffer } from './layout';
import { ctx, C_BUFFERED, C_TOTAL, C_V1, C_V2, C_V3, C_V4 } from './state';

export const P1: u64 = 0x9e3779b185ebca87;
export const P2: u64 = 0xc2b2ae3d27d4eb4f;
export const P3: u64 = 0x165667b19e3779f9;
export const P4: u64 = 0x85ebca77c2b2ae63;
export const P5: u64 = 0x27d4eb2f165667c5;
export const DIGEST_BUFFER_BYTES: u32 = 32;

@inline function round(acc: u64, input: u64): u64 {
  return rotl<u64>(acc + input * P2, 31) * P1;
}

@inline function merge(h: u64, v: u64): u64 {
  return (h ^ round(0, v)) * P1 + P4;
}

// Lanes of the stream (or of a one-shot call), per caller: two callers may checksum at once.
@inline export function v1(): u64 { return load<u64>(ctx + C_V1); }
@inline export function setV1(v: u64): void { store<u64>(ctx + C_V1, v); }
@inline export function v2(): u64 { return load<u64>(ctx + C_V2); }
@inline export function setV2(v: u64): void { store<u64>(ctx + C_V2, v); }
@inline export function v3(): u64 { return load<u64>(ctx + C_V3); }
@inline export function setV3(v: u64): void { store<u64>(ctx + C_V3, v); }
@inline export function v4(): u64 { return load<u64>(ctx + C_V4); }
@inline export function setV4(v: u64): void { store<u64>(ctx + C_V4, v); }
@inline export function total(): u64 { return load<u64>(ctx + C_TOTAL); }
@inline export function setTotal(v: u64): void { store<u64>(ctx + C_TOTAL, v); }
@inline export function buffered(): u32 { return load<u32>(ctx + C_BUFFERED); }
@inline export function setBuffered(v: u32): void { store<u32>(ctx + C_BUFFERED, v); }

@inline function resetLanes(): void {
  setV1(P1 + P2);
  setV2(P2);
  setV3(0);
  setV4(0 - P1);
}

/** Folds whole 32-byte stripes from p; returns the address after the last one. */
function stripes(p: usize, end: usize): usize {
  let a = v1(), b = v2(), c = v3(), d = v4();
  while (p + 32 <= end) {
    a = round(a, load<u64>(p));
    b = round(b, load<u64>(p, 8));
    c = round(c, load<u64>(p, 16));
    d = round(d, load<u64>(p, 24));
    p += 32;
  }
  setV1(a); setV2(b); setV3(c); setV4(d);
  return p;
}

/** The digest of `total` bytes whose last `end - p` (< 32) bytes are at p, lanes already folded. */
function finish(p: usize, end: usize): u32 {
  let h: u64;
  if (total() >= 32) {
    h = rotl<u64>(v1(), 1) + rotl<u64>(v2(), 7) + rotl<u64>(v3(), 12) + rotl<u64>(v4(), 18);
    h = merge(merge(merge(merge(h, v1()), v2()), v3()), v4());
  } else {
    h = P5;
  }
  return tail(h + total(), p, end);
}

/**
 * XXH64's last steps: folds the bytes [p, end) (fewer than 32) into h, then avalanches; low 32
 * bits. The key hash (hash.ts) is this alone, from a seeded start.
 */
@inline export function tail(h: u64, p: usize, end: usize): u32 {
  while (p + 8 <= end) {
    h = rotl<u64>(h ^ round(0, load<u64>(p)), 27) * P1 + P4;
    p += 8;
  }
  if (p + 4 <= end) {
    h = rotl<u64>(h ^ (<u64>load<u32>(p) * P1), 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h = rotl<u64>(h ^ (<u64>load<u8>(p) * P5), 11) * P1;
    p++;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return <u32>h;
}

/** Low 32 bits of XXH64 (seed 0) of `len` bytes at `p`. */
export function checksum(p: usize, len: u32): u32 {
  resetLanes();
  setTotal(len);
  let end = p + len;
  return finish(stripes(p, end), end);
}

export function checksumStart(): void {
  resetLanes();
  setTotal(0);
  setBuffered(0);
}

export function checksumUpdate(p: usize, len: u32): void {
  let end = p + len;
  setTotal(total() + len);
  if (buffered() > 0) {
    let take = min<u32>(len, DIGEST_BUFFER_BYTES - buffered());
    memory.copy(digestBuffer() + buffered(), p, take);
    setBuffered(buffered() + take);
    p += take;
    if (buffered() < DIGEST_BUFFER_BYTES) return;
    stripes(digestBuffer(), digestBuffer() + DIGEST_BUFFER_BYTES);
    setBuffered(0);
  }
  p = stripes(p, end);
  setBuffered(<u32>(end - p));
  memory.copy(digestBuffer(), p, buffered());
}

/** Low 32 bits of XXH64 of everything passed to checksumUpdate since checksumStart. */
export function checksumEnd(): u32 {
  return finish(digestBuffer(), digestBuffer() + buffered());
}
