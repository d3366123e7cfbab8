// Snapshots: the live items of a cache as a versioned, checksummed byte stream (format in
// docs/snapshot-format.md). Writing: the core encodes whole blocks (assembly/snapshot.ts) and this
// file frames them. Reading: blocks go from the source (a file or bytes) straight into the scratch
// region, where the core checks them (XXH64 checksums, every length) and stores their items.
// A bad snapshot never leaves the cache half loaded: a cache that holds items is checked in a
// first pass before anything changes; an empty one is loaded in one pass and emptied again if a
// problem turns up.

import {
  BLOCK_ONE_LARGE_ITEM, FRESH_BYTES, KIND_FRESH, LAYOUT_VERSION, REG_BLOCK_BYTES, REG_BLOCK_ITEMS, REG_EXPIRE_AT, REG_KEY_PTR,
  REG_KIND, REG_KLEN, REG_VALUE_PTR, REG_VLEN, SNAPSHOT_BLOCK_HEADER_BYTES as BLOCK_HEADER_BYTES, SNAPSHOT_BLOCK_MAGIC,
  SNAPSHOT_RECORD_HEADER_BYTES as RECORD_HEADER_BYTES, STAT_COUNT, STAT_EVICTIONS, STAT_ITEMS, REG_LOAD_EXPIRED, REG_LOAD_DROPPED,
  LOAD_BAD_CHECKSUM, LOAD_BAD_MAGIC, LOAD_BAD_RECORD, LOAD_DUPLICATE_KEY, REG_LOAD_BAD_AT, REG_LOAD_JSON, RECORD_FLAGS,
  KIND_MASK, KIND_JSON, KEY_BYTES, REG_LOAD_KEYS, LOAD_FENCED,
  RECORD_AT_VLEN, RECORD_AT_FLAGS, RECORD_AT_RESERVED, RECORD_AT_EXPIRE,
} from '../assembly/abi.js';
import { CacheError } from './errors.js';
import { SeenKeys } from './snapshot-keys.js';
import type { CoreExports } from './core.js';

export const FORMAT_VERSION = 2;
const MAGIC = [0x57, 0x43, 0x53, 0x4e, 0x41, 0x50, 0x0d, 0x0a]; // "WCSNAP\r\n"
export const END_MAGIC = 0x4e454357; // "WCEN"
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
  /** The UTF-8 text of `len` bytes of the cache's memory at `at`. */
  text(at: number, len: number): string;
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
 * With `rewriteHeader` (a file that can be written at an offset), the header goes out first with
 * an item count of 0 and is passed again, complete, to `rewriteHeader` at the end: that saves the
 * pass over the index that counts the items first.
 */
export function writeSnapshot(
  host: SnapshotHost,
  write: (bytes: Uint8Array) => void,
  now: number,
  rewriteHeader?: (header: Uint8Array) => void,
): number {
  const { core, u8, regs32, scratch } = host;
  let count = rewriteHeader ? 0 : core.liveCount(now);
  const createdAt = Date.now();
  write(header(host, createdAt, count));

  let blocks = 0;
  let cursor = 0;
  do {
    cursor = core.snapshotBlock(cursor, now) >>> 0;
    const n = regs32[REG_BLOCK_ITEMS];
    if (n === BLOCK_ONE_LARGE_ITEM) writeLargeItem(host, write);
    else if (n > 0) write(u8.subarray(scratch, scratch + regs32[REG_BLOCK_BYTES]));
    else continue;
    if (rewriteHeader) count += n === BLOCK_ONE_LARGE_ITEM ? 1 : n;
    blocks++;
  } while (cursor !== 0);

  write(trailer(host, blocks, count));
  rewriteHeader?.(header(host, createdAt, count));
  return count;
}

/** The trailer, built in the scratch region so that the core can checksum it. */
export function trailer(host: SnapshotHost, blocks: number, count: number): Uint8Array {
  const { core, u8, dv, scratch } = host;
  dv.setUint32(scratch, END_MAGIC, true);
  dv.setUint32(scratch + 4, blocks, true);
  dv.setFloat64(scratch + 8, count, true);
  dv.setUint32(scratch + 16, 0, true);
  dv.setUint32(scratch + 20, core.checksum(scratch, 20) >>> 0, true);
  return u8.subarray(scratch, scratch + TRAILER_BYTES);
}

