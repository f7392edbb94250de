/**
 * Packing for the SIMD kernel (gemm-simd-module.ts). Both operands are copied, K-block by K-block
 * (blocks of `blockLength(k)`), into the order the kernel reads them, which also absorbs the
 * transposes (Aᵀ·B, A·Bᵀ need no separate transposed copies):
 *   A-block (p0, kl): row blocks of MR rows, each kl×MR (k-major): A(ib·MR + r, p0 + p) at
 *     p0·mpad + ib·MR·kl + p·MR + r
 *   B-block (p0, kl): strips of NR columns, each kl×NR: B(p0 + p, jb·NR + c) at
 *     p0·npad + jb·NR·kl + p·NR + c
 * Rows past m and columns past n are zero, so the kernel has no edge cases. The kernel module packs
 * whole row blocks and strips itself (gemm-simd-module.ts); these loops pack the ragged last ones.
 */
import { MR, NR } from './gemm-simd-module.js';

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

/** op(A) (m×k; `trans`: a stored k×m) into dst at `off`, from row block `fromBlock` on. */
export function packA(
  a: Float32Array,
  trans: boolean,
  m: number,
  k: number,
  dst: Float32Array,
  off: number,
  fromBlock = 0,
  kc = blockLength(k),
): void {
  const mpad = roundUp(m, MR);
  for (let p0 = 0; p0 < k; p0 += kc) {
    const kl = Math.min(kc, k - p0);
    for (let i0 = fromBlock * MR; i0 < mpad; i0 += MR) {
      const base = off + p0 * mpad + i0 * kl;
      if (MR === 4 && i0 + MR <= m) {
        // A full row block, written contiguously: four values of op(A) per k.
        if (trans) {
          for (let p = 0; p < kl; p++) {
            const s = (p0 + p) * m + i0;
            const d = base + p * 4;
            dst[d] = a[s];
            dst[d + 1] = a[s + 1];
            dst[d + 2] = a[s + 2];
            dst[d + 3] = a[s + 3];
          }
        } else {
          const s0 = i0 * k + p0;
          for (let p = 0; p < kl; p++) {
            const s = s0 + p;
            const d = base + p * 4;
            dst[d] = a[s];
            dst[d + 1] = a[s + k];
            dst[d + 2] = a[s + 2 * k];
            dst[d + 3] = a[s + 3 * k];
          }
        }
        continue;
      }
      for (let r = 0; r < MR; r++) {
        const i = i0 + r;
        if (i >= m) {
          for (let p = 0; p < kl; p++) dst[base + p * MR + r] = 0;
        } else if (trans) {
          for (let p = 0; p < kl; p++) dst[base + p * MR + r] = a[(p0 + p) * m + i];
        } else {
          const src = i * k + p0;
          for (let p = 0; p < kl; p++) dst[base + p * MR + r] = a[src + p];
        }
      }
    }
  }
}

/** op(B) (k×n; `trans`: b stored n×k) into dst at `off`, from strip `fromStrip` of NR columns on. */
export function packB(
  b: Float32Array,
  trans: boolean,
  k: number,
  n: number,
  dst: Float32Array,
  off: number,
  fromStrip = 0,
  kc = blockLength(k),
): void {
  const npad = roundUp(n, NR);
  for (let p0 = 0; p0 < k; p0 += kc) {
    const kl = Math.min(kc, k - p0);
    for (let j0 = fromStrip * NR; j0 < npad; j0 += NR) {
      const base = off + p0 * npad + j0 * kl;
      if (trans && j0 + NR <= n) {
        // Eight rows of b read side by side, written as contiguous k-rows of the strip.
        const s0 = j0 * k + p0;
        for (let p = 0; p < kl; p++) {
          const d = base + p * NR;
          const s = s0 + p;
          dst[d] = b[s];
          dst[d + 1] = b[s + k];
          dst[d + 2] = b[s + 2 * k];
          dst[d + 3] = b[s + 3 * k];
          dst[d + 4] = b[s + 4 * k];
          dst[d + 5] = b[s + 5 * k];
          dst[d + 6] = b[s + 6 * k];
          dst[d + 7] = b[s + 7 * k];
        }
      } else if (trans) {
        for (let c = 0; c < NR; c++) {
          const j = j0 + c;
          if (j >= n) {
            for (let p = 0; p < kl; p++) dst[base + p * NR + c] = 0;
          } else {
            const src = j * k + p0;
            for (let p = 0; p < kl; p++) dst[base + p * NR + c] = b[src + p];
          }
        }
      } else if (NR === 8 && j0 + NR <= n) {
        for (let p = 0; p < kl; p++) {
          const s = (p0 + p) * n + j0;
          const d = base + p * 8;
          dst[d] = b[s];
          dst[d + 1] = b[s + 1];
          dst[d + 2] = b[s + 2];
          dst[d + 3] = b[s + 3];
          dst[d + 4] = b[s + 4];
          dst[d + 5] = b[s + 5];
          dst[d + 6] = b[s + 6];
          dst[d + 7] = b[s + 7];
        }
      } else {
        // A partial strip (or a full one for another NR): the columns that exist, then zeros.
        const width = Math.min(NR, n - j0);
        for (let p = 0; p < kl; p++) {
          const src = (p0 + p) * n + j0;
          const d = base + p * NR;
          for (let c = 0; c < width; c++) dst[d + c] = b[src + c];
          for (let c = width; c < NR; c++) dst[d + c] = 0;
        }
      }
    }
  }
}
