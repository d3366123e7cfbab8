// The reply side of RESP2 and RESP3. Replies are encoded into one growing buffer; the server sends
// everything a batch of pipelined commands produced with a single socket write.

import type { ValueSink } from '../cache-types.js';

/** Where replies go before they reach the socket, with one method per RESP type. */
export class ReplyWriter implements ValueSink {
  buf: Buffer;
  n = 0;
  /** The protocol version of the client being answered: 2 or 3. */
  resp: 2 | 3 = 2;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + extra));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  /** Takes the encoded bytes out (a copy the socket may keep) and empties the writer. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.n);
    this.buf.copy(out, 0, 0, this.n);
    this.n = 0;
    if (this.buf.length > 4 << 20) this.buf = Buffer.allocUnsafe(64 * 1024); // give back a big burst
    return out;
  }

  private crlf(): void {
    this.buf[this.n++] = 13;
    this.buf[this.n++] = 10;
  }

  /** A type byte, a decimal number, CRLF. The caller reserved 24 bytes. */
  private head(type: number, v: number): void {
    const b = this.buf;
    b[this.n++] = type;
    if (v < 0) {
      b[this.n++] = 0x2d;
      v = -v;
    }
    if (v < 10) b[this.n++] = 0x30 + v;
    else if (v < 100) {
      b[this.n++] = 0x30 + ((v / 10) | 0);
      b[this.n++] = 0x30 + (v % 10);
    } else if (v < 10000 && v === (v | 0)) {
      // Bulk lengths of common values (a 1 KiB value: 1024) without a string.
      let d = v < 1000 ? 100 : 1000;
      for (; d >= 1; d /= 10) b[this.n++] = 0x30 + (((v / d) | 0) % 10);
    } else this.n += b.write(String(v), this.n, 'latin1');
    this.crlf();
  }

  /** Raw bytes, already encoded. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
  }

  /** `+text` (text must not hold CR or LF). */
  simple(text: string): void {
    this.reserve(text.length + 3);
    this.buf[this.n++] = 0x2b;
    this.n += this.buf.write(text, this.n, 'latin1');
    this.crlf();
  }

  ok(): void {
    this.raw(OK);
  }

  /**
   * `-CODE message`. `message` starts with its code (ERR, WRONGTYPE, NOAUTH...); CR and LF are
   * turned into spaces as Redis does, so an echoed argument cannot break the stream.
   */
  error(message: string): void {
    this.reserve(message.length + 3);
    this.buf[this.n++] = 0x2d;
    const at = this.n;
    this.n += this.buf.write(message, this.n, 'latin1');
    for (let i = at; i < this.n; i++) if (this.buf[i] === 13 || this.buf[i] === 10) this.buf[i] = 0x20;
    this.crlf();
  }

  /** `:n`. */
  int(v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.simpleTyped(0x3a, v.toString());
      return;
    }
    this.reserve(24);
    this.head(0x3a, v);
  }

  /** A bulk string of bytes. */
  bulk(bytes: Uint8Array): void {
    this.reserve(bytes.length + 24);
    this.head(0x24, bytes.length);
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
    this.crlf();
  }

  /** A bulk string of `src[start, end)`: GET's value, copied from the cache's memory (ValueSink). */
  value(src: Uint8Array, start: number, end: number): void {
    const len = end - start;
    this.reserve(len + 24);
    this.head(0x24, len);
    const b = this.buf;
    let n = this.n;
    if (len <= 32) for (let i = start; i < end; i++) b[n++] = src[i];
    else {
      b.set(src.subarray(start, end), n);
      n += len;
    }
    b[n++] = 13;
    b[n++] = 10;
    this.n = n;
  }

  /** GET found nothing: a null (ValueSink). */
  missing(): void {
    this.nil();
  }

  /** A bulk string from text (latin1, so every char is one byte: for numbers and ASCII). */
  bulkLatin1(text: string): void {
    this.reserve(text.length + 24);
    this.head(0x24, text.length);
    this.n += this.buf.write(text, this.n, 'latin1');
    this.crlf();
  }

  /** A bulk string of UTF-8 text. */
  bulkText(text: string): void {
    const len = Buffer.byteLength(text);
    this.reserve(len + 24);
    this.head(0x24, len);
    this.n += this.buf.write(text, this.n, 'utf8');
    this.crlf();
  }

  /** A null: `$-1` (RESP2) or `_` (RESP3). */
  nil(): void {
    this.raw(this.resp === 3 ? NULL3 : NIL_BULK);
  }

  /** A null array: `*-1` (RESP2) or `_` (RESP3). */
  nilArray(): void {
    this.raw(this.resp === 3 ? NULL3 : NIL_ARRAY);
  }

  /** `*n`: n replies follow. */
  array(n: number): void {
    this.reserve(24);
    this.head(0x2a, n);
  }

  /** A set of n replies: `~n` (RESP3) or an array (RESP2). */
  set(n: number): void {
    this.reserve(24);
    this.head(this.resp === 3 ? 0x7e : 0x2a, n);
  }

  /** A map of n pairs: `%n` (RESP3) or a flat array of 2n (RESP2). */
  map(n: number): void {
    this.reserve(24);
    if (this.resp === 3) this.head(0x25, n);
    else this.head(0x2a, n * 2);
  }

  /** Text for humans (INFO, CLIENT INFO): RESP3 verbatim `=len\r\ntxt:...`, else a bulk string. */
  verbatim(text: string): void {
    if (this.resp === 2) return this.bulkText(text);
    const len = Buffer.byteLength(text) + 4;
    this.reserve(len + 24);
    this.head(0x3d, len);
    this.n += this.buf.write('txt:', this.n, 'latin1');
    this.n += this.buf.write(text, this.n, 'utf8');
    this.crlf();
  }

  private simpleTyped(type: number, text: string): void {
    this.reserve(text.length + 3);
    this.buf[this.n++] = type;
    this.n += this.buf.write(text, this.n, 'latin1');
    this.crlf();
  }
}

const OK = Buffer.from('+OK\r\n');
const NIL_BULK = Buffer.from('$-1\r\n');
const NIL_ARRAY = Buffer.from('*-1\r\n');
const NULL3 = Buffer.from('_\r\n');