/** The trailer's block and item counts, if `view` is a trailer written by trailer() (in `host`'s scratch region), else undefined. */
export function trailerCounts(host: SnapshotHost, view: Uint8Array): { blocks: number; count: number } | undefined {
  if (view.byteOffset !== host.scratch || view.length !== TRAILER_BYTES || host.dv.getUint32(host.scratch, true) !== END_MAGIC) return undefined;
  return { blocks: host.dv.getUint32(host.scratch + 4, true), count: host.dv.getFloat64(host.scratch + 8, true) };
}

/** The header, built in the scratch region so that the core can checksum it. */
export function header(host: SnapshotHost, createdAt: number, count: number): Uint8Array {
  const { core, u8, dv, scratch } = host;
  u8.set(MAGIC, scratch);
  dv.setUint32(scratch + 8, FORMAT_VERSION, true);
  dv.setUint32(scratch + 12, LAYOUT_VERSION, true);
  dv.setFloat64(scratch + 16, createdAt, true);
  dv.setFloat64(scratch + 24, count, true);
  dv.setUint32(scratch + 32, 0, true);
  dv.setUint32(scratch + 36, core.checksum(scratch, 36) >>> 0, true);
  return u8.subarray(scratch, scratch + HEADER_BYTES);
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
  core.checksumStart();
  core.checksumUpdate(scratch, head);
  core.checksumUpdate(keyPtr, klen);
  core.checksumUpdate(valuePtr, vlen);
  const sum = core.checksumEnd() >>> 0;
  write(u8.subarray(scratch, scratch + head));
  write(u8.subarray(keyPtr, keyPtr + klen));
  write(u8.subarray(valuePtr, valuePtr + vlen));
  dv.setUint32(scratch, sum, true);
  write(u8.subarray(scratch, scratch + 4));
}

// ── reading ───────────────────────────────────────────────────────────────────────────────────

/** Where snapshot bytes come from: positioned reads of `size` bytes, into the cache's memory. */
export interface SnapshotSource {
  readonly size: number;
  /** Copies bytes [pos, pos + len) to the cache's memory at `at`. */
  read(pos: number, len: number, at: number): void;
}

/** A snapshot held in memory. */
export function bytesSource(bytes: Uint8Array, u8: Uint8Array): SnapshotSource {
  return { size: bytes.length, read: (pos, len, at) => u8.set(bytes.subarray(pos, pos + len), at) };
}

/** A snapshot file open as `fd` (Node): read straight into the cache's memory, no buffer between. */
export function fileSource(fs: typeof import('node:fs'), fd: number, u8: Uint8Array, path: string): SnapshotSource {
  return {
    size: io(() => fs.fstatSync(fd).size, 'stat', path),
    read(pos, len, at) {
      for (let done = 0; done < len; ) {
        const n = io(() => fs.readSync(fd, u8, at + done, len - done, pos + done), 'read', path);
        if (n === 0) throw fail('ERR_SNAPSHOT_TRUNCATED', `snapshot file ended at byte ${pos + done} while reading`);
        done += n;
      }
    },
  };
}

