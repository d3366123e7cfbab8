// The shared core (build/core.shared.wasm: the same code over a shared memory), loaded and compiled
// on first use only: its bytes are a chunk of their own, which only the entries that can share
// memory import (not the Workers entry, whose bundle would carry them for nothing).
import { base64Bytes } from './core.js';

let compiled: Promise<WebAssembly.Module> | undefined;

export function sharedCoreModule(): Promise<WebAssembly.Module> {
  compiled ??= import('./generated/core-shared-wasm.js').then(({ coreWasmBase64 }) =>
    WebAssembly.compile(base64Bytes(coreWasmBase64) as BufferSource),
  );
  return compiled;
}
