// Moving keys and values between JavaScript and the cache's linear memory. Nothing here allocates
// on the hot path for short ASCII keys and values; longer text goes through the platform's UTF-8
// codec (Node's Buffer where present, else TextEncoder/TextDecoder).

import { FRESH_BYTES, KIND_BYTES, KIND_FRESH, KIND_JSON, KIND_MASK, KIND_STRING } from '../assembly/abi.js';
import { copyOut } from './byte-pool.js';
import { CacheError } from './errors.js';

export { copyBytes } from './byte-pool.js';

/** What set() accepts as a key. */
export type Key = string | Uint8Array;

/**
 * The constraint on a cache's value type V (`Cache<V extends Storable<V>>`): what the codec stores
 * (see {@link encodeValue}): strings, Uint8Arrays (bytes), finite numbers, booleans, null, and
 * arrays and plain objects (interfaces included) of those, at any depth. Functions, symbols,
 * bigints, undefined, Dates, Maps and other objects with methods are type errors. (Class instances
 * with fields only pass the check but are refused at runtime, ERR_VALUE_TYPE: only plain objects
 * are stored. A plain object with a field named `bind` is refused too: that is how functions are told apart.)
 */
export type Storable<T> = StorableTop & { [K in keyof T]: T extends Uint8Array ? T[K] : StorableField<T[K]> };

/** What a value can be at the top, checked without looking into it (a function has `bind`; a plain object has not). */
type StorableTop = string | number | boolean | null | Uint8Array | readonly unknown[] | (object & { bind?: never });

/** A field or element of a stored value: itself if storable, else never. */
type StorableField<T> = T extends string | number | boolean | null | Uint8Array
  ? T
  : T extends ((...args: never) => unknown) | symbol | bigint | undefined
    ? never
    : T extends readonly (infer E)[]
      ? readonly StorableField<E>[]
      : T extends object
        ? { [K in keyof T]: StorableField<T[K]> }
        : never;

/** Any value the codec stores (JSON-like, with Uint8Array for bytes); e.g. `createCache<StorableValue>()` for a strict untyped cache. */
export type StorableValue = string | number | boolean | null | Uint8Array | readonly StorableValue[] | { readonly [key: string]: StorableValue };

interface NodeBufferLike {
  toString(encoding: 'utf8' | 'latin1', start: number, end: number): string;
  write(text: string, offset: number, length: number, encoding: 'utf8'): number;
  // Buffer's own codecs, which toString() and write() call after checking their arguments (that
  // check costs about as much as encoding 100 bytes); used when present.
  utf8Write?(text: string, offset: number, length: number): number;
  latin1Write?(text: string, offset: number, length: number): number;
  utf8Slice?(start: number, end: number): string;
}
interface NodeBufferStatic {
  from(buffer: ArrayBuffer): NodeBufferLike;
  byteLength(text: string, encoding: 'utf8'): number;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferStatic }).Buffer;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SHORT = 32;

/** A string's UTF-8 bytes in a new array (for text too large for the scratch region). */
export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 length of a string, without encoding it. */
export function utf8Length(s: string): number {
  if (NodeBuffer) return NodeBuffer.byteLength(s, 'utf8');
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // 4 bytes for the pair of 2 chars
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/** writeText's answer for text that has no UTF-8 form (a lone surrogate). */
export const ILL_FORMED = -2;

const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/**
 * True if the string is well-formed UTF-16 (no lone surrogate), so that UTF-8 holds it exactly:
 * encoders replace a lone surrogate by U+FFFD, which would make distinct keys collide.
 */
export function isWellFormedText(s: string): boolean {
  if (nativeWellFormed) return nativeWellFormed.call(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff || i + 1 === s.length) return false;
    const d = s.charCodeAt(++i);
    if (d < 0xdc00 || d > 0xdfff) return false;
  }
  return true;
}

