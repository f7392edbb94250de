/**
 * The reference matrix product and the shared epilogue. `gemmScalar` is the straightforward loop
 * in float32 arithmetic (each partial sum a fused multiply-add rounded once to float32, k
 * increasing) — the exact operation order of the SIMD kernel, so it is both the small-matrix path
 * and the fallback where WebAssembly SIMD or a fused multiply-add is missing, with bitwise-identical
 * results.
 */
import { fma32 } from './fma.js';

/** How the product lands in `out`: out = [relu]([out +] (product [+ bias])). */
export interface Epilogue {
  bias: Float32Array | null;
  accumulate: boolean;
  /** max(x, 0) of the final value, NaN kept (PyTorch's relu). */
  relu?: boolean;
}

function reluInPlace(out: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const v = out[i];
    if (!(v > 0) && !Number.isNaN(v)) out[i] = 0;
  }
}

/** Writes row `i` of the product (`src` from `srcOff`, n values) through the epilogue into `out`. */
export function finishRow(
  src: Float32Array,
  srcOff: number,
  out: Float32Array,
  outOff: number,
  n: number,
  { bias, accumulate, relu = false }: Epilogue,
): void {
  if (bias === null && !accumulate) {
    // A plain loop for short rows: a subarray per row costs more than the copy.
    if (n >= 64) out.set(src.subarray(srcOff, srcOff + n), outOff);
    else for (let j = 0; j < n; j++) out[outOff + j] = src[srcOff + j];
  } else {
    for (let j = 0; j < n; j++) {
      // Each stored value is rounded to float32 by the Float32Array: one rounding per add.
      const v = bias === null ? src[srcOff + j] : Math.fround(src[srcOff + j] + bias[j]);
      out[outOff + j] = accumulate ? out[outOff + j] + v : v;
    }
  }
  if (relu) reluInPlace(out, outOff, outOff + n);
}

/**
 * Rows 0..m of the product (`src` from `srcOff`, rows `srcStride` apart) through the epilogue into
 * `out` (m×n). The SIMD path has applied bias and ReLU already unless it accumulates, so the
 * common case is a plain copy (one native copy when the rows are contiguous).
 */
export function finishRows(
  src: Float32Array,
  srcOff: number,
  srcStride: number,
  out: Float32Array,
  m: number,
  n: number,
  epilogue: Epilogue,
): void {
  const plain = epilogue.bias === null && !epilogue.accumulate && !epilogue.relu;
  if (plain && srcStride === n) {
    out.set(src.subarray(srcOff, srcOff + m * n));
    return;
  }
  for (let i = 0; i < m; i++) finishRow(src, srcOff + i * srcStride, out, i * n, n, epilogue);
}

/** out[m×n] = op(a)·op(b) through the epilogue. `transA`: a is stored k×m; `transB`: b is n×k. */
export function gemmScalar(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  epilogue: Epilogue,
): void {
  const row = new Float32Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = transA ? a[p * m + i] : a[i * k + p];
      if (transB) {
        for (let j = 0; j < n; j++) row[j] = fma32(av, b[j * k + p], row[j]);
      } else {
        const bo = p * n;
        for (let j = 0; j < n; j++) row[j] = fma32(av, b[bo + j], row[j]);
      }
    }
    finishRow(row, 0, out, i * n, n, epilogue);
  }
}
