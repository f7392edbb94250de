/**
 * The LSTM cell kernel: the WebAssembly SIMD path and the scalar path give bitwise the same values,
 * and the float32 sigmoid and tanh stay within their stated error of the float64 functions.
 */
import { describe, expect, it } from 'vitest';
import { exp32, sigmoid32, tanh32 } from '../../../src/engine/kernels/gate-math.js';
import { LstmCell } from '../../../src/engine/kernels/lstm-cell.js';
import { setSimdDisabled } from '../../../src/engine/kernels/simd-toggle.js';
import { Generator } from '../../../src/engine/random.js';

/** Runs `steps` steps of a cell over the same pseudo-random projections; every output of every step. */
function runCell(simd: boolean, batch: number, hidden: number, steps: number): Float32Array[] {
  const previous = setSimdDisabled(!simd);
  try {
    const g = new Generator(7);
    const cell = new LstmCell(batch, hidden);
    expect(cell.simd).toBe(simd);
    const outputs: Float32Array[] = [];
    for (let s = 0; s < steps; s++) {
      // Wide inputs reach the clamps of exp and tanh; a few exact extremes too.
      for (let i = 0; i < cell.xp.length; i++) cell.xp[i] = g.normal() * (s === 1 ? 60 : 4);
      for (let i = 0; i < cell.hp.length; i++) cell.hp[i] = g.normal();
      cell.xp[0] = 100;
      cell.xp[1] = -100;
      cell.xp[2] = 0;
      cell.run();
      for (const v of [cell.gates, cell.cells, cell.tanhCells, cell.h]) outputs.push(Float32Array.from(v));
    }
    return outputs;
  } finally {
    setSimdDisabled(previous);
  }
}

describe('LstmCell', () => {
  it('gives bitwise the same gates, cells and h on the SIMD and the scalar path', () => {
    const simd = runCell(true, 5, 12, 4);
    const scalar = runCell(false, 5, 12, 4);
    expect(simd.length).toBe(scalar.length);
    for (let i = 0; i < simd.length; i++) expect(Array.from(simd[i])).toEqual(Array.from(scalar[i]));
  });

  it('computes c = f·c′ + i·g and h = o·tanh(c) from the previous step', () => {
    const cell = new LstmCell(1, 4);
    cell.xp.fill(0.5);
    cell.hp.fill(0.25);
    cell.run();
    const [i, f, g, o] = [sigmoid32(0.75), sigmoid32(0.75), tanh32(0.75), sigmoid32(0.75)];
    const c1 = Math.fround(i * g);
    expect(cell.cells[0]).toBe(c1);
    cell.run();
    const c2 = Math.fround(Math.fround(f * c1) + Math.fround(i * g));
    expect(cell.cells[3]).toBe(c2);
    expect(cell.h[3]).toBe(Math.fround(o * tanh32(c2)));
  });
});

describe('float32 gate math', () => {
  it('exp within 1.2e-7 relative, sigmoid within 1.5 ulp, tanh within 3.5 ulp of float64', () => {
    const ulp = (e: number) => Math.max(Math.abs(Math.fround(e)) * 2 ** -23, 2 ** -149);
    let exp = 0;
    let sig = 0;
    let tanh = 0;
    for (let i = 0; i <= 400_000; i++) {
      const x = Math.fround((i / 400_000 - 0.5) * (i % 2 === 0 ? 40 : 0.02));
      exp = Math.max(exp, Math.abs(exp32(x) / Math.exp(x) - 1));
      sig = Math.max(sig, Math.abs(sigmoid32(x) - 1 / (1 + Math.exp(-x))) / ulp(1 / (1 + Math.exp(-x))));
      tanh = Math.max(tanh, Math.abs(tanh32(x) - Math.tanh(x)) / ulp(Math.tanh(x)));
    }
    expect(exp).toBeLessThan(1.2e-7);
    expect(sig).toBeLessThan(1.5);
    expect(tanh).toBeLessThan(3.5);
    // Saturation, and NaN passes through.
    expect(sigmoid32(100)).toBe(1);
    expect(sigmoid32(-100)).toBeLessThan(1e-38);
    expect(tanh32(50)).toBe(1);
    expect(tanh32(-50)).toBe(-1);
    expect(tanh32(Number.NaN)).toBeNaN();
    expect(sigmoid32(Number.NaN)).toBeNaN();
  });
});
