// Seeded key hashing and comparison. The hash has the shape of xxHash64's short-input path (one
// lane, 8 bytes a round, then a final avalanche) with a random per-instance seed, so that the
// positions of keys in the index cannot be predicted by whoever chooses the keys.

import { P5, tail } from './checksum';
import { stateBlock, S_SEED } from './state';

@inline export function seed(): u64 { return load<u64>(stateBlock() + S_SEED); }
@inline export function setSeed(v: u64): void { store<u64>(stateBlock() + S_SEED, v); }


/** 32-bit hash of `len` bytes at `p`: XXH64's tail steps over all of them (any length), seeded. */
export function hashBytes(p: usize, len: u32): u32 {
  return tail(seed() + P5 + <u64>len, p, p + len);
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
