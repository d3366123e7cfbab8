// Snapshots: the live items of a cache as a versioned, checksummed byte stream (format in
// docs/snapshot-format.md). Writing: the core encodes whole blocks (assembly/snapshot.ts) and this
// file frames them; checksums are CRC32C, computed in the Wasm core. Reading validates the whole snapshot (every checksum,
// every length, the counts) before it changes anything, so a bad snapshot leaves the cache as it
// was.

import {
  BLOCK_ONE_LARGE_ITEM, FRESH_BYTES, KIND_FRESH, LAYOUT_VERSION, REG_BLOCK_BYTES, REG_BLOCK_ITEMS, REG_EXPIRE_AT, REG_KEY_PTR,
  REG_KIND, REG_KLEN, REG_VALUE_PTR, REG_VLEN, SNAPSHOT_BLOCK_HEADER_BYTES as BLOCK_HEADER_BYTES, SNAPSHOT_BLOCK_MAGIC,
  SNAPSHOT_RECORD_HEADER_BYTES as RECORD_HEADER_BYTES, STAT_EVICTIONS,
} from '../assembly/abi.js';
import { CacheError } from './errors.js';
import type { CoreExports } from './wasm.js';

export const FORMAT_VERSION = 1;
const MAGIC = [0x57, 0x43, 0x53, 0x4e, 0x41, 0x50, 0x0d, 0x0a]; // "WCSNAP\r\n"
const END_MAGIC = 0x4e454357; // "WCEN"
export const HEADER_BYTES = 40;
const TRAILER_BYTES = 24;

/** What the snapshot code needs of a cache. */
export interface SnapshotHost {
  core: CoreExports;
  u8: Uint8Array;
  dv: DataView;
  regs32: Uint32Array;
  stats64: Float64Array;
  scratch: number;
  scratchBytes: number;
  maxKeySize: number;
  maxValueSize: number;
}

/** What loading a snapshot did. */
export interface LoadResult {
  /** Items stored. */
  items: number;
  /** Items skipped because their expiry time had passed. */
  expired: number;
  /** Items that did not fit: evicted while loading into a smaller cache, or larger than maxValueSize. */
  dropped: number;
}

const fail = (code: 'ERR_SNAPSHOT_MAGIC' | 'ERR_SNAPSHOT_VERSION' | 'ERR_SNAPSHOT_CHECKSUM' | 'ERR_SNAPSHOT_TRUNCATED' | 'ERR_SNAPSHOT_CORRUPT', message: string) =>
  new CacheError(code, message);

/**
 * Writes a snapshot of the live items through `write`, synchronously. The core builds the blocks
 * in the scratch region (records and checksum, one call per block); an item too large for the
 * scratch region gets a block of its own, written from its place in the cache. The views passed
 * to `write` are only valid during the call: copy them (or write them out) before returning.
 */
export function writeSnapshot(host: SnapshotHost, write: (bytes: Uint8Array) => void, now: number): number {
  const { core, u8, dv, regs32, scratch } = host;
  const count = core.liveCount(now);

  // Header, built in the scratch region so that the core can checksum it.
  u8.set(MAGIC, scratch);
  dv.setUint32(scratch + 8, FORMAT_VERSION, true);
  dv.setUint32(scratch + 12, LAYOUT_VERSION, true);
  dv.setFloat64(scratch + 16, Date.now(), true);
  dv.setFloat64(scratch + 24, count, true);
  dv.setUint32(scratch + 32, 0, true);
  dv.setUint32(scratch + 36, core.crc32c(scratch, 36, 0) >>> 0, true);
  write(u8.subarray(scratch, scratch + HEADER_BYTES));

  let blocks = 0;
  let cursor = 0;
  do {
    cursor = core.snapshotBlock(cursor, now) >>> 0;
    const n = regs32[REG_BLOCK_ITEMS];
    if (n === BLOCK_ONE_LARGE_ITEM) writeLargeItem(host, write);
    else if (n > 0) write(u8.subarray(scratch, scratch + regs32[REG_BLOCK_BYTES]));
    else continue;
    blocks++;
  } while (cursor !== 0);

  dv.setUint32(scratch, END_MAGIC, true);
  dv.setUint32(scratch + 4, blocks, true);
  dv.setFloat64(scratch + 8, count, true);
  dv.setUint32(scratch + 16, 0, true);
  dv.setUint32(scratch + 20, core.crc32c(scratch, 20, 0) >>> 0, true);
  write(u8.subarray(scratch, scratch + TRAILER_BYTES));
  return count;
}

