// Where the core keeps its mutable state: in linear memory, never in Wasm globals or data
// segments. Several instances of the module (one per thread, over one shared memory) each have
// their own globals, and instantiating one writes its data segments again; so what describes the
// cache lives in one state block that every instance finds at the same address, and what belongs
// to one caller lives in a context block reached through `ctx`.
//
//   stateBlock() = align(__heap_base, 64)         ctx (the one mutable global; set by init)
//   ┌──────────────────────────────────────────┐  ┌──────────────────────────────────────────────┐
//   │ state block, STATE_BYTES (1408 B)        │  │ context block                                │
//   │   0 u64: bytes0 smallBytes (heap, ghost) │  │    0 u64: checksum lanes v1..v4, total       │
//   │          liveBytes; the seed at 96       │  │   40 f64: clock (time of the operation)      │
//   │  32 u32: layout (class table .. total    │  │   48 u32: scratchBytes, checksum buffered,   │
//   │          pages), slab counts, policy     │  │          lastHash lastSlot, touched,         │
//   │          queues, heap length, ghost      │  │          movableSpan windowCost, hot ring    │
//   │          clock, hot / removal flags,     │  │          length and admission throttle       │
//   │          item counts, maxItemBytes,      │  │  128 registers   REGS_BYTES (256 B)          │
//   │          lanes (lanes.ts)                │  │  384 digest      64 B (checksum stripes)     │
//   │ 256 i32: lock, waiters (a line of their  │  │  448 rebuild     REBUILD_BATCH x 8 B         │
//   │          own); 320 write sequence; 384   │  │  960 hot ring    HOT_RING_ENTRIES x 4 B      │
//   │          stripes' sequences, 64 B apart  │  │ 1984 touches     TOUCH_ENTRIES x 8 B         │
//   └──────────────────────────────────────────┘  │ 2496 scratch     scratchBytes (keys, values) │
//   one per cache: every instance computes its    └──────────────────────────────────────────────┘
//   address from __heap_base (immutable, fixed    one per caller: registers, scratch and the
//   at link time)                                 values one call leaves for the next step
//
// Each field is read and written through @inline accessors next to the code that owns it (e.g.
// pageCount() / setPageCount() in layout.ts); the offsets are defined here only. Booleans take a
// u32. The memory map past the context block (class table, pages, tables): layout.ts.

import { REGS_BYTES, HOT_RING_ENTRIES, TOUCH_ENTRIES } from './abi';

/** The state block's address: a link-time constant, so no instance needs a global to find it. */
@inline export function stateBlock(): usize {
  return (__heap_base + 63) & ~63;
}

// ── state block offsets (per cache) ─────────────────────────────────────────────────────────
// What a read without the lock uses (unlocked.ts: the seed, the index's base and size) is in
// the line 64..127, which only a table rebuild writes: the fields an ordinary write changes
// (byte counts, queues, item counts) are in the other lines, so that a write of one thread does
// not take the line from under every other thread's reads.
export const S_BYTES0: usize = 0; // u64 policy.ts
export const S_SMALL_BYTES: usize = 8; // u64 policy.ts
export const S_HEAP_CAPACITY: usize = 16; // u32 layout.ts
export const S_GHOST_BASE: usize = 20; // usize layout.ts
export const S_LIVE_BYTES: usize = 24; // u64 items.ts
export const S_CLASS_TABLE: usize = 32; // usize layout.ts
export const S_PAGE_TABLE: usize = 36; // usize layout.ts
export const S_PAGES_BASE: usize = 40; // usize layout.ts
export const S_PAGE_SHIFT: usize = 44; // u32 layout.ts
export const S_PAGE_BYTES: usize = 48; // u32 layout.ts
export const S_PAGE_COUNT: usize = 52; // u32 layout.ts
export const S_MIN_PAGE_COUNT: usize = 56; // u32 layout.ts
export const S_MEM_END: usize = 60; // usize layout.ts
export const S_TABLES_BASE: usize = 64; // usize layout.ts
export const S_INDEX_BASE: usize = 68; // usize layout.ts
export const S_INDEX_SLOTS: usize = 72; // u32 layout.ts
export const S_INDEX_CAPACITY: usize = 76; // u32 layout.ts
export const S_MAX_CAPACITY: usize = 80; // u32 layout.ts
export const S_INITIAL_CAPACITY: usize = 84; // u32 layout.ts
export const S_INITIAL_HEAP: usize = 88; // u32 layout.ts
export const S_HEAP_BASE: usize = 92; // usize layout.ts
export const S_SEED: usize = 96; // u64 hash.ts
export const S_GHOST_BUCKETS: usize = 104; // u32 layout.ts
export const S_GHOST_CAPACITY: usize = 108; // u32 layout.ts
export const S_WITH_GHOST: usize = 112; // bool layout.ts
export const S_TOTAL_PAGES: usize = 116; // u32 layout.ts
export const S_CLASS_COUNT: usize = 120; // u32 slab.ts
export const S_FREE_PAGES: usize = 124; // u32 slab.ts
export const S_LARGEST_CHUNK: usize = 128; // u32 slab.ts
export const S_LAST_FREED_CLASS: usize = 132; // i32 slab.ts
export const S_FREE_PAGE_HINT: usize = 136; // u32 slab.ts
export const S_POLICY: usize = 140; // u32 policy.ts
export const S_HEAD0: usize = 144; // usize policy.ts
export const S_TAIL0: usize = 148; // usize policy.ts
export const S_HEAD1: usize = 152; // usize policy.ts
export const S_TAIL1: usize = 156; // usize policy.ts
export const S_ITEMS0: usize = 160; // u32 policy.ts
export const S_ITEMS1: usize = 164; // u32 policy.ts
export const S_SMALL_ITEMS: usize = 168; // u32 policy.ts
export const S_HAND: usize = 172; // usize policy.ts
export const S_PINNED: usize = 176; // usize policy.ts
export const S_HEAP_LEN: usize = 180; // u32 expiry.ts
export const S_TIME: usize = 184; // u32 ghost.ts
export const S_SINCE_TICK: usize = 188; // u32 ghost.ts
export const S_UNIT: usize = 192; // u32 ghost.ts
export const S_EMPTY: usize = 196; // bool ghost.ts
export const S_ENABLED: usize = 200; // bool hot.ts
export const S_MAX_VALUE_BYTES: usize = 204; // u32 hot.ts
export const S_ITEM_COUNT: usize = 208; // u32 items.ts
export const S_TTL_ITEMS: usize = 212; // u32 items.ts
export const S_MAX_ITEM_BYTES: usize = 216; // u32 store.ts
export const S_POLICY_ID: usize = 220; // u32 store.ts
export const S_REPORTING: usize = 224; // bool removal.ts
export const S_LANES: usize = 228; // u32 lanes.ts
export const S_LANES_BASE: usize = 232; // usize lanes.ts
export const S_LANE_BYTES: usize = 236; // u32 lanes.ts
/** i32: the lanes taken, a bit each (src/lanes.ts claims and releases them with Atomics). */
export const S_CLAIMS: usize = 240;
/** Past the last field: at most S_LOCK (the debug core checks it at init). A new field goes before it. */
export const S_END: usize = S_CLAIMS + 4;
/**
 * i32: the lock of a shared cache (src/shared.ts takes it with Atomics around every call; even
 * while free, odd while held), then an i32 count of the threads waiting for it. In a cache line
 * of its own: every write changes it, and no read without the lock looks at it.
 */
