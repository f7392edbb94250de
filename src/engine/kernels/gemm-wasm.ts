/**
 * Runs the SIMD kernel: packs op(A) and op(B) into WebAssembly memory, runs the kernel over the
 * row blocks of C (all on this thread, or split across threads by a `RowBlockRunner`), then
 * copies C out through the epilogue. One instance per thread (its memory is the scratch space).
 */

import { blockLength, packA, packB, roundUp } from './gemm-pack.js';
import { type Epilogue, finishRows } from './gemm-scalar.js';
import { gemmSimdModuleBytes, MAX_PAGES, MR, NR } from './gemm-simd-module.js';
import { instantiateKernels, type WasmMemory, type WasmModule } from './wasm-api.js';

/**
 * One kernel call: which kernel (0: A's rows at immediate offsets, 1: A's rows `aRow` apart) and
 * its arguments (KERNEL_PARAMS without the row-block range), over row blocks [0, rowBlocks).
 */
export interface KernelCall {
  fn: 0 | 1;
  args: number[];
  /** Row blocks of MR rows: the kernel covers [0, rowBlocks). */
  rowBlocks: number;
  /** Multiply-adds, padded: whether splitting across threads pays. */
  work: number;
}

export type KernelFn = (...args: number[]) => void;

/** packBT(src, dst, k, npad, kc, strips), in bytes where addresses (gemm-simd-module.ts). */
type PackFn = (src: number, dst: number, k: number, npad: number, kc: number, strips: number) => void;

/** Splits a kernel call over row blocks; the default runs it all on the calling thread. */
export interface RowBlockRunner {
  run(call: KernelCall, kernels: readonly KernelFn[]): void;
}

const PAGE = 65536;

/** The epilogue left once the kernel has applied bias and ReLU: a plain copy. */
const PLAIN: Epilogue = { bias: null, accumulate: false, relu: false };

export class SimdGemm {
  private view: Float32Array;

  private constructor(
    readonly module: WasmModule,
    readonly memory: WasmMemory,
    private readonly kernels: readonly KernelFn[],
    private readonly packBT: PackFn,
  ) {
    this.view = new Float32Array(memory.buffer);
  }

  /** Null where WebAssembly SIMD (or shared memory) is unavailable. */
  static create(): SimdGemm | null {
    const k = instantiateKernels(gemmSimdModuleBytes(), 16, MAX_PAGES);
    return k === null
      ? null
      : new SimdGemm(
          k.module,
          k.memory,
          [k.exports.kernel as KernelFn, k.exports.kernelRowsApart as KernelFn],
          k.exports.packBT as PackFn,
        );
  }

  private ensure(floats: number): Float32Array {
    const bytes = floats * 4;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    if (this.view.buffer !== this.memory.buffer || this.view.length * 4 !== this.memory.buffer.byteLength) {
      this.view = new Float32Array(this.memory.buffer);
    }
    return this.view;
  }

  /** out[m×n] = op(a)·op(b) through the epilogue (see gemm-scalar.ts for the contract). */
  gemm(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    epilogue: Epilogue,
    runner: RowBlockRunner | null,
  ): void {
    const mpad = roundUp(m, MR);
    const npad = roundUp(n, NR);
    const aOff = 0;
    const bOff = mpad * k;
    const cOff = bOff + k * npad;
    const biasOff = cOff + mpad * npad;
    // Where a transposed B is copied before the kernel module packs it.
    const stageOff = biasOff + npad;
    const mem = this.ensure(stageOff + (transB ? n * k : 0));
    const aArgs = placeA(a, transA, m, k, mem, aOff);
    // Bias and ReLU are applied by the kernel, except when accumulating into `out`, which it cannot see.
    const inKernel = !epilogue.accumulate;
    const { bias, relu = false } = epilogue;
    if (inKernel && bias !== null) {
      mem.set(bias.length === n ? bias : bias.subarray(0, n), biasOff);
      mem.fill(0, biasOff + n, biasOff + npad);
    }
    const call: KernelCall = {
      fn: aArgs[5] === 4 ? 0 : 1,
      args: [
        ...aArgs,
        ...this.placeB(b, transB, k, n, mem, bOff, stageOff),
        cOff * 4,
        npad,
        k,
        blockLength(k),
        inKernel && bias !== null ? biasOff * 4 : 0,
        inKernel && relu ? 1 : 0,
      ],
      rowBlocks: mpad / MR,
      work: mpad * npad * k,
    };
    if (runner === null) this.kernels[call.fn](...call.args, 0, call.rowBlocks);
    else runner.run(call, this.kernels);
    finishRows(mem, cOff, npad, out, m, n, inKernel ? PLAIN : epilogue);
  }

  /**
   * Puts op(B) (k×n) into `mem` at `off` and returns the kernel's B arguments (bp, bX, bY, bZ,
   * bStep in bytes). A row-major B whose n is a multiple of NR is copied as it is when its rows
   * spread over the cache; a transposed B is copied to `stage` and packed there by the module's
   * SIMD transpose (whole strips; a ragged last strip in JavaScript); otherwise B is packed.
   */
  private placeB(
    b: Float32Array,
    trans: boolean,
    k: number,
    n: number,
    mem: Float32Array,
    off: number,
    stage: number,
  ): number[] {
    const packed = [off * 4, roundUp(n, NR) * 4, 0, NR * 4, NR * 4];
    if (trans) {
      const strips = Math.floor(n / NR);
      mem.set(k * n === b.length ? b : b.subarray(0, k * n), stage);
      this.packBT(stage * 4, off * 4, k, roundUp(n, NR), blockLength(k), strips);
      if (strips * NR < n) packB(b, true, k, n, mem, off, strips);
      return packed;
    }
    if (n % NR === 0 && spreadsOverCache(n)) {
      mem.set(k * n === b.length ? b : b.subarray(0, k * n), off);
      return [off * 4, n * 4, NR * 4, 0, n * 4];
    }
    packB(b, false, k, n, mem, off);
    return packed;
  }
}

/**
 * Puts op(A) (m×k) into `mem` at `off` and returns the kernel's A arguments (ap, aX, aY, aZ,
 * aStep, aRow in bytes; see KERNEL_PARAMS). A row-major A is copied as it is (rows past m zeroed)
 * and read with its rows k apart; a transposed A (k×m) is copied as it is when m is a multiple of
 * MR; otherwise A is packed.
 */
function placeA(
  a: Float32Array,
  trans: boolean,
  m: number,
  k: number,
  mem: Float32Array,
  off: number,
): number[] {
  if (!trans && spreadsOverCache(k)) {
    mem.set(m * k === a.length ? a : a.subarray(0, m * k), off);
    mem.fill(0, off + m * k, off + roundUp(m, MR) * k);
    return [off * 4, 4, MR * k * 4, 0, 4, k * 4];
  }
  if (trans && m % MR === 0 && spreadsOverCache(m)) {
    mem.set(m * k === a.length ? a : a.subarray(0, m * k), off);
    return [off * 4, m * 4, MR * 4, 0, m * 4, 4];
  }
  packA(a, trans, m, k, mem, off);
  return [off * 4, roundUp(m, MR) * 4, 0, MR * 4, MR * 4, 4];
}

/**
 * Whether rows of `floats` floats are far enough from a large power of two apart that reading
 * down a column spreads over L1's sets. Rows 1 KiB apart, say, all land in 4 of its 64 sets and
 * evict each other, and packing is then much faster than reading in place.
 */
function spreadsOverCache(floats: number): boolean {
  return (floats * 4) % 512 !== 0;
}
