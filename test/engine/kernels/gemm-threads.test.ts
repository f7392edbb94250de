import { afterAll, describe, expect, it } from 'vitest';
import { gemmInto, setGemmRunner, setSimdDisabled } from '../../../src/engine/kernels/gemm.js';
import { GemmThreadPool } from '../../../src/engine/kernels/gemm-threads.js';
import { CrossEntropyLoss } from '../../../src/engine/losses/index.js';
import { Linear, ReLU, Sequential } from '../../../src/engine/nn/index.js';
import { Adam } from '../../../src/engine/optim/adam.js';
import { Generator } from '../../../src/engine/random.js';
import { Tensor } from '../../../src/engine/tensor.js';

function randn(n: number, g: Generator): Float32Array {
  return Float32Array.from({ length: n }, () => g.normal());
}

function bits(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
}

/** A few Adam steps of a small MLP whose products all take the SIMD (and threaded) paths. */
function trainedWeights(): Float32Array[] {
  const g = new Generator(11);
  const model = new Sequential(
    new Linear(64, 96, { generator: g }),
    new ReLU(),
    new Linear(96, 10, { generator: g }),
  );
  const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
  const loss = new CrossEntropyLoss();
  const x = new Tensor(randn(48 * 64, g), [48, 64]);
  const y = new Tensor(
    Float32Array.from({ length: 48 }, (_, i) => i % 10),
    [48],
  );
  for (let step = 0; step < 3; step++) {
    optimizer.zeroGrad();
    loss.forward(model.forward(x), y).backward();
    optimizer.step();
  }
  return model.parameters().map((p) => p.data);
}

describe('intra-op threads', () => {
  const pool = GemmThreadPool.create(2);
  afterAll(async () => {
    setGemmRunner(null);
    await pool.close();
  });

  it('splits rows only, so 1 and 2 threads give bitwise-identical products', () => {
    const g = new Generator(5);
    for (const [m, k, n, transA, transB] of [
      [129, 257, 131, false, false],
      [131, 129, 257, true, false],
      [257, 131, 129, false, true],
      // Whole tiles only (no ragged edges packed in JavaScript).
      [128, 264, 256, false, false],
      [128, 264, 256, true, false],
    ] as const) {
      const a = randn(m * k, g);
      const b = randn(k * n, g);
      const one = new Float32Array(m * n);
      const two = new Float32Array(m * n);
      setGemmRunner(null);
      gemmInto(a, b, one, m, k, n, { transA, transB });
      setGemmRunner(pool);
      gemmInto(a, b, two, m, k, n, { transA, transB });
      expect(bits(two)).toEqual(bits(one));
    }
  });

  it('gives every product of a long burst, with pauses that let the workers sleep, exactly', async () => {
    // Three threads: calls a worker never claimed are taken back, others are waited for; each
    // product must still be the single-thread one, whichever thread took which chunk.
    const three = GemmThreadPool.create(3);
    try {
      const g = new Generator(9);
      for (let i = 0; i < 120; i++) {
        const m = 64 + (i % 5) * 8;
        const k = 72 + (i % 3) * 16;
        const n = 80 + (i % 7) * 4;
        const a = randn(m * k, g);
        const b = randn(k * n, g);
        const one = new Float32Array(m * n);
        const many = new Float32Array(m * n);
        setGemmRunner(null);
        gemmInto(a, b, one, m, k, n, { transB: i % 2 === 1 });
        setGemmRunner(three);
        gemmInto(a, b, many, m, k, n, { transB: i % 2 === 1 });
        setGemmRunner(null);
        expect(bits(many)).toEqual(bits(one));
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2)); // workers stop spinning
      }
    } finally {
      setGemmRunner(null);
      await three.close();
    }
  });

  it('trains to bitwise-identical weights on every kernel path (scalar, SIMD, SIMD on 2 threads)', () => {
    setGemmRunner(null);
    const previous = setSimdDisabled(true);
    const scalar = trainedWeights();
    setSimdDisabled(previous);
    const simd = trainedWeights();
    setGemmRunner(pool);
    const threaded = trainedWeights();
    setGemmRunner(null);
    for (let i = 0; i < scalar.length; i++) {
      expect(bits(simd[i])).toEqual(bits(scalar[i]));
      expect(bits(threaded[i])).toEqual(bits(scalar[i]));
    }
  });
});
