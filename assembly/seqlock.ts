// The write sequences of a shared cache (state.ts): how a read without the lock (unlocked.ts)
// learns that a write overlapped it.
//
//   S_SEQ                       changes that may touch any item or the index: inserts, removals,
//                               evictions, expiry, table rebuilds, and every call but set()
//   S_STRIPES + (h >>> 28) * 64 a value rewritten in place: its item only, by its key's hash h
//
// A word is even while nobody changes what it covers. The lock's holder, the only writer, makes a
// word odd before such a change (src/shared.ts marks S_SEQ as it takes the lock for any call but
// set(); setKey marks what its write needs), and src/shared.ts makes each marked word even again,
// one more, before it lets go. A reader notes S_SEQ and its key's stripe before its read and checks
// both after. So two threads meet only when one rewrites a key of the stripe the other reads, or
// changes the cache's structure. The marks are atomic adds, whose ordering keeps the change after
// the mark on every CPU; the unshared core never marks.

import { REG_MARKED } from './abi';
import { getReg, setReg } from './regs';
import { stateBlock, S_SEQ, S_STRIPES } from './state';

@inline export function seqAll(): usize {
  return stateBlock() + S_SEQ;
}

@inline export function stripeOf(h: u32): usize {
  return stateBlock() + S_STRIPES + (<usize>(h >>> 28) << 6);
}

/** Before a change that may touch any item or the index. */
export function markAll(): void {
  if (!ASC_FEATURE_THREADS) return;
  if ((atomic.load<i32>(seqAll()) & 1) == 0) atomic.add<i32>(seqAll(), 1);
}

/** Before the value of the item whose key hashes to `h` is rewritten in place. */
export function markItem(h: u32): void {
  if (!ASC_FEATURE_THREADS) return;
  if ((atomic.load<i32>(seqAll()) & 1) != 0) return; // all marked: that covers the item
  let p = stripeOf(h);
  let marked = <usize>getReg(REG_MARKED);
  if (marked == p) return;
  if (marked != 0) {
    markAll(); // a second stripe in one call (never for one set): the wrapper ends one mark only
    return;
  }
  atomic.add<i32>(p, 1);
  setReg(REG_MARKED, <u32>p);
}
