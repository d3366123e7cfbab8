// Growing and shrinking the tables. Without maxEntries the index and ghost table start at 1/16
// of their largest size (layout.ts); when the items outnumber the index, it grows by half,
// taking pages from the top of the page area. The expiry heap starts at 1024 entries whatever the
// options, and doubles (without a rebuild) when the items with a TTL fill it:
//
//   before:  │ pages ..................................│ tables │
//   after:   │ pages ...........................│ tables (grown) │
//                                               └ these pages are emptied first: their items
//                                                 move to free chunks below, else are evicted
//
// The grown tables are then rebuilt from the items themselves, walked in memory order (a
// sequential read): every item is hashed into the index again, every item with a TTL pushed on
// the heap; the ghost starts empty. The pause is linear in the items stored, and the sizes grow
// geometrically, so a cache filled with n items spends O(n) in all on growing.
//
// When memory runs short while the items fill less than a quarter of the index (small items
// replaced by large ones), the tables halve and give their pages back, before anything is
// evicted: an index grown for many small items must not keep the room that large items need.

import { heapBase, heapCapacity, indexCapacity, initialCapacity, maxCapacity, pageCount, placeTables, publishLayout, rebuildBuffer, REBUILD_BATCH, tablePagesFor } from './layout';
import { addTopPages, dropTopPages, nextItemAt } from './slab';
import { clearWindow } from './compact';
import { clearIndex, insertSlot, touchSlot } from './table';
import { resetHeap, heapPush, heapLen } from './expiry';
import { hashBytes } from './hash';
import { getKlen, hasTtl, keyPtr } from './item';
import { policyTablesMoved } from './policy';


/**
 * Grows the index by half (up to maxCapacity). False if it is as large as it may be. A half, not
 * a doubling: the index is then never more than a third larger than the items need, for one more
 * rebuild in all (a fill of n items rebuilds about 3n entries, a doubling schedule 2n).
 */
export function growTables(): bool {
  if (indexCapacity() >= maxCapacity()) return false;
  resizeTables(<u32>min<u64>(<u64>maxCapacity(), <u64>indexCapacity() * 3 / 2 + 1), heapCapacity());
  return true;
}

/**
 * Doubles the expiry heap (up to the index capacity). False if it cannot grow. The heap is the
 * lowest table, so it grows downwards into the top pages and its entries slide down with it; the
 * index and the ghost stay where they are, and the items keep their heap positions: no rebuild.
 */
export function growHeap(): bool {
  if (heapCapacity() >= indexCapacity()) return false;
  let heap = <u32>min<u64>(<u64>indexCapacity(), <u64>heapCapacity() * 2);
  // Clearing the pages may move items with a TTL: their heap entries are updated where they are.
  takeTopPages(tablePagesFor(indexCapacity(), heap) - tablePagesFor(indexCapacity(), heapCapacity()));
  let from = heapBase();
  placeTables(indexCapacity(), heap);
  memory.copy(heapBase(), from, <usize>heapLen() << 2);
  publishLayout();
  return true;
}

/**
 * Grows the tables at once to hold `items` items (up to maxCapacity): a snapshot about to be loaded
 * into an emptied cache says how many it holds, so the index is rebuilt once, while it is empty,
 * rather than at each step of a growth by half while the items come in.
 */
export function reserveTables(items: u32): void {
  let target = min<u32>(items, maxCapacity());
  if (target <= indexCapacity()) return;
  resizeTables(target, heapCapacity());
}

/** Halves the index if `items` fill less than a quarter of it. False if it does not. */
export function shrinkTables(items: u32): bool {
  if (indexCapacity() <= initialCapacity() || <u64>items * 4 >= <u64>indexCapacity()) return false;
  let next = max<u32>(initialCapacity(), indexCapacity() / 2);
  let heap = min<u32>(heapCapacity(), next); // still >= the items with a TTL
  if (tablePagesFor(next, heap) == tablePagesFor(indexCapacity(), heapCapacity())) return false;
  resizeTables(next, heap);
  return true;
}

/** Moves the top of the page area to fit tables of this size, then rebuilds them. */
function resizeTables(capacity: u32, heap: u32): void {
  let before = tablePagesFor(indexCapacity(), heapCapacity());
  let after = tablePagesFor(capacity, heap);
  let first = pageCount();
  if (after > before) takeTopPages(after - before);
  placeTables(capacity, heap);
  if (after < before) addTopPages(first, before - after);
  rebuildTables();
  publishLayout();
}

/** Empties the top n pages (their items move down, or are evicted) and takes them from the pool. */
function takeTopPages(n: u32): void {
  if (n == 0) return;
  clearWindow(pageCount() - n, n);
  dropTopPages(n);
}

/** Fills freshly placed tables from the items in the pages. */
function rebuildTables(): void {
  clearIndex();
  resetHeap();
  policyTablesMoved();
  // In batches, with the home slots touched first (table.ts: their cache misses overlap). The
  // first pass keeps each item's address and hash, so the second neither walks nor hashes again.
  let it = nextItemAt(0);
  while (it != 0) {
    let n: u32 = 0;
    for (; n < REBUILD_BATCH && it != 0; n++, it = nextItemAt(it + 1)) {
      let h = hashBytes(keyPtr(it), getKlen(it));
      touchSlot(h);
      store<u32>(rebuildBuffer() + (<usize>n << 3), <u32>it);
      store<u32>(rebuildBuffer() + (<usize>n << 3), h, 4);
    }
    for (let k: u32 = 0; k < n; k++) {
      let p = <usize>load<u32>(rebuildBuffer() + (<usize>k << 3));
      insertSlot(load<u32>(rebuildBuffer() + (<usize>k << 3), 4), p);
      if (hasTtl(p)) heapPush(p);
    }
  }
}
