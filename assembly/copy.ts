// Copying a few bytes within the memory. memory.copy is one instruction, but over a shared memory
// V8 runs it as a call into its runtime (which copies with atomic-safe stores): some 60 ns, far
// more than a key or a short value takes to copy (bench: a shared get went from 168 to 112 ns).
// So the shared core copies short runs that do not overlap in words; everything else, and the
// unshared core, use memory.copy.

/** The longest run copied in words. */
const SHORT: u32 = 512;

/** Copies `n` bytes from `src` to `dst`; the two runs must not overlap. */
@inline export function copyBytes(dst: usize, src: usize, n: u32): void {
  if (ASC_FEATURE_THREADS && n <= SHORT) copyWords(dst, src, n);
  else memory.copy(dst, src, n);
}

function copyWords(dst: usize, src: usize, n: u32): void {
  let end = dst + n;
  while (dst + 8 <= end) {
    store<u64>(dst, load<u64>(src));
    dst += 8;
    src += 8;
  }
  while (dst < end) store<u8>(dst++, load<u8>(src++));
}
