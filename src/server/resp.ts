// The request side of RESP: turns the bytes a client sends into commands, the way Redis 7.0's
// networking.c does (processMultibulkBuffer / processInlineBuffer), including its error strings.
//
// Arguments are never copied into strings: a command is a list of [start, end) offsets into the
// receive buffer, and handlers take byte views (or small strings) only where they need them.

/** Longest inline command line, and longest `*<n>` / `$<n>` header (Redis PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX = 64 * 1024;

/** A malformed request. The connection answers `-ERR Protocol error: <message>` and closes. */
export class ProtocolError extends Error {}

/** Limits the parser enforces (see ServerConfig). */
export interface ParserLimits {
  /** proto-max-bulk-len: longest bulk string. */
  maxBulk: number;
  /** Most arguments in one command. */
  maxArgs: number;
  /** client-query-buffer-limit: most bytes buffered for one unfinished command. */
  maxQueryBuffer: number;
}

/** Thrown when a client's unfinished command outgrows the query buffer limit (Redis closes it silently). */
export class QueryBufferOverflow extends Error {}

/**
 * One parsed command: argument i is `buf[start[i] .. end[i])`. Valid until the parser is fed
 * again; the argument arrays are reused from command to command.
 */
export class Command {
  buf: Buffer = Buffer.alloc(0);
  argc = 0;
  start = new Int32Array(16);
  end = new Int32Array(16);

  /** Byte length of argument i. */
  len(i: number): number {
    return this.end[i] - this.start[i];
  }

  /** A view of argument i (no copy: valid until the parser is fed again). */
  bytes(i: number): Buffer {
    return this.buf.subarray(this.start[i], this.end[i]);
  }

  /**
   * A view of argument i for hot paths: a subarray of a plain Uint8Array over the whole buffer,
   * which V8 makes faster than Buffer#subarray or a Uint8Array constructed at an offset.
   */
  view(i: number): Uint8Array {
    return this.data.subarray(this.start[i], this.end[i]);
  }

  /** The buffer as a plain Uint8Array (ByteArgs: what Cache.setArg and getArg read the arguments from). */
  get data(): Uint8Array {
    if (this.u8For !== this.buf) {
      this.u8 = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.length);
      this.u8For = this.buf;
    }
    return this.u8;
  }

  private u8: Uint8Array = new Uint8Array(0);
  private u8For: Buffer | undefined;

  /** A copy of argument i, for values kept beyond this command. */
  copy(i: number): Buffer {
    return Buffer.from(this.bytes(i));
  }

  /** Argument i decoded as latin1, which keeps every byte (for messages and option names). */
  str(i: number): string {
    return this.buf.toString('latin1', this.start[i], this.end[i]);
  }

  /** Argument i as C's %s prints it in Redis's messages: latin1, cut at the first NUL byte. */
  cstr(i: number): string {
    const nul = this.buf.indexOf(0, this.start[i]);
    return this.buf.toString('latin1', this.start[i], nul >= 0 && nul < this.end[i] ? nul : this.end[i]);
  }

  /** True if argument i equals `word` (upper-case ASCII) ignoring case. */
  is(i: number, word: string): boolean {
    const s = this.start[i];
    if (this.end[i] - s !== word.length) return false;
    const b = this.buf;
    for (let k = 0; k < word.length; k++) {
      const c = b[s + k];
      // Letters compare without case; other bytes must match exactly.
      if (c !== word.charCodeAt(k) && !(c >= 0x61 && c <= 0x7a && c - 0x20 === word.charCodeAt(k))) return false;
    }
    return true;
  }

  /** Upper-case name of argument i (for subcommand dispatch and messages). */
  upper(i: number): string {
    return this.str(i).toUpperCase();
  }

  /** @internal */
  push(s: number, e: number): void {
    if (this.argc === this.start.length) {
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.start = grow(this.start);
      this.end = grow(this.end);
    }
    this.start[this.argc] = s;
    this.end[this.argc++] = e;
  }
}

const CR = 13;
const LF = 10;

/**
 * Incremental RESP request parser for one connection. Feed it socket chunks; call next() until
 * it returns false. A chunk that holds only whole commands is parsed in place; leftovers of an
 * unfinished command are kept in a buffer this parser owns.
 */
