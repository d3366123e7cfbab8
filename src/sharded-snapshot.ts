// Snapshots of a sharded shared cache (src/sharded.ts): one file in the usual format
// (docs/snapshot-format.md), so that a snapshot saved by a shared cache loads into any cache and
// the other way round.
//
// Save: one header, then each shard's blocks as its core writes them (under that shard's lock),
// then one trailer with the summed counts. Shards are saved one after the other, so the snapshot
// holds each key as it was at some moment during the save, not all keys at one instant.
//
// Load: the whole snapshot is checked first, as a load into a cache that holds items is (nothing
// changes if that throws); then every shard is emptied and each record goes to the shard of its
// key, gathered into blocks that the shard's core stores as a checked load does (mode 2). A record
// too large for a shard's scratch region is decoded and stored with set() (a fetch() stale window
// it carried is dropped).
import {
  FRESH_BYTES, KEY_BYTES, KIND_BYTES, KIND_FRESH, KIND_JSON, KIND_MASK, REG_LOAD_DROPPED, REG_LOAD_EXPIRED,
  SNAPSHOT_BLOCK_HEADER_BYTES as BLOCK_HEADER_BYTES, SNAPSHOT_BLOCK_MAGIC, SNAPSHOT_RECORD_HEADER_BYTES as RECORD_HEADER_BYTES,
  RECORD_AT_EXPIRE, RECORD_AT_FLAGS, RECORD_AT_VLEN, STAT_EVICTIONS,
} from '../assembly/abi.js';
import type { Cache } from './cache.js';
import { CacheError } from './errors.js';
import { type LoadResult, type SnapshotHost, type SnapshotSource, HEADER_BYTES, checkSnapshot, header, trailer, trailerCounts, writeSnapshot } from './snapshot.js';
import { shardOf } from './shard-key.js';

/** Writes one snapshot of every shard's live items through `write` (views valid during the call); see writeSnapshot. */
export function writeShards(shards: readonly Cache[], write: (view: Uint8Array) => void, rewriteHeader: (header: Uint8Array) => void): number {
  const createdAt = Date.now();
  let blocks = 0;
  let count = 0;
  shards[0].inCore((host) => write(header(host, createdAt, 0)));
  for (const shard of shards) {
    shard.inCore((host, now) => {
      let first = true;
      const own = (view: Uint8Array) => {
        if (first) {
          first = false; // the shard's own header
          return;
        }
        const t = trailerCounts(host, view);
        if (t === undefined) write(view);
        else {
          blocks += t.blocks;
          count += t.count;
        }
      };
      writeSnapshot(host, own, now, () => {}); // a header rewrite: no counting pass first
    });
  }
  shards[0].inCore((host) => {
    write(trailer(host, blocks, count));
    rewriteHeader(header(host, createdAt, count));
  });
  return count;
}

/** Positioned reads of a snapshot, as views valid until the next read. */
export interface RouteSource {
  readonly size: number;
  bytes(pos: number, len: number): Uint8Array;
}

/** Where shard `s` gathers its records into one block. */
interface Gather {
  buf: Uint8Array;
  dv: DataView;
  used: number;
  n: number;
}

/**
 * Replaces every shard's items with the snapshot's. `check` is the snapshot as shard 0's memory
 * reads it (the check pass); `route` the same bytes for the routing pass.
 */
