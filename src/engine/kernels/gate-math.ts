/**
 * Float32 sigmoid and tanh for the recurrent gates, one rounding per operation, so that the
 * WebAssembly SIMD LSTM cell (lstm-cell-module.ts, the same operations four lanes at a time) and
 * this scalar path give bitwise the same values.
 *   exp: Cephes' expf. k = nearest(x·log2 e), r = x − k·C1 − k·C2 (ln 2 in two parts), a degree-5
 *        polynomial p(r) with e^r ≈ 1 + r + r²·p(r), scaled by 2^k; x is clamped to [−87.3, 88.3]
 *        so that 2^k stays a normal float. Within 1e-7 relative of e^x.
 *   sigmoid(x) = 1 / (1 + exp(−x)): within 1.3 ulp (x below −87.3 gives ≈ 5e-39 instead of a
 *        denormal or zero).
 *   tanh: Eigen's float rational approximation, x·P(x²) / Q(x²) of degrees 13/6 over x clamped to
 *        ±7.905 (where tanh rounds to ±1): within 3 ulp, 4e-7 absolute.
 * PyTorch's own CPU kernels compute these in float32 with approximations of similar accuracy
 * (SLEEF), so results stay within the conformance tolerances.
 */
const f = Math.fround;

export const EXP_HI = f(88.3);
export const EXP_LO = f(-87.3);
export const LOG2E = f(Math.LOG2E);
export const LN2_C1 = f(0.693359375);
export const LN2_C2 = f(-2.1219444e-4);
/** e^r ≈ 1 + r + r²·(((((P0·r + P1)·r + P2)·r + P3)·r + P4)·r + P5). */
export const EXP_P = Object.freeze(
  [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(f),
);
export const TANH_CLAMP = f(7.905311107635498);
/** Numerator x·(A0 + A1·x² + … + A6·x¹²). */
export const TANH_A = Object.freeze(
  [
    4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11,
    2.00018790482477e-13, -2.76076847742355e-16,
  ].map(f),
);
/** Denominator B0 + B1·x² + B2·x⁴ + B3·x⁶. */
export const TANH_B = Object.freeze(
  [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6].map(f),
);

/** 1.5·2⁵²: adding and subtracting it rounds a float64 to an integer, ties to even (f32x4.nearest). */
const ROUND = 6755399441055744;
const POW2 = new Float64Array(256).map((_, i) => 2 ** (i - 127));

export function exp32(v: number): number {
  const x = Math.max(Math.min(v, EXP_HI), EXP_LO);
  const k = f(x * LOG2E) + ROUND - ROUND;
  const r = f(f(x - f(k * LN2_C1)) - f(k * LN2_C2));
  let p = EXP_P[0];
  for (let i = 1; i < EXP_P.length; i++) p = f(f(p * r) + EXP_P[i]);
  const y = f(f(f(p * f(r * r)) + r) + 1);
  return f(y * POW2[k + 127]);
}

export function sigmoid32(x: number): number {
  return f(1 / f(1 + exp32(-x)));
}

export function tanh32(v: number): number {
  const x = Math.max(Math.min(v, TANH_CLAMP), -TANH_CLAMP);
  const x2 = f(x * x);
  let p = TANH_A[TANH_A.length - 1];
  for (let i = TANH_A.length - 2; i >= 0; i--) p = f(f(p * x2) + TANH_A[i]);
  let q = TANH_B[TANH_B.length - 1];
  for (let i = TANH_B.length - 2; i >= 0; i--) q = f(f(q * x2) + TANH_B[i]);
  return f(f(x * p) / q);
}
