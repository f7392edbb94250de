/**
 * The WebAssembly SIMD kernel of one LSTM step's pointwise part, four hidden units per
 * instruction, for every sample of the batch:
 *   i, f, o = sigmoid(xp + hp), g = tanh(xp + hp) (gate blocks i, f, g, o of width H),
 *   c = f·c' + i·g,  tc = tanh(c),  h = o·tc
 * with sigmoid and tanh as in gate-math.ts, every operation in float32 in that file's order, so
 * the scalar path there gives bitwise the same values.
 */
import { EXP_HI, EXP_LO, EXP_P, LN2_C1, LN2_C2, LOG2E, TANH_A, TANH_B, TANH_CLAMP } from './gate-math.js';
import { encodeModule, FunctionBuilder, I32, memarg, OP, V128 } from './wasm-encoder.js';

/** SIMD opcodes this kernel needs beyond the shared table in wasm-encoder.ts. */
const MATH = {
  f32x4Neg: 0xe1,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  i32x4TruncSatF32x4S: 0xf8,
} as const;

function f32Bytes(value: number): number[] {
  return [...new Uint8Array(Float32Array.of(value).buffer)];
}

function i32Bytes(value: number): number[] {
  return [...new Uint8Array(Int32Array.of(value).buffer)];
}

/** Pushes a v128 with `value` in all four float32 lanes. */
function splat(f: FunctionBuilder, value: number): FunctionBuilder {
  const b = f32Bytes(value);
  return f.simd(OP.v128Const, ...b, ...b, ...b, ...b);
}

interface Temps {
  k: number;
  r: number;
}

/** Replaces local `x` by exp(x) (gate-math.ts exp32). */
function emitExp(f: FunctionBuilder, x: number, { k, r }: Temps): void {
  f.get(x);
  splat(f, EXP_HI).simd(MATH.f32x4Min);
  splat(f, EXP_LO).simd(MATH.f32x4Max).set(x);
  f.get(x);
  splat(f, LOG2E).simd(OP.f32x4Mul).simd(MATH.f32x4Nearest).set(k);
  f.get(x).get(k);
  splat(f, LN2_C1).simd(OP.f32x4Mul).simd(OP.f32x4Sub).get(k);
  splat(f, LN2_C2).simd(OP.f32x4Mul).simd(OP.f32x4Sub).set(r);
  splat(f, EXP_P[0]);
  for (let i = 1; i < EXP_P.length; i++) {
    f.get(r).simd(OP.f32x4Mul);
    splat(f, EXP_P[i]).simd(OP.f32x4Add);
  }
  f.get(r).get(r).simd(OP.f32x4Mul).simd(OP.f32x4Mul).get(r).simd(OP.f32x4Add);
  splat(f, 1).simd(OP.f32x4Add);
  // 2^k from its bits: (k + 127) << 23.
  f.get(k).simd(MATH.i32x4TruncSatF32x4S);
  const bias = i32Bytes(127);
  f.simd(OP.v128Const, ...bias, ...bias, ...bias, ...bias).simd(MATH.i32x4Add);
  f.i32(23).simd(MATH.i32x4Shl);
  f.simd(OP.f32x4Mul).set(x);
}

/** Replaces local `x` by sigmoid(x) = 1 / (1 + exp(−x)). */
function emitSigmoid(f: FunctionBuilder, x: number, t: Temps): void {
  f.get(x).simd(MATH.f32x4Neg).set(x);
  emitExp(f, x, t);
  splat(f, 1);
  splat(f, 1).get(x).simd(OP.f32x4Add).simd(OP.f32x4Div).set(x);
}

