/**
 * Runs the SIMD kernel: packs op(A) and op(B) into WebAssembly memory, runs the kernel over the
 * row blocks of C (all on this thread, or split across threads by a `RowBlockRunner`), then
 * copies C out through the epilogue. One instance per thread (its memory is the scratch space).
 */

import { blockLength, packA, packB, roundUp } from './gemm-pack.js';
import { type Epilogue, finishRows } from './gemm-scalar.js';
import { gemmSimdModuleBytes, MAX_PAGES, MR, NR } from './gemm-simd-module.js';
import { instantiateKernels, type WasmMemory, type WasmModule } from './wasm-api.js';

/** One kernel call: its arguments (KERNEL_PARAMS without the row-block range). */
export interface KernelCall {
  args: number[];
  /** Row blocks of MR rows: the kernel covers [0, rowBlocks). */
  rowBlocks: number;
  /** Multiply-adds, padded: whether splitting across threads pays. */
  work: number;
}

export type KernelFn = (...args: number[]) => void;

/** packBT/packAN(src, dst, k, padded, kc, panels): panels of rows of a row-major matrix, transposed. */
type PackTransposed = (
  src: number,
  dst: number,
  k: number,
  padded: number,
  kc: number,
  panels: number,
) => void;
/** packAT/packBN(src, dst, k, kc, panels, srcStride, blockStride): panels already laid out as rows. */
type PackRows = (
  src: number,
  dst: number,
  k: number,
  kc: number,
  panels: number,
  srcStride: number,
  blockStride: number,
) => void;

/** The module's packing functions (gemm-simd-module.ts); addresses and strides in bytes. */
interface Packers {
  /** Bᵀ's strips from B (n×k) and a row-major A's row blocks. */
  packBT: PackTransposed;
  packAN: PackTransposed;
  /** A transposed A's row blocks (from k×m) and a row-major B's strips. */
  packAT: PackRows;
  packBN: PackRows;
}

/** Splits a kernel call over row blocks; the default runs it all on the calling thread. */
export interface RowBlockRunner {
  run(call: KernelCall, kernel: KernelFn): void;
}

const PAGE = 65536;

/** The epilogue left once the kernel has applied bias and ReLU: a plain copy. */
const PLAIN: Epilogue = { bias: null, accumulate: false, relu: false };

export class SimdGemm {
  private view: Float32Array;

  private constructor(
    readonly module: WasmModule,
    readonly memory: WasmMemory,
    private readonly kernel: KernelFn,
    private readonly packers: Packers,
    private readonly maxBytes: number,
  ) {
    this.view = new Float32Array(memory.buffer);
  }

  /**
   * Null where WebAssembly SIMD (or shared memory) is unavailable. `maxPages` bounds the memory
   * (64 KiB pages); products that would need more take the scalar loop.
   */
  static create(maxPages = MAX_PAGES): SimdGemm | null {
    const initial = Math.min(16, maxPages);
    const k = instantiateKernels(gemmSimdModuleBytes(maxPages), initial, maxPages);
    return k === null
      ? null
      : new SimdGemm(
          k.module,
          k.memory,
          k.exports.kernel as KernelFn,
          k.exports as unknown as Packers,
          maxPages * PAGE,
        );
  }

  /** The memory as floats, grown to hold `floats`; null when that is past its maximum. */
  private ensure(floats: number): Float32Array | null {
    const bytes = floats * 4;
    if (bytes > this.maxBytes) return null;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    if (this.view.buffer !== this.memory.buffer || this.view.length * 4 !== this.memory.buffer.byteLength) {
      this.view = new Float32Array(this.memory.buffer);
    }
    return this.view;
  }

  /**
   * out[m×n] = op(a)·op(b) through the epilogue (see gemm-scalar.ts for the contract). Returns false,
   * doing nothing, when the operands do not fit in the kernel's memory (the caller then takes the
   * scalar loop, which gives the same results).
   */
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
  ): boolean {
    const mpad = roundUp(m, MR);
    const npad = roundUp(n, NR);
    const aOff = 0;
    const bOff = mpad * k;
    const cOff = bOff + k * npad;
    const biasOff = cOff + mpad * npad;
    // Where an operand is copied before the module packs it (A's use ends before B's begins).
    const stageOff = biasOff + npad;
    const mem = this.ensure(stageOff + Math.max(m, n) * k);
    if (mem === null) return false;
    this.placeA(a, transA, m, k, mem, aOff, stageOff);
    this.placeB(b, transB, k, n, mem, bOff, stageOff);
    // Bias and ReLU are applied by the kernel, except when accumulating into `out`, which it cannot see.
    const inKernel = !epilogue.accumulate;
    const { bias, relu = false } = epilogue;
    if (inKernel && bias !== null) {
      mem.set(bias.length === n ? bias : bias.subarray(0, n), biasOff);
      mem.fill(0, biasOff + n, biasOff + npad);
    }
    const call: KernelCall = {
      args: [
        aOff * 4,
        bOff * 4,
        cOff * 4,
        mpad,
        npad,
        k,
        blockLength(k),
        inKernel && bias !== null ? biasOff * 4 : 0,
        inKernel && relu ? 1 : 0,
      ],
      rowBlocks: mpad / MR,
      work: mpad * npad * k,
    };
    if (runner === null) this.kernel(...call.args, 0, call.rowBlocks);
    else runner.run(call, this.kernel);
    finishRows(mem, cOff, npad, out, m, n, inKernel ? PLAIN : epilogue);
    return true;
  }

  /**
   * Packs op(A) (m×k) into `mem` at `off`: a native copy to `stage`, then the module's packing of
   * whole row blocks (4×4 transposes for a row-major A, row copies for a transposed one); ragged
   * rows in JavaScript.
   */
  private placeA(
    a: Float32Array,
    trans: boolean,
    m: number,
    k: number,
    mem: Float32Array,
    off: number,
    stage: number,
  ): void {
    const mpad = roundUp(m, MR);
    const blocks = Math.floor(m / MR);
    const kc = blockLength(k);
    mem.set(m * k === a.length ? a : a.subarray(0, m * k), stage);
    if (trans) this.packers.packAT(stage * 4, off * 4, k, kc, blocks, m * 4, mpad * 4);
    else this.packers.packAN(stage * 4, off * 4, k, mpad, kc, blocks);
    if (blocks < mpad / MR) packA(a, trans, m, k, mem, off, blocks);
  }

  /**
   * Packs op(B) (k×n) into `mem` at `off`: a native copy to `stage`, then the module's packing of
   * whole strips (8×4 transposes for a transposed B, row copies for a row-major one); a ragged
   * last strip in JavaScript.
   */
  private placeB(
    b: Float32Array,
    trans: boolean,
    k: number,
    n: number,
    mem: Float32Array,
    off: number,
    stage: number,
  ): void {
    const npad = roundUp(n, NR);
    const strips = Math.floor(n / NR);
    const kc = blockLength(k);
    mem.set(k * n === b.length ? b : b.subarray(0, k * n), stage);
    if (trans) this.packers.packBT(stage * 4, off * 4, k, npad, kc, strips);
    else this.packers.packBN(stage * 4, off * 4, k, kc, strips, n * 4, npad * 4);
    if (strips < npad / NR) packB(b, trans, k, n, mem, off, strips);
  }
}
