import crypto from 'node:crypto';

/**
 * Uniform random integers in [0, n) for n ≤ 256 from a pooled CSPRNG buffer (rejection sampling keeps
 * it unbiased): 20,000 reference codes need 140,000 draws, and crypto.randomInt per draw costs more.
 */
export function randomIndexSource(): (n: number) => number {
  let buf = crypto.randomBytes(4096);
  let i = 0;
  return (n) => {
    const limit = 256 - (256 % n);
    for (;;) {
      if (i >= buf.length) {
        buf = crypto.randomBytes(4096);
        i = 0;
      }
      const b = buf[i++]!;
      if (b < limit) return b % n;
    }
  };
}
