// The flat numeric ABI shared by the core (AssemblyScript) and the wrapper (TypeScript).
// This file is plain TypeScript on purpose: both compilers read it, so the two sides can never
// disagree on a register number or a flag bit. Keep it to `export const NAME = <integer literal>`.

/** Bumped whenever the item, page, index or snapshot layout changes. */
export const LAYOUT_VERSION = 2;

// ── value kinds (the low 2 bits of the item flags; the wrapper decides what they mean) ─────
export const KIND_STRING = 0;
export const KIND_BYTES = 1;
export const KIND_JSON = 2;
export const KIND_MASK = 3;
/**
 * Flag beside the kind: the value starts with an f64 "fresh until" time in ms (little-endian). Past
 * it the item is stale: plain reads treat it as missing, fetch() may still serve it, and the core
 * keeps it until its expiry time (fresh until + the stale window).
 */
export const KIND_FRESH = 4;
/** Bytes of the fresh-until prefix. */
export const FRESH_BYTES = 8;
/** Flag beside the kind: the key was given as bytes (keys() gives it back as a Uint8Array). */
export const KEY_BYTES = 32;
/**
 * Flag beside the kind, and part of the key's identity: the item is in memo()'s key space, apart
 * from every key a caller can name (the same bytes with and without it are two keys). Only the
 * getStale/peek/set calls of fetch() for memo() use it; scan() and snapshots leave such items out.
 */
export const KEY_MEMO = 64;

// ── why an item left the cache (removal.ts: the onRemove reports) ───────────────────────────
export const REMOVED_EVICT = 1; // the policy or the slab allocator made room
export const REMOVED_EXPIRE = 2; // its expiry time passed
export const REMOVED_DELETE = 3; // del(), or expire() with a time in the past
export const REMOVED_SET = 4; // replaced by a set (set, mset, incr, fetch)
export const REMOVED_CLEAR = 5; // clear()

// ── set() mode bits ─────────────────────────────────────────────────────────────────────────
export const SET_NX = 1; // only if the key does not exist
export const SET_XX = 2; // only if the key exists
export const SET_KEEPTTL = 4; // keep the existing item's expiry time

// ── eviction policies ───────────────────────────────────────────────────────────────────────
export const POLICY_LRU = 0;
export const POLICY_SIEVE = 1;
export const POLICY_S3FIFO = 2;

// ── error codes left in REG_ERROR when a call returns 0 for a reason other than "not found" ──
export const ERR_TOO_LARGE = 1; // the item can never fit in this cache
export const ERR_NO_MEMORY = 2; // nothing left to evict (should not happen for items that passed the size check)
export const ERR_INIT = 3; // init(): the memory is too small for the requested layout

// ── check(): the first inconsistency its walk found (0: none); check.ts ─────────────────────
export const CHECK_OK = 0;
export const CHECK_INDEX_SLOT = 10; // an item is not at the slot a lookup of its own key finds
export const CHECK_ITEM_COUNT = 11; // items in the index != the item count
export const CHECK_LIVE_BYTES = 12; // the items' footprints do not add up to the byte count
export const CHECK_POLICY_LENGTH = 13; // items on the policy's queues != the item count
export const CHECK_HEAP_LENGTH = 14; // heap entries != items with an expiry time
export const CHECK_HEAP_CAPACITY = 15; // more heap entries than the heap holds
export const CHECK_HEAP_POSITION = 21; // an item's recorded heap position is not where it is
export const CHECK_HEAP_ORDER = 22; // a heap entry expires before its parent
export const CHECK_SLAB_CONT_DISTANCE = 31; // a continuation page points outside the page table
export const CHECK_SLAB_CONT_HEAD = 32; // a continuation page points at a free or continuation page
export const CHECK_SLAB_FREE_PAGES = 33; // free pages != the free page count
export const CHECK_SLAB_FREE_FLAG = 34; // a chunk on a free list is not marked free
export const CHECK_SLAB_FREE_CLASS = 35; // a chunk on a free list lies in a slab of another class
export const CHECK_SLAB_FREE_COUNT = 36; // a free list's length != its count
export const CHECK_SLAB_LIVE = 37; // a slab's live count != its chunks in use
export const CHECK_SLAB_COUNT = 38; // a class's slabs != its slab count
export const CHECK_SLAB_CHUNKS = 39; // live + free chunks != slabs x chunks per slab

