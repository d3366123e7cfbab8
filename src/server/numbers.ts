// Numbers as Redis reads and prints them: 64-bit integers with string2ll's strict rules, and
// INCRBYFLOAT's x87 `long double` arithmetic, emulated exactly with BigInt so results print as
// redis-server's do (it formats with "%.17Lf" and trims trailing zeros).

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * Parses a signed 64-bit decimal integer like Redis's string2ll: no spaces, no '+', no leading
 * zeros ("0" alone is fine, "-0" is not), nothing after the digits. Undefined if invalid.
 */
export function parseInt64(buf: Uint8Array, s: number, e: number): bigint | undefined {
  const n = e - s;
  if (n === 0 || n > 20) return undefined;
  let i = s;
  if (buf[i] === 0x2d) i++;
  if (i === e) return undefined;
  if (buf[i] === 0x30) return n === 1 ? 0n : undefined;
  let small = 0;
  for (let k = i; k < e; k++) {
    const c = buf[k];
    if (c < 0x30 || c > 0x39) return undefined;
    small = small * 10 + (c - 0x30);
  }
  let v: bigint;
  if (e - i <= 15) v = BigInt(small);
  else {
    let text = '';
    for (let k = i; k < e; k++) text += String.fromCharCode(buf[k]);
    v = BigInt(text);
  }
  if (i > s) v = -v;
  return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
}

/** Same rules, for small numbers on hot paths: a JS number, or undefined if invalid or beyond 2^53. */
export function parseSmallInt(buf: Uint8Array, s: number, e: number): number | undefined {
  if (e - s > 16) {
    const big = parseInt64(buf, s, e);
    return big !== undefined && big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : undefined;
  }
  let i = s;
  if (buf[i] === 0x2d) i++;
  if (i === e) return undefined;
  if (buf[i] === 0x30) return e - s === 1 ? 0 : undefined;
  let v = 0;
  for (let k = i; k < e; k++) {
    const c = buf[k];
    if (c < 0x30 || c > 0x39) return undefined;
    v = v * 10 + (c - 0x30);
  }
  return i > s ? -v : v;
}

export function inInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

export { INT64_MAX, INT64_MIN };

// ── long double (x87 80-bit: 64-bit mantissa) ───────────────────────────────────────────────

/** A finite long double: sign * m * 2^e with 2^63 <= m < 2^64, or m = 0. */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
  /** Set for infinities (strtold accepts "inf"; Redis then refuses the result). */
  inf?: boolean;
}

const MANT_BITS = 64n;

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** num/den * 2^exp rounded to 64 mantissa bits, half to even (the x87 default). */
function round(neg: boolean, num: bigint, den: bigint, exp: number): LongDouble {
  if (num === 0n) return { neg, m: 0n, e: 0 };
  // Choose a shift so that the quotient has exactly 64 bits.
  let shift = bitLength(num) - bitLength(den) - Number(MANT_BITS);
  for (;;) {
    const n = shift < 0 ? num << BigInt(-shift) : num;
    const d = shift > 0 ? den << BigInt(shift) : den;
    let q = n / d;
    const r = n - q * d;
    if (q >= 1n << MANT_BITS) {
      shift++;
      continue;
    }
    if (q < 1n << (MANT_BITS - 1n)) {
      shift--;
      continue;
    }
    const twice = r * 2n;
    if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
    if (q === 1n << MANT_BITS) {
      q >>= 1n;
      shift++;
    }
    return { neg, m: q, e: shift + exp };
  }
}

const HEX_RE = /^[+-]?0[xX](?=\.?[0-9a-fA-F])([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const FLOAT_RE = /^[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const INF_RE = /^[+-]?(?:inf|infinity)$/i;

/**
 * Parses a float like Redis's string2ld (strtold, decimal or hexadecimal, then: no leading space,
 * nothing left over, no NaN, no overflow or underflow).
 */
export function parseLongDouble(text: string): LongDouble | undefined {
  if (text.length === 0 || text.length >= 5 * 1024) return undefined;
  if (INF_RE.test(text)) return { neg: text[0] === '-', m: 0n, e: 0, inf: true };
  const neg = text[0] === '-';
  const hex = HEX_RE.exec(text);
  if (hex) {
    // strtold's hexadecimal form: 0x<hex digits>[.<hex digits>][p<binary exponent>]
    const digits = BigInt(`0x${(hex[1] + (hex[2] ?? '')) || '0'}`);
    const exp2 = (hex[3] ? Number(hex[3]) : 0) - 4 * (hex[2] ?? '').length;
    if (digits === 0n) return { neg, m: 0n, e: 0 };
    if (exp2 + bitLength(digits) > 16384 || exp2 + bitLength(digits) < -16445) return undefined;
    const v = round(neg, digits, 1n, exp2);
    return isInfinite(v) ? undefined : v;
  }
  const m = FLOAT_RE.exec(text);
  if (!m) return undefined;
  const intPart = m[1] ?? '';
  const frac = m[2] ?? m[3] ?? '';
  const exp10 = (m[4] ? Number(m[4]) : 0) - frac.length;
  const digits = BigInt((intPart + frac).replace(/^0+/, '') || '0');
  if (digits === 0n) return { neg, m: 0n, e: 0 };
  const magnitude = exp10 + String(digits).length;
  if (magnitude > 4933 || magnitude < -4950) return undefined; // ERANGE: strtold overflows or underflows
  const v = exp10 >= 0 ? round(neg, digits * 10n ** BigInt(exp10), 1n, 0) : round(neg, digits, 10n ** BigInt(-exp10), 0);
  return isInfinite(v) ? undefined : v; // beyond LDBL_MAX: strtold's ERANGE
}

/** a + b, rounded once to a long double. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return { neg: false, m: 0n, e: 0, inf: true }; // NaN: refused all the same
    return a.inf ? a : b;
  }
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const av = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const bv = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = av + bv;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  const neg = sum < 0n;
  return round(neg, neg ? -sum : sum, 1n, e);
}

/** True when the value is beyond the long double range (x87 max exponent 16383). */
export function isInfinite(v: LongDouble): boolean {
  return v.inf === true || (v.m !== 0n && v.e + 64 > 16384);
}

/** Formats like Redis's ld2string(LD_STR_HUMAN): "%.17Lf", trailing zeros and dot trimmed, "-0" as "0". */
export function formatLongDouble(v: LongDouble): string {
  // The value times 10^17, rounded half to even, as glibc's printf rounds an exact binary value.
  const scaledNum = v.m * 10n ** 17n;
  let q: bigint;
  if (v.e >= 0) q = scaledNum << BigInt(v.e);
  else {
    const d = 1n << BigInt(-v.e);
    q = scaledNum / d;
    const twice = (scaledNum - q * d) * 2n;
    if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  }
  let digits = q.toString().padStart(18, '0');
  let text = `${digits.slice(0, -17)}.${digits.slice(-17)}`;
  text = text.replace(/0+$/, '').replace(/\.$/, '');
  digits = text;
  if (v.neg && digits !== '0') return `-${digits}`;
  return digits;
}

// ── glob patterns (KEYS, SCAN MATCH, CONFIG GET): see glob.ts ───────────────────────────────

export { compileGlob, globMatch } from './glob.js';
