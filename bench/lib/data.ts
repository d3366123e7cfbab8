// Keys and values shared by every bench: 16-char keys ('user:' + 11 digits), ASCII string values,
// and 1 KiB byte values stamped with their key's id so that answers can be checked.

export const KEY_LEN = 16;
const KEY_PREFIX = 'user:';
const ID_DIGITS = KEY_LEN - KEY_PREFIX.length; // 11

/** The key a service builds for an id, per operation (a cons string, as `'user:' + id` gives). */
export function keyOf(id: number): string {
  return KEY_PREFIX + String(id).padStart(ID_DIGITS, '0');
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Builds flat one-byte strings, as a service gets them from a decoder (JSON.parse, a socket): the
 * bytes are written into a reused buffer and decoded, so no cons or sliced strings reach a cache
 * and every string is a fresh object. Values are `valueLen` chars: the id's 11 digits, ':' and
 * filler fixed per maker (so two makers with the same seed build the same values).
 */
export class StringMaker {
  private readonly td = new TextDecoder();
  private readonly keyBuf = new Uint8Array(KEY_LEN);
  private readonly valueBuf: Uint8Array;

  constructor(
    readonly valueLen: number,
    seed = 0x5eed,
  ) {
    if (valueLen < ID_DIGITS + 1) throw new Error(`values must be at least ${ID_DIGITS + 1} chars`);
    for (let i = 0; i < KEY_PREFIX.length; i++) this.keyBuf[i] = KEY_PREFIX.charCodeAt(i);
    this.valueBuf = new Uint8Array(valueLen);
    let x = seed >>> 0;
    for (let i = ID_DIGITS; i < valueLen; i++) {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
      this.valueBuf[i] = ALPHABET.charCodeAt((x >>> 16) % ALPHABET.length);
    }
    this.valueBuf[ID_DIGITS] = 0x3a; // ':'
  }

  key(id: number): string {
    writeDigits(this.keyBuf, KEY_PREFIX.length, id);
    return this.td.decode(this.keyBuf);
  }

  value(id: number): string {
    writeDigits(this.valueBuf, 0, id);
    return this.td.decode(this.valueBuf);
  }
}

/** The keys and values of ids 0..n-1, built by one StringMaker (flat strings, held in arrays). */
export function stringEntries(n: number, valueLen: number): { keys: string[]; values: string[] } {
  const make = new StringMaker(valueLen);
  const keys: string[] = new Array(n);
  const values: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = make.key(i);
    values[i] = make.value(i);
  }
  return { keys, values };
}

/** Writes id as ID_DIGITS zero-padded decimal digits at `at`. */
function writeDigits(buf: Uint8Array, at: number, id: number): void {
  for (let i = at + ID_DIGITS - 1; i >= at; i--) {
    buf[i] = 0x30 + (id % 10);
    id = Math.floor(id / 10);
  }
}

/** The id a value built by StringMaker.value carries. */
export function idOfValue(value: string): number {
  return Number(value.slice(0, ID_DIGITS));
}

// ── byte values ─────────────────────────────────────────────────────────────────────────────────

/** A byte value's template: filler bytes; the first 4 bytes are overwritten with the key's id. */
export function byteTemplate(len: number, seed = 0xb17e5): Uint8Array {
  const t = new Uint8Array(len);
  let x = seed >>> 0;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    t[i] = x >>> 24;
  }
  return t;
}

/** Writes id into the first 4 bytes (little-endian). */
export function stamp(bytes: Uint8Array, id: number): void {
  bytes[0] = id;
  bytes[1] = id >>> 8;
  bytes[2] = id >>> 16;
  bytes[3] = id >>> 24;
}

/** The id stamped into a byte value. */
export function stampOf(bytes: Uint8Array): number {
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
}

/** A new byte value for id: the template with the id stamped in (what a JS cache must keep). */
export function newByteValue(template: Uint8Array, id: number): Uint8Array {
  const v = new Uint8Array(template.length);
  v.set(template);
  stamp(v, id);
  return v;
}
