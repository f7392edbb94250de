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

/** The module's packing functions (gemm-simd-module.ts); addresses and strides in bytes. */
interface Packers {
  /** Panels of `width` rows of a row-major matrix, transposed: Bᵀ's (NR) and a row-major A's (MR). */
  packBT(src: number, dst: number, k: number, npad: number, kc: number, panels: number): void;
  packAN(src: number, dst: number, k: number, mpad: number, kc: number, panels: number): void;
  /** Panels already laid out as rows of `width` floats: a transposed A's (MR) and a row-major B's (NR). */
  packAT(
    src: number,
    dst: number,
    k: number,
    kc: number,
    panels: number,
    srcStride: number,
    blockStride: number,
  ): void;
  packBN(
    src: number,
    dst: number,
    k: number,
    kc: number,
    panels: number,
    srcStride: number,
    blockStride: number,
  ): void;
}

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
    private readonly packers: Packers,
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
          k.exports as unknown as Packers,
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
    // Where an operand is copied before the module packs it (A's use ends before B's begins).
    const stageOff = biasOff + npad;
    const mem = this.ensure(stageOff + Math.max(m, n) * k);
    const aArgs = this.placeA(a, transA, m, k, mem, aOff, stageOff);
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
   * Puts op(A) (m×k) into `mem` at `off` and returns the kernel's A arguments (ap, aX, aY, aZ,
   * aStep, aRow in bytes; see KERNEL_PARAMS). A is read in place when its rows spread over the
   * cache (row-major: rows past m zeroed; transposed: when m is a multiple of MR); otherwise it is
   * copied to `stage` and packed by the module (whole row blocks; ragged rows in JavaScript).
   */
  private placeA(
    a: Float32Array,
    trans: boolean,
    m: number,
    k: number,
    mem: Float32Array,
    off: number,
    stage: number,
  ): number[] {
    const source = m * k === a.length ? a : a.subarray(0, m * k);
    if (!trans && spreadsOverCache(k)) {
      mem.set(source, off);
      mem.fill(0, off + m * k, off + roundUp(m, MR) * k);
      return [off * 4, 4, MR * k * 4, 0, 4, k * 4];
    }
    if (trans && m % MR === 0 && spreadsOverCache(m)) {
      mem.set(source, off);
      return [off * 4, m * 4, MR * 4, 0, m * 4, 4];
    }
    const mpad = roundUp(m, MR);
    const blocks = Math.floor(m / MR);
    const kc = blockLength(k);
    mem.set(source, stage);
    if (trans) this.packers.packAT(stage * 4, off * 4, k, kc, blocks, m * 4, mpad * 4);
    else this.packers.packAN(stage * 4, off * 4, k, mpad, kc, blocks);
    if (blocks < mpad / MR) packA(a, trans, m, k, mem, off, blocks);
    return [off * 4, mpad * 4, 0, MR * 4, MR * 4, 4];
  }

  /**
   * Puts op(B) (k×n) into `mem` at `off` and returns the kernel's B arguments (bp, bX, bY, bZ,
   * bStep in bytes). A row-major B is read in place when n is a multiple of NR and its rows spread
   * over the cache; otherwise B is copied to `stage` and packed by the module (whole strips,
   * transposing a transposed B; a ragged last strip in JavaScript).
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
    const source = k * n === b.length ? b : b.subarray(0, k * n);
    if (!trans && n % NR === 0 && spreadsOverCache(n)) {
      mem.set(source, off);
      return [off * 4, n * 4, NR * 4, 0, n * 4];
    }
    const npad = roundUp(n, NR);
    const strips = Math.floor(n / NR);
    const kc = blockLength(k);
    mem.set(source, stage);
    if (trans) this.packers.packBT(stage * 4, off * 4, k, npad, kc, strips);
    else this.packers.packBN(stage * 4, off * 4, k, kc, strips, n * 4, npad * 4);
    if (strips < npad / NR) packB(b, trans, k, n, mem, off, strips);
    return [off * 4, npad * 4, 0, NR * 4, NR * 4];
  }
}

/**
 * Whether rows of `floats` floats are far enough from a large power of two apart that reading
 * down a column spreads over L1's sets. Rows 1 KiB apart, say, all land in 4 of its 64 sets and
 * evict each other, and packing is then much faster than reading in place.
 */
function spreadsOverCache(floats: number): boolean {
  return (floats * 4) % 512 !== 0;
}
