/**
 * The WebAssembly SIMD micro-kernel of the matrix product, emitted at load time.
 *
 * Blocking scheme (BLIS-style): op(A) and op(B) are first packed (this module's pack functions,
 * after one native copy of each operand; see gemm-pack.ts for the layout) so the kernel reads both
 * contiguously and never cares about transposes. K is cut into
 * blocks of KC; within a K-block, for each strip of NR = 8 columns of B (a KC×8 panel that stays
 * in L1) the kernel sweeps the row blocks of MR rows of A, keeping an MR×8 tile of C in 2·MR
 * v128 registers: per k it loads two B vectors, splats MR values of A and does 2·MR fused
 * multiply-adds (relaxed SIMD's f32x4.relaxed_madd, which gemm-wasm.ts uses only where it is fused).
 *
 * Every C element is a float32 sum over k in increasing order, c = fma(a, b, c) with one rounding
 * per step, K-blocks visited in order and partial sums stored as float32 between them, so the
 * result is bitwise the naive loop's (gemm-scalar.ts, with fma32) whatever MR, KC or the row split.
 */
import { encodeModule, FunctionBuilder, I32, memarg, OP, V128 } from './wasm-encoder.js';

export const MR = 4;
export const NR = 8;
export const MAX_PAGES = 32768; // 2 GiB of address space, reserved, not committed

/** Emits the loop over K-blocks: for (p0 = 0; p0 < K; p0 += kl) { kl = min(kc, K − p0); body() }. */
function forEachKBlock(
  f: FunctionBuilder,
  K: number,
  kc: number,
  p0: number,
  kl: number,
  body: () => void,
): void {
  f.i32(0).set(p0);
  f.loop(() => {
    f.get(p0).get(K).emit(OP.i32GeU).brIf(1);
    f.get(K).get(p0).sub().get(kc).get(kc).get(K).get(p0).sub().emit(OP.i32GtU).emit(OP.select).set(kl);
    body();
    f.get(p0).get(kl).add().set(p0).br(0);
  });
}

/**
 * Emits `out = base + 4·(p0·padded + q·width·kl)`: the byte address where panel q (of `width`
 * lanes) of the K-block starting at p0 begins in gemm-pack.ts's layout, `padded` lanes per k-row.
 */
function panelAddress(
  f: FunctionBuilder,
  base: number,
  p0: number,
  padded: number,
  q: number,
  width: number,
  kl: number,
  out: number,
): void {
  f.get(base)
    .get(p0)
    .get(padded)
    .mul()
    .get(q)
    .i32(width)
    .mul()
    .get(kl)
    .mul()
    .add()
    .i32(4)
    .mul()
    .add()
    .set(out);
}

/**
 * The kernel's parameters (all i32, addresses in bytes): packed A and B (gemm-pack.ts's layout) at
 * ap and bp; C, mpad×npad row-major, at cp; the reduction length K and K-block length kc; the
 * epilogue, applied as the last K-block's tile is stored: + bias (npad floats at biasp, unless
 * biasp is 0), then ReLU (unless relu is 0), with the scalar epilogue's roundings (gemm-scalar.ts);
 * and the row blocks [ib0, ib1) to compute.
 */
export const KERNEL_PARAMS = [
  'ap',
  'bp',
  'cp',
  'mpad',
  'npad',
  'K',
  'kc',
  'biasp',
  'relu',
  'ib0',
  'ib1',
] as const;

