import { describe, expect, it } from 'vitest';
import { gemmInto, setSimdDisabled } from '../../../src/engine/kernels/gemm.js';
import { gatherBlocks, scatterBlocks } from '../../../src/engine/kernels/gemm-pack.js';
import { Generator } from '../../../src/engine/random.js';

function randn(n: number, g: Generator): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = g.normal();
  return x;
}

/** A rows × cols row-major matrix in `blocks` column blocks: (blocks, rows, cols / blocks). */
function toBlocks(x: Float32Array, rows: number, cols: number, blocks: number): Float32Array {
  const out = new Float32Array(x.length);
  scatterBlocks(x, 0, cols, rows, cols, blocks, out);
  return out;
}

describe('gemmInto with column-blocked operands', () => {
  it('gatherBlocks undoes scatterBlocks', () => {
    const x = randn(6 * 12, new Generator(1));
    const blocked = toBlocks(x, 6, 12, 4);
    expect(blocked[(1 * 6 + 2) * 3 + 1]).toBe(x[2 * 12 + 1 * 3 + 1]); // (r 2, block 1, p 1)
    const back = new Float32Array(x.length);
    gatherBlocks(blocked, 6, 12, 4, back, 0);
    expect(back).toEqual(x);
  });

  for (const simd of [true, false]) {
    it(`gives the row-major product's bits, for A, B and the output (SIMD ${simd})`, () => {
      const previous = setSimdDisabled(!simd);
      try {
        const g = new Generator(2);
        // Ragged sizes (m, n past the kernel's tiles) and whole ones.
        for (const [m, k, n, blocks] of [
          [5, 12, 14, 2],
          [32, 10, 64 * 4, 4],
          [7, 21, 9, 3],
        ]) {
          const a = randn(m * k, g);
          const b = randn(k * n, g);
          const bias = randn(n, g);
          // Output blocked, with ReLU: the conv forward.
          const plain = new Float32Array(m * n);
          gemmInto(a, b, plain, m, k, n, { relu: true });
          const blockedOut = new Float32Array(m * n);
          gemmInto(a, b, blockedOut, m, k, n, { relu: true, blocked: { out: blocks } });
          expect(blockedOut).toEqual(toBlocks(plain, m, n, blocks));
          // A blocked (its k columns), B transposed: dW = dY · colsᵀ.
          const kb = k % blocks === 0 ? blocks : 1;
          const bt = randn(n * k, g);
          const ref = new Float32Array(m * n);
          gemmInto(a, bt, ref, m, k, n, { transB: true, bias });
          const viaBlocks = new Float32Array(m * n);
          gemmInto(toBlocks(a, m, k, kb), bt, viaBlocks, m, k, n, { transB: true, bias, blocked: { a: kb } });
          expect(viaBlocks).toEqual(ref);
          // B blocked (its n columns), A transposed: dcols = Wᵀ · dY.
          const at = randn(k * m, g);
          const ref2 = new Float32Array(m * n);
          gemmInto(at, b, ref2, m, k, n, { transA: true });
          const viaBlocks2 = new Float32Array(m * n);
          gemmInto(at, toBlocks(b, k, n, blocks), viaBlocks2, m, k, n, {
            transA: true,
            blocked: { b: blocks },
          });
          expect(viaBlocks2).toEqual(ref2);
        }
      } finally {
        setSimdDisabled(previous);
      }
    });
  }

  it('refuses layouts it does not support', () => {
    const x = new Float32Array(16);
    expect(() => gemmInto(x, x, x, 4, 4, 4, { transA: true, blocked: { a: 2 } })).toThrow(RangeError);
    expect(() => gemmInto(x, x, x, 4, 4, 4, { accumulate: true, blocked: { out: 2 } })).toThrow(RangeError);
  });
});
