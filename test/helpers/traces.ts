// Reading the request traces in test/fixtures: gzip-compressed plain text, one request per line,
// whitespace-separated fields, the key first (further fields, such as an object size, are
// trace-specific). Shared by the trace tests and the benchmarks.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

/** Absolute path of test/fixtures/<name>. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** The non-empty lines of a gzip-compressed text fixture, e.g. 'web12.txt.gz'. */
export function readTraceLines(name: string): string[] {
  const text = gunzipSync(readFileSync(fixturePath(name))).toString('utf8');
  const lines = text.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const l = line.trim();
    if (l.length > 0) out.push(l);
  }
  return out;
}

/** One request of a trace: the key, and the object size in bytes if the trace has one. */
export interface TraceRequest {
  key: string;
  size?: number;
}

/** The requests of a trace fixture: the first field is the key, the optional second the size. */
export function readTrace(name: string): TraceRequest[] {
  return readTraceLines(name).map((line) => {
    const [key, size] = line.split(/\s+/);
    return size === undefined ? { key } : { key, size: Number(size) };
  });
}

/** Just the keys of a trace fixture, in request order. */
export function readTraceKeys(name: string): string[] {
  return readTraceLines(name).map((line) => {
    const sp = line.search(/\s/);
    return sp < 0 ? line : line.slice(0, sp);
  });
}

/**
 * A trace with its keys interned: each distinct key is one string, and the requests are indices
 * into that list. The benchmarks replay traces of millions of requests several times; one
 * string per distinct key (instead of one per line) keeps that fast and small, and every cache
 * under test is handed the very same key strings.
 */
export interface InternedTrace {
  /** The distinct keys, in order of first request. */
  keys: string[];
  /** Per request: the index of its key in `keys`. */
  ids: Uint32Array;
  /** Per request: the second column (an object size in bytes), if the trace has one. */
  sizes?: Uint32Array;
}

const NL = 0x0a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d; // space, tab, CR (the line split removes LF)
}

/**
 * Reads a trace fixture as an {@link InternedTrace}: the same keys, in the same order, as
 * readTraceKeys, and the sizes of readTrace when the trace has a second column. Works on the
 * decompressed bytes directly, so a 5-million-line trace never becomes 5 million line strings.
 */
export function readTraceInterned(name: string): InternedTrace {
  const buf = gunzipSync(readFileSync(fixturePath(name)));
  let lines = 1;
  for (let at = buf.indexOf(NL); at >= 0; at = buf.indexOf(NL, at + 1)) lines++; // an upper bound
  const ids = new Uint32Array(lines);
  const sizes = new Uint32Array(lines);
  const keys: string[] = [];
  const index = new Map<string, number>();
  let n = 0;
  let withSize = 0;
  for (let start = 0; start < buf.length; ) {
    let end = buf.indexOf(NL, start);
    if (end < 0) end = buf.length;
    let i = start;
    while (i < end && isSpace(buf[i])) i++;
    const keyStart = i;
    while (i < end && !isSpace(buf[i])) i++;
    if (i > keyStart) {
      const key = buf.toString('utf8', keyStart, i);
      let id = index.get(key);
      if (id === undefined) {
        id = keys.length;
        keys.push(key);
        index.set(key, id);
      }
      ids[n] = id;
      while (i < end && isSpace(buf[i])) i++;
      if (i < end) {
        // The second field: a size, decimal digits only.
        let size = 0;
        for (; i < end && !isSpace(buf[i]); i++) {
          const d = buf[i] - 0x30;
          if (d < 0 || d > 9) throw new Error(`${name}: line ${n + 1}: the second field is not a decimal size`);
          size = size * 10 + d;
        }
        if (size > 0xffffffff) throw new Error(`${name}: line ${n + 1}: size ${size} does not fit 32 bits`);
        sizes[n] = size;
        withSize++;
      }
      n++;
    }
    start = end + 1;
  }
  if (withSize !== 0 && withSize !== n) throw new Error(`${name}: ${n - withSize} of ${n} requests have no size`);
  return {
    keys,
    ids: ids.slice(0, n),
    sizes: withSize > 0 ? sizes.slice(0, n) : undefined,
  };
}

/** The per-key object sizes of a trace with sizes: the first size seen for each key. */
export function firstSizes(trace: InternedTrace): Uint32Array {
  const sizes = trace.sizes as Uint32Array;
  const byKey = new Uint32Array(trace.keys.length);
  const seen = new Uint8Array(trace.keys.length);
  for (let i = 0; i < trace.ids.length; i++) {
    const id = trace.ids[i];
    if (!seen[id]) {
      seen[id] = 1;
      byKey[id] = sizes[i];
    }
  }
  return byKey;
}
