// Finding a key that a snapshot holds twice, in the check pass before a cache that holds items is
// emptied for a load (snapshot.ts): the keys' 32-bit hashes are collected as the blocks go by,
// and only records whose hashes are equal have their keys compared, once the pass is done.

/**
 * The keys a check pass saw, as 32-bit hashes and the snapshot offsets of their records, to find a
 * key stored twice: records whose hashes are equal are compared (`same`) once the pass is done.
 */
export class SeenKeys {
  private hashes: Uint32Array;
  private places: Float64Array;
  private n = 0;

  constructor(room: number) {
    this.hashes = new Uint32Array(Math.max(16, Math.floor(room)));
    this.places = new Float64Array(this.hashes.length);
  }

  add(hash: number, place: number): void {
    if (this.n === this.hashes.length) {
      const hashes = new Uint32Array(this.n * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const places = new Float64Array(this.n * 2);
      places.set(this.places);
      this.places = places;
    }
    this.hashes[this.n] = hash;
    this.places[this.n++] = place;
  }

  /** `count` [hash, offset in the block] pairs from `words[from]` on, of the block at `at` (core's keyChecksums). */
  addPacked(words: Uint32Array, from: number, count: number, at: number): void {
    for (let i = 0; i < count; i++) this.add(words[from + 2 * i], at + words[from + 2 * i + 1]);
  }

  /**
   * The offset of a record whose key an earlier record has too, or undefined. The hashes are first
   * grouped by their top bits (a counting sort: sequential passes), then each group, of about 4096,
   * goes through a small open-addressing table that stays in the CPU cache.
   */
  duplicate(same: (a: number, b: number) => boolean): number | undefined {
    const { hashes, places, n } = this;
    let groupBits = 0;
    while (groupBits < 16 && n >> groupBits > 4096) groupBits++;
    const groups = 1 << groupBits;
    const groupOf = (h: number) => (groupBits === 0 ? 0 : h >>> (32 - groupBits));
    const starts = new Int32Array(groups + 1);
    for (let i = 0; i < n; i++) starts[groupOf(hashes[i]) + 1]++;
    let largest = 0;
    for (let g = 0; g < groups; g++) {
      largest = Math.max(largest, starts[g + 1]);
      starts[g + 1] += starts[g];
    }
    const order = new Int32Array(n); // record numbers, group by group, each group in snapshot order
    const next = starts.slice(0, groups);
    for (let i = 0; i < n; i++) order[next[groupOf(hashes[i])]++] = i;
    let bits = 1;
    while (1 << bits < largest * 2) bits++;
    const table = new Int32Array(1 << bits);
    for (let g = 0; g < groups; g++) {
      const from = starts[g];
      const to = starts[g + 1];
      let b = 1;
      while (1 << b < (to - from) * 2) b++;
      const mask = (1 << b) - 1;
      table.fill(-1, 0, mask + 1);
      for (let k = from; k < to; k++) {
        const i = order[k];
        const h = hashes[i];
        let slot = h & mask;
        for (let j = table[slot]; j !== -1; j = table[slot]) {
          if (hashes[j] === h && same(places[j], places[i])) return places[i];
          slot = (slot + 1) & mask;
        }
        table[slot] = i;
      }
    }
    return undefined;
  }
}
