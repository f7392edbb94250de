/**
 * The WebAssembly SIMD kernel of Adam's plain update (no weight decay, AMSGrad or maximize), four
 * parameters per instruction, every operation in float32 in PyTorch's order:
 *   m = β1·m + (1−β1)·g;  v = β2·v + ((1−β2)·g)·g;  p = p − (s·m) / (√v / c2 + ε)
 * with s = lr / (1 − β1ᵗ) and c2 = √(1 − β2ᵗ). IEEE float32 arithmetic is exact-rounded, so the
 * scalar fallback (adam-update.ts, one Math.fround per operation) gives bitwise the same values.
 */
import { encodeModule, F32, FunctionBuilder, I32, memarg, OP, V128 } from './wasm-encoder.js';

/** adam(pp, gp, mp, vp, bytes, β1, β2, 1−β1, 1−β2, s, c2, ε): `bytes` (a multiple of 16) per array. */
function adam(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32]);
  const [pp, gp, mp, vp, bytes] = [0, 1, 2, 3, 4];
  const scalars = [5, 6, 7, 8, 9, 10, 11];
  const [b1, b2, o1, o2, ss, c2, eps] = scalars.map(() => f.local(V128));
  const o = f.local(I32);
  const g = f.local(V128);
  const m = f.local(V128);
  const v = f.local(V128);
  scalars.forEach((s, i) => {
    f.get(s).simd(OP.f32x4Splat).set([b1, b2, o1, o2, ss, c2, eps][i]);
  });
  f.i32(0).set(o);
  f.loop(() => {
    f.get(o).get(bytes).emit(OP.i32GeU).brIf(1);
    f.get(gp)
      .get(o)
      .add()
      .simd(OP.v128Load, ...memarg(4, 0))
      .set(g);
    // m = β1·m + (1−β1)·g
    f.get(b1)
      .get(mp)
      .get(o)
      .add()
      .simd(OP.v128Load, ...memarg(4, 0))
      .simd(OP.f32x4Mul);
    f.get(o1).get(g).simd(OP.f32x4Mul).simd(OP.f32x4Add).set(m);
    f.get(mp)
      .get(o)
      .add()
      .get(m)
      .simd(OP.v128Store, ...memarg(4, 0));
    // v = β2·v + ((1−β2)·g)·g
    f.get(b2)
      .get(vp)
      .get(o)
      .add()
      .simd(OP.v128Load, ...memarg(4, 0))
      .simd(OP.f32x4Mul);
    f.get(o2).get(g).simd(OP.f32x4Mul).get(g).simd(OP.f32x4Mul).simd(OP.f32x4Add).set(v);
    f.get(vp)
      .get(o)
      .add()
      .get(v)
      .simd(OP.v128Store, ...memarg(4, 0));
    // p = p − (s·m) / (√v / c2 + ε)
    f.get(pp).get(o).add();
    f.get(pp)
      .get(o)
      .add()
      .simd(OP.v128Load, ...memarg(4, 0));
    f.get(ss).get(m).simd(OP.f32x4Mul);
    f.get(v).simd(OP.f32x4Sqrt).get(c2).simd(OP.f32x4Div).get(eps).simd(OP.f32x4Add);
    f.simd(OP.f32x4Div)
      .simd(OP.f32x4Sub)
      .simd(OP.v128Store, ...memarg(4, 0));
    f.inc(o, 16).br(0);
  });
  return f;
}

/** The module over its own memory of `pages` pages, not shared: the update runs on one thread. */
export function adamSimdModuleBytes(pages: number): Uint8Array {
  return encodeModule([{ name: 'adam', fn: adam() }], pages, false);
}
