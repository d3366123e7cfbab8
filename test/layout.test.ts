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
    expect([abi.RECORD_AT_KLEN, abi.RECORD_AT_VLEN, abi.RECORD_AT_FLAGS, abi.RECORD_AT_RESERVED, abi.RECORD_AT_EXPIRE]).toEqual([0, 4, 8, 12, 16]);
    expect(abi.RECORD_AT_EXPIRE + 8).toBe(abi.SNAPSHOT_RECORD_HEADER_BYTES); // the header ends where the f64 does
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

// Issue 16: every instance of the module (one per thread, over one shared memory) has its own
// globals, and instantiating one writes its data segments again; so the core keeps its state in
// linear memory (assembly/state.ts) and has one mutable global only, the caller's context pointer.
// WebAssembly.Module's reflection does not show globals or data, so this reads the sections.
interface WasmSections {
  globals: { mutable: boolean; name: string }[];
  dataSegments: number;
  hasStart: boolean;
}

function readSections(bytes: Uint8Array): WasmSections {
  let p = 8; // magic and version
  const u8 = (): number => bytes[p++];
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = u8();
      result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) return result >>> 0;
    }
  };
  const skipSleb = (): void => {
    while (u8() & 0x80);
  };
  const name = (): string => {
    const n = leb();
    const s = Buffer.from(bytes.subarray(p, p + n)).toString('utf8');
    p += n;
    return s;
  };
  const out: WasmSections = { globals: [], dataSegments: 0, hasStart: false };
  const names = new Map<number, string>();
  while (p < bytes.length) {
    const id = u8();
    const size = leb();
    const end = p + size;
    if (id === 6) {
      for (let n = leb(); n > 0; n--) {
        u8(); // value type
        const mutable = u8() === 1;
        for (let op = u8(); op !== 0x0b; op = u8()) {
          if (op === 0x41 || op === 0x42) skipSleb();
          else if (op === 0x43) p += 4;
          else if (op === 0x44) p += 8;
          else if (op === 0x23) leb();
          else throw new Error(`global initializer opcode 0x${op.toString(16)}`);
        }
        out.globals.push({ mutable, name: '' });
      }
    } else if (id === 11) {
      out.dataSegments = leb();
    } else if (id === 8) {
      out.hasStart = true;
    } else if (id === 0 && name() === 'name') {
      while (p < end) {
        const sub = u8();
        const subEnd = leb() + p;
        if (sub === 7) for (let n = leb(); n > 0; n--) names.set(leb(), name());
        p = subEnd;
      }
    }
    p = end;
  }
  out.globals.forEach((g, i) => (g.name = names.get(i) ?? `global ${i}`));
  return out;
}

describe('state in linear memory', () => {
  it('has one mutable global (the context pointer), no data segments and no start function', () => {
    const sections = readSections(Buffer.from(coreWasmBase64, 'base64'));
    const mutable = sections.globals.filter((g) => g.mutable).map((g) => g.name);
    expect(mutable, `mutable globals: ${mutable.join(', ')}`).toHaveLength(1);
    if (!mutable[0].startsWith('global ')) expect(mutable[0]).toBe('assembly/state/ctx'); // debug build: names known
    expect(sections.dataSegments, 'data segments').toBe(0);
    expect(sections.hasStart, 'a start function runs in every instance').toBe(false);
  });
});