function kernel(): FunctionBuilder {
  const f = new FunctionBuilder(KERNEL_PARAMS.map(() => I32));
  const [ap, bp, cp, mpad, npad, K, kc, biasp, relu, ib0, ib1] = KERNEL_PARAMS.map((_, i) => i);
  const p0 = f.local(I32);
  const kl = f.local(I32);
  const jb = f.local(I32);
  const nb = f.local(I32);
  const ib = f.local(I32);
  const pa = f.local(I32);
  const pb = f.local(I32);
  const pc = f.local(I32);
  const pend = f.local(I32);
  const rowBytes = f.local(I32);
  const pr = f.local(I32);
  const acc: number[] = [];
  for (let i = 0; i < 2 * MR; i++) acc.push(f.local(V128));
  const b0 = f.local(V128);
  const b1 = f.local(V128);
  const a = f.local(V128);
  /** b0, b1 = the eight floats at `ptr` (a k-row of a B strip, or the strip's bias). */
  const loadEight = (ptr: number) => {
    f.get(ptr)
      .simd(OP.v128Load, ...memarg(4, 0))
      .set(b0);
    f.get(ptr)
      .simd(OP.v128Load, ...memarg(4, 16))
      .set(b1);
  };

  f.get(npad).i32(4).mul().set(rowBytes);
  f.get(npad).i32(NR).emit(0x6e /* i32.div_u */).set(nb);
  forEachKBlock(f, K, kc, p0, kl, () => {
    f.i32(0).set(jb);
    f.loop(() => {
      f.get(jb).get(nb).emit(OP.i32GeU).brIf(1);
      f.get(ib0).set(ib);
      f.loop(() => {
        f.get(ib).get(ib1).emit(OP.i32GeU).brIf(1);
        // pa, pb: row block ib of A and strip jb of B in this K-block; pc = cp + 4·(ib·MR·npad + jb·NR)
        panelAddress(f, ap, p0, mpad, ib, MR, kl, pa);
        panelAddress(f, bp, p0, npad, jb, NR, kl, pb);
        f.get(cp)
          .get(ib)
          .i32(MR)
          .mul()
          .get(npad)
          .mul()
          .get(jb)
          .i32(NR)
          .mul()
          .add()
          .i32(4)
          .mul()
          .add()
          .set(pc);
        f.get(pb)
          .get(kl)
          .i32(NR * 4)
          .mul()
          .add()
          .set(pend);
        // First K-block starts from zero, later ones from the stored partial sums.
        f.get(p0)
          .emit(OP.i32Eqz)
          .ifElse(
            () => {
              for (const r of acc) f.simd(OP.v128Const, ...new Array(16).fill(0)).set(r);
            },
            () => {
              f.get(pc).set(pr);
              for (let r = 0; r < MR; r++) {
                f.get(pr)
                  .simd(OP.v128Load, ...memarg(4, 0))
                  .set(acc[2 * r]);
                f.get(pr)
                  .simd(OP.v128Load, ...memarg(4, 16))
                  .set(acc[2 * r + 1]);
                f.get(pr).get(rowBytes).add().set(pr);
              }
            },
          );
        f.loop(() => {
          loadEight(pb);
          for (let r = 0; r < MR; r++) {
            f.get(pa)
              .simd(OP.v128Load32Splat, ...memarg(2, 4 * r))
              .set(a);
            f.get(a)
              .get(b0)
              .get(acc[2 * r])
              .simd(OP.f32x4RelaxedMadd)
              .set(acc[2 * r]);
            f.get(a)
              .get(b1)
              .get(acc[2 * r + 1])
              .simd(OP.f32x4RelaxedMadd)
              .set(acc[2 * r + 1]);
          }
          f.inc(pa, MR * 4).inc(pb, NR * 4);
          f.get(pb).get(pend).emit(OP.i32LtU).brIf(0);
        });
        // The last K-block: bias, then ReLU (max(x, 0) keeping NaN: x & (x > 0 | x != x)).
        f.get(p0)
          .get(kl)
          .add()
          .get(K)
          .emit(OP.i32GeU)
          .ifElse(
            () => {
              f.get(biasp).ifElse(
                () => {
                  f.get(biasp)
                    .get(jb)
                    .i32(NR * 4)
                    .mul()
                    .add()
                    .set(pr);
                  loadEight(pr);
                  for (let r = 0; r < MR; r++) {
                    f.get(acc[2 * r])
                      .get(b0)
                      .simd(OP.f32x4Add)
                      .set(acc[2 * r]);
                    f.get(acc[2 * r + 1])
                      .get(b1)
                      .simd(OP.f32x4Add)
                      .set(acc[2 * r + 1]);
                  }
                },
                () => {},
              );
              f.get(relu).ifElse(
                () => {
                  f.simd(OP.v128Const, ...new Array(16).fill(0)).set(b0);
                  for (const r of acc) {
                    f.get(r)
                      .get(r)
                      .get(b0)
                      .simd(OP.f32x4Gt)
                      .get(r)
                      .get(r)
                      .simd(OP.f32x4Ne)
                      .simd(OP.v128Or)
                      .simd(OP.v128And)
                      .set(r);
                  }
                },
                () => {},
              );
            },
            () => {},
          );
        f.get(pc).set(pr);
        for (let r = 0; r < MR; r++) {
          f.get(pr)
            .get(acc[2 * r])
            .simd(OP.v128Store, ...memarg(4, 0));
          f.get(pr)
            .get(acc[2 * r + 1])
            .simd(OP.v128Store, ...memarg(4, 16));
          f.get(pr).get(rowBytes).add().set(pr);
        }
        f.inc(ib, 1).br(0);
      });
      f.inc(jb, 1).br(0);
    });
  });
  return f;
}

