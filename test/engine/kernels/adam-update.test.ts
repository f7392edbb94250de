import { describe, expect, it } from 'vitest';
import { type AdamScalars, adamSimdAvailable, adamUpdate } from '../../../src/engine/kernels/adam-update.js';
import { setSimdDisabled } from '../../../src/engine/kernels/simd-toggle.js';
import { Generator } from '../../../src/engine/random.js';

interface Arrays {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** Random arrays with the awkward values mixed in: zeros, signed zeros, subnormals, huge and tiny. */
function arrays(n: number, seed: number): Arrays {
  const gen = new Generator(seed);
  const special = [0, -0, 1e-40, -1e-40, 3e38, -3e38, 1e-30, 1, -1];
  const fill = (positive: boolean) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x =
        i % 7 === 3
          ? special[(i >> 3) % special.length]
          : gen.normal() * 10 ** Math.floor(gen.uniform(-6, 3));
      a[i] = positive ? Math.abs(x) : x;
    }
    return a;
  };
  return { p: fill(false), g: fill(false), m: fill(false), v: fill(true) };
}

function copy(a: Arrays): Arrays {
  return { p: a.p.slice(), g: a.g.slice(), m: a.m.slice(), v: a.v.slice() };
}

function bits(x: Float32Array): number[] {
  return [...new Uint32Array(x.buffer, x.byteOffset, x.length)];
}

function run(a: Arrays, s: AdamScalars, steps: number, scalar: boolean): Arrays {
  const previous = setSimdDisabled(scalar);
  try {
    for (let t = 0; t < steps; t++) adamUpdate(a.p, a.g, a.m, a.v, s);
  } finally {
    setSimdDisabled(previous);
  }
  return a;
}

const SCALARS: AdamScalars = {
  beta1: 0.9,
  beta2: 0.999,
  stepSize: 0.001 / (1 - 0.9 ** 3),
  biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** 3),
  eps: 1e-8,
};

describe('adamUpdate', () => {
  it('has the WebAssembly SIMD kernel on this platform (else the comparisons below are vacuous)', () => {
    expect(adamSimdAvailable()).toBe(true);
    const previous = setSimdDisabled(true);
    expect(adamSimdAvailable()).toBe(false);
    setSimdDisabled(previous);
  });

  // Lengths around the kernel's 4-wide lanes and its 8192-value chunks.
  for (const n of [1, 3, 4, 5, 8191, 8192, 8193, 20_001]) {
    it(`SIMD and scalar paths agree bitwise (n=${n})`, () => {
      const start = arrays(n, n);
      const simd = run(copy(start), SCALARS, 3, false);
      const scalar = run(copy(start), SCALARS, 3, true);
      for (const key of ['p', 'm', 'v'] as const) expect(bits(simd[key])).toEqual(bits(scalar[key]));
      // Inputs stay untouched where they should.
      expect(bits(simd.g)).toEqual(bits(start.g));
    });
  }

  it('computes Adam: the update of PyTorch written out in float64 agrees to float32 precision', () => {
    const n = 1000;
    const gen = new Generator(1);
    const a: Arrays = {
      p: Float32Array.from({ length: n }, () => gen.normal()),
      g: Float32Array.from({ length: n }, () => gen.normal()),
      m: Float32Array.from({ length: n }, () => gen.normal() * 0.1),
      v: Float32Array.from({ length: n }, () => Math.abs(gen.normal()) * 0.01),
    };
    const { beta1, beta2, stepSize, biasCorrection2Sqrt, eps } = SCALARS;
    const expected = [...a.p].map((p, i) => {
      const m = beta1 * a.m[i] + (1 - beta1) * a.g[i];
      const v = beta2 * a.v[i] + (1 - beta2) * a.g[i] * a.g[i];
      return { p: p - (stepSize * m) / (Math.sqrt(v) / biasCorrection2Sqrt + eps), m, v };
    });
    run(a, SCALARS, 1, false);
    for (let i = 0; i < n; i++) {
      expect(a.m[i]).toBeCloseTo(expected[i].m, 6);
      expect(a.v[i]).toBeCloseTo(expected[i].v, 7);
      expect(Math.abs(a.p[i] - expected[i].p)).toBeLessThanOrEqual(
        4e-7 * Math.max(1, Math.abs(expected[i].p)),
      );
    }
  });

  it('propagates NaN gradients on both paths', () => {
    const a: Arrays = {
      p: new Float32Array([1, 2, 3, 4, 5]),
      g: new Float32Array([Number.NaN, 0.5, Number.NaN, -1, 0]),
      m: new Float32Array(5),
      v: new Float32Array(5),
    };
    for (const scalar of [false, true]) {
      const out = run(copy(a), SCALARS, 1, scalar);
      expect([...out.p].map(Number.isNaN)).toEqual([true, false, true, false, false]);
      expect(out.p[4]).toBe(5);
    }
  });
});