export const S_LOCK: usize = 256;
/**
 * i32: the write sequence for changes that may touch any item or the index (seqlock.ts), in a
 * line of its own: a read without the lock reads it twice, and only such changes write it.
 */
export const S_SEQ: usize = 320;
/** i32 x STRIPES, 64 bytes apart: the write sequences of the stripes of the hash space (seqlock.ts). */
export const S_STRIPES: usize = 384;
export const STRIPES: u32 = 16;
export const STATE_BYTES: usize = S_STRIPES + (<usize>STRIPES << 6);

// ── context block (per caller) ──────────────────────────────────────────────────────────────

/**
 * The caller's context block. The one mutable Wasm global of the module: it is per instance, which
 * is per thread, which is what a per-caller context is. init() sets it (contextAfterState).
 */
export let ctx: usize = 0;

@inline export function setContext(p: usize): void {
  ctx = p;
}

/** Where init() puts the first caller's context: right after the state block. */
@inline export function contextAfterState(): usize {
  return stateBlock() + STATE_BYTES;
}

/** Work space of a table rebuild (grow.ts): an address and a hash per item of a batch. */
export const REBUILD_BATCH: u32 = 64;

export const C_V1: usize = 0; // u64 checksum.ts
export const C_V2: usize = 8; // u64 checksum.ts
export const C_V3: usize = 16; // u64 checksum.ts
export const C_V4: usize = 24; // u64 checksum.ts
export const C_TOTAL: usize = 32; // u64 checksum.ts
export const C_CLOCK: usize = 40; // f64 items.ts
export const C_SCRATCH_BYTES: usize = 48; // u32 layout.ts
export const C_BUFFERED: usize = 52; // u32 checksum.ts
export const C_LAST_HASH: usize = 56; // u32 store.ts
export const C_LAST_SLOT: usize = 60; // u32 store.ts
export const C_TOUCHED: usize = 64; // u32 table.ts
export const C_MOVABLE_SPAN: usize = 68; // u32 compact.ts
export const C_WINDOW_COST: usize = 72; // u32 compact.ts
export const C_RING_LEN: usize = 76; // u32 hot.ts
export const C_ADMIT_MASK: usize = 80; // u32 hot.ts
export const C_ADMIT_TICK: usize = 84; // u32 hot.ts
/** i32 a read without the lock adds 0 to, as its fence (unlocked.ts): a word no other thread touches. */
export const C_FENCE: usize = 88;
/** usize: the write sequence a read without the lock found odd or changed, to wait on (unlocked.ts). */
export const C_RETRY_ON: usize = 92;
/** Past the last field: at most C_FIELDS_BYTES (checked like S_END). */
export const C_FIELDS_END: usize = C_RETRY_ON + 4;
export const C_FIELDS_BYTES: usize = 128;
export const C_REGS: usize = C_FIELDS_BYTES;
export const C_DIGEST_BUFFER: usize = C_REGS + REGS_BYTES;
export const C_REBUILD_BUFFER: usize = C_DIGEST_BUFFER + 64;
export const C_HOT_RING: usize = C_REBUILD_BUFFER + (<usize>REBUILD_BATCH << 3);
/** Hits of reads without the lock, for the policy (unlocked.ts): TOUCH_ENTRIES x { slot, item }. */
export const C_TOUCHES: usize = C_HOT_RING + (<usize>HOT_RING_ENTRIES << 2);
export const C_SCRATCH: usize = C_TOUCHES + (<usize>TOUCH_ENTRIES << 3);
