// Growing and shrinking the tables. Without maxEntries the index, expiry heap and ghost table
// start at 1/16 of their largest size (layout.ts); when the items outnumber the index, the tables
// double, taking pages from the top of the page area:
//
//   before:  │ pages ..................................│ tables │
//   after:   │ pages ...........................│ tables (x2)   │
//                                               └ these pages are emptied first: their items
//                                                 move to free chunks below, else are evicted
//
// The grown tables are then rebuilt from the items themselves, walked in memory order (a
// sequential read): every item is hashed into the index again, every item with a TTL pushed on
// the heap; the ghost starts empty. The pause is linear in the items stored, and each doubling
// happens once, so a cache filled with n items spends O(n) in all on growing.
//
// When memory runs short while the items fill less than a quarter of the index (small items
// replaced by large ones), the tables halve and give their pages back, before anything is
// evicted: an index grown for many small items must not keep the room that large items need.

import { indexCapacity, initialCapacity, maxCapacity, pageCount, placeTables, tablePagesFor } from './layout';
import { addTopPages, clearWindow, dropTopPages, nextItemAt } from './slab';
import { clearIndex, insertSlot, touchSlot } from './table';

const BATCH = 64;
import { resetHeap, heapPush } from './expiry';
import { hashBytes } from './hash';
import { getKlen, hasTtl, keyPtr } from './item';
import { policyTablesMoved } from './policy';
import { publishLayout } from './store';

/** Doubles the tables (up to maxCapacity). False if they are as large as they may be. */
export function growTables(): bool {
  if (indexCapacity >= maxCapacity) return false;
  let next = <u32>min<u64>(<u64>maxCapacity, <u64>indexCapacity * 2);
  let take = tablePagesFor(next) - tablePagesFor(indexCapacity);
  if (take > 0) {
    clearWindow(pageCount - take, take);
    dropTopPages(take);
  }
  placeTables(next);
  rebuildTables();
  publishLayout();
  return true;
}

/** Halves the tables if `items` fill less than a quarter of them. False if it does not. */
export function shrinkTables(items: u32): bool {
  if (indexCapacity <= initialCapacity || <u64>items * 4 >= <u64>indexCapacity) return false;
  let next = max<u32>(initialCapacity, indexCapacity / 2);
  let give = tablePagesFor(indexCapacity) - tablePagesFor(next);
  if (give == 0) return false;
  let first = pageCount;
  placeTables(next);
  addTopPages(first, give);
  rebuildTables();
  publishLayout();
  return true;
}

/** Fills freshly placed tables from the items in the pages. */
function rebuildTables(): void {
  clearIndex();
  resetHeap();
  policyTablesMoved();
  // In batches, with the home slots touched first (table.ts: their cache misses overlap).
  let it = nextItemAt(0);
  while (it != 0) {
    let first = it;
    for (let n = 0; n < BATCH && it != 0; n++, it = nextItemAt(it + 1)) touchSlot(hashBytes(keyPtr(it), getKlen(it)));
    for (let p = first; p != it; p = nextItemAt(p + 1)) {
      insertSlot(hashBytes(keyPtr(p), getKlen(p)), p);
      if (hasTtl(p)) heapPush(p);
    }
  }
}
