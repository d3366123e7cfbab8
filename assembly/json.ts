// JSON syntax check for snapshot loading: a value of kind JSON must be text that JSON.parse accepts
// (RFC 8259: whitespace is space, tab, CR, LF; no BOM). One pass over the bytes, no allocation; the
// nesting is a bit stack in a u64 (1 = object, 0 = array), so values nested deeper than 64 levels
// are left to the wrapper's JSON.parse (JSON_DEEP). Bytes of 0x80 and above are accepted inside
// strings only, as JSON.parse accepts the text the wrapper decodes from them.

export const JSON_BAD: i32 = 0;
export const JSON_OK: i32 = 1;
export const JSON_DEEP: i32 = 2;

const VALUE: u32 = 0; // a value is expected
const AFTER: u32 = 1; // a value ended
const KEY: u32 = 2; // an object key is expected

@inline function skipSpace(p: usize, end: usize): usize {
  while (p < end) {
    let c = load<u8>(p);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    p++;
  }
  return p;
}

@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

@inline function isHex(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 6;
}

const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;
const TWOS: u64 = 0x0202020202020202;
const BELOW_21: u64 = 0x2121212121212121;
const BACKSLASHES: u64 = 0x5c5c5c5c5c5c5c5c;

/**
 * High bits set (SWAR, exact as "any") where `v` has a byte below 0x20, a quote or a backslash: a
 * byte ^ 2 is below 0x21 exactly for the control characters and the quote (0x22 ^ 2 = 0x20).
 */
@inline function special(v: u64): u64 {
  let y = v ^ TWOS;
  let z = v ^ BACKSLASHES;
  return (((y - BELOW_21) & ~y) | ((z - ONES) & ~z)) & HIGHS;
}

/** The end of the string that starts (after its opening quote) at `p`, or 0 if it is not one. */
function stringEnd(p: usize, end: usize): usize {
  while (true) {
    // Plain text, 16 bytes at a time.
    while (p + 16 <= end && (special(load<u64>(p)) | special(load<u64>(p, 8))) == 0) p += 16;
    if (p >= end) return 0;
    let c = <u32>load<u8>(p++);
    if (c == 0x22) return p;
    if (c < 0x20) return 0;
    if (c == 0x5c) {
      if (p >= end) return 0;
      let e = <u32>load<u8>(p++);
      if (e == 0x75) {
        if (p + 4 > end) return 0;
        for (let i = 0; i < 4; i++) if (!isHex(<u32>load<u8>(p + i))) return 0;
        p += 4;
      } else if (e != 0x22 && e != 0x5c && e != 0x2f && e != 0x62 && e != 0x66 && e != 0x6e && e != 0x72 && e != 0x74) {
        return 0;
      }
    }
  }
  return 0;
}

/** The end of the number that starts at `p`, or 0 if it is not one. */
function numberEnd(p: usize, end: usize): usize {
  if (load<u8>(p) == 0x2d) p++;
  if (p >= end) return 0;
  let c = <u32>load<u8>(p);
  if (c == 0x30) p++;
  else if (isDigit(c)) {
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  } else return 0;
  if (p < end && load<u8>(p) == 0x2e) {
    p++;
    if (p >= end || !isDigit(<u32>load<u8>(p))) return 0;
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  }
  if (p < end && (<u32>load<u8>(p) | 0x20) == 0x65) {
    p++;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
    if (p >= end || !isDigit(<u32>load<u8>(p))) return 0;
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  }
  return p;
}

/** The end of `word` (4 or 5 ASCII bytes, little-endian in a u64) at `p`, or 0. */
@inline function literalEnd(p: usize, end: usize, word: u64, len: u32): usize {
  if (p + len > end) return 0;
  let got: u64 = len == 4 ? <u64>load<u32>(p) : <u64>load<u32>(p) | (<u64>load<u8>(p, 4) << 32);
  return got == word ? p + len : 0;
}

/** JSON_OK if the `len` bytes at `p` are one JSON text, JSON_BAD if not, JSON_DEEP if nested too deep to tell here. */
export function checkJson(p: usize, len: u32): i32 {
  let end = p + len;
  let stack: u64 = 0;
  let depth: u32 = 0;
  let state = VALUE;
  p = skipSpace(p, end);
  while (true) {
    if (state == VALUE) {
      if (p >= end) return JSON_BAD;
      let c = <u32>load<u8>(p);
      if (c == 0x7b || c == 0x5b) {
        // { or [
        p = skipSpace(p + 1, end);
        if (p < end && <u32>load<u8>(p) == c + 2) {
          p++; // {} or []
          state = AFTER;
          continue;
        }
        if (depth == 64) return JSON_DEEP;
        stack = (stack << 1) | (c == 0x7b ? 1 : 0);
        depth++;
        state = c == 0x7b ? KEY : VALUE;
        continue;
      }
      if (c == 0x22) p = stringEnd(p + 1, end);
      else if (c == 0x74) p = literalEnd(p, end, 0x65757274, 4); // true
      else if (c == 0x66) p = literalEnd(p, end, 0x65736c6166, 5); // false
      else if (c == 0x6e) p = literalEnd(p, end, 0x6c6c756e, 4); // null
      else if (c == 0x2d || isDigit(c)) p = numberEnd(p, end);
      else return JSON_BAD;
      if (p == 0) return JSON_BAD;
      state = AFTER;
    } else if (state == AFTER) {
      p = skipSpace(p, end);
      if (depth == 0) return p == end ? JSON_OK : JSON_BAD;
      if (p >= end) return JSON_BAD;
      let c = load<u8>(p++);
      let inObject = (stack & 1) != 0;
      if (c == 0x2c) {
        p = skipSpace(p, end);
        state = inObject ? KEY : VALUE;
      } else if (c == (inObject ? 0x7d : 0x5d)) {
        stack >>= 1;
        depth--;
      } else return JSON_BAD;
    } else {
      // KEY: "name" :
      if (p >= end || load<u8>(p) != 0x22) return JSON_BAD;
      p = stringEnd(p + 1, end);
      if (p == 0) return JSON_BAD;
      p = skipSpace(p, end);
      if (p >= end || load<u8>(p) != 0x3a) return JSON_BAD;
      p = skipSpace(p + 1, end);
      state = VALUE;
    }
  }
  return JSON_BAD;
}
