// Seeded pseudo-random numbers. Every random draw in taynode comes from an Rng passed in explicitly,
// so a seed fixes a whole run. The generator is xoshiro128** (32-bit state words: fast without BigInt).
import { ArgumentError } from './errors.js';

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new ArgumentError('seed', 'a safe integer', seed);
    // splitmix32 spreads the seed's low 32 bits over the four state words. The high bits (nonzero for
    // seeds < 0 or ≥ 2^32) are spread the same way from a different start and mixed in, so such seeds do
    // not repeat the stream of a small seed (folding them into 32 bits made Rng(−1) ≡ Rng(0)); seeds in
    // [0, 2^32) keep exactly the stream they always had.
    const splitmix = (start: number) => {
      let x = start >>> 0;
      return () => {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        return (z ^ (z >>> 16)) >>> 0;
      };
    };
    const low = splitmix(seed);
    const high = Math.floor(seed / 2 ** 32);
    const mix = high === 0 ? () => 0 : splitmix(Math.imul(high, 0x27d4eb2d) ^ 0x165667b1);
    this.s0 = (low() ^ mix()) >>> 0;
    this.s1 = (low() ^ mix()) >>> 0;
    this.s2 = (low() ^ mix()) >>> 0;
    this.s3 = (low() ^ mix()) | 1; // never the all-zero state
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** −1 or +1 with equal probability. */
  rademacher(): number {
    return this.nextUint32() & 1 ? 1 : -1;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new ArgumentError('n', 'a positive integer', n);
    return Math.floor(this.uniform() * n);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array | Float64Array): typeof items {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** Fills `out` with draws from `draw` (uniform by default). */
  fill(out: Float64Array, draw: (rng: Rng) => number = (r) => r.uniform()): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = draw(this);
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** `rng` is an Rng (every random draw needs one, passed explicitly). */
export function checkRng(rng: unknown, name: string): asserts rng is Rng {
  if (!(rng instanceof Rng)) throw new ArgumentError(name, 'an Rng (new Rng(seed))', rng);
}
