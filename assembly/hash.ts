// Seeded key hashing and comparison. The hash has the shape of xxHash64's short-input path (one
// lane, 8 bytes a round, then a final avalanche) with a random per-instance seed, so that the
// positions of keys in the index cannot be predicted by whoever chooses the keys.

import { P1, P2, P3, P4, P5 } from './checksum';

let seed: u64 = 0;

export function setSeed(s: u64): void {
  seed = s;
}

/** 32-bit hash of `len` bytes at `p`. */
export function hashBytes(p: usize, len: u32): u32 {
  let h: u64 = seed + P5 + <u64>len;
  let end = p + len;
  while (p + 8 <= end) {
    h ^= rotl<u64>(load<u64>(p) * P2, 31) * P1;
    h = rotl<u64>(h, 27) * P1 + P4;
    p += 8;
  }
  if (p + 4 <= end) {
    h ^= <u64>load<u32>(p) * P1;
    h = rotl<u64>(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= <u64>load<u8>(p) * P5;
    h = rotl<u64>(h, 11) * P1;
    p++;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return <u32>h;
}

/** True if the `len` bytes at `a` and `b` are equal. */
export function bytesEqual(a: usize, b: usize, len: u32): bool {
  let end = a + len;
  while (a + 8 <= end) {
    if (load<u64>(a) != load<u64>(b)) return false;
    a += 8;
    b += 8;
  }
  while (a < end) {
    if (load<u8>(a) != load<u8>(b)) return false;
    a++;
    b++;
  }
  return true;
}
