// Reading and writing the registers: the block at `regs` (layout.ts) that the wrapper reads
// through typed views. f64 counters by STAT_* index, u32 registers by REG_* index (abi.ts: the
// u32 indices start past the f64 counters, so the two never overlap).
//
//   regs ┌──────────────────────────────┬──────────────────────────────────────────┐
//        │ f64 x STAT_COUNT (128 B)     │ u32 x (REGS_BYTES - 128) / 4             │
//        │ STAT_HITS ... REG_EXPIRE_AT  │ REG_VLEN (32) ... REG_HOT_RING_PTR (58)  │
//        └──────────────────────────────┴──────────────────────────────────────────┘

import { regs } from './layout';

@inline export function statAddr(i: u32): usize { return regs() + (<usize>i << 3); }
@inline export function getStat(i: u32): f64 { return load<f64>(statAddr(i)); }
@inline export function setStat(i: u32, v: f64): void { store<f64>(statAddr(i), v); }
@inline export function bump(i: u32): void { setStat(i, getStat(i) + 1); }
@inline export function setReg(i: u32, v: u32): void { store<u32>(regs() + (<usize>i << 2), v); }
@inline export function getReg(i: u32): u32 { return load<u32>(regs() + (<usize>i << 2)); }