/** An fs failure as ERR_SNAPSHOT_IO, the fs error as its `cause`. */
export function ioError(what: string, path: string, e: unknown): CacheError {
  if (e instanceof CacheError) return e;
  return new CacheError('ERR_SNAPSHOT_IO', `could not ${what} ${path}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

export function io<T>(op: () => T, what: string, path: string): T {
  try {
    return op();
  } catch (e) {
    throw ioError(what, path, e);
  }
}

/**
 * Replaces the cache's items with the snapshot's. A cache that holds items is checked in a first
 * pass (nothing changes if that throws); an empty cache is loaded in one pass and emptied again
 * (counters restored) if a problem turns up. Throws a CacheError (ERR_SNAPSHOT_*) naming the
 * first problem.
 */
export function loadSnapshot(host: SnapshotHost, source: SnapshotSource, now: number, clear: () => void): LoadResult {
  const onePass = host.stats64[STAT_ITEMS] === 0;
  if (!onePass) walkSnapshot(host, source, now, false, true);
  const load = emptiedFor(host, clear);
  try {
    return load.done(walkSnapshot(host, source, now, true, onePass));
  } catch (e) {
    throw load.failed(e);
  }
}

/**
 * Empties the cache for a load (counters kept, to be restored if it fails). `done(total)` makes the
 * load's result from the snapshot's item count; `failed(e)` empties the cache again, restores the
 * counters and returns `e`.
 */
export function emptiedFor(host: SnapshotHost, clear: () => void): { done(total: number): LoadResult; failed(e: unknown): unknown } {
  const counters = host.stats64.slice(0, STAT_COUNT);
  clear();
  const regs32 = host.regs32;
  regs32[REG_LOAD_EXPIRED] = 0;
  regs32[REG_LOAD_DROPPED] = 0;
  const evictionsBefore = host.stats64[STAT_EVICTIONS];
  return {
    done(total) {
      const expired = regs32[REG_LOAD_EXPIRED];
      const dropped = regs32[REG_LOAD_DROPPED] + host.stats64[STAT_EVICTIONS] - evictionsBefore;
      return { items: total - expired - dropped, expired, dropped };
    },
    failed(e) {
      host.stats64.set(counters);
      clear(); // after the counters: it publishes the emptied cache's item and byte gauges
      return e;
    },
  };
}

/** Checks the whole snapshot as a load would, storing nothing. Returns the item count. @throws CacheError ERR_SNAPSHOT_* */
export function checkSnapshot(host: SnapshotHost, source: SnapshotSource, now: number): number {
  return walkSnapshot(host, source, now, false, true);
}

/**
 * Reads the whole snapshot, checking everything; with `apply`, stores each block once it is checked.
 * With `checkJson`, JSON values must parse. Without `apply` (the check pass before a cache that
 * holds items is emptied), it also finds keys stored twice, which the core finds only as it stores
 * them. Returns the item count.
 */
function walkSnapshot(host: SnapshotHost, source: SnapshotSource, now: number, apply: boolean, checkJson: boolean): number {
  const { u8, dv, scratch, scratchBytes } = host;
  const words = new Uint32Array(u8.buffer, u8.byteOffset, u8.byteLength >>> 2);
  const size = source.size;
  const count = readHeader(host, source, apply);
  // Room for the header's count of keys, if the file could hold them (a record is 24 bytes at least).
  const seen = apply ? undefined : new SeenKeys(count >= 0 && count <= size / RECORD_HEADER_BYTES ? count : 1024);
  let items = 0;
  let blocks = 0;
  let at = HEADER_BYTES;
  while (true) {
    needBytes(size, at, 4, 'block or trailer magic');
    source.read(at, Math.min(size - at, BLOCK_HEADER_BYTES), scratch);
    const magic = dv.getUint32(scratch, true);
    if (magic === END_MAGIC) break;
    const { n, bytes } = blockHeader(host, size, at, scratch);
    if (bytes <= scratchBytes) {
      source.read(at, bytes, scratch);
      // Modes: 0 check, 1 check and store, 2 store what a check pass saw (JSON not parsed again).
      checkedBlock(host, at, scratch, bytes, now, apply ? (checkJson ? 1 : 2) : 0, 0, checkJson, seen, words);
    } else {
      loadBlockInPieces(host, source, at, bytes, n, now, apply, checkJson, seen);
    }
    items += n;
    at += bytes;
    blocks++;
  }
  checkTrailer(host, source, at, blocks, items, count);
  const dup = seen?.duplicate((a, b) => sameKey(host, source, a, b));
  if (dup !== undefined) {
    source.read(dup, RECORD_HEADER_BYTES, scratch);
    const klen = dv.getUint32(scratch, true);
    source.read(dup + RECORD_HEADER_BYTES, klen, scratch + RECORD_HEADER_BYTES);
    throw fail('ERR_SNAPSHOT_CORRUPT', `item at byte ${dup}: ${twice(host, scratch + RECORD_HEADER_BYTES, klen, dv.getUint32(scratch + 8, true))}`);
  }
  return items;
}

/** Throws ERR_SNAPSHOT_TRUNCATED unless a file of `size` bytes holds `n` bytes at `at` (the `what`). */
export function needBytes(size: number, at: number, n: number, what: string): void {
  if (at + n > size) throw fail('ERR_SNAPSHOT_TRUNCATED', `snapshot ends at byte ${size}, inside the ${what} at byte ${at}`);
}

/**
 * Reads and checks the header (magic, checksum, version) and returns the item count it gives.
 * With `apply` (the cache was emptied for the load), the tables are sized for that count now, while
 * they are empty, rather than rebuilt at each growth step as the items come in (a count the file
 * cannot hold is a lie the later checks refuse; it is not trusted here either).
 */
export function readHeader(host: SnapshotHost, source: SnapshotSource, apply: boolean): number {
  const { core, u8, dv, scratch } = host;
  needBytes(source.size, 0, HEADER_BYTES, 'header');
  source.read(0, HEADER_BYTES, scratch);
  for (let i = 0; i < MAGIC.length; i++) {
    if (u8[scratch + i] !== MAGIC[i]) throw fail('ERR_SNAPSHOT_MAGIC', 'not a wasmcache snapshot (wrong magic bytes)');
  }
  if (core.checksum(scratch, 36) >>> 0 !== dv.getUint32(scratch + 36, true)) {
    throw fail('ERR_SNAPSHOT_CHECKSUM', 'snapshot header checksum mismatch');
  }
  const version = dv.getUint32(scratch + 8, true);
  if (version !== FORMAT_VERSION) {
    throw fail('ERR_SNAPSHOT_VERSION', `snapshot format version ${version}; this wasmcache reads version ${FORMAT_VERSION}`);
  }
  const count = dv.getFloat64(scratch + 24, true);
  if (apply && count > 0 && count <= source.size / RECORD_HEADER_BYTES) core.reserve(count);
  return count;
}

/**
 * The item count and length of the block at file offset `at`, whose first bytes (up to its header)
 * are in the cache's memory at `ptr`; throws if it is not a block or the file ends inside it.
 */
export function blockHeader(host: SnapshotHost, size: number, at: number, ptr: number): { n: number; bytes: number } {
  const dv = host.dv;
  if (dv.getUint32(ptr, true) !== SNAPSHOT_BLOCK_MAGIC) throw fail('ERR_SNAPSHOT_CORRUPT', `no block or trailer at byte ${at}`);
  needBytes(size, at, BLOCK_HEADER_BYTES, 'block header');
  const bytes = BLOCK_HEADER_BYTES + dv.getUint32(ptr + 8, true) + 4;
  needBytes(size, at, bytes, 'block');
  return { n: dv.getUint32(ptr + 4, true), bytes };
}

/**
 * Has the core check (and, by `mode`, store) the block of file offset `at`, `bytes` long, that is in
 * the cache's memory at `ptr`; throws a CacheError naming its first problem. `fence`: see the core's
 * loadBlock. Returns the core's answer: the block's item count, or LOAD_FENCED (nothing stored).
 */
export function checkedBlock(
  host: SnapshotHost, at: number, ptr: number, bytes: number, now: number, mode: number, fence: number,
  checkJson: boolean, seen?: SeenKeys, words?: Uint32Array,
): number {
  const { core, dv, regs32 } = host;
  const r = core.loadBlock(ptr, bytes, now, host.maxKeySize, host.maxValueSize, mode, fence);
  if (r === LOAD_FENCED) return r;
  if (r === LOAD_BAD_CHECKSUM) throw fail('ERR_SNAPSHOT_CHECKSUM', `snapshot block at byte ${at} checksum mismatch`);
  if (r === LOAD_BAD_MAGIC) throw fail('ERR_SNAPSHOT_CORRUPT', `no block at byte ${at}`);
  if (r === LOAD_BAD_RECORD || r === LOAD_DUPLICATE_KEY) {
    const p = ptr + regs32[REG_LOAD_BAD_AT];
    const klen = dv.getUint32(p, true);
    const value = p + RECORD_HEADER_BYTES + klen;
    const problem =
      r === LOAD_DUPLICATE_KEY ? twice(host, p + RECORD_HEADER_BYTES, klen, dv.getUint32(p + RECORD_AT_FLAGS, true)) : (recordProblem(host, p, value) ?? jsonProblem(host, p, value));
    throw fail('ERR_SNAPSHOT_CORRUPT', `item at byte ${at + p - ptr}: ${problem}`);
  }
  if (r < 0) throw fail('ERR_SNAPSHOT_CORRUPT', `block at byte ${at}: its items do not fill it exactly`);
  // JSON values nested too deep for the core's check are parsed here. The keys' checksums are
  // packed by the core, unless the records are read here anyway.
  const deepJson = checkJson && regs32[REG_LOAD_JSON] !== 0;
  if (deepJson) checkRecords(host, at, ptr, r, now, deepJson, seen);
  else if (seen) seen.addPacked(words!, (ptr + BLOCK_HEADER_BYTES) >>> 2, regs32[REG_LOAD_KEYS], at);
  return r;
}

/** Reads and checks the trailer at `at` against what the walk found: `blocks` blocks holding `items` items, the header's `count`. */
export function checkTrailer(host: SnapshotHost, source: SnapshotSource, at: number, blocks: number, items: number, count: number): void {
  const { core, dv, scratch } = host;
  const size = source.size;
  needBytes(size, at, TRAILER_BYTES, 'trailer');
  source.read(at, TRAILER_BYTES, scratch);
  if (core.checksum(scratch, 20) >>> 0 !== dv.getUint32(scratch + 20, true)) {
    throw fail('ERR_SNAPSHOT_CHECKSUM', 'snapshot trailer checksum mismatch');
  }
  if (dv.getUint32(scratch + 4, true) !== blocks || dv.getFloat64(scratch + 8, true) !== count || items !== count) {
    throw fail('ERR_SNAPSHOT_CORRUPT', `snapshot counts disagree: header ${count} items, found ${items} in ${blocks} blocks`);
  }
  if (at + TRAILER_BYTES !== size) {
    throw fail('ERR_SNAPSHOT_CORRUPT', `${size - at - TRAILER_BYTES} bytes after the snapshot trailer`);
  }
}

/**
 * What the format does not allow in the record whose header is at `p` (lengths already checked),
 * its value at `value` (only its first 8 bytes are read, for a fresh-until prefix), or undefined.
 * The same rules as the core's recordAllowed (assembly/snapshot.ts).
 */
function recordProblem(host: SnapshotHost, p: number, value: number): string | undefined {
  const dv = host.dv;
  const flags = dv.getUint32(p + RECORD_AT_FLAGS, true);
  const vlen = dv.getUint32(p + RECORD_AT_VLEN, true);
  const reserved = dv.getUint32(p + RECORD_AT_RESERVED, true);
  const expireAt = dv.getFloat64(p + RECORD_AT_EXPIRE, true);
  if ((flags & ~RECORD_FLAGS) !== 0) {
    return `flags 0x${flags.toString(16)} set bits the format does not define (allowed: bits 0-1 the value kind, bit 2 a fresh-until prefix, bit 5 a byte key)`;
  }
  if ((flags & KIND_MASK) > KIND_JSON) return `unknown value kind ${flags & KIND_MASK} (allowed: 0 string, 1 bytes, 2 JSON)`;
  if (reserved !== 0) return `reserved word is ${reserved}, must be 0`;
  if (expireAt !== 0 && !(expireAt > 0 && Number.isFinite(expireAt))) {
    return `expiry time ${expireAt} (allowed: 0 for none, or a finite time in ms since the epoch)`;
  }
  if (flags & KIND_FRESH) {
    if (vlen < FRESH_BYTES) return `a ${vlen}-byte value cannot hold its ${FRESH_BYTES}-byte fresh-until prefix`;
    const freshUntil = dv.getFloat64(value, true);
    if (!(freshUntil > 0 && Number.isFinite(freshUntil))) return `fresh-until time ${freshUntil} (must be a finite time in ms since the epoch)`;
  }
  return undefined;
}

/** The problem of a key (its bytes at `key` in the cache's memory) that the snapshot holds twice. */
function twice(host: SnapshotHost, key: number, klen: number, flags: number): string {
  const shown = flags & KEY_BYTES
    ? `0x${[...host.u8.subarray(key, key + Math.min(klen, 32))].map((b) => b.toString(16).padStart(2, '0')).join('')}`
    : JSON.stringify(host.text(key, Math.min(klen, 64)));
  return `key ${shown}${klen > 64 ? '...' : ''} is stored twice (a snapshot holds each key once)`;
}

/** An item the load would store (not expired, not over the size limits): keys stored twice are refused among these. */
function stored(host: SnapshotHost, klen: number, vlen: number, flags: number, expireAt: number, now: number): boolean {
  const payload = vlen - (flags & KIND_FRESH ? FRESH_BYTES : 0);
  return !(expireAt > 0 && expireAt < now) && klen <= host.maxKeySize && payload <= host.maxValueSize;
}

/** A JSON value (its text) must parse. */
function checkJsonValue(text: string, where: number): void {
  try {
    JSON.parse(text);
  } catch (e) {
    throw fail('ERR_SNAPSHOT_CORRUPT', `item at byte ${where}: its JSON value does not parse (${(e as Error).message})`);
  }
}

/** Why the core refused the JSON value of the record at `p` (its value bytes at `value`). */
function jsonProblem(host: SnapshotHost, p: number, value: number): string {
  const dv = host.dv;
  const skip = dv.getUint32(p + RECORD_AT_FLAGS, true) & KIND_FRESH ? FRESH_BYTES : 0;
  try {
    JSON.parse(host.text(value + skip, dv.getUint32(p + RECORD_AT_VLEN, true) - skip));
  } catch (e) {
    return `its JSON value does not parse (${(e as Error).message})`;
  }
  return 'its JSON value is not JSON text (RFC 8259: no byte order mark, only space, tab, CR and LF around it)';
}

/**
 * The block at `at` (checked by the core, still in the scratch region): its JSON values must parse
 * (`checkJson`: the block holds values nested too deep for the core's check), and the keys it would
 * store go in `seen` (the checksums the core left in the records' reserved words).
 */
function checkRecords(host: SnapshotHost, at: number, ptr: number, n: number, now: number, checkJson: boolean, seen: SeenKeys | undefined): void {
  const dv = host.dv;
  let p = ptr + BLOCK_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const klen = dv.getUint32(p, true);
    const vlen = dv.getUint32(p + RECORD_AT_VLEN, true);
    const flags = dv.getUint32(p + RECORD_AT_FLAGS, true);
    if (checkJson && (flags & KIND_MASK) === KIND_JSON) {
      const skip = flags & KIND_FRESH ? FRESH_BYTES : 0;
      checkJsonValue(host.text(p + RECORD_HEADER_BYTES + klen + skip, vlen - skip), at + p - ptr);
    }
    if (seen && stored(host, klen, vlen, flags, dv.getFloat64(p + RECORD_AT_EXPIRE, true), now)) seen.add(dv.getUint32(p + RECORD_AT_RESERVED, true), at + p - ptr);
    p += RECORD_HEADER_BYTES + klen + vlen;
  }
}

/** True if the records at snapshot offsets `a` and `b` have the same key. */
function sameKey(host: SnapshotHost, source: SnapshotSource, a: number, b: number): boolean {
  const { u8, dv, scratch } = host;
  source.read(a, RECORD_HEADER_BYTES, scratch);
  const klen = dv.getUint32(scratch, true);
  source.read(b, RECORD_HEADER_BYTES, scratch);
  if (dv.getUint32(scratch, true) !== klen) return false;
  source.read(a + RECORD_HEADER_BYTES, klen, scratch);
  const key = u8.slice(scratch, scratch + klen);
  source.read(b + RECORD_HEADER_BYTES, klen, scratch);
  for (let i = 0; i < klen; i++) if (u8[scratch + i] !== key[i]) return false;
  return true;
}

/**
 * A block larger than this cache's scratch region (one large item, or a block written by a cache
 * with a larger scratch region), at `at`, `bytes` long: its checksum is streamed through the scratch
 * region, then its items are checked and (with `apply`) stored one by one, each value read straight
 * into its place.
 */
export function loadBlockInPieces(
  host: SnapshotHost,
  source: SnapshotSource,
  at: number,
  bytes: number,
  n: number,
  now: number,
  apply: boolean,
  checkJson: boolean,
  seen: SeenKeys | undefined,
): void {
  const { core, u8, dv, regs32, scratch, scratchBytes } = host;
  core.checksumStart();
  for (let pos = 0; pos < bytes - 4; ) {
    const len = Math.min(scratchBytes, bytes - 4 - pos);
    source.read(at + pos, len, scratch);
    core.checksumUpdate(scratch, len);
    pos += len;
  }
  const sum = core.checksumEnd() >>> 0;
  source.read(at + bytes - 4, 4, scratch);
  if (sum !== dv.getUint32(scratch, true)) throw fail('ERR_SNAPSHOT_CHECKSUM', `snapshot block at byte ${at} checksum mismatch`);
  const end = at + bytes - 4;
  const eachItem = (visit: (p: number, klen: number, vlen: number) => void) => {
    let p = at + BLOCK_HEADER_BYTES;
    for (let i = 0; i < n; i++) {
      if (p + RECORD_HEADER_BYTES > end) throw fail('ERR_SNAPSHOT_CORRUPT', `block at byte ${at} holds fewer items than it says`);
      source.read(p, RECORD_HEADER_BYTES, scratch);
      const klen = dv.getUint32(scratch, true);
      const vlen = dv.getUint32(scratch + 4, true);
      if (p + RECORD_HEADER_BYTES + klen + vlen > end) throw fail('ERR_SNAPSHOT_CORRUPT', `item at byte ${p} runs past its block`);
      visit(p, klen, vlen);
      p += RECORD_HEADER_BYTES + klen + vlen;
    }
    if (p !== end) throw fail('ERR_SNAPSHOT_CORRUPT', `block at byte ${at} has bytes after its last item`);
  };
  // Each record as the format allows (the core's checks), its JSON value parsed, its key seen.
  eachItem((p, klen, vlen) => {
    const flags = dv.getUint32(scratch + 8, true);
    const expireAt = dv.getFloat64(scratch + 16, true);
    const fresh = flags & KIND_FRESH ? FRESH_BYTES : 0;
    if (fresh && vlen >= FRESH_BYTES) source.read(p + RECORD_HEADER_BYTES + klen, FRESH_BYTES, scratch + RECORD_HEADER_BYTES);
    const problem = recordProblem(host, scratch, scratch + RECORD_HEADER_BYTES);
    if (problem) throw fail('ERR_SNAPSHOT_CORRUPT', `item at byte ${p}: ${problem}`);
    if (checkJson && (flags & KIND_MASK) === KIND_JSON) {
      const json = new Uint8Array(vlen - fresh);
      for (let done = 0; done < json.length; ) {
        const len = Math.min(scratchBytes, json.length - done);
        source.read(p + RECORD_HEADER_BYTES + klen + fresh + done, len, scratch);
        json.set(u8.subarray(scratch, scratch + len), done);
        done += len;
      }
      checkJsonValue(new TextDecoder('utf-8', { ignoreBOM: true }).decode(json), p); // a BOM stays, and is refused, as in the core
    }
    if (seen && stored(host, klen, vlen, flags, expireAt, now)) {
      source.read(p + RECORD_HEADER_BYTES, klen, scratch);
      seen.add(core.checksum(scratch, klen) >>> 0, p);
    }
  });
  if (!apply) return;
  eachItem((p, klen, vlen) => {
    const flags = dv.getUint32(scratch + 8, true);
    const expireAt = dv.getFloat64(scratch + 16, true);
    const payload = vlen - (flags & KIND_FRESH ? FRESH_BYTES : 0);
    if (expireAt > 0 && expireAt < now) regs32[REG_LOAD_EXPIRED]++;
    else if (klen > host.maxKeySize || klen > scratchBytes || payload > host.maxValueSize) regs32[REG_LOAD_DROPPED]++;
    else {
      source.read(p + RECORD_HEADER_BYTES, klen, scratch);
      // The cache was emptied for the load: a key that is there came earlier in this snapshot.
      if (core.has(klen, now)) throw fail('ERR_SNAPSHOT_CORRUPT', `item at byte ${p}: ${twice(host, scratch, klen, flags)}`);
      const ptr = core.set(klen, vlen, flags, expireAt, 0, now) >>> 0;
      if (ptr === 0) regs32[REG_LOAD_DROPPED]++;
      else source.read(p + RECORD_HEADER_BYTES + klen, vlen, ptr);
    }
  });
}
