/**
 * Runs the SIMD kernel: packs op(A) and op(B) into WebAssembly memory, runs the kernel over the
 * row blocks of C, then copies C out through the epilogue. Packing and the kernel run on this
 * thread, or split across threads by a `RangeRunner`. One instance per thread (its memory is the
 * scratch space).
 */

import { blockLength, packEdge, roundUp } from './gemm-pack.js';
import { type Epilogue, finishRows } from './gemm-scalar.js';
import { GEMM_EXPORTS, type GemmExport, gemmSimdModuleBytes, MAX_PAGES, MR, NR } from './gemm-simd-module.js';
import { instantiateKernels, type WasmMemory, type WasmModule } from './wasm-api.js';

/**
 * One call of a module export (GEMM_EXPORTS[fn]) over the range [0, range) that its last two
 * arguments take: row blocks of C for the kernel, panels for a packer.
 */
export interface KernelCall {
  fn: number;
  /** The arguments before the range. */
  args: number[];
  range: number;
  /** About how many multiply-adds the call costs: whether splitting it across threads pays. */
  work: number;
}

export type KernelFn = (...args: number[]) => void;

/** Splits a call's range across threads; without one, it all runs on the calling thread. */
export interface RangeRunner {
  run(call: KernelCall, fns: readonly KernelFn[]): void;
}

/** Work units per float a packer moves (a rough exchange rate against the kernel's multiply-adds). */
const PACK_WORK_PER_FLOAT = 8;

const PAGE = 65536;

/** The epilogue left once the kernel has applied bias and ReLU: a plain copy. */
const PLAIN: Epilogue = { bias: null, accumulate: false, relu: false };

export class SimdGemm {
  private view: Float32Array;

  private constructor(
    readonly module: WasmModule,
    readonly memory: WasmMemory,
    private readonly fns: readonly KernelFn[],
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
          GEMM_EXPORTS.map((name) => k.exports[name] as KernelFn),
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
    runner: RangeRunner | null,
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
    this.placeA(a, transA, m, k, mem, aOff, stageOff, runner);
    this.placeB(b, transB, k, n, mem, bOff, stageOff, runner);
    // Bias and ReLU are applied by the kernel, except when accumulating into `out`, which it cannot see.
    const inKernel = !epilogue.accumulate;
    const { bias, relu = false } = epilogue;
    if (inKernel && bias !== null) {
      mem.set(bias.length === n ? bias : bias.subarray(0, n), biasOff);
      mem.fill(0, biasOff + n, biasOff + npad);
    }
    const call: KernelCall = {
      fn: GEMM_EXPORTS.indexOf('kernel'),
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
      range: mpad / MR,
      work: mpad * npad * k,
    };
    this.run(call, runner);
    finishRows(mem, cOff, npad, out, m, n, inKernel ? PLAIN : epilogue);
    return true;
  }

  /** Runs `name` over [0, range), split across threads by `runner` when there is one. */
  private call(name: GemmExport, args: number[], range: number, work: number, runner: RangeRunner | null) {
    this.run({ fn: GEMM_EXPORTS.indexOf(name), args, range, work }, runner);
  }

  private run(call: KernelCall, runner: RangeRunner | null): void {
    if (runner === null) this.fns[call.fn](...call.args, 0, call.range);
    else runner.run(call, this.fns);
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
    runner: RangeRunner | null,
  ): void {
    const mpad = roundUp(m, MR);
    const blocks = Math.floor(m / MR);
    const kc = blockLength(k);
    mem.set(m * k === a.length ? a : a.subarray(0, m * k), stage);
    const work = blocks * MR * k * PACK_WORK_PER_FLOAT;
    if (trans) this.call('packAT', [stage * 4, off * 4, k, kc, m * 4, mpad * 4], blocks, work, runner);
    else this.call('packAN', [stage * 4, off * 4, k, mpad, kc], blocks, work, runner);
    if (m % MR !== 0) {
      // op(A)(i, p) is a[p·m + i] when transposed, else a[i·k + p].
      packEdge(a, trans ? 1 : k, trans ? m : 1, m, MR, k, mem, off);
    }
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
    runner: RangeRunner | null,
  ): void {
    const npad = roundUp(n, NR);
    const strips = Math.floor(n / NR);
    const kc = blockLength(k);
    mem.set(k * n === b.length ? b : b.subarray(0, k * n), stage);
    const work = strips * NR * k * PACK_WORK_PER_FLOAT;
    if (trans) this.call('packBT', [stage * 4, off * 4, k, npad, kc], strips, work, runner);
    else this.call('packBN', [stage * 4, off * 4, k, kc, n * 4, npad * 4], strips, work, runner);
    if (n % NR !== 0) {
      // op(B)(p, j) is b[j·k + p] when transposed, else b[p·n + j].
      packEdge(b, trans ? k : 1, trans ? 1 : n, n, NR, k, mem, off);
    }
  }
}
