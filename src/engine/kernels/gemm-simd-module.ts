/**
 * The WebAssembly SIMD micro-kernel of the matrix product, emitted at load time.
 *
 * Blocking scheme (BLIS-style): op(A) and op(B) are first packed (see gemm-pack.ts) so the kernel
 * reads both contiguously and never cares about transposes. The reduction dimension K is cut into
 * blocks of KC; within a K-block, for each strip of NR = 8 columns of B (a KC×8 panel that stays
 * in L1) the kernel sweeps the row blocks of MR rows of A, keeping an MR×8 tile of C in 2·MR
 * v128 registers: per k it loads two B vectors, splats MR values of A and does 2·MR mul + add.
 *
 * Every C element is a float32 sum over k in increasing order, one rounding per multiply and per
 * add (no FMA), K-blocks visited in order and partial sums stored as float32 between them, so the
 * result is bitwise the naive loop's (gemm-scalar.ts) whatever MR, KC or the row split.
 */
import { encodeModule, FunctionBuilder, I32, memarg, OP, V128 } from './wasm-encoder.js';

export const MR = 4;
export const NR = 8;
export const MAX_PAGES = 32768; // 2 GiB of address space, reserved, not committed

/**
 * kernel(ap, bp, cp, mpad, npad, K, kc, ib0, ib1): C[row blocks ib0..ib1) = packedA · packedB,
 * all pointers in bytes. C is mpad×npad row-major (both padded to MR and NR).
 */
function kernel(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [ap, bp, cp, mpad, npad, K, kc, ib0, ib1] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
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

  f.get(npad).i32(4).mul().set(rowBytes);
  f.get(npad).i32(NR).emit(0x6e /* i32.div_u */).set(nb);
  f.i32(0).set(p0);
  f.loop(() => {
    f.get(p0).get(K).emit(OP.i32GeU).brIf(1);
    // kl = min(kc, K - p0)
    f.get(K).get(p0).sub().get(kc).get(kc).get(K).get(p0).sub().emit(OP.i32GtU).emit(OP.select).set(kl);
    f.i32(0).set(jb);
    f.loop(() => {
      f.get(jb).get(nb).emit(OP.i32GeU).brIf(1);
      f.get(ib0).set(ib);
      f.loop(() => {
        f.get(ib).get(ib1).emit(OP.i32GeU).brIf(1);
        // pa = ap + 4·(p0·mpad + ib·MR·kl); pb = bp + 4·(p0·npad + jb·NR·kl); pc = cp + 4·(ib·MR·npad + jb·NR)
        f.get(ap)
          .get(p0)
          .get(mpad)
          .mul()
          .get(ib)
          .i32(MR)
          .mul()
          .get(kl)
          .mul()
          .add()
          .i32(4)
          .mul()
          .add()
          .set(pa);
        f.get(bp)
          .get(p0)
          .get(npad)
          .mul()
          .get(jb)
          .i32(NR)
          .mul()
          .get(kl)
          .mul()
          .add()
          .i32(4)
          .mul()
          .add()
          .set(pb);
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
          f.get(pb)
            .simd(OP.v128Load, ...memarg(4, 0))
            .set(b0);
          f.get(pb)
            .simd(OP.v128Load, ...memarg(4, 16))
            .set(b1);
          for (let r = 0; r < MR; r++) {
            f.get(pa)
              .simd(OP.v128Load32Splat, ...memarg(2, 4 * r))
              .set(a);
            f.get(acc[2 * r])
              .get(a)
              .get(b0)
              .simd(OP.f32x4Mul)
              .simd(OP.f32x4Add)
              .set(acc[2 * r]);
            f.get(acc[2 * r + 1])
              .get(a)
              .get(b1)
              .simd(OP.f32x4Mul)
              .simd(OP.f32x4Add)
              .set(acc[2 * r + 1]);
          }
          f.inc(pa, MR * 4).inc(pb, NR * 4);
          f.get(pb).get(pend).emit(OP.i32LtU).brIf(0);
        });
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
    f.get(p0).get(kl).add().set(p0).br(0);
  });
  return f;
}

export function gemmSimdModuleBytes(): Uint8Array {
  return encodeModule([{ name: 'kernel', fn: kernel() }], MAX_PAGES);
}
