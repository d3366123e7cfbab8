// Reads without the lock: a shared cache's get from a thread with a lane of its own
// (src/unlocked.ts). A seqlock (seqlock.ts): the read notes the cache's write sequence and its
// key's stripe, finds the item, copies the value into its lane's scratch region, and reads both
// words again; if either was odd or changed, a writer ran meanwhile and the copy may be torn, so
// the caller waits for the writer to leave and tries again. The wrapper then decodes the copy,
// which no other thread writes.
//
// So this code may see the index or an item half changed, and must neither loop forever nor write
// outside its own lane: the probe is bounded, the value's length is checked against the scratch
// region before the copy, and an address past the memory traps (the caller takes the lock). What a
// hit does to the policy (an LRU move, S3-FIFO's frequency, SIEVE's visited bit) is a write, so it
// is recorded in the lane's touch buffer and replayed by the next call under the lock, as
// Caffeine's read buffers do; a touch whose slot no longer points at its item is dropped. Replays
// change only the policy's links and bits, which no read looks at, so they mark nothing.
//
//   lane touch buffer (ctx + C_TOUCHES): TOUCH_ENTRIES x ┌ slot u32 ┬ item u32 ┐, REG_TOUCHES of them

import { READ_MISS, READ_RETRY, READ_LOCKED, REG_TOUCHES, REG_VLEN, REG_KIND, TOUCH_ENTRIES, STAT_HITS, STAT_MISSES } from './abi';
import { scratch, scratchBytes, indexSlots } from './layout';
import { bump, getReg, setReg } from './regs';
import { hashBytes } from './hash';
import { NOT_FOUND, findKeyUnlocked, slotItem } from './table';
import { getKind, getVlen, isExpired, isStale, valuePtr } from './item';
import { policyTouch } from './policy';
import { copyBytes } from './copy';
import { seqAll, stripeOf } from './seqlock';
import { ctx, C_FENCE, C_RETRY_ON, C_TOUCHES } from './state';

@inline function touchAt(i: u32): usize { return ctx + C_TOUCHES + (<usize>i << 3); }

/** A write sequence, read with an atomic load (the shared core; the unshared one never calls this). */
@inline function sequence(p: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.load<i32>(p);
  return 1;
}

/** READ_RETRY, noting the word to wait on. */
@inline function retryOn(p: usize): usize {
  store<usize>(ctx + C_RETRY_ON, p);
  return <usize>READ_RETRY;
}

/**
 * A get of the key in the scratch region (`klen` bytes), without the lock. Returns the address of
 * a copy of the value in the scratch region (REG_VLEN, REG_KIND: as get's), READ_MISS,
 * READ_RETRY (a writer ran: wait on retryWord() and try again) or READ_LOCKED (this read needs the lock).
 */
export function readUnlocked(klen: u32, now: f64): usize {
  let all = sequence(seqAll());
  if ((all & 1) != 0) return retryOn(seqAll());
  let n = getReg(REG_TOUCHES);
  if (n >= <u32>TOUCH_ENTRIES) return <usize>READ_LOCKED; // the lock replays the touches first
  let key = scratch();
  let h = hashBytes(key, klen);
  let stripe = stripeOf(h);
  let mine = sequence(stripe);
  if ((mine & 1) != 0) return retryOn(stripe);
  let slot = findKeyUnlocked(h, key, klen);
  let it: usize = 0;
  let copy: usize = 0;
  let vlen: u32 = 0;
  let kind: u32 = 0;
  if (slot != NOT_FOUND) {
    it = slotItem(slot);
    if (isExpired(it, now)) return <usize>READ_LOCKED; // the locked get removes it
    if (isStale(it, now)) it = 0; // a miss, as for get
    else {
      let at = (klen + 7) & ~7;
      vlen = getVlen(it);
      kind = getKind(it);
      if (<u64>at + <u64>vlen > <u64>scratchBytes()) return <usize>READ_LOCKED;
      copy = key + at;
      copyBytes(copy, valuePtr(it), vlen);
    }
  }
  // The reads above happen before the checks below. An atomic add on a word of the lane's own, not
  // atomic.fence: the binaryen that this assemblyscript uses rejects the fence it emits.
  if (ASC_FEATURE_THREADS) atomic.add<i32>(ctx + C_FENCE, 0);
  if (sequence(stripe) != mine) return retryOn(stripe);
  if (sequence(seqAll()) != all) return retryOn(seqAll());
  if (it == 0) {
    bump(STAT_MISSES);
    return <usize>READ_MISS;
  }
  store<u32>(touchAt(n), slot);
  store<u32>(touchAt(n), <u32>it, 4);
  setReg(REG_TOUCHES, n + 1);
  bump(STAT_HITS);
  setReg(REG_VLEN, vlen); // as read before the checks: the item may change from here on
  setReg(REG_KIND, kind);
  return copy;
}

/** The write sequence the last READ_RETRY found odd or changed: the caller waits until it is even. */
export function retryWord(): usize {
  return load<usize>(ctx + C_RETRY_ON);
}

/** Replays the lane's recorded hits to the policy (under the lock: src/shared.ts calls it when the lock is taken). */
export function replayTouches(): void {
  let slots = indexSlots();
  for (let i: u32 = 0, n = getReg(REG_TOUCHES); i < n; i++) {
    let slot = load<u32>(touchAt(i));
    let it = <usize>load<u32>(touchAt(i), 4);
    if (slot < slots && slotItem(slot) == it) policyTouch(it);
  }
  setReg(REG_TOUCHES, 0);
}
