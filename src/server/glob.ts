// Glob patterns (KEYS, SCAN MATCH, CONFIG GET) with the results of Redis's stringmatchlen, but
// without its recursion: the pattern is read once into tokens, then matched with one resume point
// (the last `*` seen), so a match costs at most O(pattern × string) steps whatever the pattern.
//
// That one resume point is enough because every token but `*` consumes exactly one byte: if the
// rest of the pattern after the last `*` cannot match from any later position, giving an earlier
// `*` more bytes cannot help either (Redis 7.0 stops its recursion on the same reasoning).
//
// Redis's syntax and quirks, kept:
// - `*` any bytes, `?` one byte, `\x` the byte x (a trailing `\` is itself), `[abc]`, `[^abc]`,
//   `[a-z]` (ends in either order), `\` escapes inside a class (compared without nocase).
// - An unclosed class runs to the end of the pattern; `[a-]` is the range from 'a' to ']'.
// - Class ranges compare bytes as C's signed char: `[a-\xff]` is -1..97, so it holds 'Z' and 0xff
//   but not 'b' or 0xe0.
// - An empty string matches only the empty pattern (KEYS and SCAN treat the pattern `*` apart).
// - More than 1000 nested `*` (not counting a pattern's final `*`) match nothing: Redis's guard
//   against deep recursion (`nesting > 1000`).

const STAR = 0;
const ANY = 1;
const LIT = 2;
const CLASS = 3;
const NOT_CLASS = 4;

const C_STAR = 0x2a;
const C_QUESTION = 0x3f;
const C_OPEN = 0x5b;
const C_CLOSE = 0x5d;
const C_CARET = 0x5e;
const C_BACKSLASH = 0x5c;
const C_DASH = 0x2d;

/** Redis's limit on nested `*` (stringmatchlen_impl returns no match beyond it). */
const MAX_NESTING = 1000;

/** ASCII lower case, as C's tolower in the C locale. */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** A byte as C's (signed) char. */
function signed(c: number): number {
  return c >= 0x80 ? c - 0x100 : c;
}

/** A compiled pattern: `test(str)` answers as Redis's stringmatchlen(pattern, str, nocase). */
export interface Glob {
  test(str: Uint8Array): boolean;
}

/** Compiles `pat` once, for matching many strings. */
export function compileGlob(pat: Uint8Array, nocase = false): Glob {
  const pend = pat.length;
  // Tokens: kind, and an argument (the byte of LIT, the first byte of a class's body).
  const kinds: number[] = [];
  const args: number[] = [];
  let starGroups = 0;
  let p = 0;
  while (p < pend) {
    const c = pat[p];
    if (c === C_STAR) {
      while (p + 1 < pend && pat[p + 1] === C_STAR) p++;
      kinds.push(STAR);
      args.push(0);
      starGroups++;
      p++;
    } else if (c === C_QUESTION) {
      kinds.push(ANY);
      args.push(0);
      p++;
    } else if (c === C_OPEN) {
      let q = p + 1;
      const not = pat[q] === C_CARET;
      if (not) q++;
      kinds.push(not ? NOT_CLASS : CLASS);
      args.push(q);
      // Find where the class ends: at its ']' or at the end of the pattern.
      for (;;) {
        if (pat[q] === C_BACKSLASH && pend - q >= 2) q += 2;
        else if (pat[q] === C_CLOSE) {
          q++;
          break;
        } else if (q >= pend) break;
        else if (pend - q >= 3 && pat[q + 1] === C_DASH) q += 3;
        else q++;
      }
      p = q;
    } else {
      if (c === C_BACKSLASH && pend - p >= 2) p++;
      kinds.push(LIT);
      args.push(nocase ? lower(pat[p]) : pat[p]);
      p++;
    }
  }
  const count = kinds.length;
  const endsWithStar = count > 0 && kinds[count - 1] === STAR;
  // Redis recurses once per `*` group, except for a final one (it matches whatever is left).
  const tooDeep = starGroups - (endsWithStar ? 1 : 0) > MAX_NESTING;

  /** Whether byte `ch` is in the class whose body starts at `from` (Redis's loop, byte for byte). */
  function inClass(from: number, ch: number): boolean {
    let match = false;
    let q = from;
    for (;;) {
      if (pat[q] === C_BACKSLASH && pend - q >= 2) {
        q++;
        if (pat[q] === ch) match = true;
      } else if (pat[q] === C_CLOSE) break;
      else if (q >= pend) break;
      else if (pend - q >= 3 && pat[q + 1] === C_DASH) {
        let lo = signed(pat[q]);
        let hi = signed(pat[q + 2]);
        let c = signed(ch);
        if (lo > hi) [lo, hi] = [hi, lo];
        if (nocase) {
          lo = lower(lo);
          hi = lower(hi);
          c = lower(c);
        }
        q += 2;
        if (c >= lo && c <= hi) match = true;
      } else if (nocase ? lower(pat[q]) === lower(ch) : pat[q] === ch) match = true;
      q++;
    }
    return match;
  }

  function one(t: number, ch: number): boolean {
    switch (kinds[t]) {
      case ANY:
        return true;
      case LIT:
        return args[t] === (nocase ? lower(ch) : ch);
      case CLASS:
        return inClass(args[t], ch);
      default:
        return !inClass(args[t], ch);
    }
  }

  return {
    test(str: Uint8Array): boolean {
      const n = str.length;
      if (n === 0) return pend === 0;
      if (tooDeep) return false;
      let s = 0;
      let t = 0;
      let star = -1; // the last `*` token passed, where a failed match resumes
      let resume = 0; // the string position that `*` now starts taking bytes from
      while (s < n) {
        if (t < count && kinds[t] === STAR) {
          if (t === count - 1) return true; // a final `*` takes the rest
          star = t++;
          resume = s;
        } else if (t < count && one(t, str[s])) {
          s++;
          t++;
        } else if (star >= 0) {
          // Let the last `*` take one byte more and match the tokens after it again.
          s = ++resume;
          t = star + 1;
        } else return false;
      }
      while (t < count && kinds[t] === STAR) t++;
      return t === count;
    },
  };
}

/** Redis's stringmatchlen(pat, str, nocase), for a single match (compile once with compileGlob for many). */
export function globMatch(pat: Uint8Array, str: Uint8Array, nocase = false): boolean {
  return compileGlob(pat, nocase).test(str);
}
