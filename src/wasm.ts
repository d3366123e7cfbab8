// Loading the core. The module is compiled once per process (or passed in precompiled) and each
// cache gets its own instance over its own fixed-size memory.

import { coreWasmBase64 } from './generated/core-wasm.js';

/** The core's exports (assembly/index.ts). Pointers come back as i32: read them with `>>> 0`. */
export interface CoreExports {
  init(maxEntries: number, scratchBytes: number, seedLo: number, seedHi: number, policy: number): number;
  regsPtr(): number;
  clear(): void;
  set(klen: number, vlen: number, kind: number, expireAt: number, mode: number, now: number): number;
  get(klen: number, now: number): number;
  getStale(klen: number, now: number): number;
  peek(klen: number, now: number): number;
  has(klen: number, now: number): number;
  del(klen: number, now: number): number;
  ttl(klen: number, now: number): number;
  expire(klen: number, expireAt: number, now: number): number;
  persist(klen: number, now: number): number;
  mget(n: number, now: number): void;
  mset(n: number, expireAt: number, now: number): number;
  scan(cursor: number, now: number): number;
  expireStep(now: number, max: number): number;
  check(): number;
}

function wasmBytes(): Uint8Array {
  const bin = atob(coreWasmBase64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
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