export function loadShards(
  shards: readonly Cache[],
  check: (host: SnapshotHost) => SnapshotSource,
  route: RouteSource,
): LoadResult {
  let now = 0;
  const count = shards[0].inCore((host, t) => checkSnapshot(host, check(host), (now = t)));
  for (const shard of shards) shard.clear();
  let expired = 0;
  let dropped = 0;
  const evictionsBefore = shards.map((s) => s.inCore((host) => {
    host.regs32[REG_LOAD_EXPIRED] = 0;
    host.regs32[REG_LOAD_DROPPED] = 0;
    host.core.reserve(Math.ceil((count / shards.length) * 1.25) + 16);
    return host.stats64[STAT_EVICTIONS];
  }));
  const gathers: Gather[] = shards.map((s) => {
    const buf = new Uint8Array(s.inCore((host) => host.scratchBytes));
    return { buf, dv: new DataView(buf.buffer), used: BLOCK_HEADER_BYTES, n: 0 };
  });
  const flush = (s: number) => {
    const g = gathers[s];
    if (g.n === 0) return;
    shards[s].inCore((host, now) => {
      const { u8, dv, scratch, core } = host;
      g.dv.setUint32(0, SNAPSHOT_BLOCK_MAGIC, true);
      g.dv.setUint32(4, g.n, true);
      g.dv.setUint32(8, g.used - BLOCK_HEADER_BYTES, true);
      u8.set(g.buf.subarray(0, g.used), scratch);
      dv.setUint32(scratch + g.used, core.checksum(scratch, g.used) >>> 0, true);
      const r = core.loadBlock(scratch, g.used + 4, now, host.maxKeySize, host.maxValueSize, 2, 0);
      // The check pass saw every record: only a file changed between the passes gets here.
      if (r < 0) throw new CacheError('ERR_SNAPSHOT_CORRUPT', `the snapshot changed while it was loaded (block code ${r})`);
    });
    g.used = BLOCK_HEADER_BYTES;
    g.n = 0;
  };
  try {
    let at = HEADER_BYTES;
    while (true) {
      const head = route.bytes(at, 12);
      const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
      if (hv.getUint32(0, true) !== SNAPSHOT_BLOCK_MAGIC) break; // the trailer (checked by the first pass)
      const n = hv.getUint32(4, true);
      const len = BLOCK_HEADER_BYTES + hv.getUint32(8, true) + 4;
      const block = route.bytes(at, len);
      const bv = new DataView(block.buffer, block.byteOffset, block.byteLength);
      let p = BLOCK_HEADER_BYTES;
      for (let i = 0; i < n; i++) {
        const klen = bv.getUint32(p, true);
        const size = RECORD_HEADER_BYTES + klen + bv.getUint32(p + RECORD_AT_VLEN, true);
        const s = shardOf(block.subarray(p + RECORD_HEADER_BYTES, p + RECORD_HEADER_BYTES + klen), shards.length);
        const g = gathers[s];
        if (BLOCK_HEADER_BYTES + size + 4 > g.buf.length) {
          const r = storeLarge(shards[s], block, bv, p, klen, now);
          expired += r === 'expired' ? 1 : 0;
          dropped += r === 'dropped' ? 1 : 0;
        } else {
          if (g.used + size + 4 > g.buf.length) flush(s);
          g.buf.set(block.subarray(p, p + size), g.used);
          g.used += size;
          g.n++;
        }
        p += size;
      }
      at += len;
    }
    for (let s = 0; s < shards.length; s++) flush(s);
  } catch (e) {
    for (const shard of shards) shard.clear(); // never half loaded
    throw e;
  }
  shards.forEach((shard, s) => shard.inCore((host) => {
    expired += host.regs32[REG_LOAD_EXPIRED];
    dropped += host.regs32[REG_LOAD_DROPPED] + host.stats64[STAT_EVICTIONS] - evictionsBefore[s];
  }));
  return { items: count - expired - dropped, expired, dropped };
}

const decoder = new TextDecoder();

/** A record too large for the shard's scratch region, decoded and stored with set(). */
function storeLarge(shard: Cache, block: Uint8Array, bv: DataView, p: number, klen: number, now: number): 'stored' | 'expired' | 'dropped' {
  const flags = bv.getUint32(p + RECORD_AT_FLAGS, true);
  const expireAt = bv.getFloat64(p + RECORD_AT_EXPIRE, true);
  if (expireAt !== 0 && expireAt <= now) return 'expired';
  const k = p + RECORD_HEADER_BYTES;
  const keyBytes = block.subarray(k, k + klen);
  const key = flags & KEY_BYTES ? keyBytes.slice() : decoder.decode(keyBytes);
  let v = k + klen;
  const end = v + bv.getUint32(p + RECORD_AT_VLEN, true);
  if (flags & KIND_FRESH) v += FRESH_BYTES;
  const raw = block.subarray(v, end);
  const kind = flags & KIND_MASK;
  const value = kind === KIND_BYTES ? raw.slice() : kind === KIND_JSON ? JSON.parse(decoder.decode(raw)) : decoder.decode(raw);
  try {
    shard.set(key, value, { ttl: expireAt === 0 ? 0 : Math.max(1, Math.ceil(expireAt - now)) });
    return 'stored';
  } catch (e) {
    if (e instanceof CacheError && (e.code === 'ERR_NO_MEMORY' || e.code === 'ERR_VALUE_TOO_LARGE')) return 'dropped';
    throw e;
  }
}