// ── registers: a small block of memory at regsPtr() the wrapper reads through typed views ───
// f64 counters, index into a Float64Array over the block.
export const STAT_HITS = 0;
export const STAT_MISSES = 1;
export const STAT_SETS = 2;
export const STAT_DELETES = 3;
export const STAT_EVICTIONS = 4;
export const STAT_EXPIRED = 5;
export const STAT_ITEMS = 6;
export const STAT_USED_BYTES = 7;
export const STAT_TTL_ITEMS = 8;
/** scan(): expiry time of the item returned (ms since the epoch), 0 if it has none. */
export const REG_EXPIRE_AT = 9;
export const STAT_COUNT = 16;
// u32 registers, index into a Uint32Array over the block (after the f64 counters).
export const REG_VLEN = 32; // value length of the last item returned
export const REG_KIND = 33; // value kind of the last item returned
export const REG_ERROR = 34; // ERR_* of the last failed call
export const REG_KEY_PTR = 35; // scan(): key bytes of the item returned
export const REG_KLEN = 36; // scan(): key length
export const REG_VALUE_PTR = 37; // scan(): value bytes
// Layout facts published by init() for the wrapper.
export const REG_SCRATCH_PTR = 40;
export const REG_SCRATCH_BYTES = 41;
export const REG_MAX_ITEM_BYTES = 42; // the largest item (header + key + value) that can be stored
export const REG_ITEM_OVERHEAD = 43; // header bytes of an item without expiry
export const REG_TTL_OVERHEAD = 44; // extra header bytes of an item with expiry
export const REG_INDEX_CAPACITY = 45; // most items the index holds
export const REG_PAGE_BYTES = 46;
export const REG_PAGE_COUNT = 47;
export const REG_FIXED_BYTES = 48; // bytes that are not slab pages: registers, scratch, tables (index, heap, ghost)
export const REG_TOUCHED = 51; // batch prefetch (table.ts): the folded loads, kept so they are not optimized away
export const REG_INDEX_SLOTS = 52; // slots of the index now (it grows with the items; scan cursors run over them)
// The hot tier (src/hot.ts; assembly/hot.ts): decoded values the wrapper keeps in front of the core.
export const REG_HOT_ITEM = 56; // get(): the item to put in the hot tier (0: none); its expiry is in REG_EXPIRE_AT
export const REG_HOT_RING_LEN = 57; // hot items removed or moved since the wrapper last drained the ring (> HOT_RING_ENTRIES: it overflowed)
export const REG_HOT_RING_PTR = 58; // the ring: HOT_RING_ENTRIES u32 item addresses
export const HOT_RING_ENTRIES = 256;
// Record sizes, published by init() so that a test pins them (test/layout.test.ts): a change is a
// LAYOUT_VERSION change.
export const REG_SLOT_BYTES = 59; // one index slot
export const REG_HEAP_ENTRY_BYTES = 60; // one expiry heap entry
export const REG_GHOST_BUCKET_BYTES = 61; // one ghost bucket
// Reads without the lock (assembly/unlocked.ts; src/unlocked.ts): a shared cache's get from a
// thread with a lane of its own.
export const REG_TOUCHES = 62; // hits recorded in the lane's touch buffer, not yet replayed to the policy
export const REG_MARKED = 63; // the stripe sequence the call under the lock made odd (assembly/seqlock.ts), 0: none
export const TOUCH_ENTRIES = 64;
/** readUnlocked(): the key is absent (or stale). Else a value's address, or one of the two below. */
export const READ_MISS = 0;
/** readUnlocked(): a writer ran during the read; try again. */
export const READ_RETRY = 1;
/** readUnlocked(): this read needs the lock (an expired item, a value larger than the scratch region, a full touch buffer). */
export const READ_LOCKED = 2;
export const REGS_BYTES = 256;

