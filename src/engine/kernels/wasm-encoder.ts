/**
 * A tiny WebAssembly binary encoder: just enough to emit the engine's SIMD kernels from
 * TypeScript at load time, so there is no toolchain, no build step and no generated artifact.
 * Opcodes follow the WebAssembly 2.0 spec (SIMD opcodes are 0xFD-prefixed, LEB128-encoded).
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof V128;

export function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

export function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Emits one function body; locals are numbered after the parameters in declaration order. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValueType[] = [];

  constructor(readonly params: readonly ValueType[]) {}

  local(type: ValueType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  get(l: number): this {
    return this.emit(0x20, ...uleb(l));
  }
  set(l: number): this {
    return this.emit(0x21, ...uleb(l));
  }
  i32(c: number): this {
    return this.emit(0x41, ...sleb(c));
  }
  add(): this {
    return this.emit(0x6a);
  }
  mul(): this {
    return this.emit(0x6c);
  }
  sub(): this {
    return this.emit(0x6b);
  }
  /** Pushes local `l` + `c` (an i32 add). */
  getPlus(l: number, c: number): this {
    return this.get(l).i32(c).add();
  }
  /** `l += c`. */
  inc(l: number, c: number): this {
    return this.getPlus(l, c).set(l);
  }
  /** A `block … loop … end end`: `body` can `br(1)` to leave and `br(0)` to repeat. */
  loop(body: () => void): this {
    this.emit(0x02, 0x40, 0x03, 0x40);
    body();
    return this.emit(0x0b, 0x0b);
  }
  br(depth: number): this {
    return this.emit(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.emit(0x0d, ...uleb(depth));
  }
  ifElse(then: () => void, otherwise: () => void): this {
    this.emit(0x04, 0x40);
    then();
    this.emit(0x05);
    otherwise();
    return this.emit(0x0b);
  }
  simd(op: number, ...immediates: number[]): this {
    return this.emit(0xfd, ...uleb(op), ...immediates);
  }

  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), t]), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

// i32 comparisons and SIMD opcodes used by the kernels.
export const OP = {
  f32Load: 0x2a,
  f32Store: 0x38,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32GtU: 0x4b,
  i32Eqz: 0x45,
  i32And: 0x71,
  select: 0x1b,
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  v128Store: 0x0b,
  i8x16Shuffle: 0x0d,
  v128Const: 0x0c,
  f32x4Splat: 0x13,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  /** Relaxed SIMD: a·b + c, fused where the CPU has FMA (gemm-wasm.ts checks that it is). */
  f32x4RelaxedMadd: 0x105,
  f32x4Div: 0xe7,
  f32x4Ne: 0x42,
  f32x4Gt: 0x44,
  v128And: 0x4e,
  v128Or: 0x50,
} as const;

/** memarg immediate: alignment exponent and constant offset. */
export function memarg(alignLog2: number, offset: number): number[] {
  return [...uleb(alignLog2), ...uleb(offset)];
}

export interface ExportedFunction {
  name: string;
  fn: FunctionBuilder;
}

/**
 * A module importing one memory `env.memory` (shared unless `shared` is false: only memory that
 * other threads work in needs to be, and copies into shared memory are slower) and exporting the
 * given functions.
 */
export function encodeModule(
  functions: readonly ExportedFunction[],
  maxPages: number,
  shared = true,
): Uint8Array {
  const types = functions.map(({ fn }) => [0x60, ...vector(fn.params.map((t) => [t])), 0x00]);
  const limits = shared ? 0x03 : 0x01; // has a maximum, and is shared
  const imports = [[...name('env'), ...name('memory'), 0x02, limits, ...uleb(1), ...uleb(maxPages)]];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(functions.map(({ fn }) => fn.encode()))),
  ];
  return Uint8Array.from(bytes);
}
