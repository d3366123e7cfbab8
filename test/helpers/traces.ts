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
