/**
 * fma32(a, b, c): a·b + c for float32 values with one rounding to float32, which is what the
 * SIMD kernel's fused multiply-add gives, so the scalar paths can match it bit for bit.
 *
 * a·b is exact in a double (24 + 24 significant bits ≤ 53). Rounding the double sum to nearest
 * and then to float32 could round twice across a float32 midpoint, so the sum is rounded to odd
 * instead: when it is inexact (TwoSum gives its exact error) and its last bit is even, it moves to
 * the odd neighbour toward the exact value. Rounding that to float32 is then correctly rounded
 * (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using
 * rounding to odd", IEEE Trans. Computers, 2008).
 */

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Index of the low 32 bits of a double in `words`. */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HIGH = 1 - LOW;

export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  // Exact error of the sum (TwoSum); NaN when s is not finite, and then s is the answer.
  const back = s - p;
  const err = p - (s - back) + (c - back);
  if (err === 0 || Number.isNaN(err)) return Math.fround(s); // exact, or not finite
  bits[0] = s;
  const low = words[LOW];
  if ((low & 1) === 0) {
    if (err > 0 === s > 0) {
      words[LOW] = low | 1; // away from zero: the last bit was 0, so no carry
    } else {
      if (low === 0) words[HIGH] -= 1; // toward zero, borrowing from the high word
      words[LOW] = (low - 1) >>> 0;
    }
  }
  return Math.fround(bits[0]);
}