/** A block of the one item described in scan()'s registers, its key and value written in place. */
function writeLargeItem(host: SnapshotHost, write: (bytes: Uint8Array) => void): void {
  const { core, u8, dv, regs32, stats64, scratch } = host;
  const keyPtr = regs32[REG_KEY_PTR];
  const klen = regs32[REG_KLEN];
  const valuePtr = regs32[REG_VALUE_PTR];
  const vlen = regs32[REG_VLEN];
  dv.setUint32(scratch, SNAPSHOT_BLOCK_MAGIC, true);
  dv.setUint32(scratch + 4, 1, true);
  dv.setUint32(scratch + 8, RECORD_HEADER_BYTES + klen + vlen, true);
  dv.setUint32(scratch + 12, klen, true);
  dv.setUint32(scratch + 16, vlen, true);
  dv.setUint32(scratch + 20, regs32[REG_KIND], true);
  dv.setUint32(scratch + 24, 0, true);
  dv.setFloat64(scratch + 28, stats64[REG_EXPIRE_AT], true);
  const head = BLOCK_HEADER_BYTES + RECORD_HEADER_BYTES;
  let crc = core.crc32c(scratch, head, 0);
  crc = core.crc32c(keyPtr, klen, crc);
  crc = core.crc32c(valuePtr, vlen, crc);
  write(u8.subarray(scratch, scratch + head));
  write(u8.subarray(keyPtr, keyPtr + klen));
  write(u8.subarray(valuePtr, valuePtr + vlen));
  dv.setUint32(scratch, crc >>> 0, true);
  write(u8.subarray(scratch, scratch + 4));
}

/** CRC32C of bytes that live outside the cache, copied through the scratch region piece by piece. */
function crcOf(host: SnapshotHost, bytes: Uint8Array, crc: number): number {
  for (let at = 0; at < bytes.length; at += host.scratchBytes) {
    const piece = bytes.subarray(at, Math.min(at + host.scratchBytes, bytes.length));
    host.u8.set(piece, host.scratch);
    crc = host.core.crc32c(host.scratch, piece.length, crc);
  }
  return crc >>> 0;
}

interface Record {
  key: Uint8Array;
  value: Uint8Array;
  flags: number;
  expireAt: number;
}