/** i8x16.shuffle lanes picking 32-bit lanes `l` (0–3 from the first operand, 4–7 from the second). */
function lanes32(...l: number[]): number[] {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

/**
 * packTransposed(width)(src, dst, K, padded, kc, q0, q1): packs the panels of `width` (MR or NR)
 * lanes whose source is `width` consecutive rows of a row-major matrix with K columns at src: the
 * panels of A (MR rows of a row-major A) or of op(B) = Bᵀ (NR rows of B stored n×k), in the layout
 * of gemm-pack.ts at dst (`padded` is mpad or npad), for panels [q0, q1). Rows are read
 * four k at a time and transposed in registers (4×4 transposes), so each k-row of a panel is written
 * as whole vectors. Pure data movement, in the layout of gemm-pack.ts.
 */
function packTransposed(width: typeof MR | typeof NR): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32]);
  const [src, dst, K, padded, kc, q0, q1] = [0, 1, 2, 3, 4, 5, 6];
  const p0 = f.local(I32);
  const kl = f.local(I32);
  const q = f.local(I32);
  const p = f.local(I32);
  const d = f.local(I32);
  const s = f.local(I32);
  const rowBytes = f.local(I32);
  const row = [0, ...Array.from({ length: width - 1 }, () => f.local(I32))]; // c·rowBytes
  const r = Array.from({ length: width }, () => f.local(V128));
  const t = Array.from({ length: 4 }, () => f.local(V128));

  f.get(K).i32(4).mul().set(rowBytes);
  for (let c = 1; c < width; c++) f.get(rowBytes).i32(c).mul().set(row[c]);
  forEachKBlock(f, K, kc, p0, kl, () => {
    f.get(q0).set(q);
    f.loop(() => {
      f.get(q).get(q1).emit(OP.i32GeU).brIf(1);
      // d: panel q of this K-block; s = src + 4·(q·width·K + p0)
      panelAddress(f, dst, p0, padded, q, width, kl, d);
      f.get(src).get(q).i32(width).mul().get(K).mul().get(p0).add().i32(4).mul().add().set(s);
      f.i32(0).set(p);
      // Four k at a time: rows c of B hold B(c, p..p+3); the output k-rows hold B(0..7, p + q).
      f.loop(() => {
        f.get(p).i32(4).add().get(kl).emit(OP.i32GtU).brIf(1);
        for (let c = 0; c < width; c++) {
          f.get(s);
          if (c > 0) f.get(row[c]).add();
          f.simd(OP.v128Load, ...memarg(0, 0)).set(r[c]);
        }
        for (let half = 0; half < width; half += 4) {
          // Interleave rows (0, 1) and (2, 3), then pair those halves: the 4×4 block transposed.
          const [r0, r1, r2, r3] = [r[half], r[half + 1], r[half + 2], r[half + 3]];
          const interleave = [
            [r0, r1, lanes32(0, 4, 1, 5)],
            [r0, r1, lanes32(2, 6, 3, 7)],
            [r2, r3, lanes32(0, 4, 1, 5)],
            [r2, r3, lanes32(2, 6, 3, 7)],
          ] as const;
          interleave.forEach(([x, y, l], i) => {
            f.get(x)
              .get(y)
              .simd(OP.i8x16Shuffle, ...l)
              .set(t[i]);
          });
          const out = [
            [t[0], t[2], lanes32(0, 1, 4, 5)],
            [t[0], t[2], lanes32(2, 3, 6, 7)],
            [t[1], t[3], lanes32(0, 1, 4, 5)],
            [t[1], t[3], lanes32(2, 3, 6, 7)],
          ] as const;
          out.forEach(([x, y, l], kRow) => {
            f.get(d)
              .get(x)
              .get(y)
              .simd(OP.i8x16Shuffle, ...l)
              .simd(OP.v128Store, ...memarg(0, kRow * width * 4 + half * 4));
          });
        }
        f.inc(d, 4 * width * 4)
          .inc(s, 16)
          .inc(p, 4)
          .br(0);
      });
      // The K-block's last kl mod 4 k-rows, one value at a time.
      f.loop(() => {
        f.get(p).get(kl).emit(OP.i32GeU).brIf(1);
        for (let c = 0; c < width; c++) {
          f.get(d).get(s);
          if (c > 0) f.get(row[c]).add();
          f.emit(OP.f32Load, ...memarg(2, 0)).emit(OP.f32Store, ...memarg(2, c * 4));
        }
        f.inc(d, width * 4)
          .inc(s, 4)
          .inc(p, 1)
          .br(0);
      });
      f.inc(q, 1).br(0);
    });
  });
  return f;
}

/**
 * packPanels(width)(src, dst, K, kc, srcStride, blockStride, q0, q1): packs panels [q0, q1) that are
 * already rows of `width` (MR or NR) consecutive floats in the source: panel q's k-row p is
 * src + p·srcStride + 4·width·q, copied to dst + p0·blockStride + 4·width·(q·kl + p - p0) for each
 * K-block [p0, p0 + kl). That is a transposed A (k×m) into A's panels, or a row-major B into B's.
 */
