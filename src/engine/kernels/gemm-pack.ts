/**
 * Packing for the SIMD kernel (gemm-simd-module.ts). Both operands are copied, K-block by K-block
 * (blocks of `blockLength(k)`), into the order the kernel reads them, which also absorbs the
 * transposes (Aᵀ·B, A·Bᵀ need no separate transposed copies):
 *   A-block (p0, kl): row blocks of MR rows, each kl×MR (k-major): A(ib·MR + r, p0 + p) at
 *     p0·mpad + ib·MR·kl + p·MR + r
 *   B-block (p0, kl): strips of NR columns, each kl×NR: B(p0 + p, jb·NR + c) at
 *     p0·npad + jb·NR·kl + p·NR + c
 * Rows past m and columns past n are zero, so the kernel has no edge cases.
 */

/** The longest K-block: a KC×NR panel of B (16 KB) stays in L1 while A streams past it. */
export const KC = 512;

/**
 * The K-block length for a reduction of k: equal blocks of at most KC, a multiple of 4 where
 * possible (no short last block, fewer passes over C). Any length gives the same results.
 */
export function blockLength(k: number): number {
  const blocks = Math.ceil(k / KC);
  return Math.min(KC, roundUp(Math.ceil(k / blocks), 4));
}

export function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/**
 * The last, partial panel of an operand in the layout above: lanes e0 … lanes−1 of every k-row
 * (e0 = lanes rounded down to `width`), then zeros up to `width`. The operand's value at (lane, p)
 * is src[lane·laneStride + p·kStride]: op(A)(i, p) with width MR, or op(B)(p, j) with width NR.
 * The module packs every whole panel (gemm-simd-module.ts); only this ragged one is left here.
 */
export function packEdge(
  src: Float32Array,
  laneStride: number,
  kStride: number,
  lanes: number,
  width: number,
  k: number,
  dst: Float32Array,
  off: number,
): void {
  const padded = roundUp(lanes, width);
  const e0 = lanes - (lanes % width);
  const kc = blockLength(k);
  for (let p0 = 0; p0 < k; p0 += kc) {
    const kl = Math.min(kc, k - p0);
    const base = off + p0 * padded + e0 * kl;
    for (let r = 0; r < width; r++) {
      const lane = e0 + r;
      const from = lane * laneStride + p0 * kStride;
      for (let p = 0; p < kl; p++) dst[base + p * width + r] = lane < lanes ? src[from + p * kStride] : 0;
    }
  }
}
