import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gemmBackend, simdGemm } from '../../../src/engine/kernels/gemm.js';
import { type Epilogue, gemmScalar } from '../../../src/engine/kernels/gemm-scalar.js';
import { SimdGemm } from '../../../src/engine/kernels/gemm-wasm.js';
import { Generator } from '../../../src/engine/random.js';

// Ragged sizes pack their edges in JavaScript; multiples of the tile (8, 32) pack only in the module.
const SIZES = [1, 3, 8, 17, 32, 129];
const VARIANTS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

function randn(n: number, g: Generator): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g.normal();
  return out;
}

/** The textbook definition in doubles. */
function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  return out;
}

function bitsEqual(x: Float32Array, y: Float32Array): boolean {
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const PLAIN: Epilogue = { bias: null, accumulate: false };

/** Whether this x86 CPU has FMA (V8 then fuses relaxed_madd); null where that cannot be read. */
function cpuHasFma(): boolean | null {
  try {
    const flags = /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    return flags === undefined ? null : flags.split(/\s+/).includes('fma');
  } catch {
    return null;
  }
}

describe('gemm kernels', () => {
  const simd = simdGemm();

  it.runIf(cpuHasFma() !== null)('runs the fused SIMD kernel exactly where the CPU has FMA', () => {
    expect(gemmBackend()).toBe(cpuHasFma() ? 'wasm-simd-fma' : 'scalar');
  });

  /** Whether the SIMD kernel's product is bitwise the scalar loop's (fresh outputs). */
  function sameAsScalar(
    a: Float32Array,
    b: Float32Array,
    [m, k, n]: readonly number[],
    tA: boolean,
    tB: boolean,
    epilogue: Epilogue = PLAIN,
  ): { same: boolean; vector: Float32Array } {
    const scalar = new Float32Array(m * n);
    const vector = new Float32Array(m * n);
    gemmScalar(a, b, scalar, m, k, n, tA, tB, epilogue);
    const ran = simd!.gemm(a, b, vector, m, k, n, tA, tB, epilogue, null);
    return { same: ran && bitsEqual(scalar, vector), vector };
  }

  it('has a WebAssembly SIMD kernel on this platform', () => {
    expect(simd).not.toBeNull();
  });

  for (const [tA, tB] of VARIANTS) {
    it(`SIMD equals the scalar loop bitwise and the reference closely (transA=${tA}, transB=${tB})`, () => {
      const g = new Generator(7);
      for (const m of SIZES)
        for (const k of SIZES)
          for (const n of SIZES) {
            if (m * k * n > 129 * 129 * 17) continue;
            const a = randn(m * k, g);
            const b = randn(k * n, g);
            const bias = randn(n, g);
            const scalar = new Float32Array(m * n);
            const vector = new Float32Array(m * n);
            gemmScalar(a, b, scalar, m, k, n, tA, tB, { bias: null, accumulate: false });
            expect(simd!.gemm(a, b, vector, m, k, n, tA, tB, { bias: null, accumulate: false }, null)).toBe(
              true,
            );
            expect(bitsEqual(scalar, vector), `${m}x${k}x${n}`).toBe(true);
            const ref = reference(a, b, m, k, n, tA, tB);
            for (let i = 0; i < ref.length; i++)
              expect(Math.abs(vector[i] - ref[i])).toBeLessThan(1e-4 * (k + 1));
            // Bias and accumulate epilogues.
            const s2 = scalar.slice();
            const v2 = vector.slice();
            gemmScalar(a, b, s2, m, k, n, tA, tB, { bias, accumulate: true });
            simd!.gemm(a, b, v2, m, k, n, tA, tB, { bias, accumulate: true }, null);
            expect(bitsEqual(s2, v2), `${m}x${k}x${n} bias+accumulate`).toBe(true);
          }
    });
  }

  for (const [tA, tB] of VARIANTS) {
    it(`spans several K-blocks bitwise like the scalar loop (transA=${tA}, transB=${tB})`, () => {
      const g = new Generator(3);
      // Two full row blocks of 4 and a partial one, with the last K-block partial too; then whole
      // tiles only.
      for (const [m, k, n] of [
        [9, 600, 13],
        [12, 602, 16],
      ]) {
        const a = randn(m * k, g);
        const b = randn(k * n, g);
        expect(sameAsScalar(a, b, [m, k, n], tA, tB).same, `${m}x${k}x${n}`).toBe(true);
      }
    });
  }

  it('compacts ragged rows of C in place, over unshared and shared memory alike', () => {
    // Rows of C are npad floats apart in the kernel's memory; any n not a multiple of 8 is moved
    // to n apart (vectors, then a scalar tail) before one copy out.
    const g = new Generator(9);
    const shared = SimdGemm.create({ shared: true });
    expect(shared).not.toBeNull();
    for (const m of [1, 2, 5, 33])
      for (const n of [1, 2, 3, 4, 5, 7, 9, 15, 20, 63, 65]) {
        const k = 11;
        const a = randn(m * k, g);
        const b = randn(k * n, g);
        const scalar = new Float32Array(m * n);
        gemmScalar(a, b, scalar, m, k, n, false, true, PLAIN);
        for (const kernel of [simd!, shared!]) {
          const out = new Float32Array(m * n).fill(Number.NaN);
          expect(kernel.gemm(a, b, out, m, k, n, false, true, PLAIN, null)).toBe(true);
          expect(bitsEqual(out, scalar), `${m}x${k}x${n}`).toBe(true);
        }
      }
  });

  it('copies short and long rows out alike (row lengths around the copy threshold)', () => {
    const g = new Generator(5);
    for (const n of [63, 64, 65]) {
      const [m, k] = [6, 7];
      const a = randn(m * k, g);
      const b = randn(k * n, g);
      expect(sameAsScalar(a, b, [m, k, n], false, false).same, `n=${n}`).toBe(true);
    }
  });

  it('applies bias and ReLU in the kernel exactly as the scalar epilogue (NaN, ±0, ±Infinity, several K-blocks)', () => {
    const g = new Generator(11);
    const specials = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45];
    for (const [m, k, n] of [
      [5, 3, 13],
      [8, 300, 16],
      [12, 40, 24],
    ]) {
      const a = randn(m * k, g);
      const b = randn(k * n, g);
      const bias = randn(n, g);
      // Special values in A and the bias reach the epilogue as NaN, ±Infinity and signed zeros.
      for (let i = 0; i < specials.length; i++) {
        a[(i * 7) % a.length] = specials[i];
        bias[i % n] = specials[(i + 3) % specials.length];
      }
      for (const transA of [false, true])
        for (const transB of [false, true])
          for (const epilogue of [
            { bias, accumulate: false, relu: false },
            { bias, accumulate: false, relu: true },
            { bias: null, accumulate: false, relu: true },
          ]) {
            const { same, vector } = sameAsScalar(a, b, [m, k, n], transA, transB, epilogue);
            const label = `${m}x${k}x${n} tA=${transA} tB=${transB} bias=${epilogue.bias !== null} relu=${epilogue.relu}`;
            expect(same, label).toBe(true);
            if (epilogue.relu)
              expect(
                vector.some((v) => Number.isNaN(v)),
                label,
              ).toBe(true);
          }
    }
  });

  it('packs long rows and several K-blocks in the module, ragged edges in JavaScript, alike', () => {
    const g = new Generator(13);
    for (const [m, k, n] of [
      [130, 128, 136],
      [128, 256, 130],
      [6, 1536, 12],
    ]) {
      const a = randn(m * k, g);
      const b = randn(k * n, g);
      for (const [tA, tB] of VARIANTS) {
        expect(sameAsScalar(a, b, [m, k, n], tA, tB).same, `${m}x${k}x${n} tA=${tA} tB=${tB}`).toBe(true);
      }
    }
  });

  it('declines a product that does not fit its memory, so the caller takes the scalar loop', () => {
    const small = SimdGemm.create({ maxPages: 1 })!; // one 64 KiB page: 16,384 floats
    const g = new Generator(17);
    const a = randn(16 * 32, g);
    const b = randn(32 * 24, g);
    const out = new Float32Array(16 * 24);
    expect(small.gemm(a, b, out, 16, 32, 24, false, false, PLAIN, null)).toBe(true);
    const scalar = new Float32Array(16 * 24);
    gemmScalar(a, b, scalar, 16, 32, 24, false, false, PLAIN);
    expect(bitsEqual(out, scalar)).toBe(true);
    // 64×128 · 128×64 needs A, B, C and a staging copy: about 33,000 floats.
    const [m, k, n] = [64, 128, 64];
    const big = [randn(m * k, g), randn(k * n, g)];
    const untouched = new Float32Array(m * n).fill(7);
    expect(small.gemm(big[0], big[1], untouched, m, k, n, false, true, PLAIN, null)).toBe(false);
    expect(untouched.every((v) => v === 7)).toBe(true);
  });
});
