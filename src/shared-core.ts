// The shared core (build/core.shared.wasm: the same code over a shared memory), loaded and compiled
// on first use only: its bytes are a chunk of their own, which only the entries that can share
// memory import (not the Workers entry, whose bundle would carry them for nothing).
let compiled: Promise<WebAssembly.Module> | undefined;

export function sharedCoreModule(): Promise<WebAssembly.Module> {
  compiled ??= import('./generated/core-shared-wasm.js').then(({ coreWasmBase64 }) => {
    const bin = atob(coreWasmBase64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return WebAssembly.compile(bytes as BufferSource);
  });
  return compiled;
}
