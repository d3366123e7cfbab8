// A shared cache's gets without the lock, from a thread with a lane of its own (src/lanes.ts):
// the core reads the item between two looks at the write sequence and copies the value into
// the lane's scratch region (assembly/unlocked.ts), and the copy is decoded here, where no other
// thread writes it. Two threads reading never wait for each other or write a cache line the other
// reads. A read that overlaps a write of its key's stripe, or a change to the cache's structure
// (assembly/seqlock.ts), waits for the writer to leave (a write holds the lock for
// about a microsecond) and tries again; only a writer that stays (a long call, or a thread
// terminated in the middle of one) sends the read to the lock, which waits properly and times out.
import { READ_LOCKED, READ_MISS, READ_RETRY } from '../assembly/abi.js';
import type { Key } from './codec.js';
import type { Seam } from './seam.js';

/** What UnlockedReader.get answers when the read must go through the lock. */
export const TAKE_LOCK: unique symbol = Symbol('take the lock');

/** Reads that overlapped a write, before the read takes the lock instead. */
const TRIES = 8;
/** Looks at the write sequence while a writer is in, before the read takes the lock (some tens of µs). */
const SPINS = 20_000;

export class UnlockedReader {
  private readonly i32: Int32Array;

  constructor(private readonly seam: Seam) {
    this.i32 = new Int32Array(seam.u8.buffer);
  }

  /** get(key) without the lock: the value, undefined, or TAKE_LOCK. Throws what get() throws for a bad key. */
  get(key: Key, now: number): unknown {
    const seam = this.seam;
    const klen = seam.keyOf(key);
    for (let t = 0; t < TRIES; t++) {
      let at: number;
      try {
        at = seam.core.readUnlocked(klen, now) >>> 0;
      } catch {
        return TAKE_LOCK; // an item read half changed pointed past the memory (a trap): the lock reads it whole
      }
      if (at === READ_MISS) return undefined;
      if (at === READ_LOCKED) return TAKE_LOCK;
      if (at !== READ_RETRY) return seam.valueAt(at);
      if (!this.writerLeft()) return TAKE_LOCK;
    }
    return TAKE_LOCK;
  }

  /** Waits, spinning, until the write sequence the read ran into is even; false if it stayed odd for all of SPINS. */
  private writerLeft(): boolean {
    const { i32 } = this;
    const at = this.seam.core.retryWord() >>> 2;
    for (let i = 0; i < SPINS; i++) if ((Atomics.load(i32, at) & 1) === 0) return true;
    return false;
  }
}
