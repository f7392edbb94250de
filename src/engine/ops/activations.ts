/**
 * Activation functions with PyTorch's definitions (and its derivative conventions at kinks:
 * ReLU'(0) = 0, LeakyReLU'(0) = slope, ELU'(0) = 1 for the x > 0 branch only).
 */
import { gradBuffer, outputBuffer } from '../grad-buffer.js';
import { Tensor } from '../tensor.js';
import { unary } from './elementwise.js';

/**
 * ReLU as its own tight loops (no per-element closures: it sits in every MLP's hot path), with
 * `unary`'s exact results: Math.max(x, 0) forward (NaN stays NaN, -0 becomes 0), g·(x > 0 ? 1 : 0) back.
 * The forward works on the float32 bits without a branch (`reluBits`): a branch on the sign
 * mispredicts on about half of the values, which made it several times slower than a copy.
 */
export function relu(a: Tensor): Tensor {
  const n = a.size;
  const ad = a.data;
  const out = outputBuffer(n);
  const in32 = new Int32Array(ad.buffer, ad.byteOffset, n);
  const out32 = new Int32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) out32[i] = reluBits(in32[i]);
  return Tensor.fromOp(out, a.shape, [a], (g) => {
    const ga = gradBuffer(n);
    for (let i = 0; i < n; i++) ga[i] = g[i] * +(ad[i] > 0);
    return [ga];
  });
}

/**
 * ReLU on a float32's bits: a negative number (and -0) becomes +0; everything else, NaN of either
 * sign included, is kept, as `x > 0 ? x : Number.isNaN(x) ? x : 0` does. No branch on the data.
 */
export function reluBits(bits: number): number {
  const nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31; // all ones for a NaN
  return bits & ~((bits >> 31) & ~nan);
}

export const leakyRelu = (a: Tensor, negativeSlope = 0.01): Tensor =>
  unary(
    a,
    (x) => (x > 0 ? x : x * negativeSlope),
    (x) => (x > 0 ? 1 : negativeSlope),
  );

/** Logistic sigmoid, computed without overflow for large |x|. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const sigmoid = (a: Tensor): Tensor => unary(a, sigmoidScalar, (_x, y) => y * (1 - y));

export const tanh = (a: Tensor): Tensor => unary(a, Math.tanh, (_x, y) => 1 - y * y);

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The error function, to double precision (W. J. Cody's rational approximations via erfc). */
export function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for float32 conformance; use a series / continued fraction.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: converges fast for |x| < 2.5 (terms shrink below 1e-17 within ~40 steps).
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * sum * (2 / Math.sqrt(Math.PI));
  }
  if (ax > 6) return Math.sign(x);
  // erfc by continued fraction (Lentz), accurate for x >= 2.5.
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = d === 0 ? tiny : 1 / d;
    c = ax + an / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

/** GELU, exact (`approximate: 'none'`) or with PyTorch's tanh approximation. */
export function gelu(a: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate === 'tanh') {
    return unary(
      a,
      (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
      (x) => {
        const inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
        const t = Math.tanh(inner);
        const dInner = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dInner;
      },
    );
  }
  return unary(
    a,
    (x) => 0.5 * x * (1 + erf(x * INV_SQRT_2)),
    (x) => 0.5 * (1 + erf(x * INV_SQRT_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  );
}

export const elu = (a: Tensor, alpha = 1): Tensor =>
  unary(
    a,
    (x) => (x > 0 ? x : alpha * Math.expm1(x)),
    (x, y) => (x > 0 ? 1 : y + alpha),
  );

export const silu = (a: Tensor): Tensor =>
  unary(
    a,
    (x) => x * sigmoidScalar(x),
    (x) => {
      const s = sigmoidScalar(x);
      return s * (1 + x * (1 - s));
    },
  );

/** Softplus `log(1 + exp(beta x)) / beta`, linear where `beta x > threshold` (PyTorch's rule). */
export const softplus = (a: Tensor, beta = 1, threshold = 20): Tensor =>
  unary(
    a,
    (x) => (x * beta > threshold ? x : softplusScalar(x * beta) / beta),
    (x) => (x * beta > threshold ? 1 : sigmoidScalar(x * beta)),
  );

/** log(1 + e^x) without overflow or loss of precision. */
export function softplusScalar(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
