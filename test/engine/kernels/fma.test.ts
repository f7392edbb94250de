import { describe, expect, it } from 'vitest';
import { fma32 } from '../../../src/engine/kernels/fma.js';
import { Generator } from '../../../src/engine/random.js';

const f = Math.fround;

/** A finite double as m·2^e with an integer m. */
function exact(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let m = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  if (biased !== 0) m |= 1n << 52n;
  return [high >>> 31 ? -m : m, (biased === 0 ? 1 : biased) - 1075];
}

/** a·b + c computed exactly in integers, then rounded once to float32 (to nearest, ties to even). */
function reference(a: number, b: number, c: number): number {
  if (![a, b, c].every(Number.isFinite)) return f(a * b + c);
  const [ma, ea] = exact(a);
  const [mb, eb] = exact(b);
  const [mc, ec] = exact(c);
  const e = Math.min(ea + eb, ec);
  const sum = ((ma * mb) << BigInt(ea + eb - e)) + (mc << BigInt(ec - e));
  if (sum === 0n) return a * b + c; // an exact zero: its sign follows IEEE's rules, as in doubles
  const magnitude = sum < 0n ? -sum : sum;
  const length = magnitude.toString(2).length;
  // Keep 24 significant bits, or fewer where float32 turns subnormal (quantum 2^-149).
  const drop = Math.max(length - 24, -149 - e);
  let kept = magnitude;
  if (drop > 0) {
    kept = magnitude >> BigInt(drop);
    const rest = magnitude - (kept << BigInt(drop));
    const half = 1n << BigInt(drop - 1);
    if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
  }
  const value = f(Number(kept) * 2 ** (e + Math.max(drop, 0)));
  return sum < 0n ? -value : value;
}

function sameBits(x: number, y: number): boolean {
  return Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y));
}

describe('fma32', () => {
  it('rounds once where rounding the double sum to float32 rounds twice', () => {
    // a·b + c = 1 + 2^-23 + 2^-24 - 2^-70: just below the midpoint of 1 + 2^-23 and 1 + 2^-22.
    const a = f(1 + 2 ** -23);
    const b = f((1 - 2 ** -23) * 2 ** -24);
    const c = f(1 + 2 ** -23);
    expect(f(a * b + c)).toBe(1 + 2 ** -22); // the double sum lands on the midpoint, then ties to even
    expect(reference(a, b, c)).toBe(1 + 2 ** -23);
    expect(fma32(a, b, c)).toBe(1 + 2 ** -23);
    // What a separate multiply and add give instead: the product's low bits are lost first.
    const x = f(1 + 2 ** -12);
    expect(fma32(x, x, -f(1 + 2 ** -11))).toBe(2 ** -24);
    expect(f(f(x * x) - f(1 + 2 ** -11))).toBe(0);
  });

  it('matches exact integer arithmetic on random triples, near cancellations and subnormals', () => {
    const g = new Generator(11);
    const random = () => f(g.normal() * 2 ** Math.floor(g.uniform(-40, 40)));
    for (let i = 0; i < 30_000; i++) {
      const a = random();
      const b = random();
      const kind = i % 4;
      // Cancellation: c close to −a·b, so the result keeps the product's low bits.
      const c =
        kind === 0
          ? random()
          : kind === 1
            ? f(-a * b)
            : kind === 2
              ? f(-a * b * (1 + g.normal() * 2 ** -20))
              : f(g.normal() * 2 ** -140); // subnormal range
      const want = reference(a, b, c);
      const got = fma32(a, b, c);
      if (!sameBits(got, want)) expect({ a, b, c, got }).toEqual({ a, b, c, got: want });
    }
  });

  it('follows IEEE for zeros, infinities and NaN', () => {
    expect(Object.is(fma32(-0, 1, -0), -0)).toBe(true);
    expect(Object.is(fma32(-0, 1, 0), 0)).toBe(true);
    expect(Object.is(fma32(2, 3, -6), 0)).toBe(true);
    expect(fma32(Infinity, 1, 1)).toBe(Infinity);
    expect(fma32(Infinity, 0, 1)).toBeNaN();
    expect(fma32(Infinity, 1, -Infinity)).toBeNaN();
    expect(fma32(Number.NaN, 1, 1)).toBeNaN();
    expect(fma32(f(3e38), 2, -f(3e38))).toBe(f(3e38)); // the product alone would overflow float32
    expect(fma32(f(3e38), 2, 0)).toBe(Infinity);
  });
});
