// Loading a snapshot into a new cache (snapshot-read.ts) pays the kernel's page faults for every
// page the items land on, on the thread that stores them: about as long as storing itself. Reading
// /dev/zero into pages the items will take, on libuv's thread pool, takes those faults on another
// core: a fresh page is zero already, so the read changes nothing in it but that it is mapped.
//
//   pages: │ items stored so far → │ faulted by the stores │ ← read from /dev/zero, top down │ limit
//                                                           └ fence: the lowest chunk still being read
//
// The stores fault pages from the bottom up as they go, the reads from the top down, so the two
// cores share the faults and meet in the middle; no read starts within MARGIN of the stores, so the
// stores rarely wait at the fence. Where /dev/zero cannot be opened, nothing is read.
import type { NodeFs } from './snapshot-file.js';

/** Bytes per read of /dev/zero. */
const CHUNK = 4 << 20;
/** Reads in flight at once: one thread of the pool faults beside the one storing (2 cores here; more measured no better). */
const DEPTH = 1;
/** No read starts less than this above the stores' pages. */
const MARGIN = 4 * CHUNK;

interface Chunk {
  start: number;
  done: Promise<void>;
  over: boolean;
}

export class Prefault {
  /** In flight, the lowest last. */
  private readonly chunks: Chunk[] = [];

  private constructor(
    private readonly fs: NodeFs,
    private readonly fd: number,
    private readonly u8: Uint8Array,
    /** Where the next read ends (it starts CHUNK below). */
    private next: number,
  ) {}

  /** Faults pages below `limit` of `u8`'s memory ahead of the stores (which start at `start`), or undefined where it cannot. */
  static open(fs: NodeFs, u8: Uint8Array, start: number, limit: number): Prefault | undefined {
    if (limit - start < MARGIN + CHUNK) return undefined;
    try {
      return new Prefault(fs, fs.openSync('/dev/zero', 'r'), u8, limit);
    } catch {
      return undefined;
    }
  }

  /** The address stores must stay below, with the items' pages ending at `stored`: the lowest chunk still being read, else `otherwise`. */
  fence(stored: number, otherwise: number): number {
    this.drop();
    while (this.chunks.length < DEPTH && this.next - CHUNK >= stored + MARGIN) this.read(this.next - CHUNK, this.next);
    return this.chunks.length > 0 ? this.chunks[this.chunks.length - 1].start : otherwise;
  }

  /** Waits for the reads in flight. */
  async wait(): Promise<void> {
    for (const c of this.chunks) await c.done;
    this.drop();
  }

  /** Waits for every read and stops; after it, nothing writes into the memory. */
  async close(): Promise<void> {
    this.next = 0;
    await this.wait();
    try {
      this.fs.closeSync(this.fd);
    } catch {
      // a close of /dev/zero that fails changes nothing
    }
  }

  private drop(): void {
    for (let i = this.chunks.length - 1; i >= 0; i--) if (this.chunks[i].over) this.chunks.splice(i, 1);
  }

  private read(start: number, end: number): void {
    this.next = start;
    const chunk: Chunk = { start, over: false, done: Promise.resolve() };
    chunk.done = new Promise<void>((resolve) => {
      const step = (at: number) => {
        if (at >= end) {
          chunk.over = true;
          return resolve();
        }
        this.fs.read(this.fd, this.u8, at, end - at, null, (e, n) => {
          // A failed read faults less: the stores fault those pages themselves.
          if (e || n === 0) {
            chunk.over = true;
            resolve();
          } else step(at + n);
        });
      };
      step(start);
    });
    this.chunks.push(chunk);
  }
}
