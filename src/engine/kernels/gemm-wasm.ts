/**
 * Runs the SIMD kernel: packs op(A) and op(B) into WebAssembly memory, runs the kernel over the
 * row blocks of C (all on this thread, or split across threads by a `RowBlockRunner`), then
 * copies C out through the epilogue. One instance per thread (its memory is the scratch space).
 */

import { KC, packA, packB, roundUp } from './gemm-pack.js';
import { type Epilogue, finishRows } from './gemm-scalar.js';
import { gemmSimdModuleBytes, MAX_PAGES, MR, NR } from './gemm-simd-module.js';
import { instantiateKernels, type WasmMemory, type WasmModule } from './wasm-api.js';

/** The arguments of one kernel call; pointers are byte offsets into the shared memory. */
export interface KernelCall {
  ap: number;
  bp: number;
  cp: number;
  mpad: number;
  npad: number;
  k: number;
  kc: number;
  /** Row blocks of MR rows: the kernel covers [0, rowBlocks). */
  rowBlocks: number;
}

export type KernelFn = (
  ap: number,
  bp: number,
  cp: number,
  mpad: number,
  npad: number,
  k: number,
  kc: number,
  ib0: number,
  ib1: number,
) => void;

/** Splits a kernel call over row blocks; the default runs it all on the calling thread. */
export interface RowBlockRunner {
  run(call: KernelCall, kernel: KernelFn): void;
}

const PAGE = 65536;

export class SimdGemm {
  private view: Float32Array;

  private constructor(
    readonly module: WasmModule,
    readonly memory: WasmMemory,
    private readonly kernel: KernelFn,
  ) {
    this.view = new Float32Array(memory.buffer);
  }

  /** Null where WebAssembly SIMD (or shared memory) is unavailable. */
  static create(): SimdGemm | null {
    const k = instantiateKernels(gemmSimdModuleBytes(), 16, MAX_PAGES);
    return k === null ? null : new SimdGemm(k.module, k.memory, k.exports.kernel as KernelFn);
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
    const mem = this.ensure(cOff + mpad * npad);
    packA(a, transA, m, k, mem, aOff);
    packB(b, transB, k, n, mem, bOff);
    const call: KernelCall = {
      ap: aOff * 4,
      bp: bOff * 4,
      cp: cOff * 4,
      mpad,
      npad,
      k,
      kc: KC,
      rowBlocks: mpad / MR,
    };
    if (runner === null) this.kernel(call.ap, call.bp, call.cp, mpad, npad, k, KC, 0, call.rowBlocks);
    else runner.run(call, this.kernel);
    finishRows(mem, cOff, npad, out, m, n, epilogue);
  }
}
