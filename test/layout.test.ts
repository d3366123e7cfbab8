// The record sizes and the register map, pinned: both sides of the seam read them (assembly/abi.ts,
// assembly/layout.ts, src/), and snapshots depend on them. A change here is a LAYOUT_VERSION change
// and a docs/architecture.md change. Also which core this project runs (release or debug).
import { describe, expect, it } from 'vitest';
import * as abi from '../assembly/abi.js';
import { createCacheSync } from '../src/index.js';
import { coreWasmBase64 } from '../src/generated/core-wasm.js';

function registers(cache: object): Uint32Array {
  return (cache as unknown as { regs32: Uint32Array }).regs32;
}

describe('layout', () => {
  it('pins the item header, index slot, heap entry and ghost bucket sizes', () => {
    const cache = createCacheSync({ maxMemory: '1mb' });
    const r = registers(cache);
    expect(cache.layout().itemHeaderBytes).toBe(16);
    expect(cache.layout().ttlHeaderBytes).toBe(12);
    expect(r[abi.REG_SLOT_BYTES]).toBe(8);
    expect(r[abi.REG_HEAP_ENTRY_BYTES]).toBe(4);
    expect(r[abi.REG_GHOST_BUCKET_BYTES]).toBe(16);
    expect(abi.BATCH_HEADER_BYTES).toBe(16);
    expect(abi.SNAPSHOT_RECORD_HEADER_BYTES).toBe(24);
    expect(abi.LAYOUT_VERSION).toBe(2);
  });

  it('keeps the u32 registers clear of the f64 counters, inside the block, each used once', () => {
    const f64 = Object.entries(abi).filter(([n]) => n.startsWith('STAT_') && n !== 'STAT_COUNT').map(([, v]) => v as number);
    f64.push(abi.REG_EXPIRE_AT); // an f64 register among the counters
    const u32 = Object.entries(abi)
      .filter(([n]) => n.startsWith('REG_') && n !== 'REG_EXPIRE_AT')
      .map(([n, v]) => [n, v as number] as const);
    for (const i of f64) expect(i).toBeLessThan(abi.STAT_COUNT);
    expect(new Set(f64).size).toBe(f64.length);
    for (const [name, i] of u32) {
      expect(i, name).toBeGreaterThanOrEqual(abi.STAT_COUNT * 2); // past the f64 counters' bytes
      expect(i, name).toBeLessThan(abi.REGS_BYTES / 4);
    }
    expect(new Set(u32.map(([, i]) => i)).size, 'two u32 registers share an index').toBe(u32.length);
  });

  it('runs the core its project names: debug-core the debug build (assertions on, a name section)', ({ task }) => {
    const module = new WebAssembly.Module(Buffer.from(coreWasmBase64, 'base64'));
    const named = WebAssembly.Module.customSections(module, 'name').length > 0;
    expect(named).toBe(task.file.projectName === 'debug-core');
  });
});
