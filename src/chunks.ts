// Byte pieces: joining them, and gathering small writes into large ones (snapshots in memory).
import { type SnapshotHost, writeSnapshot } from './snapshot.js';

/** The pieces joined into one array. */
export function concat(pieces: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Gathers small writes into pieces of `size` bytes; large views pass straight through. */
export class Chunker {
  private readonly buf: Uint8Array;
  private used = 0;

  constructor(
    private readonly out: (bytes: Uint8Array) => void,
    size = 1 << 20,
  ) {
    this.buf = new Uint8Array(size);
  }

  write(view: Uint8Array): void {
    if (view.length > this.buf.length >> 2) {
      this.flush();
      this.out(view);
      return;
    }
    if (this.used + view.length > this.buf.length) this.flush();
    this.buf.set(view, this.used);
    this.used += view.length;
  }

  flush(): void {
    if (this.used === 0) return;
    this.out(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}

/** A snapshot of the live items (writeSnapshot) as copies in pieces of about 1 MiB. */
export function snapshotPieces(host: SnapshotHost, now: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  const out = new Chunker((bytes) => pieces.push(bytes.slice()));
  writeSnapshot(host, (view) => out.write(view), now);
  out.flush();
  return pieces;
}

/** The pieces as a stream. */
export function streamOf(pieces: Uint8Array[]): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* pieces;
    },
  };
}

/** A stream or list of pieces, joined. */
export async function joined(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of source as AsyncIterable<Uint8Array>) pieces.push(piece);
  return concat(pieces);
}
