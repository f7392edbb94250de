/**
 * Adam's plain update over whole float32 arrays (see adam-simd-module.ts for the arithmetic): the
 * WebAssembly SIMD kernel where there is one, else the scalar loop with one rounding per operation,
 * which gives bitwise the same results. The kernel works on copies in its own memory, CHUNK values
 * of each array at a time, so the arrays themselves stay ordinary (and copyable) Float32Arrays.
 */
import { adamSimdModuleBytes } from './adam-simd-module.js';
import { simdDisabled } from './simd-toggle.js';
import { instantiateKernels } from './wasm-api.js';

/** The update's scalars; each is rounded to float32 before use, as PyTorch does for its scalars. */
export interface AdamScalars {
  beta1: number;
  beta2: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** √(1 − β2ᵗ) */
  biasCorrection2Sqrt: number;
  eps: number;
}

/** Values of each array per kernel call: four arrays of 32 KB stay in the L1/L2 caches. */
const CHUNK = 8192;
const PAGES = Math.ceil((4 * CHUNK * 4) / 65536);

/** The float32 scalars in the kernel's argument order. */
type Rounded = [b1: number, b2: number, o1: number, o2: number, ss: number, c2: number, eps: number];

type AdamKernel = (
  pp: number,
  gp: number,
  mp: number,
  vp: number,
  bytes: number,
  ...scalars: Rounded
) => void;

interface SimdAdam {
  kernel: AdamKernel;
  mem: Float32Array;
}

let simd: SimdAdam | null | undefined;

function simdAdam(): SimdAdam | null {
  if (simdDisabled()) return null;
  if (simd !== undefined) return simd;
  const k = instantiateKernels(adamSimdModuleBytes(PAGES), PAGES, PAGES, { shared: false });
  simd = k === null ? null : { kernel: k.exports.adam as AdamKernel, mem: new Float32Array(k.memory.buffer) };
  return simd;
}

/** Whether updates run on the SIMD kernel (false where it is missing or switched off). */
export function adamSimdAvailable(): boolean {
  return simdAdam() !== null;
}

/** One plain Adam step over `param` in place, updating the moments `expAvg` and `expAvgSq`. */
export function adamUpdate(
  param: Float32Array,
  grad: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  s: AdamScalars,
): void {
  const f = Math.fround;
  const r: Rounded = [
    f(s.beta1),
    f(s.beta2),
    f(1 - s.beta1),
    f(1 - s.beta2),
    f(s.stepSize),
    f(s.biasCorrection2Sqrt),
    f(s.eps),
  ];
  const kernel = simdAdam();
  if (kernel === null) {
    adamScalar(param, grad, expAvg, expAvgSq, r);
    return;
  }
  const { mem } = kernel;
  const [P, G, M, V] = [0, CHUNK, 2 * CHUNK, 3 * CHUNK];
  for (let start = 0; start < param.length; start += CHUNK) {
    const end = Math.min(param.length, start + CHUNK);
    const n = end - start;
    mem.set(param.subarray(start, end), P);
    mem.set(grad.subarray(start, end), G);
    mem.set(expAvg.subarray(start, end), M);
    mem.set(expAvgSq.subarray(start, end), V);
    // Lanes past n compute on stale values and are never copied back.
    const bytes = Math.ceil(n / 4) * 16;
    kernel.kernel(P * 4, G * 4, M * 4, V * 4, bytes, ...r);
    param.set(mem.subarray(P, P + n), start);
    expAvg.set(mem.subarray(M, M + n), start);
    expAvgSq.set(mem.subarray(V, V + n), start);
  }
}

/** The same arithmetic one value at a time: every operation rounded to float32. */
function adamScalar(
  param: Float32Array,
  grad: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  [b1, b2, o1, o2, ss, c2, eps]: Rounded,
): void {
  const f = Math.fround;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    const m = f(f(b1 * expAvg[i]) + f(o1 * g));
    const v = f(f(b2 * expAvgSq[i]) + f(f(o2 * g) * g));
    expAvg[i] = m;
    expAvgSq[i] = v;
    const denom = f(f(f(Math.sqrt(v)) / c2) + eps);
    param[i] = f(param[i] - f(f(ss * m) / denom));
  }
}
