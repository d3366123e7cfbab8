// Removal reports for the wrapper's onRemove option (src/removals.ts). When the option is set,
// every item leaving the cache is reported to the host once, with why, while its bytes are still
// intact (before its chunk is released or rewritten). The host only reads memory in this call
// (it copies the key and decodes the value) and delivers the callbacks once the core has
// returned, so the core is never re-entered from inside an operation. A direct import instead of
// a ring of records: one call may remove any number of items (a large set evicting thousands of
// small ones, clear()), and a ring would need an overflow path that loses nothing.
//
// memo()'s items (KEY_MEMO) are not reported: their keys are no caller's.

import { KEY_MEMO } from './abi';
import { getFlags, getKind, keyPtr, getKlen, valuePtr, getVlen } from './item';
import { stateBlock, S_REPORTING } from './state';

// @ts-ignore: decorator
@external("env", "removed")
declare function hostRemoved(reason: u32, kind: u32, key: usize, klen: u32, value: usize, vlen: u32): void;

@inline export function reporting(): bool { return load<u32>(stateBlock() + S_REPORTING) != 0; }
@inline export function setReporting(v: bool): void { store<u32>(stateBlock() + S_REPORTING, v ? 1 : 0); }

/** Turns the reports on (onRemove is set) or off. Called once, after init. */
export function removalConfigure(on: u32): void {
  setReporting(on != 0);
}

/** Item `it` is about to leave the cache for `reason` (a REMOVED_* of abi.ts). */
@inline export function reportRemoval(it: usize, reason: u32): void {
  if (reporting() && (getFlags(it) & <u8>KEY_MEMO) == 0) {
    hostRemoved(reason, getKind(it), keyPtr(it), getKlen(it), valuePtr(it), getVlen(it));
  }
}

/** True if removals are being reported (clear() then walks the items it drops). */
@inline export function removalReporting(): bool {
  return reporting();
}
