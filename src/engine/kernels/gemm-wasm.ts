/**
 * Runs the SIMD kernel: packs op(A) and op(B) into WebAssembly memory, runs the kernel over the
 * row blocks of C, then copies C out through the epilogue. Packing and the kernel run on this
 * thread, or split across threads by a `RangeRunner`. One instance per thread (its memory is the
 * scratch space).
 */

import { type Blocked, blockLength, gatherBlocks, packEdge, roundUp, scatterBlocks } from './gemm-pack.js';
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
  /** Products of fewer multiply-adds than this are not split: they run on the calling thread. */
  readonly minWork: number;
  run(call: KernelCall, fns: readonly KernelFn[]): void;
}

/** Work units per float a packer moves (a rough exchange rate against the kernel's multiply-adds). */
const PACK_WORK_PER_FLOAT = 8;

const PAGE = 65536;

/** The module's packers of one operand, and its panel width (gemm-pack.ts has the layout). */
interface Packer {
  width: number;
  /** From the operand stored lanes × k (row-major A, transposed B). */
  fromRows: GemmExport;
  /** From the operand stored k × lanes (transposed A, row-major B). */
  fromKMajor: GemmExport;
}

const PACK_A: Packer = { width: MR, fromRows: 'packAN', fromKMajor: 'packAT' };
const PACK_B: Packer = { width: NR, fromRows: 'packBT', fromKMajor: 'packBN' };

/** The epilogue left once the kernel has applied bias and ReLU: a plain copy. */
const PLAIN: Epilogue = { bias: null, accumulate: false, relu: false };

export class SimdGemm {
  private view: Float32Array;
  /** Where `fixB` left its packed B, while no other product has overwritten it. */
  private fixed: {
    n: number;
    k: number;
    maxM: number;
    bOff: number;
    cOff: number;
    biasOff: number;
    stageOff: number;
  } | null = null;

  private constructor(
    readonly module: WasmModule,
    readonly memory: WasmMemory,
    private readonly fns: readonly KernelFn[],
    private readonly maxBytes: number,
  ) {
    this.view = new Float32Array(memory.buffer);
  }

  /**
   * Null where WebAssembly SIMD, relaxed SIMD or (with `shared`) shared memory is unavailable, or
   * where relaxed SIMD's multiply-add is not fused (a CPU without FMA): the scalar loop then gives
   * the same results. `maxPages` bounds the memory (64 KiB pages); products that would need more
   * take the scalar loop. `shared`: the memory can be worked in by intra-op threads
   * (gemm-threads.ts); only then, since native copies into shared memory are several times slower.
   */
  static create({
    maxPages = MAX_PAGES,
    shared = false,
  }: {
    maxPages?: number;
    shared?: boolean;
  } = {}): SimdGemm | null {
    const initial = Math.min(16, maxPages);
    const bytes = gemmSimdModuleBytes({ maxPages, shared });
    const k = instantiateKernels(bytes, initial, maxPages, { shared, relaxedSimd: true });
    if (k === null) return null;
    const fns = GEMM_EXPORTS.map((name) => k.exports[name] as KernelFn);
    const gemm = new SimdGemm(k.module, k.memory, fns, maxPages * PAGE);
    return gemm.fusesMultiplyAdd() ? gemm : null;
  }

  /**
   * Whether the kernel's multiply-add rounds once: 1·(−(1 + 2⁻¹¹)) + (1 + 2⁻¹²)² is 2⁻²⁴ fused, and 0
   * when the product is rounded first. V8 fuses relaxed_madd where the CPU has FMA.
   */
  private fusesMultiplyAdd(): boolean {
    const x = Math.fround(1 + 2 ** -12);
    const out = new Float32Array(1);
    const a = Float32Array.of(1, x);
    const b = Float32Array.of(-Math.fround(1 + 2 ** -11), x);
    return this.gemm(a, b, out, 1, 2, 1, false, false, PLAIN, null) && out[0] === 2 ** -24;
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
    blocked: Required<Blocked> | null = null,
  ): boolean {
    this.fixed = null; // the memory is about to be overwritten
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
    this.place(a, PACK_A, transA, m, k, mem, aOff, stageOff, runner, blocked?.a ?? 1);
    this.place(b, PACK_B, !transB, n, k, mem, bOff, stageOff, runner, blocked?.b ?? 1);
    return this.finish(out, m, k, n, mpad, npad, bOff, cOff, biasOff, epilogue, runner, blocked?.out ?? 1);
  }

  /**
   * Packs B (n×k stored transposed, or k×n) once for a run of products with the same B and up to
   * `maxM` rows of A (a recurrent layer's time steps). Returns false when it does not fit; any
   * other product on this instance drops it.
   */
  fixB(b: Float32Array, n: number, k: number, transB: boolean, maxM: number): boolean {
    const mpad = roundUp(maxM, MR);
    const npad = roundUp(n, NR);
    const bOff = mpad * k;
    const cOff = bOff + k * npad;
    const biasOff = cOff + mpad * npad;
    const stageOff = biasOff + npad;
    const mem = this.ensure(stageOff + Math.max(maxM, n) * k);
    this.fixed = null;
    if (mem === null) return false;
    this.place(b, PACK_B, !transB, n, k, mem, bOff, stageOff, null);
    this.fixed = { n, k, maxM, bOff, cOff, biasOff, stageOff };
    return true;
  }

