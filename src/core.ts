// The core: its exports as the wrapper sees them, and its module, compiled once per process (or
// passed in precompiled). Nothing of the API is imported here: the cache, the snapshots and the
// factories all depend on this file, never the other way.
import { coreWasmBase64 } from './generated/core-wasm.js';

/** The core's exports (assembly/index.ts). Pointers come back as i32: read them with `>>> 0`. */
export interface CoreExports {
  init(maxEntries: number, scratchBytes: number, seedLo: number, seedHi: number, policy: number, lanes: number, laneScratch: number): number;
  regsPtr(): number;
  clear(): void;
  set(klen: number, vlen: number, kind: number, expireAt: number, mode: number, now: number): number;
  get(klen: number, now: number): number;
  /** `space`: 0 (default) or KEY_MEMO, memo()'s key space. */
  getStale(klen: number, now: number, space?: number): number;
  peek(klen: number, now: number, space?: number): number;
  has(klen: number, now: number): number;
  del(klen: number, now: number): number;
  ttl(klen: number, now: number): number;
  expire(klen: number, expireAt: number, now: number): number;
  persist(klen: number, now: number): number;
  mget(n: number, now: number): void;
  mset(n: number, expireAt: number, now: number): number;
  scan(cursor: number, now: number): number;
  randomItem(seed: number, now: number): number;
  hotConfigure(on: number, maxValueBytes: number): void;
  hotDrained(): void;
  hotRelease(it: number): void;
  hotReleaseAll(): void;
  hotThrottle(shift: number): void;
  hotTouch(n: number): void;
  removalConfigure(on: number): void;
  /** Sizes the tables for this many items at once (an emptied cache about to load a snapshot). */
  reserve(items: number): void;
  /** Shared caches: another thread's instance joins the cache init() laid out, in lane `i` (its own if `own`: src/lanes.ts). */
  attach(i: number, own: number): number;
  /** The lanes a shared cache has. */
  lanes(): number;
  /** The i32 whose bits say which lanes are taken. */
  claimsAddr(): number;
  /** A get without the lock: a value's address in the scratch region, or READ_MISS, READ_RETRY, READ_LOCKED (assembly/abi.ts). */
  readUnlocked(klen: number, now: number): number;
  /** The write sequence the last READ_RETRY found odd or changed (a byte address). */
  retryWord(): number;
  /** The write sequence of a shared cache: the i32 that marks changes to its structure (assembly/seqlock.ts). */
  seqAddr(): number;
  /** Replays the lane's recorded hits to the policy; under the lock. */
  replayTouches(): void;
  /** Lane `i`'s registers, or 0 past the last lane. */
  laneRegs(i: number): number;
  /** Shared caches: the address of the lock word, and the waiters' count after it (src/shared.ts). */
  lockAddr(): number;
  expireStep(now: number, max: number): number;
  check(): number;
  checksum(ptr: number, len: number): number;
  checksumStart(): void;
  checksumUpdate(ptr: number, len: number): void;
  checksumEnd(): number;
  liveCount(now: number): number;
  snapshotBlock(cursor: number, now: number): number;
  /** A block of `len` bytes at `at`: checked, and stored unless mode is 0; `fence`: 0, or an address its items must not reach (LOAD_FENCED). */
  loadBlock(at: number, len: number, now: number, maxKlen: number, maxVlen: number, mode: number, fence: number): number;
  /** The address from which every page up is free. */
  freeFrom(): number;
  /** The address of the first page the tables may ever take. */
  stagingCeiling(): number;
}

/** The bytes of a base64 string (an inlined core). */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function wasmBytes(): Uint8Array {
  return base64Bytes(coreWasmBase64);
}

let compiled: Promise<WebAssembly.Module> | undefined;
let compiledSync: WebAssembly.Module | undefined;

/** The core module, compiled asynchronously once. */
export function coreModule(): Promise<WebAssembly.Module> {
  if (compiledSync) return Promise.resolve(compiledSync);
  compiled ??= WebAssembly.compile(wasmBytes() as BufferSource).then((m) => (compiledSync = m));
  return compiled;
}

/** The core module, compiled synchronously once (Node allows it for any size). */
export function coreModuleSync(): WebAssembly.Module {
  compiledSync ??= new WebAssembly.Module(wasmBytes() as BufferSource);
  return compiledSync;
}
