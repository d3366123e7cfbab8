// Batches (mget, mset, and the RESP server's pipelined GETs and SETs): records in the scratch
// region, one call into the core per scratch-full, which reads every key's index slot and item
// before it works on the first, so that their cache misses overlap.
// The record layout is assembly/batch.ts's (diagram there): four u32 header words, the key, then
// (mset) the value, padded to BATCH_ALIGN. recordBytes here and there compute the same size from
// the same constants of abi.ts.
import { BATCH_ALIGN, BATCH_HEADER_BYTES, FRESH_BYTES, KEY_BYTES, KIND_BYTES, KIND_FRESH } from '../assembly/abi.js';
import type { ByteArgs, ValueSink } from './cache-types.js';
import { type EncodedValue, type Key, copyBytes, decodeValue, encodeValue, illFormedError, isWellFormedText, utf8Length } from './codec.js';
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

/**
 * The RESP server's reads: the keys args[from..to) (ByteArgs) as mget records, one call into the
 * core per scratch-full, each answer to `sink` in order. Stops before a key longer than maxKeySize,
 * and throws its ERR_KEY_TOO_LARGE if it is the first. Returns how many keys were read.
 */
export function readArgs(seam: Seam, args: ByteArgs, from: number, to: number, now: number, sink: ValueSink): number {
  const { u32, u8 } = seam;
  const data = args.data;
  const end = seam.scratch + seam.scratchBytes;
  let i = from;
  while (i < to) {
    const first = i;
    let rec = seam.scratch;
    for (; i < to; i++) {
      const s = args.start[i];
      const klen = args.end[i] - s;
      const size = recordBytes(klen, 0);
      if (klen > seam.maxKeySize || rec + size > end) break; // an empty scratch region holds any key up to maxKeySize
      copyBytes(data, s, s + klen, u8, rec + BATCH_HEADER_BYTES);
      u32[rec >>> 2] = klen;
      rec += size;
    }
    if (i === first) {
      if (first === from) seam.argKey(args, first); // throws: the key is too long
      return first - from;
    }
    seam.core.mget(i - first, now);
    rec = seam.scratch;
    for (let k = first; k < i; k++) {
      const w = rec >>> 2;
      const ptr = u32[w + 1];
      if (ptr === 0) sink.missing();
      else sink.value(u8, u32[w + 3] & KIND_FRESH ? ptr + FRESH_BYTES : ptr, ptr + u32[w + 2]);
      rec += recordBytes(u32[w], 0);
    }
  }
  return to - from;
}

/**
 * The RESP server's writes: up to `pairs` (key, value) pairs of arguments from `from` on (ByteArgs,
 * key then value), stored as mset records, one call into the core per scratch-full. Stops before a
 * pair it cannot store (a key or value too large, no memory), and throws its error if it is the
 * first. A pair too large for the scratch region goes alone, straight to its item. Returns how many
 * pairs were stored.
 */
export function writeArgs(seam: Seam, args: ByteArgs, from: number, pairs: number, expireAt: number, now: number): number {
  const { u32, u8 } = seam;
  const data = args.data;
  const end = seam.scratch + seam.scratchBytes;
  let done = 0;
  while (done < pairs) {
    let rec = seam.scratch;
    let n = 0;
    for (let j = from + 2 * done; done + n < pairs; j += 2) {
      const ks = args.start[j];
      const klen = args.end[j] - ks;
      const vs = args.start[j + 1];
      const vlen = args.end[j + 1] - vs;
      const size = recordBytes(klen, vlen);
      if (klen > seam.maxKeySize || vlen > seam.maxValueSize || rec + size > end) break;
      const k = rec + BATCH_HEADER_BYTES;
      copyBytes(data, ks, ks + klen, u8, k);
      copyBytes(data, vs, vs + vlen, u8, k + klen);
      const w = rec >>> 2;
      u32[w] = klen;
      u32[w + 1] = vlen;
      u32[w + 2] = KIND_BYTES | KEY_BYTES; // as set() stores a Uint8Array under a Uint8Array key
      u32[w + 3] = 0;
      rec += size;
      n++;
    }
    if (n === 0) {
      if (done > 0) return done; // the next call starts with it, and throws if it must
      seam.storeArg(args, from, expireAt, now); // alone: throws if it cannot be stored
      done = 1;
      continue;
    }
    const stored = seam.core.mset(n, expireAt, now) >>> 0;
    if (stored < n && done + stored === 0) seam.fail('set');
    done += stored;
    if (stored < n) return done;
  }
  return done;
}