/** Where the first lone surrogate is, for error messages. */
function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return i;
    i++;
  }
  return -1;
}

/** The error for a string key or value with a lone surrogate. */
export function illFormedError(what: 'key' | 'value', s: string): CacheError {
  const i = loneSurrogateAt(s);
  const code = s.charCodeAt(i).toString(16).toUpperCase();
  return new CacheError(
    what === 'key' ? 'ERR_KEY_TYPE' : 'ERR_VALUE_TYPE',
    `${what} must be well-formed UTF-16 text, got a lone surrogate (\\u${code}) at index ${i}, which has no UTF-8 form` +
      (what === 'key' ? '; use a Uint8Array for binary keys' : '; store binary data as a Uint8Array'),
  );
}

/** Typed views over one cache's memory. The memory never grows, so they never detach. */
export class Views {
  readonly u8: Uint8Array;
  private readonly nodeBuf: NodeBufferLike | undefined;
  private readonly direct: boolean; // nodeBuf has utf8Write, latin1Write and utf8Slice
  /** A shared cache's memory: TextEncoder and TextDecoder may refuse views of a SharedArrayBuffer, so they get copies. */
  private readonly shared: boolean;

  constructor(buffer: ArrayBuffer) {
    this.u8 = new Uint8Array(buffer);
    this.shared = typeof SharedArrayBuffer !== 'undefined' && (buffer as unknown) instanceof SharedArrayBuffer;
    this.nodeBuf = NodeBuffer ? NodeBuffer.from(buffer) : undefined;
    this.direct =
      typeof this.nodeBuf?.utf8Write === 'function' && typeof this.nodeBuf?.utf8Slice === 'function' && typeof this.nodeBuf?.latin1Write === 'function';
  }

  /**
   * Writes `text` as UTF-8 at `at`, if it fits in `room` bytes. Returns the byte length, -1 if
   * it does not fit (nothing useful is written then), or ILL_FORMED if it has a lone surrogate.
   */
  writeText(text: string, at: number, room: number): number {
    const n = text.length;
    if (n <= SHORT && n <= room) {
      const u8 = this.u8;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        u8[at + i] = c;
      }
      if (i === n) return n;
    }
    if (!isWellFormedText(text)) return ILL_FORMED;
    if (n * 3 > room && utf8Length(text) > room) return -1;
    if (this.direct) return this.nodeBuf!.utf8Write!(text, at, room);
    if (this.nodeBuf) return this.nodeBuf.write(text, at, room, 'utf8');
    if (this.shared) {
      const bytes = encoder.encode(text);
      if (bytes.length > room) return -1;
      this.u8.set(bytes, at);
      return bytes.length;
    }
    return encoder.encodeInto(text, this.u8.subarray(at, at + room)).written;
  }

  /**
   * The UTF-8 length of `text` if writeKnown can write it later (straight into the item: one copy
   * instead of two through the scratch region), else -1 (short text, which the charCodeAt loop
   * writes as fast, or no Node Buffer); ILL_FORMED for a lone surrogate. A length equal to the
   * string's means ASCII (any other character takes more bytes than UTF-16 units), which
   * latin1Write copies at up to 2.8x utf8Write's speed (measured, 128 B to 64 KiB).
   */
  knownLength(text: string): number {
    if (text.length <= SHORT || !this.direct) return -1;
    const n = NodeBuffer!.byteLength(text, 'utf8');
    if (n !== text.length && !isWellFormedText(text)) return ILL_FORMED;
    return n;
  }

  /** Writes `text`, whose UTF-8 length knownLength gave as `len`, at `at`. */
  writeKnown(text: string, at: number, len: number): void {
    if (len === text.length) this.nodeBuf!.latin1Write!(text, at, len);
    else this.nodeBuf!.utf8Write!(text, at, len);
  }

  readText(at: number, len: number): string {
    if (len <= SHORT) {
      const u8 = this.u8;
      let s = '';
      let i = 0;
      for (; i < len; i++) {
        const c = u8[at + i];
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === len) return s;
    }
    if (this.direct) return this.nodeBuf!.utf8Slice!(at, at + len);
    if (this.nodeBuf) return this.nodeBuf.toString('utf8', at, at + len);
    return decoder.decode(this.shared ? this.u8.slice(at, at + len) : this.u8.subarray(at, at + len));
  }

  /**
   * The text of `len` bytes at `at` as one flat string (readText's loop concatenates, and a
   * concatenation of 13 chars or more is a rope that every later comparison walks through).
   */
  flatText(at: number, len: number): string {
    if (this.direct) return this.nodeBuf!.utf8Slice!(at, at + len);
    return decoder.decode(this.shared ? this.u8.slice(at, at + len) : this.u8.subarray(at, at + len));
  }

  /** A copy of the bytes, the caller's to change (src/byte-pool.ts: short ones share a pool's ArrayBuffer). */
  readBytes(at: number, len: number): Uint8Array {
    return copyOut(this.u8, at, len);
  }
}

