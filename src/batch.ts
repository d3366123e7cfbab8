// Batches (mget, mset): records in the scratch region, one call into the core per scratch-full.
// The record layout is assembly/batch.ts's (diagram there): four u32 header words, the key, then
// (mset) the value, padded to BATCH_ALIGN. recordBytes here and there compute the same size from
// the same constants of abi.ts.
import { BATCH_ALIGN, BATCH_HEADER_BYTES } from '../assembly/abi.js';
import { type EncodedValue, type Key, decodeValue, encodeValue, illFormedError, isWellFormedText, utf8Length } from './codec.js';
import type { Seam } from './seam.js';

/** Bytes of one record: header, key, value, padded. */
export function recordBytes(klen: number, vlen: number): number {
  return (BATCH_HEADER_BYTES + klen + vlen + BATCH_ALIGN - 1) & ~(BATCH_ALIGN - 1);
}

/** mget: the values of `keys` (checked already) into `out`, undefined where missing. */
export function readMany(seam: Seam, keys: readonly Key[], now: number, out: unknown[]): void {
  const { u32 } = seam;
  const end = seam.scratch + seam.scratchBytes;
  let i = 0;
  while (i < keys.length) {
    const first = i;
    let rec = seam.scratch;
    for (; i < keys.length; i++) {
      const room = end - rec - BATCH_HEADER_BYTES;
      const klen = room > 0 ? seam.putKey(keys[i], rec + BATCH_HEADER_BYTES, room) : Infinity;
      if (klen > room) break; // the next scratch-full starts with this key (scratch holds any key)
      u32[rec >>> 2] = klen;
      rec += recordBytes(klen, 0);
    }
    seam.core.mget(i - first, now);
    rec = seam.scratch;
    for (let k = first; k < i; k++) {
      const w = rec >>> 2;
      const ptr = u32[w + 1];
      out[k] = ptr === 0 ? undefined : decodeValue(seam.views, ptr, u32[w + 2], u32[w + 3]);
      rec += recordBytes(u32[w], 0);
    }
  }
}

export interface BatchEntry {
  key: Key;
  enc: EncodedValue;
  klen: number;
  vlen: number;
}

/** mset: every entry encoded and checked before anything is stored (one bad entry throws, nothing changes). */
export function checkEntries(seam: Seam, entries: Iterable<readonly [Key, unknown]>): BatchEntry[] {
  const list: BatchEntry[] = [];
  for (const [key, value] of entries) {
    seam.checkKey(key);
    const klen = typeof key === 'string' ? utf8Length(key) : key.length;
    const enc = encodeValue(value);
    if (enc.text !== undefined && !isWellFormedText(enc.text)) throw illFormedError('value', enc.text);
    enc.kind |= seam.keyKind(key);
    const vlen = enc.bytes ? enc.bytes.length : utf8Length(enc.text as string);
    if (vlen > seam.maxValueSize) throw seam.valueTooLarge(vlen);
    list.push({ key, enc, klen, vlen });
  }
  return list;
}

/**
 * mset: stores the entries, one call into the core per scratch-full, calling `stored` for each
 * key stored. The core stops at the first entry it cannot store (no room could be made): the
 * entries before it stay, and the CacheError says how many.
 */
export function writeMany(seam: Seam, list: BatchEntry[], expireAt: number, now: number, stored: (key: Key) => void): void {
  const { u32, u8 } = seam;
  const end = seam.scratch + seam.scratchBytes;
  let i = 0;
  while (i < list.length) {
    let rec = seam.scratch;
    let n = 0;
    for (; i < list.length; i++) {
      const { key, enc, klen, vlen } = list[i];
      const size = recordBytes(klen, vlen);
      if (rec + size > end) break;
      const k = rec + BATCH_HEADER_BYTES;
      seam.putKey(key, k, klen);
      if (enc.bytes) u8.set(enc.bytes, k + klen);
      else seam.views.writeText(enc.text as string, k + klen, vlen);
      const w = rec >>> 2;
      u32[w] = klen;
      u32[w + 1] = vlen;
      u32[w + 2] = enc.kind;
      u32[w + 3] = 0;
      rec += size;
      n++;
    }
    if (n > 0) {
      const done = seam.core.mset(n, expireAt, now) >>> 0;
      for (let k = i - n; k < i - n + done; k++) stored(list[k].key);
      if (done < n) seam.fail(`mset stored ${i - n + done} of ${list.length} entries, then`);
    } else {
      // An entry larger than the scratch region goes alone.
      const { key, enc } = list[i];
      seam.store(seam.keyOf(key), enc, expireAt, 0, now);
      stored(key);
      i++;
    }
  }
}
