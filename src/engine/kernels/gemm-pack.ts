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

/**
 * Operands stored in blocks of columns: a matrix of `rows` × `cols` with `blocks` blocks is stored
 * as (blocks, rows, cols / blocks), its element (r, s·P + p) at [(s·rows + r)·P + p] with
 * P = cols / blocks. That is a batch of (N, C, positions) tensors seen as the C × (N · positions)
 * matrix convolution's products work on, so no transpose between the two layouts is needed.
 */
export interface Blocked {
  /** A (not transposed), m × k. */
  a?: number;
  /** B (not transposed), k × n. */
  b?: number;
  /** The output, m × n (not with `accumulate`). */
  out?: number;
}

/** Copies a `rows` × `cols` matrix stored in `blocks` column blocks to row-major at dst[off]. */
export function gatherBlocks(
  src: Float32Array,
  rows: number,
  cols: number,
  blocks: number,
  dst: Float32Array,
  off: number,
): void {
  const p = cols / blocks;
  for (let s = 0; s < blocks; s++)
    for (let r = 0; r < rows; r++) {
      const from = (s * rows + r) * p;
      dst.set(src.subarray(from, from + p), off + r * cols + s * p); // native copies of whole runs
    }
}

/** The inverse: a row-major matrix at src[off] (rows `stride` apart) into `blocks` column blocks. */
export function scatterBlocks(
  src: Float32Array,
  off: number,
  stride: number,
  rows: number,
  cols: number,
  blocks: number,
  dst: Float32Array,
): void {
  const p = cols / blocks;
  for (let s = 0; s < blocks; s++)
    for (let r = 0; r < rows; r++) {
      const from = off + r * stride + s * p;
      dst.set(src.subarray(from, from + p), (s * rows + r) * p);
    }
}