// ── batch records in the scratch region (mget / mset) ───────────────────────────────────────
// Each record: four u32 words, then the key bytes, then (mset only) the value bytes, the whole
// record padded to a multiple of BATCH_ALIGN bytes (diagram: assembly/batch.ts).
//   mget: [klen, out valuePtr, out vlen, out kind]  key
//   mset: [klen, vlen, kind, 0]                      key value
export const BATCH_HEADER_BYTES = 16;
/** Records are padded to a multiple of this many bytes. */
export const BATCH_ALIGN = 8;

// ── snapshots (docs/snapshot-format.md) ─────────────────────────────────────────────────────
export const SNAPSHOT_BLOCK_MAGIC = 0x4b424357; // "WCBK" little-endian
export const SNAPSHOT_BLOCK_HEADER_BYTES = 12; // magic, item count, payload bytes
export const SNAPSHOT_RECORD_HEADER_BYTES = 24; // klen, vlen, flags, 0, f64 expireAt
// A record's header (docs/snapshot-format.md), byte offsets; both sides read records with these:
//   ┌──────┬──────┬───────┬──────────┬──────────────────┬─────┬───────┐
//   │ klen │ vlen │ flags │ reserved │ expireAt f64     │ key │ value │
//   │ 0    │ 4    │ 8     │ 12       │ 16               │ 24  │       │
//   └──────┴──────┴───────┴──────────┴──────────────────┴─────┴───────┘
export const RECORD_AT_KLEN = 0;
export const RECORD_AT_VLEN = 4;
export const RECORD_AT_FLAGS = 8;
/** 0 in a file; the core uses it while loading (the key's hash or checksum). */
export const RECORD_AT_RESERVED = 12;
export const RECORD_AT_EXPIRE = 16;
/** snapshotBlock(): items in the block it built in the scratch region, or BLOCK_ONE_LARGE_ITEM. */
export const REG_BLOCK_ITEMS = 38;
/** snapshotBlock(): bytes of that block (header, items, checksum). */
export const REG_BLOCK_BYTES = 39;
/** REG_BLOCK_ITEMS value: the next item does not fit the scratch region; scan()'s registers describe it. */
export const BLOCK_ONE_LARGE_ITEM = 0xffffffff;
/** loadBlock(): items skipped because they had expired, and items that did not fit; both accumulate (the wrapper zeroes them). */
export const REG_LOAD_EXPIRED = 49;
export const REG_LOAD_DROPPED = 50;
/** loadBlock() results for a bad block. */
export const LOAD_BAD_MAGIC = -1;
export const LOAD_BAD_CHECKSUM = -2;
export const LOAD_BAD_LENGTHS = -3;
/** A record whose flags, reserved word, expiry time, fresh-until prefix or JSON value the format does not allow; REG_LOAD_BAD_AT says which. */
export const LOAD_BAD_RECORD = -4;
/** A record whose key an earlier record of the snapshot already stored; REG_LOAD_BAD_AT says which. */
export const LOAD_DUPLICATE_KEY = -5;
/** loadBlock() with a fence: its items could take pages past the fence, so nothing was stored (a read into those pages may be in flight). */
export const LOAD_FENCED = -6;
/** loadBlock(): offset in the block of the record it refused. */
export const REG_LOAD_BAD_AT = 53;
/** loadBlock(): the block's JSON values nested too deep for the core's check (the wrapper parses them). */
export const REG_LOAD_JSON = 54;
/** loadBlock() check pass: [key checksum, record offset] pairs it packed at the block's first record (keyChecksums). */
export const REG_LOAD_KEYS = 55;
/** The item flag bits a snapshot record may carry: KIND_MASK | KIND_FRESH | KEY_BYTES. */
export const RECORD_FLAGS = 39;