export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private len = 0;
  private owned: Buffer | undefined;
  // State of a multibulk command in progress, so a huge command arriving slowly is parsed once.
  private wanted = 0; // arguments still expected; 0 when between commands
  private cmdStart = 0;
  /** Whether the client has authenticated (unauthenticated clients get Redis's tighter limits). */
  authenticated = true;
  readonly cmd = new Command();

  constructor(private readonly limits: ParserLimits) {}

  /** Adds received bytes. */
  feed(chunk: Buffer): void {
    if (this.pos === this.len && this.wanted === 0) {
      this.buf = chunk;
      this.pos = this.cmdStart = 0;
      this.len = chunk.length;
      return;
    }
    const keep = this.len - this.cmdStart;
    const need = keep + chunk.length;
    if (this.buf !== this.owned || this.cmdStart > 0 || need > this.buf.length) {
      let dst = this.owned;
      if (dst === undefined || need > dst.length) dst = Buffer.allocUnsafe(Math.max(need, keep * 2, 16 * 1024));
      this.buf.copy(dst, 0, this.cmdStart, this.len);
      const shift = this.cmdStart;
      for (let i = 0; i < this.cmd.argc; i++) {
        this.cmd.start[i] -= shift;
        this.cmd.end[i] -= shift;
      }
      this.pos -= shift;
      this.cmdStart = 0;
      this.len = keep;
      this.buf = this.owned = dst;
      this.cmd.buf = dst; // arguments parsed so far moved with the bytes
    }
    chunk.copy(this.buf, this.len);
    this.len += chunk.length;
    if (this.len - this.cmdStart > this.limits.maxQueryBuffer) throw new QueryBufferOverflow();
  }

  /** Bytes received and not yet parsed into a command. */
  get pending(): number {
    return this.len - this.cmdStart;
  }

  /**
   * Parses the next complete command into `cmd`. False if more bytes are needed.
   * @throws ProtocolError on a malformed request.
   */
  next(): boolean {
    for (;;) {
      if (this.wanted === 0) {
        if (this.pos >= this.len) {
          this.release();
          return false;
        }
        this.cmdStart = this.pos;
        this.cmd.argc = 0;
        this.cmd.buf = this.buf;
        if (this.buf[this.pos] !== 0x2a /* '*' */) {
          const r = this.inline();
          if (r < 0) return false;
          if (r === 0) continue; // empty line
          return true;
        }
        const n = this.header(this.pos, 'mbulk');
        if (n === -2) return false;
        if (n === -1 || n > 0x7fffffff) throw new ProtocolError('invalid multibulk length');
        if (!this.authenticated && n > 1024 * 1024) throw new ProtocolError('unauthenticated multibulk length');
        if (n > this.limits.maxArgs) throw new ProtocolError('invalid multibulk length');
        if (n <= 0) continue; // `*0` and `*-1` are skipped, as in Redis
        this.wanted = n;
      }
      while (this.wanted > 0) {
        if (this.pos >= this.len) return this.waitMore();
        const c = this.buf[this.pos];
        if (c !== 0x24 /* '$' */) throw new ProtocolError(`expected '$', got '${String.fromCharCode(c)}'`);
        const at = this.pos;
        const n = this.header(at, 'bulk');
        if (n === -2) return this.waitMore();
        if (n < 0 || (!this.authenticated && n > 16384) || n > this.limits.maxBulk) {
          throw new ProtocolError(this.authenticated || n < 0 || n > this.limits.maxBulk ? 'invalid bulk length' : 'unauthenticated bulk length');
        }
        // Redis skips the two bytes after the data without checking that they are CRLF.
        if (this.len - this.pos < n + 2) {
          this.pos = at; // re-read this header once the data is here
          return this.waitMore();
        }
        this.cmd.push(this.pos, this.pos + n);
        this.pos += n + 2;
        this.wanted--;
      }
      return true;
    }
  }

  private waitMore(): false {
    if (this.len - this.cmdStart > this.limits.maxQueryBuffer) throw new QueryBufferOverflow();
    return false;
  }

  /** Forgets a fully consumed chunk, so the next one is parsed in place. */
  private release(): void {
    this.pos = this.len = this.cmdStart = 0;
    this.buf = this.owned ?? this.buf;
    if (this.owned !== undefined && this.owned.length > 1 << 20) this.owned = undefined; // do not pin a big buffer
  }

  /**
   * Parses `*<n>\r\n` or `$<n>\r\n` at `at` and moves past it. Returns n, -1 for a malformed
   * number (Redis's string2ll rules), or -2 if the line is not complete yet.
   */
  private header(at: number, what: 'mbulk' | 'bulk'): number {
    const buf = this.buf;
    const len = this.len;
    let i = at + 1;
    let n = 0;
    let ok = true;
    let neg = false;
    let digits = 0;
    for (; i < len; i++) {
      const c = buf[i];
      if (c === CR) break;
      if (c >= 0x30 && c <= 0x39) {
        if ((c === 0x30 && digits === 0 && (neg || buf[i + 1] !== CR)) || digits >= 15) ok = false; // no leading zeros
        n = n * 10 + (c - 0x30);
        digits++;
      } else if (c === 0x2d /* '-' */ && i === at + 1) neg = true;
      else ok = false;
    }
    if (i >= len) {
      if (len - at > INLINE_MAX) throw new ProtocolError(`too big ${what} count string`);
      return -2;
    }
    if (i + 1 >= len) return -2; // wait for the LF too
    this.pos = i + 2;
    if (!ok || digits === 0) return -1;
    return neg ? -n : n;
  }

  /** Parses an inline command line. Returns argc, 0 for an empty line, -1 if incomplete. */
  private inline(): number {
    const buf = this.buf;
    const start = this.pos;
    const nl = buf.indexOf(LF, start);
    if (nl < 0 || nl >= this.len) {
      if (this.len - start > INLINE_MAX) throw new ProtocolError('too big inline request');
      this.waitMore();
      return -1;
    }
    let end = nl;
    if (end > start && buf[end - 1] === CR) end--;
    this.pos = nl + 1;
    splitArgs(this.cmd, buf, start, end);
    return this.cmd.argc;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * Splits an inline line into arguments like Redis's sdssplitargs: spaces separate, "double
 * quotes" take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \' only, and a closing
 * quote must be followed by a space or the end of the line.
 */
function splitArgs(cmd: Command, buf: Buffer, start: number, end: number): void {
  // Quoted arguments are decoded into `decoded`; if there are any, the command gets its own buffer:
  // the line's bytes followed by the decoded ones (one copy per line, whatever its number of quotes).
  const decoded: number[] = [];
  const quoted: boolean[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(buf[p])) p++;
    if (p >= end) break;
    const q = buf[p];
    if (q !== 0x22 && q !== 0x27) {
      const s = p;
      // An unquoted word ends at a space; quotes inside it are ordinary bytes.
      while (p < end && !isSpace(buf[p])) p++;
      cmd.push(s, p);
      quoted.push(false);
      continue;
    }
    const out = decoded;
    const from = decoded.length;
    p++;
    let closed = false;
    while (p < end) {
      const c = buf[p];
      if (q === 0x22 && c === 0x5c /* \ */ && p + 3 < end + 0 && buf[p + 1] === 0x78 && hexVal(buf[p + 2]) >= 0 && hexVal(buf[p + 3]) >= 0) {
        out.push(hexVal(buf[p + 2]) * 16 + hexVal(buf[p + 3]));
        p += 4;
      } else if (q === 0x22 && c === 0x5c && p + 1 < end) {
        const e = buf[p + 1];
        out.push(e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e === 0x62 ? 8 : e === 0x61 ? 7 : e);
        p += 2;
      } else if (q === 0x27 && c === 0x5c && p + 1 < end && buf[p + 1] === 0x27) {
        out.push(0x27);
        p += 2;
      } else if (c === q) {
        p++;
        if (p < end && !isSpace(buf[p])) throw new ProtocolError('unbalanced quotes in request');
        closed = true;
        break;
      } else {
        out.push(c);
        p++;
      }
    }
    if (!closed) throw new ProtocolError('unbalanced quotes in request');
    cmd.push(from, decoded.length);
    quoted.push(true);
  }
  if (decoded.length === 0 && !quoted.includes(true)) return;
  const lineLen = end - start;
  const own = Buffer.allocUnsafe(lineLen + decoded.length);
  buf.copy(own, 0, start, end);
  own.set(decoded, lineLen);
  for (let i = 0; i < cmd.argc; i++) {
    const shift = quoted[i] ? lineLen : -start;
    cmd.start[i] += shift;
    cmd.end[i] += shift;
  }
  cmd.buf = own;
}
