// Memory map of one cache instance. The whole map lives in one imported WebAssembly.Memory whose
// size is the configured maxMemory, fixed at creation: the memory never grows, so the wrapper's
// views never detach, and every byte the cache uses is inside the budget.
//
//   __heap_base   ctx                                                                                                         tablesBase               end
//   ┌─────────────┬──────────┬──────────┬────────┬─────────┬──────────┬─────────────┬─────────────┬─────────────┬─────────────────┬────────────────────────────────┐
//   │ state block │ context  │ registers│ digest │ rebuild │ hot ring │ scratch     │ class table │ page table  │ pages ...       │ expiry heap │ index │ ghost  │
//   │ 256 B       │ fields   │ 256 B    │ 64 B   │ 512 B   │ 1 KiB    │ keys/values │ 6 x 128 u32 │ rows x 4 B  │ pageCount pages │ heap x 4 B  │ slots │ table  │
//   │ (per cache) │ 128 B    │          │        │         │          │             │             │             │                 │             │       │        │
//   └─────────────┴──────────┴──────────┴────────┴─────────┴──────────┴─────────────┴─────────────┴─────────────┴─────────────────┴────────────────────────────────┘
//                 └──────────── the first caller's context block (state.ts) ─────────┘
//
// Sizing:
// - pageBytes is a power of two near 1/1024 of the budget, clamped to [2 KiB, 1 MiB], so that even
//   small caches have about a thousand pages to share between size classes (each class may hold
//   one slab of spare chunks) and large caches few page-table rows.
// - The tables (hash index at a load factor of at most 7/8, expiry heap, S3-FIFO ghost table) are
//   sized for `indexCapacity` items and sit at the top of memory. With maxEntries, the capacity is
//   maxEntries, fixed. Without it, the tables start small (1/16 of their largest size) and grow
//   downwards when the items outnumber them (grow.ts), taking pages from the top of the page area,
//   up to budget / ASSUMED_ITEM_BYTES items. So a cache of large items does not pay for an index
//   sized for small ones, and a cache of items smaller than that reaches the count limit before
//   the byte limit (the policy then evicts as for a full cache).
// - The tables are laid out downwards from the end (ghost, index, heap), so the heap is the lowest:
//   it starts at 1024 entries whatever the options (only items with a TTL need one) and doubles
//   into the pages below it without moving the index or the ghost.

import { REG_PAGE_COUNT, REG_FIXED_BYTES, REG_INDEX_SLOTS } from './abi';
import { laneAt, laneCount, setLanes } from './lanes';
import { stateBlock, ctx, C_DIGEST_BUFFER, C_HOT_RING, C_REBUILD_BUFFER, C_REGS, C_SCRATCH, C_SCRATCH_BYTES, S_CLASS_TABLE, S_GHOST_BASE, S_GHOST_BUCKETS, S_GHOST_CAPACITY, S_HEAP_BASE, S_HEAP_CAPACITY, S_INDEX_BASE, S_INDEX_CAPACITY, S_INDEX_SLOTS, S_INITIAL_CAPACITY, S_INITIAL_HEAP, S_MAX_CAPACITY, S_MEM_END, S_MIN_PAGE_COUNT, S_PAGES_BASE, S_PAGE_BYTES, S_PAGE_COUNT, S_PAGE_SHIFT, S_PAGE_TABLE, S_TABLES_BASE, S_TOTAL_PAGES, S_WITH_GHOST } from './state';

export const MAX_CLASSES: u32 = 128;
/** Average item size (header + key + value) the index is sized for when maxEntries is not given. */
export const ASSUMED_ITEM_BYTES: u32 = 112;
export const SLOT_BYTES: u32 = 8;
export const HEAP_ENTRY_BYTES: u32 = 4;
/** A ghost bucket: four u32 entries (ghost.ts). */
export const GHOST_BUCKET_BYTES: u32 = 16;
export const MIN_PAGES: u32 = 4;
const TARGET_PAGES: usize = 1024;
const PAGE_SHIFT_MIN: u32 = 11;

