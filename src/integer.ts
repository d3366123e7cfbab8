// Redis-style integers in stored bytes (INCRBY): what incr() accepts.
import { CacheError } from './errors.js';

/** Parses a Redis-style integer (optional '-', digits, no leading zeros, no '+' or spaces). */
export function parseInteger(u8: Uint8Array, at: number, len: number): number {
  const bad = () =>
    new CacheError('ERR_NOT_INTEGER', 'value is not an integer or out of range (incr needs a decimal integer string)');
  if (len === 0 || len > 17) throw bad();
  let i = 0;
  const neg = u8[at] === 0x2d;
  if (neg) i = 1;
  if (i === len) throw bad();
  if (u8[at + i] === 0x30 && len > i + 1) throw bad();
  if (neg && u8[at + i] === 0x30) throw bad(); // "-0"
  let n = 0;
  for (; i < len; i++) {
    const d = u8[at + i] - 0x30;
    if (d < 0 || d > 9) throw bad();
    n = n * 10 + d;
  }
  if (!Number.isSafeInteger(n)) throw bad();
  return neg ? -n : n;
}