/** A value ready to be stored: its kind, and either text to encode or bytes to copy. */
export interface EncodedValue {
  kind: number;
  text?: string;
  bytes?: Uint8Array;
}

const ALLOWED = 'a string, a Uint8Array, or a JSON-serialisable value (number, boolean, null, array, plain object)';

/** Classifies a value and turns non-text, non-byte values into JSON text. */
export function encodeValue(value: unknown): EncodedValue {
  if (typeof value === 'string') return { kind: KIND_STRING, text: value };
  if (value instanceof Uint8Array) return { kind: KIND_BYTES, bytes: value };
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CacheError('ERR_VALUE_TYPE', `value must be ${ALLOWED}; ${value} has no JSON form`);
      }
      return { kind: KIND_JSON, text: JSON.stringify(value) };
    case 'boolean':
      return { kind: KIND_JSON, text: JSON.stringify(value) };
    case 'object': {
      const proto = value === null ? null : Object.getPrototypeOf(value);
      if (value === null || Array.isArray(value) || proto === Object.prototype || proto === null) {
        let text: string;
        try {
          text = JSON.stringify(value);
        } catch (e) {
          throw new CacheError('ERR_VALUE_TYPE', `value must be ${ALLOWED}; JSON.stringify failed: ${(e as Error).message}`);
        }
        // A toJSON() that returns undefined, a function or a Symbol leaves nothing to store.
        if (typeof text !== 'string') {
          throw new CacheError('ERR_VALUE_TYPE', `value must be ${ALLOWED}; its toJSON() gave no JSON value`);
        }
        return { kind: KIND_JSON, text };
      }
      const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new CacheError('ERR_VALUE_TYPE', `value must be ${ALLOWED}, got a ${name}`);
    }
    default:
      throw new CacheError('ERR_VALUE_TYPE', `value must be ${ALLOWED}, got ${typeof value}`);
  }
}

/**
 * Turns stored bytes back into the kind of value that was stored. `flags` is the item's kind with
 * its flags (REG_KIND): a value with KIND_FRESH starts with its fresh-until time, skipped here.
 */
export function decodeValue(views: Views, at: number, len: number, flags: number): unknown {
  if (flags & KIND_FRESH) {
    at += FRESH_BYTES;
    len -= FRESH_BYTES;
  }
  const kind = flags & KIND_MASK;
  if (kind === KIND_STRING) return views.readText(at, len);
  if (kind === KIND_BYTES) return views.readBytes(at, len);
  return JSON.parse(views.readText(at, len));
}

export function keyTypeError(key: unknown): CacheError {
  const what = key === null ? 'null' : typeof key === 'object' ? (key as object).constructor?.name ?? 'object' : typeof key;
  return new CacheError('ERR_KEY_TYPE', `key must be a string or a Uint8Array, got ${what}`);
}
