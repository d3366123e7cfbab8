// Byte pieces: joining them, and gathering small writes into large ones (snapshots).

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