// The caller's regions, in its context block (state.ts).
@inline export function regs(): usize { return ctx + C_REGS; }
@inline export function digestBuffer(): usize { return ctx + C_DIGEST_BUFFER; }
/** Work space of a table rebuild (grow.ts): an address and a hash per item of a batch. */
@inline export function rebuildBuffer(): usize { return ctx + C_REBUILD_BUFFER; }
export { REBUILD_BATCH } from './state';
/** Addresses of hot items removed or moved, for the wrapper to drop from its hot tier (hot.ts). */
@inline export function hotRing(): usize { return ctx + C_HOT_RING; }
@inline export function scratch(): usize { return ctx + C_SCRATCH; }
@inline export function scratchBytes(): u32 { return load<u32>(ctx + C_SCRATCH_BYTES); }
@inline export function setScratchBytes(v: u32): void { store<u32>(ctx + C_SCRATCH_BYTES, v); }

// The cache's layout, in the state block (state.ts).
@inline export function classTable(): usize { return load<usize>(stateBlock() + S_CLASS_TABLE); }
@inline export function setClassTable(v: usize): void { store<usize>(stateBlock() + S_CLASS_TABLE, v); }
@inline export function pageTable(): usize { return load<usize>(stateBlock() + S_PAGE_TABLE); }
@inline export function setPageTable(v: usize): void { store<usize>(stateBlock() + S_PAGE_TABLE, v); }
@inline export function pagesBase(): usize { return load<usize>(stateBlock() + S_PAGES_BASE); }
@inline export function setPagesBase(v: usize): void { store<usize>(stateBlock() + S_PAGES_BASE, v); }
@inline export function pageShift(): u32 { return load<u32>(stateBlock() + S_PAGE_SHIFT); }
@inline export function setPageShift(v: u32): void { store<u32>(stateBlock() + S_PAGE_SHIFT, v); }
@inline export function pageBytes(): u32 { return load<u32>(stateBlock() + S_PAGE_BYTES); }
@inline export function setPageBytes(v: u32): void { store<u32>(stateBlock() + S_PAGE_BYTES, v); }
@inline export function pageCount(): u32 { return load<u32>(stateBlock() + S_PAGE_COUNT); }
@inline export function setPageCount(v: u32): void { store<u32>(stateBlock() + S_PAGE_COUNT, v); }
/** Pages left when the tables have their largest size: the page count never drops below it. */
@inline export function minPageCount(): u32 { return load<u32>(stateBlock() + S_MIN_PAGE_COUNT); }
@inline export function setMinPageCount(v: u32): void { store<u32>(stateBlock() + S_MIN_PAGE_COUNT, v); }
@inline export function memEnd(): usize { return load<usize>(stateBlock() + S_MEM_END); }
@inline export function setMemEnd(v: usize): void { store<usize>(stateBlock() + S_MEM_END, v); }
@inline export function tablesBase(): usize { return load<usize>(stateBlock() + S_TABLES_BASE); }
@inline export function setTablesBase(v: usize): void { store<usize>(stateBlock() + S_TABLES_BASE, v); }
@inline export function indexBase(): usize { return load<usize>(stateBlock() + S_INDEX_BASE); }
@inline export function setIndexBase(v: usize): void { store<usize>(stateBlock() + S_INDEX_BASE, v); }
@inline export function indexSlots(): u32 { return load<u32>(stateBlock() + S_INDEX_SLOTS); }
@inline export function setIndexSlots(v: u32): void { store<u32>(stateBlock() + S_INDEX_SLOTS, v); }
@inline export function indexCapacity(): u32 { return load<u32>(stateBlock() + S_INDEX_CAPACITY); }
@inline export function setIndexCapacity(v: u32): void { store<u32>(stateBlock() + S_INDEX_CAPACITY, v); }
/** The capacity the tables may grow to (maxEntries, or budget / ASSUMED_ITEM_BYTES). */
@inline export function maxCapacity(): u32 { return load<u32>(stateBlock() + S_MAX_CAPACITY); }
@inline export function setMaxCapacity(v: u32): void { store<u32>(stateBlock() + S_MAX_CAPACITY, v); }
/** The capacity they start at, and never shrink below. */
@inline export function initialCapacity(): u32 { return load<u32>(stateBlock() + S_INITIAL_CAPACITY); }
@inline export function setInitialCapacity(v: u32): void { store<u32>(stateBlock() + S_INITIAL_CAPACITY, v); }
/** The heap entries they start with (at most 1024, with or without maxEntries: it doubles as items with a TTL fill it). */
@inline export function initialHeap(): u32 { return load<u32>(stateBlock() + S_INITIAL_HEAP); }
@inline export function setInitialHeap(v: u32): void { store<u32>(stateBlock() + S_INITIAL_HEAP, v); }
@inline export function heapBase(): usize { return load<usize>(stateBlock() + S_HEAP_BASE); }
@inline export function setHeapBase(v: usize): void { store<usize>(stateBlock() + S_HEAP_BASE, v); }
/** Expiry-heap entries the tables hold: only items with a TTL need one, so it grows on its own. */
@inline export function heapCapacity(): u32 { return load<u32>(stateBlock() + S_HEAP_CAPACITY); }
@inline export function setHeapCapacity(v: u32): void { store<u32>(stateBlock() + S_HEAP_CAPACITY, v); }
@inline export function ghostBase(): usize { return load<usize>(stateBlock() + S_GHOST_BASE); }
@inline export function setGhostBase(v: usize): void { store<usize>(stateBlock() + S_GHOST_BASE, v); }
@inline export function ghostBuckets(): u32 { return load<u32>(stateBlock() + S_GHOST_BUCKETS); }
@inline export function setGhostBuckets(v: u32): void { store<u32>(stateBlock() + S_GHOST_BUCKETS, v); }
@inline export function ghostCapacity(): u32 { return load<u32>(stateBlock() + S_GHOST_CAPACITY); }
@inline export function setGhostCapacity(v: u32): void { store<u32>(stateBlock() + S_GHOST_CAPACITY, v); }
@inline export function withGhost(): bool { return load<u32>(stateBlock() + S_WITH_GHOST) != 0; }
@inline export function setWithGhost(v: bool): void { store<u32>(stateBlock() + S_WITH_GHOST, v ? 1 : 0); }
// pages if the tables took no room
@inline export function totalPages(): u32 { return load<u32>(stateBlock() + S_TOTAL_PAGES); }
@inline export function setTotalPages(v: u32): void { store<u32>(stateBlock() + S_TOTAL_PAGES, v); }