function packPanels(width: typeof MR | typeof NR): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [src, dst, K, kc, srcStride, blockStride, q0, q1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const p0 = f.local(I32);
  const kl = f.local(I32);
  const q = f.local(I32);
  const s = f.local(I32);
  const d = f.local(I32);
  const end = f.local(I32);
  const bytes = width * 4;
  forEachKBlock(f, K, kc, p0, kl, () => {
    f.get(q0).set(q);
    f.loop(() => {
      f.get(q).get(q1).emit(OP.i32GeU).brIf(1);
      // s = src + p0·srcStride + bytes·q; d = dst + p0·blockStride + bytes·q·kl; end = d + bytes·kl
      f.get(src).get(p0).get(srcStride).mul().add().get(q).i32(bytes).mul().add().set(s);
      f.get(dst).get(p0).get(blockStride).mul().add().get(q).get(kl).mul().i32(bytes).mul().add().set(d);
      f.get(d).get(kl).i32(bytes).mul().add().set(end);
      f.loop(() => {
        for (let o = 0; o < bytes; o += 16) {
          f.get(d)
            .get(s)
            .simd(OP.v128Load, ...memarg(0, o))
            .simd(OP.v128Store, ...memarg(0, o));
        }
        f.get(s).get(srcStride).add().set(s);
        f.inc(d, bytes);
        f.get(d).get(end).emit(OP.i32LtU).brIf(0);
      });
      f.inc(q, 1).br(0);
    });
  });
  return f;
}

/**
 * compactRows(cp, npad, n, r0, r1): moves rows [r0, r1) of C (npad floats apart at cp) to n floats
 * apart, in place, so C leaves memory in one native copy instead of a JavaScript loop per row (one
 * nanosecond a float). Rows go in increasing order and each is read four floats ahead of where it
 * is written, so nothing is overwritten before it is read. Pure data movement; not split across
 * threads, since each row's destination overlaps earlier rows' sources.
 */
function compactRows(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32]);
  const [cp, npad, n, r0, r1] = [0, 1, 2, 3, 4];
  const r = f.local(I32);
  const s = f.local(I32);
  const d = f.local(I32);
  const vectorEnd = f.local(I32);
  const rowEnd = f.local(I32);
  f.get(r0).set(r);
  f.loop(() => {
    f.get(r).get(r1).emit(OP.i32GeU).brIf(1);
    // s = cp + 4·r·npad; d = cp + 4·r·n; rowEnd = d + 4·n; vectorEnd = d + 16·⌊n / 4⌋
    f.get(cp).get(r).get(npad).mul().i32(4).mul().add().set(s);
    f.get(cp).get(r).get(n).mul().i32(4).mul().add().set(d);
    f.get(d).get(n).i32(4).mul().add().set(rowEnd);
    f.get(d).get(n).i32(-4).emit(OP.i32And).i32(4).mul().add().set(vectorEnd);
    f.loop(() => {
      f.get(d).get(vectorEnd).emit(OP.i32GeU).brIf(1);
      f.get(d)
        .get(s)
        .simd(OP.v128Load, ...memarg(0, 0))
        .simd(OP.v128Store, ...memarg(0, 0));
      f.inc(s, 16).inc(d, 16).br(0);
    });
    f.loop(() => {
      f.get(d).get(rowEnd).emit(OP.i32GeU).brIf(1);
      f.get(d)
        .get(s)
        .emit(OP.f32Load, ...memarg(2, 0))
        .emit(OP.f32Store, ...memarg(2, 0));
      f.inc(s, 4).inc(d, 4).br(0);
    });
    f.inc(r, 1).br(0);
  });
  return f;
}

/**
 * The module's exports, in the order callers index them. Each takes its range last: row blocks
 * [ib0, ib1) for the kernel, panels [q0, q1) for the packers, rows for compactRows, so any of
 * them but compactRows can be split.
 */
export const GEMM_EXPORTS = ['kernel', 'packBT', 'packAN', 'packAT', 'packBN', 'compactRows'] as const;
export type GemmExport = (typeof GEMM_EXPORTS)[number];

/**
 * The module over a memory of at most `maxPages`, shared (so intra-op threads can work in it) or
 * not (copies into shared memory are slower, so products on one thread use an unshared one).
 */
export function gemmSimdModuleBytes({ maxPages = MAX_PAGES, shared = false } = {}): Uint8Array {
  const builders: Record<GemmExport, () => FunctionBuilder> = {
    kernel,
    packBT: () => packTransposed(NR),
    packAN: () => packTransposed(MR),
    packAT: () => packPanels(MR),
    packBN: () => packPanels(NR),
    compactRows,
  };
  return encodeModule(
    GEMM_EXPORTS.map((name) => ({ name, fn: builders[name]() })),
    maxPages,
    shared,
  );
}
