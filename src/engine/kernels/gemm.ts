/**
 * The engine's matrix product entry point: out[m×n] = [relu]([out +] op(A)·op(B) [+ bias]).
 *
 * Two kernels with the same float32 operation order (fused multiply-adds, k increasing), hence
 * bitwise-identical results: the WebAssembly SIMD kernel (gemm-wasm.ts) for products big enough to
 * repay packing, and the scalar loop (gemm-scalar.ts) for small ones and where SIMD or a fused
 * multiply-add is missing. Intra-op threads are opt-in: a
 * `RangeRunner` (gemm-threads.ts) installed with `setGemmRunner` splits the rows of C and the
 * panels being packed, never the reduction, so results do not depend on the thread count either.
 */
import { type Blocked, gatherBlocks, scatterBlocks } from './gemm-pack.js';
import { type Epilogue, gemmScalar } from './gemm-scalar.js';
import { type RangeRunner, SimdGemm } from './gemm-wasm.js';
import { simdDisabled } from './simd-toggle.js';

export type { Blocked } from './gemm-pack.js';
export { setSimdDisabled } from './simd-toggle.js';

/** Below this many multiply-adds the scalar loop wins over packing + a kernel call. */
const SIMD_MIN_WORK = 128;

/** This thread's kernel instances (made on first use): over unshared memory, and over shared memory. */
let local: SimdGemm | null | undefined;
let shared: SimdGemm | null | undefined;
let runner: RangeRunner | null = null;

/**
 * This thread's SIMD kernel instance, or null without WebAssembly SIMD. Products run on this thread
 * alone use one over unshared memory; `shared: true` gives the one whose memory intra-op threads
 * work in (GemmThreadPool), used for the products a runner splits. Native copies into shared memory
 * take V8's relaxed-atomic path: 3.4-27 GB/s here against about 110 unshared.
 */
export function simdGemm({ shared: wantShared = false }: { shared?: boolean } = {}): SimdGemm | null {
  if (simdDisabled()) return null;
  if (wantShared) {
    if (shared === undefined) shared = SimdGemm.create({ shared: true });
    return shared;
  }
  if (local === undefined) local = SimdGemm.create();
  return local;
}

/**
 * Which kernel this host runs products on: the WebAssembly SIMD one with fused multiply-adds, or
 * the scalar loop (same results, several times slower) where WebAssembly SIMD, relaxed SIMD or a
 * CPU with FMA is missing. Worth logging at start-up.
 */
export function gemmBackend(): 'wasm-simd-fma' | 'scalar' {
  return simdGemm() === null ? 'scalar' : 'wasm-simd-fma';
}

/** Installs (or with null removes) the intra-op thread runner; returns the previous one. */
export function setGemmRunner(next: RangeRunner | null): RangeRunner | null {
  const previous = runner;
  runner = next;
  return previous;
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  /** Add the product into `out` instead of overwriting it. */
  accumulate?: boolean;
  /** Added to every row of the product (before accumulating). */
  bias?: Float32Array | null;
  /** Applies ReLU to the final values (the fused Linear + ReLU). */
  relu?: boolean;
  /** Operands stored in blocks of columns (gemm-pack.ts), for convolution's (N, C, P) tensors. */
  blocked?: Blocked | null;
}

/** out[m×n] = [out +] op(a)·op(b) [+ bias]. `transA`: a is stored k×m; `transB`: b is stored n×k. */
export function gemmInto(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
  {
    transA = false,
    transB = false,
    accumulate = false,
    bias = null,
    relu = false,
    blocked = null,
  }: GemmOptions = {},
): void {
  const epilogue: Epilogue = { bias, accumulate, relu };
  const blocks = checkBlocked(blocked, transA, transB, accumulate, k, n);
  const work = m * k * n;
  const split = runner !== null && work >= runner.minWork;
  const kernel = work >= SIMD_MIN_WORK && k > 0 ? simdGemm({ shared: split }) : null;
  if (kernel?.gemm(a, b, out, m, k, n, transA, transB, epilogue, split ? runner : null, blocks)) return;
  if (blocks === null) {
    gemmScalar(a, b, out, m, k, n, transA, transB, epilogue);
    return;
  }
  // The scalar loop on row-major copies: the same products, so the same results.
  const { a: ab, b: bb, out: ob } = blocks;
  const ar = ab > 1 ? new Float32Array(m * k) : a;
  if (ab > 1) gatherBlocks(a, m, k, ab, ar, 0);
  const br = bb > 1 ? new Float32Array(k * n) : b;
  if (bb > 1) gatherBlocks(b, k, n, bb, br, 0);
  const or = ob > 1 ? new Float32Array(m * n) : out;
  gemmScalar(ar, br, or, m, k, n, transA, transB, epilogue);
  if (ob > 1) scatterBlocks(or, 0, n, m, n, ob, out);
}

/** The blocks of a product's operands, null when all are row-major; throws where unsupported. */
function checkBlocked(
  blocked: Blocked | null,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
  k: number,
  n: number,
): Required<Blocked> | null {
  if (blocked === null) return null;
  const { a = 1, b = 1, out = 1 } = blocked;
  if (a === 1 && b === 1 && out === 1) return null;
  if ((a > 1 && (transA || k % a !== 0)) || (b > 1 && (transB || n % b !== 0)))
    throw new RangeError(
      'gemm: a blocked operand must be untransposed, its columns a multiple of the blocks',
    );
  if (out > 1 && (accumulate || n % out !== 0))
    throw new RangeError('gemm: a blocked output cannot accumulate, its columns a multiple of the blocks');
  return { a, b, out };
}

/**
 * Products against one fixed B (a recurrent layer's hidden-to-hidden weight, one product per time
 * step): B is packed into the kernel's memory once, at construction, and each `product` packs only
 * A. Same results as `gemmInto` (the scalar loop where the kernel is missing or B does not fit).
 * Valid until the next other product on this thread, so a step loop must not interleave others.
 */
export class FixedBGemm {
  private readonly kernel: SimdGemm | null;

  constructor(
    private readonly b: Float32Array,
    private readonly n: number,
    private readonly k: number,
    private readonly transB: boolean,
    maxM: number,
  ) {
    const kernel = maxM * k * n >= SIMD_MIN_WORK && k > 0 ? simdGemm() : null;
    this.kernel = kernel?.fixB(b, n, k, transB, maxM) ? kernel : null;
  }

  /** out[m×n] = [out +] op(a)·op(B) [+ bias]. */
  product(
    a: Float32Array,
    out: Float32Array,
    m: number,
    { transA = false, accumulate = false, bias = null }: Omit<GemmOptions, 'transB' | 'relu'> = {},
  ): void {
    const epilogue: Epilogue = { bias, accumulate, relu: false };
    if (this.kernel === null || !this.kernel.gemmFixed(a, out, m, transA, epilogue))
      gemmScalar(a, this.b, out, m, this.k, this.n, transA, this.transB, epilogue);
  }
}
