// Batches: mget and mset records in the scratch region, one call into the core per scratch-full.
// Each record (abi.ts): four u32 words, the key bytes, then (mset only) the value bytes, padded
// to a multiple of 8 bytes:
//
//   mget ┌───────┬──────────────────┬──────────────┬──────────────┬─────────┬─────┐
//        │ klen  │ out: value ptr   │ out: vlen    │ out: kind    │ key ... │ pad │
//        └───────┴──────────────────┴──────────────┴──────────────┴─────────┴─────┘
//   mset ┌───────┬──────────────────┬──────────────┬──────────────┬─────────┬───────────┬─────┐
//        │ klen  │ vlen             │ kind         │ 0 (hash)     │ key ... │ value ... │ pad │
//        └───────┴──────────────────┴──────────────┴──────────────┴─────────┴───────────┴─────┘
// The last header word of both also carries the key's hash between the prefetch pass and the work.

import { BATCH_ALIGN, BATCH_HEADER_BYTES, REG_TOUCHED } from './abi';
import { scratch } from './layout';
import { setReg } from './regs';
import { getVlen, getKind, valuePtr } from './item';
import { hashBytes } from './hash';
import { copyBytes } from './copy';
import { touchSlot, touchItem, touchedSum } from './table';
import { publish } from './items';
import { readKey, setKey } from './store';

/** Bytes of one record: header, key, value, padded to 8. */
@inline export function recordBytes(klen: u32, vlen: u32): usize {
  return (<usize>BATCH_HEADER_BYTES + klen + vlen + BATCH_ALIGN - 1) & ~(<usize>BATCH_ALIGN - 1);
}

/**
 * Touches the index slots, then the items, of the `n` batch records in the scratch region (see
 * table.ts), and leaves each key's hash in its record's last header word (an output of mget, unused
 * by mset). `withValues`: mset records (value bytes after the key) rather than mget records.
 */
function prefetchBatch(n: u32, withValues: bool): void {
  let rec = scratch();
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(rec);
    let h = hashBytes(rec + BATCH_HEADER_BYTES, klen);
    store<u32>(rec, h, 12);
    touchSlot(h);
    rec += recordBytes(klen, withValues ? load<u32>(rec, 4) : 0);
  }
  rec = scratch();
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(rec);
    touchItem(load<u32>(rec, 12));
    rec += recordBytes(klen, withValues ? load<u32>(rec, 4) : 0);
  }
  setReg(REG_TOUCHED, touchedSum());
}

/** Reads `n` keys laid out as mget records in the scratch region; answers go into the records. */
export function mget(n: u32, now: f64): void {
  prefetchBatch(n, false);
  let rec = scratch();
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(rec);
    let it = readKey(rec + BATCH_HEADER_BYTES, klen, now, false);
    store<u32>(rec, it == 0 ? 0 : <u32>valuePtr(it), 4);
    store<u32>(rec, it == 0 ? 0 : getVlen(it), 8);
    store<u32>(rec, it == 0 ? 0 : getKind(it), 12);
    rec += recordBytes(klen, 0);
  }
  publish();
}

/** Stores `n` mset records from the scratch region, up to the first that fails. Returns how many were stored. */
export function mset(n: u32, expireAt: f64, now: f64): u32 {
  prefetchBatch(n, true);
  let rec = scratch();
  let stored: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let klen = load<u32>(rec);
    let vlen = load<u32>(rec, 4);
    let key = rec + BATCH_HEADER_BYTES;
    let v = setKey(key, klen, vlen, load<u32>(rec, 8), expireAt, 0, now);
    if (v == 0) break; // REG_ERROR says why; the caller reports how many were stored
    copyBytes(v, key + klen, vlen);
    stored++;
    rec += recordBytes(klen, vlen);
  }
  return stored;
}