@inline function align(x: usize, a: usize): usize {
  return (x + a - 1) & ~(a - 1);
}

@inline function slotsFor(capacity: u64): u64 {
  return (capacity * 8) / 7 + 1;
}

@inline function ghostEntriesFor(capacity: u64): u64 {
  return withGhost() ? (capacity * 9) / 10 + 1 : 0;
}

/** Ghost buckets (GHOST_BUCKET_BYTES: four u32 entries of tag and time, ghost.ts) for this many entries: 1.25 entries of room per entry. */
@inline function ghostBucketsFor(entries: u64): u64 {
  return entries == 0 ? 0 : (entries * 5) / 16 + 1;
}

/** Start of a table of `bytes` that ends at `top`, aligned down to a cache line. */
@inline function below(top: u64, bytes: u64): u64 {
  return (top - bytes) & ~63;
}

/**
 * Start of the tables for `capacity` items and `heap` heap entries, laid out downwards from the
 * end of memory: ghost at the top, then the index, then the heap. The heap is the lowest, so it
 * grows downwards into the pages without moving the index or the ghost (growHeap in grow.ts).
 * 0 if they cannot fit.
 */
function tablesStart(capacity: u64, heap: u64): u64 {
  let ghost = ghostBucketsFor(ghostEntriesFor(capacity)) * GHOST_BUCKET_BYTES;
  let index = slotsFor(capacity) * SLOT_BYTES;
  let heapBytes = heap * HEAP_ENTRY_BYTES;
  if (ghost + index + heapBytes + 192 > <u64>memEnd()) return 0; // 192: the alignment of three tables
  return below(below(below(<u64>memEnd(), ghost), index), heapBytes);
}

/** Pages the tables take at the top of the memory for `capacity` items and `heap` heap entries. */
export function tablePagesFor(capacity: u32, heap: u32): u32 {
  let pagesEnd = <u64>(pagesBase() + (<usize>totalPages() << pageShift())); // below a page past it: always theirs
  let start = tablesStart(capacity, heap);
  return start >= pagesEnd ? 0 : <u32>((pagesEnd - start + pageBytes() - 1) >> pageShift());
}

/**
 * Lays the tables out for `capacity` items below the end of memory, the page area ending where
 * they begin. The caller has emptied the pages they take; their contents are rebuilt by the caller.
 */