/** Checks a whole snapshot and returns its records. Throws a CacheError naming the first problem. */
export function parseSnapshot(host: SnapshotHost, bytes: Uint8Array): Record[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at + n > bytes.length) {
      throw fail('ERR_SNAPSHOT_TRUNCATED', `snapshot ends at byte ${bytes.length}, inside the ${what} at byte ${at}`);
    }
  };
  need(0, HEADER_BYTES, 'header');
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw fail('ERR_SNAPSHOT_MAGIC', 'not a wasmcache snapshot (wrong magic bytes)');
  }
  if (crcOf(host, bytes.subarray(0, 36), 0) !== dv.getUint32(36, true)) {
    throw fail('ERR_SNAPSHOT_CHECKSUM', 'snapshot header checksum mismatch');
  }
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw fail('ERR_SNAPSHOT_VERSION', `snapshot format version ${version}; this wasmcache reads version ${FORMAT_VERSION}`);
  }
  const count = dv.getFloat64(24, true);
  const records: Record[] = [];
  let at = HEADER_BYTES;
  let blocks = 0;
  while (true) {
    need(at, 4, 'block or trailer magic');
    const magic = dv.getUint32(at, true);
    if (magic === END_MAGIC) break;
    if (magic !== SNAPSHOT_BLOCK_MAGIC) throw fail('ERR_SNAPSHOT_CORRUPT', `no block or trailer at byte ${at}`);
    need(at, BLOCK_HEADER_BYTES, 'block header');
    const n = dv.getUint32(at + 4, true);
    const payload = dv.getUint32(at + 8, true);
    need(at, BLOCK_HEADER_BYTES + payload + 4, 'block');
    const end = at + BLOCK_HEADER_BYTES + payload;
    if (crcOf(host, bytes.subarray(at, end), 0) !== dv.getUint32(end, true)) {
      throw fail('ERR_SNAPSHOT_CHECKSUM', `snapshot block at byte ${at} checksum mismatch`);
    }
    let p = at + BLOCK_HEADER_BYTES;
    for (let i = 0; i < n; i++) {
      if (p + RECORD_HEADER_BYTES > end) throw fail('ERR_SNAPSHOT_CORRUPT', `block at byte ${at} holds fewer items than it says`);
      const klen = dv.getUint32(p, true);
      const vlen = dv.getUint32(p + 4, true);
      const r0 = p + RECORD_HEADER_BYTES;
      if (r0 + klen + vlen > end) throw fail('ERR_SNAPSHOT_CORRUPT', `item at byte ${p} runs past its block`);
      records.push({
        flags: dv.getUint32(p + 8, true),
        expireAt: dv.getFloat64(p + 16, true),
        key: bytes.subarray(r0, r0 + klen),
        value: bytes.subarray(r0 + klen, r0 + klen + vlen),
      });
      p = r0 + klen + vlen;
    }
    if (p !== end) throw fail('ERR_SNAPSHOT_CORRUPT', `block at byte ${at} has bytes after its last item`);
    at = end + 4;
    blocks++;
  }
  need(at, TRAILER_BYTES, 'trailer');
  if (crcOf(host, bytes.subarray(at, at + 20), 0) !== dv.getUint32(at + 20, true)) {
    throw fail('ERR_SNAPSHOT_CHECKSUM', 'snapshot trailer checksum mismatch');
  }
  if (dv.getUint32(at + 4, true) !== blocks || dv.getFloat64(at + 8, true) !== count || records.length !== count) {
    throw fail('ERR_SNAPSHOT_CORRUPT', `snapshot counts disagree: header ${count} items, found ${records.length} in ${blocks} blocks`);
  }
  if (at + TRAILER_BYTES !== bytes.length) {
    throw fail('ERR_SNAPSHOT_CORRUPT', `${bytes.length - at - TRAILER_BYTES} bytes after the snapshot trailer`);
  }
  return records;
}

/** Stores parsed records into an emptied cache. Items whose expiry has passed are skipped. */
export function applySnapshot(host: SnapshotHost, records: Record[], now: number): LoadResult {
  const { core, u8, scratch } = host;
  const evictionsBefore = host.stats64[STAT_EVICTIONS];
  let expired = 0;
  let tooLarge = 0;
  for (const r of records) {
    if (r.expireAt > 0 && r.expireAt < now) {
      expired++;
      continue;
    }
    const payload = r.value.length - (r.flags & KIND_FRESH ? FRESH_BYTES : 0);
    if (r.key.length > host.maxKeySize || payload > host.maxValueSize) {
      tooLarge++;
      continue;
    }
    u8.set(r.key, scratch);
    const ptr = core.set(r.key.length, r.value.length, r.flags, r.expireAt, 0, now) >>> 0;
    if (ptr === 0) {
      tooLarge++;
      continue;
    }
    u8.set(r.value, ptr);
  }
  const evicted = host.stats64[STAT_EVICTIONS] - evictionsBefore;
  const stored = records.length - expired - tooLarge;
  return { items: stored - evicted, expired, dropped: tooLarge + evicted };
}

