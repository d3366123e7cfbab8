// CRC32C (Castagnoli, polynomial 0x82F63B78 reflected), the checksum of snapshot blocks. One
// table-driven byte at a time over a 1 KiB table built on first use: simple, and the snapshot
// writer runs it over bytes it is about to write anyway.

const POLY: u32 = 0x82f63b78;
const table = memory.data(1024, 4);
let built = false;

function build(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? POLY ^ (c >>> 1) : c >>> 1;
    store<u32>(table + (<usize>n << 2), c);
  }
  built = true;
}

/** CRC32C of `len` bytes at `p`, continuing from `crc` (0 to start). */
export function crc32c(p: usize, len: u32, crc: u32): u32 {
  if (!built) build();
  let c = ~crc;
  let end = p + len;
  while (p < end) {
    c = load<u32>(table + (<usize>((c ^ load<u8>(p)) & 0xff) << 2)) ^ (c >>> 8);
    p++;
  }
  return ~c;
}
