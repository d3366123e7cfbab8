// Zipf(s) over ranks 1..n: P(rank k) = k^-s / H(n, s). Sampled by inversion of a precomputed CDF
// (a Float64Array of n entries, 16 MB for n = 2e6) with a binary search: exact, and fast enough
// because the benches draw their whole access sequence once, before any library runs.
import { mulberry32 } from './rng.js';

export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 1; k <= n; k++) {
      sum += Math.pow(k, -s);
      this.cdf[k - 1] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i] /= sum;
    this.cdf[n - 1] = 1;
  }

  /** The rank (0-based: 0 is the most popular) whose CDF interval holds u in [0, 1). */
  rank(u: number): number {
    const cdf = this.cdf;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Probability mass of the `k` most popular ranks (what a perfect cache of k items would hit). */
  head(k: number): number {
    return k <= 0 ? 0 : this.cdf[Math.min(k, this.n) - 1];
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * `count` key ids drawn from Zipf(s) over n keys (n < 2^26). Ranks are scattered over the id space
 * by a multiplication modulo n (a bijection: the multiplier is coprime with n), so the popular keys
 * are not the ids 0, 1, 2...
 */
export function zipfSequence(zipf: Zipf, count: number, seed: number): Uint32Array {
  const n = zipf.n;
  const rnd = mulberry32(seed);
  let mult = 2_654_435_761 % n; // Knuth's multiplicative constant, reduced
  while (gcd(mult, n) !== 1) mult++;
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = (zipf.rank(rnd()) * mult) % n; // < 2^52: exact
  return out;
}
