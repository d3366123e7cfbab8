// A shared cache's lanes (assembly/lanes.ts) as the threads take them. A thread that attaches
// claims a lane of its own where one is free (a bit in the claims word, set with Atomics); with
// a lane of its own its gets may run without the lock (src/unlocked.ts), since no other thread
// writes its scratch region. The last lane is never claimed: threads that find no free lane share
// it, and take the lock for every call. A lane comes free when the cache that claimed it is
// disposed; a thread terminated before that keeps its lane taken (the others are not affected,
// but a later thread may find only the shared lane).
//
//   claims (i32):  bit 0 lane 0 (the creating thread's) ... bit lanes-2; lane lanes-1 is shared

/** Claims a free lane of its own (1 .. lanes - 2) and returns it; -1 if none is free. */
export function claimLane(i32: Int32Array, at: number, lanes: number): number {
  for (;;) {
    const taken = Atomics.load(i32, at);
    let i = 1;
    while (i < lanes - 1 && (taken & (1 << i)) !== 0) i++;
    if (i >= lanes - 1) return -1;
    if (Atomics.compareExchange(i32, at, taken, taken | (1 << i)) === taken) return i;
  }
}

/** Frees a lane claimLane() returned. */
export function releaseLane(i32: Int32Array, at: number, lane: number): void {
  Atomics.and(i32, at, ~(1 << lane));
}

/** The lane that threads without one of their own share. */
export function sharedLane(lanes: number): number {
  return lanes - 1;
}