export function placeTables(capacity: u32, heap: u32): void {
  setPageCount(totalPages() - tablePagesFor(capacity, heap));
  setTablesBase(pagesBase() + (<usize>pageCount() << pageShift()));
  setIndexCapacity(capacity);
  setIndexSlots(<u32>slotsFor(capacity));
  setGhostCapacity(<u32>ghostEntriesFor(capacity));
  setGhostBuckets(<u32>ghostBucketsFor(ghostCapacity()));
  setHeapCapacity(heap);
  // As tablesStart lays them out (it checked that they fit).
  setGhostBase(<usize>below(<u64>memEnd(), <u64>ghostBuckets() * GHOST_BUCKET_BYTES));
  setIndexBase(<usize>below(<u64>ghostBase(), <u64>indexSlots() * SLOT_BYTES));
  setHeapBase(<usize>below(<u64>indexBase(), <u64>heap * HEAP_ENTRY_BYTES));
}

/**
 * Lays out the regions for a memory of `memBytes`. With `ghost`, the tables include a ghost table
 * for 0.9 x capacity entries (S3-FIFO). Returns false if it does not fit.
 */
export function planLayout(memBytes: usize, maxEntries: u32, wantScratch: u32, ghost: bool, lanes: u32, laneScratch: u32): bool {
  // Past the state block and the first caller's context (state.ts; init set ctx), the other lanes
  // (lanes.ts: at most 1/64 of the memory), then the cache's regions.
  setScratchBytes(<u32>align(wantScratch, 8));
  let base = align(scratch() + scratchBytes(), 64);
  let bytes = <u32>align(C_SCRATCH + align(laneScratch, 8), 64);
  let extra = lanes > 1 ? min<u32>(lanes - 1, <u32>(memBytes / 64 / bytes)) : 0;
  setLanes(1 + extra, base, bytes);
  setClassTable(base + <usize>extra * bytes);
  setPageTable(align(classTable() + 6 * MAX_CLASSES * 4, 64));
  if (pageTable() >= memBytes) return false;
  setMemEnd(memBytes);
  setWithGhost(ghost);
  let rest = memBytes - pageTable();

  let shift: u32 = PAGE_SHIFT_MIN;
  while (shift < 20 && (<usize>1 << (shift + 1)) <= rest / TARGET_PAGES) shift++;
  setPageShift(shift);
  setPageBytes(1 << shift);

  let capacity: u64 = maxEntries > 0 ? <u64>maxEntries : <u64>(rest / ASSUMED_ITEM_BYTES);
  if (capacity < 1) capacity = 1;
  if (capacity > 0x7fffffff || <u64>memBytes - tablesStart(capacity, capacity) > <u64>(rest / 2)) return false;
  setMaxCapacity(<u32>capacity);
  let rows = rest >> shift; // pages if neither the page table nor the tables took room
  setPagesBase(align(pageTable() + <usize>rows * 4, 64));
  if (pagesBase() >= memBytes) return false;
  setTotalPages(<u32>((memBytes - pagesBase()) >> shift));
  placeTables(maxCapacity(), maxCapacity());
  setMinPageCount(pageCount());
  if (minPageCount() < MIN_PAGES) return false;
  setInitialCapacity(maxEntries > 0 ? maxCapacity() : max<u32>(min<u32>(maxCapacity(), 1024), maxCapacity() / 16));
  // The heap only holds items with a TTL, and growing it moves nothing else: start small.
  setInitialHeap(min<u32>(initialCapacity(), 1024));
  placeTables(initialCapacity(), initialHeap());
  return true;
}

/** Bytes that are not slab pages: everything below the pages, and the tables above them. */
@inline export function fixedBytes(): u64 {
  return <u64>(memEnd() - (<usize>pageCount() << pageShift()));
}

/** Publishes the sizes that change when the tables grow (registers for the wrapper). */
export function publishLayout(): void {
  for (let i: u32 = 0, n = laneCount(); i < n; i++) {
    let r = laneAt(i) + C_REGS; // every lane's registers (lanes.ts)
    store<u32>(r + (<usize>REG_PAGE_COUNT << 2), pageCount());
    store<u32>(r + (<usize>REG_FIXED_BYTES << 2), <u32>fixedBytes());
    store<u32>(r + (<usize>REG_INDEX_SLOTS << 2), indexSlots());
  }
}
