// Seeded pseudo-random numbers: every library sees the same keys, values and access order.

/** mulberry32: a small seeded generator of floats in [0, 1); good enough to scatter accesses. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` ids drawn uniformly from [0, n), as a Uint32Array walked cyclically by the benches. */
export function uniformOrder(n: number, count: number, seed: number): Uint32Array {
  const rnd = mulberry32(seed);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = (rnd() * n) >>> 0;
  return order;
}
