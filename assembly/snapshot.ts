// Snapshot encoding in the core: whole blocks of records built in the scratch region, checksum
// included, one call per block (see docs/snapshot-format.md). The wrapper writes each block out
// and writes the header and trailer itself.

import {
  SNAPSHOT_BLOCK_MAGIC, SNAPSHOT_BLOCK_HEADER_BYTES, SNAPSHOT_RECORD_HEADER_BYTES, REG_BLOCK_ITEMS,
  REG_BLOCK_BYTES, BLOCK_ONE_LARGE_ITEM,
} from './abi';
import { regs, scratch, scratchBytes, indexSlots } from './layout';
import { getKlen, getVlen, getKind, hasTtl, getExpireAt, keyPtr, valuePtr, isExpired, isStale } from './item';
import { slotItem } from './table';
import { crc32c } from './crc32c';
import { scan } from './store';

@inline function setReg(i: u32, v: u32): void { store<u32>(regs + (<usize>i << 2), v); }

@inline function isLive(it: usize, now: f64): bool {
  return it != 0 && !isExpired(it, now) && !isStale(it, now);
}

/** Items that a snapshot taken now would hold (the same ones scan() visits). */
export function liveCount(now: f64): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < indexSlots; i++) if (isLive(slotItem(i), now)) n++;
  return n;
}

/**
 * Builds the next block from index slot `cursor` on, in the scratch region, and returns the
 * cursor to pass next (0 when the index is done). REG_BLOCK_ITEMS says how many items it holds;
 * if the first item does not fit the scratch region, it is BLOCK_ONE_LARGE_ITEM instead and the
 * item is described in scan()'s registers, for the wrapper to write from its place.
 */
export function snapshotBlock(cursor: u32, now: f64): u32 {
  let out = scratch + SNAPSHOT_BLOCK_HEADER_BYTES;
  let end = scratch + scratchBytes - 4; // room for the CRC
  let n: u32 = 0;
  let i = cursor;
  for (; i < indexSlots; i++) {
    let it = slotItem(i);
    if (!isLive(it, now)) continue;
    let klen = getKlen(it);
    let vlen = getVlen(it);
    let bytes = <usize>SNAPSHOT_RECORD_HEADER_BYTES + klen + vlen;
    if (out + bytes > end) {
      if (n != 0) break; // the block is full: this item starts the next one
      setReg(REG_BLOCK_ITEMS, BLOCK_ONE_LARGE_ITEM);
      return scan(i, now); // describes the item and returns i + 1
    }
    store<u32>(out, klen);
    store<u32>(out, vlen, 4);
    store<u32>(out, getKind(it), 8);
    store<u32>(out, 0, 12);
    store<f64>(out, hasTtl(it) ? getExpireAt(it) : 0, 16);
    memory.copy(out + SNAPSHOT_RECORD_HEADER_BYTES, keyPtr(it), klen);
    memory.copy(out + SNAPSHOT_RECORD_HEADER_BYTES + klen, valuePtr(it), vlen);
    out += bytes;
    n++;
  }
  let payload = <u32>(out - scratch) - SNAPSHOT_BLOCK_HEADER_BYTES;
  store<u32>(scratch, SNAPSHOT_BLOCK_MAGIC);
  store<u32>(scratch, n, 4);
  store<u32>(scratch, payload, 8);
  store<u32>(out, crc32c(scratch, <u32>(out - scratch), 0));
  setReg(REG_BLOCK_ITEMS, n);
  setReg(REG_BLOCK_BYTES, <u32>(out - scratch) + 4);
  return i < indexSlots ? i : 0;
}