/** Replaces local `x` by tanh(x) (gate-math.ts tanh32); `k` holds x², `r` the numerator. */
function emitTanh(f: FunctionBuilder, x: number, { k: x2, r: p }: Temps): void {
  f.get(x);
  splat(f, TANH_CLAMP).simd(MATH.f32x4Min);
  splat(f, -TANH_CLAMP).simd(MATH.f32x4Max).set(x);
  f.get(x).get(x).simd(OP.f32x4Mul).set(x2);
  splat(f, TANH_A[TANH_A.length - 1]);
  for (let i = TANH_A.length - 2; i >= 0; i--) {
    f.get(x2).simd(OP.f32x4Mul);
    splat(f, TANH_A[i]).simd(OP.f32x4Add);
  }
  f.set(p);
  f.get(x).get(p).simd(OP.f32x4Mul);
  splat(f, TANH_B[TANH_B.length - 1]);
  for (let i = TANH_B.length - 2; i >= 0; i--) {
    f.get(x2).simd(OP.f32x4Mul);
    splat(f, TANH_B[i]).simd(OP.f32x4Add);
  }
  f.simd(OP.f32x4Div).set(x);
}

/**
 * lstmCell(xp, hp, cp, gp, cOut, tcOut, hOut, hBytes, rows): byte offsets of the step's input and
 * hidden projections and activated gates (rows × 4H), previous cells, cells, tanh of the cells and
 * h (rows × H); `hBytes` = 4·H, a multiple of 16.
 */
function lstmCell(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [xp, hp, cp, gp, cOut, tcOut, hOut, hBytes, rows] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const b = f.local(I32);
  const o = f.local(I32);
  const gateRow = f.local(I32); // b·4·hBytes + o: the unit's offset in gate block i
  const unit = f.local(I32); // b·hBytes + o
  const [ig, fg, gg, og, c] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const t: Temps = { k: f.local(V128), r: f.local(V128) };
  const load = (base: number, offset: number, block: number) => {
    f.get(base).get(offset).add();
    if (block > 0) f.get(hBytes).i32(block).mul().add();
    f.simd(OP.v128Load, ...memarg(4, 0));
  };
  const store = (base: number, offset: number, block: number, value: number) => {
    f.get(base).get(offset).add();
    if (block > 0) f.get(hBytes).i32(block).mul().add();
    f.get(value).simd(OP.v128Store, ...memarg(4, 0));
  };
  f.i32(0).set(b);
  f.loop(() => {
    f.get(b).get(rows).emit(OP.i32GeU).brIf(1);
    f.i32(0).set(o);
    f.loop(() => {
      f.get(o).get(hBytes).emit(OP.i32GeU).brIf(1);
      f.get(b).get(hBytes).mul().i32(4).mul().get(o).add().set(gateRow);
      f.get(b).get(hBytes).mul().get(o).add().set(unit);
      const gates: [number, number, boolean][] = [
        [ig, 0, true],
        [fg, 1, true],
        [gg, 2, false],
        [og, 3, true],
      ];
      for (const [v, block, sigmoid] of gates) {
        load(xp, gateRow, block);
        load(hp, gateRow, block);
        f.simd(OP.f32x4Add).set(v);
        if (sigmoid) emitSigmoid(f, v, t);
        else emitTanh(f, v, t);
        store(gp, gateRow, block, v);
      }
      // c = f·c' + i·g
      f.get(fg);
      load(cp, unit, 0);
      f.simd(OP.f32x4Mul).get(ig).get(gg).simd(OP.f32x4Mul).simd(OP.f32x4Add).set(c);
      store(cOut, unit, 0, c);
      emitTanh(f, c, t);
      store(tcOut, unit, 0, c);
      f.get(hOut)
        .get(unit)
        .add()
        .get(og)
        .get(c)
        .simd(OP.f32x4Mul)
        .simd(OP.v128Store, ...memarg(4, 0));
      f.inc(o, 16).br(0);
    });
    f.inc(b, 1).br(0);
  });
  return f;
}

/** The module over its own memory of at most `maxPages` pages, not shared. */
export function lstmCellModuleBytes(maxPages: number): Uint8Array {
  return encodeModule([{ name: 'lstmCell', fn: lstmCell() }], maxPages, false);
}
