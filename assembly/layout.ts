// Memory map of one cache instance. The whole map lives in one imported WebAssembly.Memory whose
// size is the configured maxMemory, fixed at creation: the memory never grows, so the wrapper's
// views never detach, and every byte the cache uses is inside the budget.
//
//   __heap_base
//   ┌──────────┬────────┬─────────────┬─────────────┬─────────────┬─────────────┬─────────────┬─────────────┬─────────┐
//   │ registers│ digest │ scratch     │ class table │ hash index  │ expiry heap │ ghost table │ page table  │ pages   │
//   │ 256 B    │ 64 B   │ keys/values │ 6 x 128 u32 │ slots x 8 B │ cap x 4 B   │ (S3-FIFO)   │ pages x 4 B │ ...     │
//   └──────────┴────────┴─────────────┴─────────────┴─────────────┴─────────────┴─────────────┴─────────────┴─────────┘
//
// Sizing, done once in init():
// - pageBytes is a power of two near 1/1024 of the budget, clamped to [2 KiB, 1 MiB], so that even
//   small caches have about a thousand pages to share between size classes (each class may hold
//   one slab of spare chunks) and large caches few page-table rows.
// - The index holds `capacity` items at a load factor of at most 7/8. Without maxEntries the capacity
//   is budget / ASSUMED_ITEM_BYTES: a cache of items smaller than that reaches the count limit before
//   the byte limit (the policy then evicts as for a full cache).

import { REGS_BYTES } from './abi';

export const MAX_CLASSES: u32 = 128;
/** Average item size (header + key + value) the index is sized for when maxEntries is not given. */
export const ASSUMED_ITEM_BYTES: u32 = 112;
export const SLOT_BYTES: u32 = 8;
export const HEAP_ENTRY_BYTES: u32 = 4;
export const MIN_PAGES: u32 = 4;

export let regs: usize = 0;
export let digestBuffer: usize = 0;
export let scratch: usize = 0;
export let scratchBytes: u32 = 0;
export let classTable: usize = 0;
export let indexBase: usize = 0;
export let indexSlots: u32 = 0;
export let indexCapacity: u32 = 0;
export let heapBase: usize = 0;
export let ghostBase: usize = 0;
export let ghostBuckets: u32 = 0;
export let ghostCapacity: u32 = 0;
export let pageTable: usize = 0;
export let pagesBase: usize = 0;
export let pageShift: u32 = 0;
export let pageBytes: u32 = 0;
export let pageCount: u32 = 0;

@inline function align(x: usize, a: usize): usize {
  return (x + a - 1) & ~(a - 1);
}

/**
 * Lays out the regions for a memory of `memBytes`. With `ghost`, a ghost table for 0.9 x capacity
 * entries (S3-FIFO) is reserved too. Returns false if it does not fit.
 */
export function planLayout(memBytes: usize, maxEntries: u32, wantScratch: u32, ghost: bool): bool {
  regs = align(__heap_base, 64);
  digestBuffer = regs + REGS_BYTES;
  scratch = digestBuffer + 64;
  scratchBytes = <u32>align(wantScratch, 8);
  classTable = align(scratch + scratchBytes, 64);
  indexBase = align(classTable + 6 * MAX_CLASSES * 4, 64);
  if (indexBase >= memBytes) return false;
  let rest = memBytes - indexBase;

  let shift: u32 = 11;
  while (shift < 20 && (<usize>1 << (shift + 1)) <= rest / 1024) shift++;
  pageShift = shift;
  pageBytes = 1 << shift;

  let capacity: u64 = maxEntries > 0 ? <u64>maxEntries : <u64>(rest / ASSUMED_ITEM_BYTES);
  if (capacity < 1) capacity = 1;
  let slots: u64 = (capacity * 8) / 7 + 1;
  // Ghost table (ghost.ts): 16-byte buckets of 4 entries, 1.25 entries per ghost entry.
  let ghosts: u64 = ghost ? (capacity * 9) / 10 + 1 : 0;
  let buckets: u64 = ghost ? (ghosts * 5) / 16 + 1 : 0;
  let tables: u64 = slots * SLOT_BYTES + capacity * HEAP_ENTRY_BYTES + buckets * 16;
  if (tables > <u64>(rest / 2)) return false;
  indexSlots = <u32>slots;
  indexCapacity = <u32>capacity;
  heapBase = align(indexBase + <usize>slots * SLOT_BYTES, 8);
  ghostBase = align(heapBase + <usize>capacity * HEAP_ENTRY_BYTES, 64);
  ghostBuckets = <u32>buckets;
  ghostCapacity = <u32>ghosts;
  pageTable = align(ghostBase + <usize>buckets * 16, 8);
  let upper = (memBytes - pageTable) >> shift; // pages if the page table took no room
  pagesBase = align(pageTable + <usize>upper * 4, 64);
  if (pagesBase >= memBytes) return false;
  pageCount = <u32>((memBytes - pagesBase) >> shift);
  return pageCount >= MIN_PAGES;
}