  /** out[m×n] = op(a)·B through the epilogue, with the B of the last `fixB`; false when it is gone. */
  gemmFixed(a: Float32Array, out: Float32Array, m: number, transA: boolean, epilogue: Epilogue): boolean {
    const f = this.fixed;
    if (f === null || m > f.maxM) return false;
    const mem = this.ensure(f.stageOff + Math.max(f.maxM, f.n) * f.k);
    if (mem === null) return false;
    this.place(a, PACK_A, transA, m, f.k, mem, 0, f.stageOff, null);
    const ok = this.finish(
      out,
      m,
      f.k,
      f.n,
      roundUp(m, MR),
      roundUp(f.n, NR),
      f.bOff,
      f.cOff,
      f.biasOff,
      epilogue,
      null,
    );
    this.fixed = f; // finish leaves B in place
    return ok;
  }

  /** The kernel over packed A (at 0) and B (at bOff), then C copied out through the epilogue. */
  private finish(
    out: Float32Array,
    m: number,
    k: number,
    n: number,
    mpad: number,
    npad: number,
    bOff: number,
    cOff: number,
    biasOff: number,
    epilogue: Epilogue,
    runner: RangeRunner | null,
    outBlocks = 1,
  ): boolean {
    const aOff = 0;
    const mem = this.view;
    // Bias and ReLU are applied by the kernel, except when accumulating into `out`, which it cannot see.
    const inKernel = !epilogue.accumulate;
    const { bias, relu = false } = epilogue;
    if (inKernel && bias !== null) {
      mem.set(bias.length === n ? bias : bias.subarray(0, n), biasOff);
      mem.fill(0, biasOff + n, biasOff + npad);
    }
    const biasPtr = inKernel && bias !== null ? biasOff * 4 : 0;
    const kernelArgs = [
      aOff * 4,
      bOff * 4,
      cOff * 4,
      mpad,
      npad,
      k,
      blockLength(k),
      biasPtr,
      inKernel && relu ? 1 : 0,
    ];
    this.call('kernel', kernelArgs, mpad / MR, mpad * npad * k, runner);
    if (outBlocks > 1) {
      scatterBlocks(mem, cOff, npad, m, n, outBlocks, out); // the epilogue was in the kernel
      return true;
    }
    let stride = npad;
    if (n !== npad && m > 1) {
      this.call('compactRows', [cOff * 4, npad, n], m, 0, null);
      stride = n;
    }
    finishRows(mem, cOff, stride, out, m, n, inKernel ? PLAIN : epilogue);
    return true;
  }

  /** Runs `name` over [0, range), split across threads by `runner` when there is one. */
  private call(name: GemmExport, args: number[], range: number, work: number, runner: RangeRunner | null) {
    const fn = GEMM_EXPORTS.indexOf(name);
    if (runner === null) this.fns[fn](...args, 0, range);
    else runner.run({ fn, args, range, work }, this.fns);
  }

  /**
   * Packs an operand into `mem` at `off`, in the layout of gemm-pack.ts: `count` lanes (A's rows
   * with MR, B's columns with NR) of k values each. `kMajor`: stored k×count (a transposed A, a
   * row-major B), else count×k. A native copy to `stage`, then the module packs the whole panels
   * (register transposes from count×k, row copies from k×count); JavaScript packs a ragged last one.
   */
  private place(
    x: Float32Array,
    packer: Packer,
    kMajor: boolean,
    count: number,
    k: number,
    mem: Float32Array,
    off: number,
    stage: number,
    runner: RangeRunner | null,
    blocks = 1,
  ): void {
    const { width } = packer;
    const padded = roundUp(count, width);
    const panels = Math.floor(count / width);
    const kc = blockLength(k);
    if (blocks > 1) {
      // Stored in column blocks (only untransposed: A count×k, B k×count): staged row-major, and
      // the ragged panel is read from the staged copy.
      const [rows, cols] = kMajor ? [k, count] : [count, k];
      gatherBlocks(x, rows, cols, blocks, mem, stage);
    } else mem.set(count * k === x.length ? x : x.subarray(0, count * k), stage);
    const src = blocks > 1 ? mem.subarray(stage, stage + count * k) : x;
    const work = panels * width * k * PACK_WORK_PER_FLOAT;
    if (kMajor)
      this.call(packer.fromKMajor, [stage * 4, off * 4, k, kc, count * 4, padded * 4], panels, work, runner);
    else this.call(packer.fromRows, [stage * 4, off * 4, k, padded, kc], panels, work, runner);
    // The lane-th value at k-row p is x[p·count + lane] when k-major, else x[lane·k + p].
    if (count % width !== 0) packEdge(src, kMajor ? 1 : k, kMajor ? count : 1, count, width, k, mem, off);
  }
}
